"""The database's part of a backup: a consistent copy taken while the application runs, and putting it back.

SQLite (the embedded default): SQLite's online backup API copies the live file page by page into a snapshot.
PostgreSQL: `pg_dump` in custom format, of the server's own major version, run on a snapshot exported from a
REPEATABLE READ transaction that stays open meanwhile, so the list of stored files read in that transaction is the
dump's to the row (a file relocated or added after the snapshot is not in it)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from webapp.backups.keys import BackupError

DUMP_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
TOOL_TIMEOUT = 6 * 3600


@dataclass
class Snapshot:
    kind: str  # a key of DUMP_FILES
    path: Path  # the copy, in clear, in a private temporary folder
    details: dict[str, str] = field(default_factory=dict)  # server and tool versions, for the manifest


def kind_of(url: str | URL) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"


@contextlib.contextmanager
def snapshot(engine: Engine, workdir: Path) -> Iterator[tuple[Snapshot, Session]]:
    """A consistent copy of the database in `workdir`, and a session that reads the state it holds."""
    if kind_of(engine.url) == "sqlite":
        yield from _sqlite_snapshot(engine, workdir)
    else:
        yield from _postgres_snapshot(engine, workdir)


def _sqlite_snapshot(engine: Engine, workdir: Path) -> Iterator[tuple[Snapshot, Session]]:
    path = workdir / DUMP_FILES["sqlite"]
    source = sqlite3.connect(_read_only(Path(engine.url.database or "")), uri=True)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    copy = create_engine(f"sqlite:///{path}")
    try:
        with Session(copy) as session:
            yield Snapshot("sqlite", path, {"sqlite": sqlite3.sqlite_version}), session
    finally:
        copy.dispose()


def _postgres_snapshot(engine: Engine, workdir: Path) -> Iterator[tuple[Snapshot, Session]]:
    path = workdir / DUMP_FILES["postgresql"]
    with engine.connect() as base:
        connection = base.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            major = int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000
            exported = connection.scalar(text("SELECT pg_export_snapshot()"))
            tool = postgres_tool("pg_dump", major)
            _run([tool, "--format=custom", f"--snapshot={exported}", "--file", str(path)], engine.url, "pg_dump")
            details = {"server_major": str(major), "pg_dump": _version(tool)}
            with Session(bind=connection) as session:
                yield Snapshot("postgresql", path, details), session


def restore_into(kind: str, dump: Path, url: str, server_major: int | None) -> None:
    """Put a dump back into the configured database, which must be empty (is_empty)."""
    if kind != kind_of(url):
        raise BackupError(f"the backup holds a {kind} database, CASEFILES_DATABASE_URL names a {kind_of(url)} one")
    if kind == "sqlite":
        path = Path(make_url(url).database or "")
        partial = path.with_name(path.name + ".restoring")
        shutil.copyfile(dump, partial)
        os.replace(partial, path)
        return
    tool = postgres_tool("pg_restore", server_major or _server_major(url))
    # One transaction: a restore that stops halfway leaves the database as empty as it was.
    target = make_url(url)
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    _run([*args, "--dbname", target.database or "", str(dump)], target, "pg_restore")


def is_empty(url: str) -> bool:
    """The database holds no table (a SQLite file that does not exist yet is empty)."""
    if kind_of(url) == "sqlite":
        path = Path(make_url(url).database or "")
        if not path.exists() or path.stat().st_size == 0:
            return True
        with contextlib.closing(sqlite3.connect(path)) as connection:
            tables: int = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            return tables == 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            return bool(connection.scalar(text(query)) == 0)
    finally:
        engine.dispose()


def check_readable(kind: str, dump: Path, server_major: int | None) -> int:
    """Open a dump as its tool would; the number of stored files it holds (SQLite) or of its entries (pg_dump)."""
    if kind == "sqlite":
        try:
            with contextlib.closing(sqlite3.connect(_read_only(dump), uri=True)) as connection:
                verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
                if verdict != "ok":
                    raise BackupError(f"the database copy is damaged: {verdict}")
                count: int = connection.execute("SELECT count(*) FROM stored_files").fetchone()[0]
                return count
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the database copy cannot be read: {exc}") from None
    listing = _run([postgres_tool("pg_restore", server_major or 0), "--list", str(dump)], None, "pg_restore --list")
    if "TABLE DATA" not in listing or " stored_files " not in listing:
        raise BackupError("the database dump holds no stored_files table")
    return sum(1 for line in listing.splitlines() if line and not line.startswith(";"))


def _read_only(path: Path) -> str:
    """SQLite's URI of a file opened read-only (percent-encoded: a folder name may hold `?` or `#`)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def postgres_tool(name: str, major: int) -> str:
    """`pg_dump` or `pg_restore` of PostgreSQL `major` (Debian keeps each version's in its own folder); a dump made
    by another version's tool is refused rather than trusted."""
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name) or ""]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and (not major or _major(_version(candidate)) == major):
            return candidate
    raise BackupError(f"Не установлен {name} PostgreSQL {major} (apt-get install postgresql-client-{major})")


def _server_major(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000
    finally:
        engine.dispose()


def _version(tool: str) -> str:
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)  # noqa: S603 - our tool
    return done.stdout.strip()


def _major(version: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)*", version)
    return int(found.group(1)) if found else 0


def _run(args: list[str], url: URL | None, what: str) -> str:
    """Run a PostgreSQL tool with the connection in libpq's variables (PGDATABASE too: a password is never on a
    command line)."""
    env = dict(os.environ)
    if url is not None:
        parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password}
        env.update({name: str(value) for name, value in parts.items() if value is not None})
        env["PGDATABASE"] = url.database or ""
    done = subprocess.run(  # noqa: S603 - a PostgreSQL tool with our arguments, never a shell
        args, capture_output=True, text=True, env=env, timeout=TOOL_TIMEOUT, check=False
    )
    if done.returncode != 0:
        # The first line: the tool's error, not the DETAIL lines after it (which may quote a row's values).
        complaint = (done.stderr.strip().splitlines() or ["no message"])[0][:300]
        raise BackupError(f"{what} завершился с ошибкой: {complaint}")
    return done.stdout
