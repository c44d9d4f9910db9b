"""Full-text search benchmark: our SearchIndex against a plain whoosh index of the same documents.

    .venv/bin/python -m bench.search [--docs 20000] [--seed 1] [--json]
    .venv/bin/python -m bench.search --backend postgres --database-url postgresql+psycopg://...

With `--backend postgres`, "ours" is PostgresSearchIndex in a schema of its own in that database (dropped at
the end; its size is the tables' with their indexes and TOAST); it keeps no cache of its own, so its "cold" runs
are as warm as PostgreSQL's shared buffers and the OS cache are.

Both indexes are built and queried in the same run and the figures are reported as ratios, ours / baseline: the
baseline is whoosh with its StandardAnalyzer (no stemming, no Russian stop words), opened the same way as ours
(without mmap) and queried with the same facets and highlights as the app through whoosh's own search, so the
ratio shows what the Russian analysis and our query evaluation cost or save. Ours is timed twice: warm (the
posting lists of earlier queries cached, as in a running server) and cold (that cache dropped before every
run, so every word is read from disk; per-segment columns stay, as they are read once per commit). Absolute
times depend on the machine, so nothing here passes or fails: the targets are printed for the reader. Only the
public API of `search_index` is used, so the bench keeps working as the analyzer changes. Everything is written
to a temporary folder that is removed at the end."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import whoosh
from whoosh import highlight, qparser, sorting
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from bench.search_corpus import QUERIES, build_corpus
from search_index import IndexedDocument, SearchIndex, SearchQuery
from search_index.postgres import PostgresSearchIndex

DEFAULT_DOCS = 20_000
DEFAULT_SEED = 1
REPEATS = 3  # timed runs of every query, after one warm-up run
PER_PAGE = 20
HIGHLIGHTS = 3
FACET_FIELDS = ("type", "year", "district", "nomenclature")
BASELINE_SEARCH_FIELDS = ["title", "text", "case_number_text", "author"]
INDEXING_TARGET = 0.6  # ours at least 0.6x the baseline's documents per second
P95_TARGET_MS = 50.0  # PostgreSQL at any size; whoosh up to 20,000 documents (the first brief)
WHOOSH_LARGE_P95_TARGET_MS = 100.0  # whoosh, warm, beyond 20,000 documents (issue 25: at 200,000)
POSTGRES_INDEXING_TARGET = 1000.0  # documents per second, at 200,000 documents


@dataclass
class Side:
    """The figures of one index: ours or the baseline."""

    build_s: float = 0.0
    docs_per_s: float = 0.0
    size_mb: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    mean_ms: float = 0.0
    cold_p50_ms: float = 0.0  # ours only: with the posting cache dropped before every run
    cold_p95_ms: float = 0.0
    cold_mean_ms: float = 0.0
    avg_hits: float = 0.0
    zero_hit_queries: int = 0
    fuzzy_queries: int = 0  # answered only by a typo-tolerant retry
    errors: int = 0


@dataclass
class QueryFigures:
    query: str
    ours_hits: int
    baseline_hits: int
    ours_median_ms: float
    baseline_median_ms: float
    ours_fuzzy: bool


class Baseline:
    """Plain whoosh: StandardAnalyzer, one writer, and per query what the app does (a fresh searcher, AND of the
    words over the text fields, the same four facet counts, highlights of the text of every hit on the page)."""

    def __init__(self, path: Path) -> None:
        self.schema = baseline_schema()
        self.index = FileStorage(str(path), supports_mmap=False).create_index(self.schema)
        self.parser = qparser.MultifieldParser(BASELINE_SEARCH_FIELDS, self.schema, group=qparser.AndGroup)
        self.highlighter = highlight.Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=200, surround=60))

    def build(self, docs: Sequence[IndexedDocument]) -> None:
        writer = self.index.writer()
        for doc in docs:
            writer.add_document(**baseline_fields(doc))
        writer.commit()

    def count(self) -> int:
        with self.index.searcher() as searcher:
            return int(searcher.doc_count())

    def search(self, text: str) -> int:
        query = self.parser.parse(text)
        facets = sorting.Facets()
        for name in FACET_FIELDS:
            facets.add_field(name, maptype=sorting.Count)
        with self.index.searcher() as searcher:
            results = searcher.search(query, limit=PER_PAGE, groupedby=facets, terms=True)
            for hit in results[:PER_PAGE]:
                hit.fields()
                self.highlighter.highlight_hit(hit, "text", top=HIGHLIGHTS)
            for name in FACET_FIELDS:
                results.groups(name)
            return len(results)


def baseline_schema() -> Schema:
    analyzer = StandardAnalyzer()
    return Schema(
        doc_key=ID(unique=True, stored=True),
        document_id=STORED,
        case_id=ID(stored=True),
        case_number=ID(stored=True),
        case_number_text=TEXT(analyzer=analyzer),
        title=TEXT(analyzer=analyzer, stored=True),
        text=TEXT(analyzer=analyzer, stored=True),
        author=TEXT(analyzer=analyzer),
        type=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        district=ID(stored=True, sortable=True),
        nomenclature=ID(stored=True, sortable=True),
    )


def baseline_fields(doc: IndexedDocument) -> dict[str, Any]:
    return {
        "doc_key": str(doc.document_id),
        "document_id": doc.document_id,
        "case_id": str(doc.case_id),
        "case_number": doc.case_number,
        "case_number_text": doc.case_number,
        "title": doc.title,
        "text": doc.text,
        "author": doc.author,
        "type": doc.type,
        "year": str(doc.year),
        "district": doc.district,
        "nomenclature": doc.nomenclature,
    }


def timed_build(build: Callable[[], object], count: int) -> tuple[float, float]:
    """(seconds, documents per second)."""
    gc.collect()
    start = time.perf_counter()
    build()
    seconds = time.perf_counter() - start
    return seconds, count / seconds


def folder_mb(path: Path) -> float:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file()) / 1_000_000


Engine = tuple[Callable[[str], int], Callable[[], None] | None]  # (run a query, untimed preparation of a run)


def run_queries(
    engines: dict[str, Engine],
) -> tuple[dict[str, list[float]], dict[str, list[int]], dict[str, list[list[float]]], dict[str, int]]:
    """Every query on every engine: one warm-up run (whose hit count is kept), then REPEATS timed runs.

    The engines take turns query by query, so drift over the run (caches, CPU clock) hits both alike."""
    samples: dict[str, list[float]] = {name: [] for name in engines}
    hits: dict[str, list[int]] = {name: [] for name in engines}
    per_query: dict[str, list[list[float]]] = {name: [] for name in engines}
    errors = dict.fromkeys(engines, 0)
    for text in QUERIES:
        for name, (run, _) in engines.items():
            found = _attempt(run, text)
            errors[name] += found is None
            hits[name].append(found or 0)
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(REPEATS):
            for name, (run, prepare) in engines.items():
                if prepare is not None:
                    prepare()
                start = time.perf_counter()
                _attempt(run, text)
                times[name].append((time.perf_counter() - start) * 1000)
        for name in engines:
            samples[name] += times[name]
            per_query[name].append(times[name])
    return samples, hits, per_query, errors


def _attempt(run: Callable[[str], int], text: str) -> int | None:
    """The hit count, or None when the engine cannot run the query (counted as an error with no hits)."""
    try:
        return run(text)
    except Exception:
        return None


def percentile(values: Sequence[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def ours_on(
    backend: str, folder: Path, database_url: str | None, workers: int | None = None
) -> Iterator[tuple[Any, Callable[[], float]]]:
    """Our index on the chosen backend, and how to measure its size in MB."""
    if backend == "whoosh":
        yield SearchIndex(folder), lambda: folder_mb(folder)
        return
    from sqlalchemy import create_engine, text

    assert database_url, "--backend postgres needs --database-url"
    schema = f"bench_search_{secrets.token_hex(4)}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(database_url, connect_args={"options": f"-csearch_path={schema},public"})

    def size_mb() -> float:
        with engine.connect() as connection:
            total = connection.execute(
                text("SELECT pg_total_relation_size('search_entries') + pg_total_relation_size('search_vocabulary')")
            ).scalar_one()
        return int(total) / 1_000_000

    try:
        yield PostgresSearchIndex(engine, workers=workers), size_mb
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def measure(
    doc_count: int,
    seed: int,
    backend: str = "whoosh",
    database_url: str | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    progress(f"generating {doc_count} documents (seed {seed})")
    start = time.perf_counter()
    docs = build_corpus(doc_count, seed)
    generated_s = time.perf_counter() - start
    text_chars = sum(len(doc.text) for doc in docs)
    ours, baseline = Side(), Side()
    with (
        tempfile.TemporaryDirectory(prefix="casefiles-bench-search-") as tmp,
        ours_on(backend, Path(tmp, "ours"), database_url, workers) as (ours_index, ours_size_mb),
    ):
        baseline_path = Path(tmp, "baseline")
        progress(f"indexing: ours ({type(ours_index).__name__}.rebuild)")
        ours.build_s, ours.docs_per_s = timed_build(lambda: ours_index.rebuild(docs), len(docs))
        baseline_path.mkdir()
        baseline_index = Baseline(baseline_path)
        progress("indexing: baseline (plain whoosh, StandardAnalyzer)")
        baseline.build_s, baseline.docs_per_s = timed_build(lambda: baseline_index.build(docs), len(docs))
        ours.size_mb, baseline.size_mb = ours_size_mb(), folder_mb(baseline_path)
        counts = {"ours": ours_index.count(), "baseline": baseline_index.count()}

        progress(f"querying: {len(QUERIES)} queries x (1 warm-up + {REPEATS} timed runs) on each index")

        fuzzy: set[str] = set()

        def ours_search(text: str) -> int:
            result = ours_index.search(SearchQuery(text=text, per_page=PER_PAGE))
            if getattr(result, "fuzzy", False):  # answered by the typo-tolerant retry, where the index has one
                fuzzy.add(text)
            return result.total

        samples, hits, per_query, errors = run_queries(
            {
                "ours": (ours_search, None),
                "ours_cold": (ours_search, ours_index.drop_caches),
                "baseline": (baseline_index.search, None),
            }
        )
    ours.cold_p50_ms = statistics.median(samples["ours_cold"])
    ours.cold_p95_ms = percentile(samples["ours_cold"], 95)
    ours.cold_mean_ms = statistics.fmean(samples["ours_cold"])
    for side, name in ((ours, "ours"), (baseline, "baseline")):
        side.p50_ms = statistics.median(samples[name])
        side.p95_ms = percentile(samples[name], 95)
        side.mean_ms = statistics.fmean(samples[name])
        side.avg_hits = statistics.fmean(hits[name])
        side.zero_hit_queries = sum(1 for count in hits[name] if count == 0)
        side.errors = errors[name]
    ours.fuzzy_queries = len(fuzzy)
    queries = [
        QueryFigures(
            query=text,
            ours_hits=hits["ours"][i],
            baseline_hits=hits["baseline"][i],
            ours_median_ms=round(statistics.median(per_query["ours"][i]), 2),
            baseline_median_ms=round(statistics.median(per_query["baseline"][i]), 2),
            ours_fuzzy=text in fuzzy,
        )
        for i, text in enumerate(QUERIES)
    ]
    return {
        "config": {
            "docs": doc_count,
            "queries": len(QUERIES),
            "repeats": REPEATS,
            "per_page": PER_PAGE,
            "seed": seed,
            "backend": backend,
            "workers": getattr(ours_index, "workers", 1),
        },
        "environment": {
            "python": platform.python_version(),
            "whoosh": whoosh.versionstring(),
            "machine": platform.machine(),
        },
        "corpus": {
            "documents": len(docs),
            "cases": len({doc.case_id for doc in docs}),
            "text_mb": round(text_chars / 1_000_000, 1),
            "avg_text_chars": round(text_chars / len(docs)),
            "generated_s": round(generated_s, 2),
            "indexed": counts,
        },
        "ours": {key: round(value, 3) for key, value in asdict(ours).items()},
        "baseline": {key: round(value, 3) for key, value in asdict(baseline).items()},
        "ratios": {
            "indexing_docs_per_s": round(ours.docs_per_s / baseline.docs_per_s, 3),
            "index_size": round(ours.size_mb / baseline.size_mb, 3),
            "query_p50": round(ours.p50_ms / baseline.p50_ms, 3),
            "query_p95": round(ours.p95_ms / baseline.p95_ms, 3),
            "query_p50_cold": round(ours.cold_p50_ms / baseline.p50_ms, 3),
            "query_p95_cold": round(ours.cold_p95_ms / baseline.p95_ms, 3),
            "avg_hits": round(ours.avg_hits / baseline.avg_hits, 3) if baseline.avg_hits else None,
        },
        "targets": {"indexing_ratio_min": INDEXING_TARGET, "ours_p95_ms_max": p95_target(backend, doc_count)},
        "queries": [asdict(figures) for figures in queries],
    }


def p95_target(backend: str, docs: int) -> float:
    """The warm query p95 the briefs ask of our index at this size, in ms."""
    return WHOOSH_LARGE_P95_TARGET_MS if backend == "whoosh" and docs > DEFAULT_DOCS else P95_TARGET_MS


def report(figures: dict[str, Any]) -> str:
    config, corpus, env = figures["config"], figures["corpus"], figures["environment"]
    ours, base, ratios = figures["ours"], figures["baseline"], figures["ratios"]
    lines = [
        f"Search benchmark: {config['docs']} documents, {config['queries']} queries x {config['repeats']} runs, "
        f"{config['per_page']} hits a page with facets and highlights, seed {config['seed']}",
        f"Python {env['python']}, whoosh {env['whoosh']}; ours on {config['backend']} "
        f"({config.get('workers', 1)} analysing process(es)); "
        "baseline = plain whoosh with StandardAnalyzer",
        f"Corpus: {corpus['documents']} documents in {corpus['cases']} case files, {corpus['text_mb']} MB of text "
        f"(avg {corpus['avg_text_chars']} chars), generated in {corpus['generated_s']:.1f} s",
        "",
        f"{'':24}{'ours':>12}{'baseline':>12}{'ours/base':>12}",
        _row("indexing, docs/s", ours["docs_per_s"], base["docs_per_s"], ratios["indexing_docs_per_s"], ".0f")
        + (
            f"   target >= {POSTGRES_INDEXING_TARGET:.0f} docs/s"
            if config["backend"] == "postgres"
            else f"   target >= {INDEXING_TARGET}x"
        ),
        _row("indexing, s", ours["build_s"], base["build_s"], ours["build_s"] / base["build_s"], ".1f"),
        _row("index size, MB", ours["size_mb"], base["size_mb"], ratios["index_size"], ".1f"),
        _row("query p50, ms", ours["p50_ms"], base["p50_ms"], ratios["query_p50"], ".1f"),
        _row("query p95, ms", ours["p95_ms"], base["p95_ms"], ratios["query_p95"], ".1f")
        + f"   target: ours p95 under {figures['targets']['ours_p95_ms_max']:.0f} ms",
        _row("query mean, ms", ours["mean_ms"], base["mean_ms"], ours["mean_ms"] / base["mean_ms"], ".1f"),
        _row("cold query p50, ms", ours["cold_p50_ms"], base["p50_ms"], ratios["query_p50_cold"], ".1f"),
        _row("cold query p95, ms", ours["cold_p95_ms"], base["p95_ms"], ratios["query_p95_cold"], ".1f"),
        _row("avg hits per query", ours["avg_hits"], base["avg_hits"], ratios["avg_hits"], ".1f"),
        f"{'queries with no hits':24}{ours['zero_hit_queries']:>12}{base['zero_hit_queries']:>12}",
        f"{'answered by typo retry':24}{ours['fuzzy_queries']:>12}{'-':>12}",
    ]
    if ours["errors"] or base["errors"]:
        lines.append(f"{'queries that failed':24}{ours['errors']:>12}{base['errors']:>12}")
    if corpus["indexed"]["ours"] != corpus["documents"] or corpus["indexed"]["baseline"] != corpus["documents"]:
        lines.append(f"WARNING: documents in the indexes: {corpus['indexed']} of {corpus['documents']}")
    slowest = sorted(figures["queries"], key=lambda q: q["ours_median_ms"], reverse=True)[:5]
    lines += ["", "Slowest queries (ours, median ms / baseline median ms, hits ours / baseline):"]
    lines += [
        f"  {q['ours_median_ms']:7.1f} / {q['baseline_median_ms']:6.1f}   {q['ours_hits']:>6} / {q['baseline_hits']:<6}"
        f"  {q['query']}{'   (typo retry)' if q['ours_fuzzy'] else ''}"
        for q in slowest
    ]
    lines += [
        "",
        "p50/p95 over all timed runs (queries x runs); each run includes parsing, a fresh searcher, 4 facet counts",
        "and the highlights of the page. Ours warm: posting lists of earlier runs cached, as in a running server;",
        "cold: that cache dropped before every run (the baseline has no such cache: its one line serves both).",
        "The ratios come from this run alone: compare them, not absolute times, across machines.",
    ]
    return "\n".join(lines)


def _row(label: str, ours: float, baseline: float, ratio: float | None, fmt: str) -> str:
    shown = f"{ratio:.2f}x" if ratio is not None else "-"
    return f"{label:24}{ours:>12{fmt}}{baseline:>12{fmt}}{shown:>12}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description="Benchmark the full-text search against plain whoosh."
    )
    parser.add_argument(
        "--docs",
        default=str(DEFAULT_DOCS),
        help=f"documents to index, or several sizes run in turn: 20000,200000 (default {DEFAULT_DOCS})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"corpus seed (default {DEFAULT_SEED})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the report")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh", help="our index's backend")
    parser.add_argument("--database-url", help="PostgreSQL (postgresql+psycopg://...) for --backend postgres")
    parser.add_argument(
        "--workers", type=int, help="processes analysing the documents of a PostgreSQL rebuild (default: the cores)"
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(size) for size in args.docs.split(",")]
    except ValueError:
        parser.error("--docs takes whole numbers separated by commas")
    if min(sizes) < 1:
        parser.error("--docs must be at least 1")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url")
    for size in sizes:
        figures = measure(size, args.seed, args.backend, args.database_url, args.workers)
        print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else report(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
