"""The search page: a query box, filters with facet counts, results with highlighted fragments.

The words typed are personal data (surnames, addresses), so they never enter a URL: the form is posted, the words
are kept on the server (webapp/search/queries.py) and the answer is a redirect to results whose URL carries their
id, `?query=`, and nothing but filters, codes, numbers and dates; every link the page makes (pages, facets,
filters) is built from that checked state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from search_index import SearchResult
from webapp.auth.models import District, User
from webapp.cases.permissions import search_scope
from webapp.documents.models import DOCUMENT_TYPES
from webapp.documents.services import get_document
from webapp.errors import STATUS_BY_ERROR
from webapp.exceptions import DomainError, Gone, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.pagination import page_count
from webapp.previews.delivery import first_page_thumbnails
from webapp.search import services
from webapp.search.params import PER_PAGE, YEAR_MAX, YEAR_MIN, search_query
from webapp.search.queries import recall_query, remember_query
from webapp.ui import current_actor, ui
from webapp.ui.filters import ru_date
from webapp.uow import commit
from webapp.validation import NOMENCLATURE_INDEX_PATTERN, parse_int

Names = dict[str, dict[str, str]]
MAX_PAGE = 500  # 10 000 results deep is more than anyone pages through
# Filters with facet counts, in the order shown, with their Russian titles.
FACETS = {"type": "Вид документа", "year": "Год", "district": "Участок", "nomenclature": "Статья номенклатуры"}
FILTERS = {**FACETS, "date_from": "Дата с", "date_to": "Дата по", "case": "Дело"}
SORT_LABELS = {"relevance": "по релевантности", "date": "по дате"}
# Validation messages start with the parameter name; the page names the field the way its form does.
FIELD_LABELS = {**FILTERS, "page": "Страница", "q": "Что искать"}


@dataclasses.dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str  # adds this filter, or removes it when active


@dataclasses.dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    values: list[FacetValue]


@dataclasses.dataclass(frozen=True)
class ActiveFilter:
    title: str
    label: str
    clear_url: str


@dataclasses.dataclass
class Outcome:
    """One showing of the page: `state` is what its URLs may carry, `typed` what its form shows."""

    state: dict[str, str] = dataclasses.field(default_factory=dict)
    typed: dict[str, str] = dataclasses.field(default_factory=dict)
    result: SearchResult | None = None
    page: int = 1
    error: str | None = None
    status: int = 200


@ui.get("/search")
@login_required
def search() -> Response | tuple[str, int]:
    if "q" in request.args:  # an old link or bookmark with the words in it: answer with a URL without them
        return _keep_words(request.args)
    actor, names = current_actor(), _names()
    outcome = Outcome(typed=_typed(request.args))
    try:
        outcome.state = _checked_filters(request.args, names)
        if query_id := request.args.get("query", "").strip():
            outcome.typed["q"] = _recalled(actor, query_id)
            outcome.state = {"query": query_id, **outcome.state}
        outcome.page = parse_int(request.args.get("page"), "page", default=1, maximum=MAX_PAGE)
        query = search_query({**outcome.state, "q": outcome.typed.get("q", "")}, page=outcome.page, per_page=PER_PAGE)
        if query.text or _filtered(outcome.state):
            outcome.result = services.search(actor, query)
            commit()
    except DomainError as exc:  # bad filters, or a query the index cannot parse: say so on the page
        outcome.error, outcome.status = _message(exc), _status(exc)
    return _render(actor, names, outcome), outcome.status


@ui.post("/search")
@login_required
def search_submit() -> Response | tuple[str, int]:
    """The search form: its words are kept on the server, the answer redirects to results that name only their id."""
    return _keep_words(request.form)


def _keep_words(values: Mapping[str, str]) -> Response | tuple[str, int]:
    actor, names = current_actor(), _names()
    typed = _typed(values)
    try:
        state = _checked_filters(values, names)
        search_query({"q": typed.get("q", "")}, page=1, per_page=PER_PAGE)  # the words' length
    except DomainError as exc:  # shown with the form as typed; no URL is made of it
        outcome = Outcome(typed=typed, error=_message(exc), status=_status(exc))
        return _render(actor, names, outcome), outcome.status
    if typed.get("q"):
        state = {"query": remember_query(actor, typed["q"]), **state}
    return redirect(_search_url(state), code=303)


def _recalled(actor: User, query_id: str) -> str:
    words = recall_query(actor, query_id)
    if words is None:
        raise Gone("Поиск устарел или начат в другом сеансе: введите запрос ещё раз", code="search_expired")
    return words


def _typed(values: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name in ("q", "sort", *FILTERS) if (value := values.get(name, "").strip())}


def _checked_filters(values: Mapping[str, str], names: Names) -> dict[str, str]:
    """The filters and sort of `values`, checked so that nothing but codes, numbers and dates can reach a URL."""
    state = {name: value for name in FILTERS if (value := values.get(name, "").strip())}
    search_query(state, page=1, per_page=PER_PAGE)  # numbers and dates
    if "type" in state and state["type"] not in DOCUMENT_TYPES:
        raise ValidationError("type: такого вида документа нет", code="invalid_parameter")
    if "district" in state and state["district"] not in names["district"]:
        raise ValidationError("district: такого участка нет", code="invalid_parameter")
    if "nomenclature" in state and not re.fullmatch(NOMENCLATURE_INDEX_PATTERN, state["nomenclature"]):
        raise ValidationError("nomenclature: ожидался индекс статьи, например 04-05", code="invalid_parameter")
    if values.get("sort") == "date":  # relevance is the default
        state["sort"] = "date"
    return state


def _filtered(state: dict[str, str]) -> bool:
    return any(name in state for name in FILTERS)


def _render(actor: User, names: Names, outcome: Outcome) -> str:
    state, result, page = outcome.state, outcome.result, outcome.page
    pages = page_count(result.total, PER_PAGE) if result else 1
    return render_template(
        "search/search.html",
        params=outcome.typed,
        result=result,
        error=outcome.error,
        page=page,
        pages=pages,
        first_number=(page - 1) * PER_PAGE + 1,
        first_url=_search_url(state),
        prev_url=_search_url(state, page=min(page - 1, pages)) if result and page > 1 else None,
        next_url=_search_url(state, page=page + 1) if result and page < pages else None,
        facets=_facet_groups(result, state, names) if result else [],
        active_filters=_active_filters(result, state, names),
        clear_all_url=_search_url({k: v for k, v in state.items() if k not in FILTERS}) if _filtered(state) else None,
        type_labels=DOCUMENT_TYPES,
        districts=_visible_districts(actor_scope=search_scope(actor)[0], names=names["district"]),
        sort_labels=SORT_LABELS,
        year_range=(YEAR_MIN, YEAR_MAX),
        # The first page of each hit, opening the viewer at the page that matched (`query`: the words' id).
        thumbnails=first_page_thumbnails((hit.document_id, hit.version) for hit in result.hits) if result else {},
        query_id=state.get("query"),
    )


@ui.get("/documents/<int:document_id>/similar")
@login_required
def similar_documents(document_id: int) -> str:
    document = get_document(current_actor(), document_id)
    hits = services.similar_documents(current_actor(), document_id)
    return render_template("search/similar.html", document=document, hits=hits, type_labels=DOCUMENT_TYPES)


def _search_url(params: dict[str, str], **changes: str | int | None) -> str:
    """This page with `params` (the checked state: never the words) and `changes` applied (None or "" drops a
    parameter); no page means page 1."""
    merged: dict[str, str | int | None] = {**params, **changes}
    values: dict[str, Any] = {name: value for name, value in merged.items() if value not in (None, "")}
    return url_for("ui.search", **values)


def _facet_groups(result: SearchResult, params: dict[str, str], names: Names) -> list[FacetGroup]:
    groups = []
    for name, title in FACETS.items():
        counts = dict(result.facets.get(name, {}))
        active = params.get(name)
        if active is not None and active not in counts:  # still shown, so that it can be cleared
            counts[active] = 0
        values = [
            FacetValue(
                value=value,
                label=_label(name, value, names),
                count=count,
                active=value == active,
                url=_search_url(params, **{name: None if value == active else value}),
            )
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
        groups.append(FacetGroup(name=name, title=title, values=values))
    return groups


def _active_filters(result: SearchResult | None, params: dict[str, str], names: Names) -> list[ActiveFilter]:
    active = []
    for name, title in FILTERS.items():
        if name not in params:
            continue
        label = _label(name, params[name], names)
        if name == "case":
            label = result.hits[0].case_number if result and result.hits else "выбранное дело"
        active.append(ActiveFilter(title=title, label=label, clear_url=_search_url(params, **{name: None})))
    return active


def _label(name: str, value: str, names: Names) -> str:
    if name == "type":
        return DOCUMENT_TYPES.get(value, value)
    if name == "district":
        return names["district"].get(value, value)
    if name == "nomenclature" and value in names["nomenclature"]:
        return f"{value} — {names['nomenclature'][value]}"
    if name in ("date_from", "date_to"):
        try:
            return ru_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _names() -> Names:
    """Labels of facet values: district names, nomenclature headings (of the latest year with the index)."""
    headings = db.session.execute(
        select(NomenclatureEntry.index, NomenclatureEntry.title).order_by(NomenclatureEntry.year)
    ).all()
    return {
        "district": {code: name for code, name in db.session.execute(select(District.code, District.name)).all()},
        "nomenclature": {index: title for index, title in headings},
    }


def _visible_districts(actor_scope: frozenset[str] | None, names: dict[str, str]) -> list[tuple[str, str]]:
    """Districts to offer in the filter: the user's own, or all for those who see every case."""
    codes = names.keys() if actor_scope is None else actor_scope
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda item: item[1])


def _message(exc: DomainError) -> str:
    name, separator, rest = exc.message.partition(": ")
    return f"{FIELD_LABELS[name]}: {rest}" if separator and name in FIELD_LABELS else exc.message


def _status(exc: DomainError) -> int:
    return next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
