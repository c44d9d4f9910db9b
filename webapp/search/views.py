"""The search page: a query box, filters with facet counts, results with highlighted fragments."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from search_index import SearchResult
from webapp.auth.models import District
from webapp.cases.permissions import search_scope
from webapp.documents.models import DOCUMENT_TYPES
from webapp.documents.services import get_document
from webapp.errors import STATUS_BY_ERROR
from webapp.exceptions import DomainError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.pagination import page_count
from webapp.search import services
from webapp.search.params import YEAR_MAX, YEAR_MIN, search_query
from webapp.ui import current_actor, ui
from webapp.ui.filters import ru_date
from webapp.uow import commit
from webapp.validation import parse_int

Names = dict[str, dict[str, str]]
PER_PAGE = 20
MAX_PAGE = 500  # 10 000 results deep is more than anyone pages through
# Filters with facet counts, in the order shown, with their Russian titles.
FACETS = {"type": "Вид документа", "year": "Год", "district": "Участок", "nomenclature": "Статья номенклатуры"}
FILTERS = {**FACETS, "date_from": "Дата с", "date_to": "Дата по", "case": "Дело"}
PARAMS = ("q", "sort", *FILTERS)
SORT_LABELS = {"relevance": "по релевантности", "date": "по дате"}
# Validation messages start with the parameter name; the page names the field the way its form does.
FIELD_LABELS = {**FILTERS, "page": "Страница"}


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


@ui.get("/search")
@login_required
def search() -> tuple[str, int]:
    actor = current_actor()
    params = {name: value for name in PARAMS if (value := request.args.get(name, "").strip())}
    filtered = any(name in params for name in FILTERS)
    result: SearchResult | None = None
    error: str | None = None
    status = 200
    page = 1
    try:
        page = parse_int(request.args.get("page"), "page", default=1, maximum=MAX_PAGE)
        query = search_query(params, page=page, per_page=PER_PAGE)
        if query.text or filtered:
            result = services.search(actor, query)
            commit()
    except DomainError as exc:  # bad filters, or a query the index cannot parse: say so on the page
        error = _message(exc)
        status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    names = _names()
    unfiltered = {name: value for name, value in params.items() if name not in FILTERS}
    pages = page_count(result.total, PER_PAGE) if result else 1
    page_html = render_template(
        "search/search.html",
        params=params,
        result=result,
        error=error,
        page=page,
        pages=pages,
        first_number=(page - 1) * PER_PAGE + 1,
        prev_url=_search_url(params, page=min(page - 1, pages)) if result and page > 1 else None,
        next_url=_search_url(params, page=page + 1) if result and page < pages else None,
        facets=_facet_groups(result, params, names) if result else [],
        active_filters=_active_filters(result, params, names),
        clear_all_url=_search_url(unfiltered) if filtered else None,
        type_labels=DOCUMENT_TYPES,
        districts=_visible_districts(actor_scope=search_scope(actor)[0], names=names["district"]),
        sort_labels=SORT_LABELS,
        year_range=(YEAR_MIN, YEAR_MAX),
    )
    return page_html, status


@ui.get("/documents/<int:document_id>/similar")
@login_required
def similar_documents(document_id: int) -> str:
    document = get_document(current_actor(), document_id)
    hits = services.similar_documents(current_actor(), document_id)
    return render_template("search/similar.html", document=document, hits=hits, type_labels=DOCUMENT_TYPES)


def _search_url(params: dict[str, str], **changes: str | int | None) -> str:
    """This page with `params` and `changes` applied (None or "" drops a parameter); no page means page 1."""
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
