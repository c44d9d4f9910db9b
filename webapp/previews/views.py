"""The viewer («Просмотр»): a version's pages one under another with a thumbnail strip, two versions side by side
(«Сравнить»), and the page images the pages load. The viewer never offers the original file: downloading stays a
separate act on the case page, for those who may read content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, jsonify, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.documents.models import DocumentVersion
from webapp.documents.services import get_document, get_version
from webapp.exceptions import NotFound
from webapp.previews import delivery
from webapp.previews.highlights import word_boxes
from webapp.previews.services import find_page
from webapp.previews.sessions import ViewSession, view_session
from webapp.search.queries import QUERY_ID, recall_query
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int, parse_optional_int


@ui.get("/documents/<int:document_id>/versions/<int:number>/view")
@login_required
def version_viewer(document_id: int, number: int) -> str:
    """`?page=N` opens at that page; `?query=ID` (a search's kept words, never the words themselves) opens at the
    first page where they occur, and the pages' script marks them where the text layer allows (`page_marks`)."""
    actor = current_actor()
    start = parse_optional_int(request.args.get("page"), "page")
    version, session = delivery.opened(actor, document_id, number)
    delivery.requested(actor, version)
    commit()  # the opening is on record, and a requested preview's job goes to the queue
    delivery.mark_first_pages(actor, version, session)
    record = _pages(version, session)
    query_id = request.args.get("query", "").strip()
    if start is None and query_id:
        start = _matching_page(version, query_id)
    return render_template(
        "previews/viewer.html",
        document=version.document,
        version=version,
        versions=[v.number for v in version.document.versions],
        pages=record,
        slots=_slots(record),
        start=start or 1,
        marks_url=_marks_url(version, query_id) if QUERY_ID.fullmatch(query_id) else "",
    )


@ui.get("/documents/<int:document_id>/compare")
@login_required
def compare_versions(document_id: int) -> str:
    """`?left=1&right=2`: two versions side by side, page by page; each shown version is an opening on record."""
    actor = current_actor()
    document = get_document(actor, document_id)
    latest = document.latest_version.number if document.latest_version else 1
    left = parse_int(request.args.get("left"), "left", default=max(1, latest - 1))
    right = parse_int(request.args.get("right"), "right", default=latest)
    sides = [delivery.opened(actor, document_id, left)]
    if right != left:
        sides.append(delivery.opened(actor, document_id, right))
    for version, _ in sides:
        delivery.requested(actor, version)
    commit()
    for version, session in sides:
        delivery.mark_first_pages(actor, version, session)
    columns = [(version, _pages(version, session)) for version, session in sides]
    rows = max((len(_slots(record)) for _, record in columns), default=0)
    return render_template(
        "previews/compare.html",
        document=document,
        versions=[v.number for v in document.versions],
        columns=[(version, record, _slots(record)) for version, record in columns],
        rows=rows,
        left=left,
        right=right,
    )


@ui.get("/documents/<int:document_id>/versions/<int:number>/pages.json")
@login_required
def version_pages_poll(document_id: int, number: int) -> Response:
    """The page list for the viewer's script, polled while pages are being made: the opening itself was recorded
    when the viewer was opened, so this is not another one; `?view=` is its session, which the pages' URLs keep."""
    actor = current_actor()
    version = get_version(actor, document_id, number)
    delivery.requested(actor, version)
    commit()
    session = view_session(actor, document_id, number, request.args.get("view"))
    delivery.mark_first_pages(actor, version, session)
    return jsonify(_pages(version, session))


@ui.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>.webp")
@login_required
def page_image_page(document_id: int, number: int, page: int) -> Response:
    view = request.args.get("view")
    return _image_or_placeholder(lambda: delivery.page_image(current_actor(), document_id, number, page, view))


@ui.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>.jpg")
@login_required
def page_image_page_before(document_id: int, number: int, page: int) -> Response:
    """Where page images were JPEG: the same page, now WebP, at its new URL (query kept), for those who may read
    it (others get the 404/403 of a content read here already)."""
    get_version(current_actor(), document_id, number)
    path = url_for("ui.page_image_page", document_id=document_id, number=number, page=page)
    return delivery.moved_to(path, request.query_string)


@ui.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>/thumbnail.webp")
@login_required
def page_thumbnail_page(document_id: int, number: int, page: int) -> Response:
    return _image_or_placeholder(lambda: delivery.thumbnail(current_actor(), document_id, number, page))


def _image_or_placeholder(serve: Callable[[], delivery.Served]) -> Response:
    """The image, or on a page a placeholder for one not ready or not made (the API answers 404 for those)."""
    try:
        served = serve()
    except NotFound as exc:
        if exc.code not in delivery.NOT_SHOWN:
            raise
        served = delivery.placeholder(delivery.NOT_SHOWN[exc.code])
    return delivery.image_response(served)


@ui.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>/marks.json")
@login_required
def page_marks(document_id: int, number: int, page: int) -> Response:
    """Where the kept words of `?query=ID` are on the page, for the viewer to mark them over its image: `{"boxes":
    [[x, y, w, h], ...]}` in fractions of the page (origin top-left). A read of the content, as the page image is,
    but not another opening on record; an unknown or expired id, or a page without a text layer, has no boxes."""
    actor = current_actor()
    version = get_version(actor, document_id, number)
    words = recall_query(actor, request.args.get("query", "").strip())
    boxes = word_boxes(version, page, words) if words else []
    response = jsonify({"boxes": [list(box) for box in boxes]})
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _marks_url(version: DocumentVersion, query_id: str) -> str:
    """The marks of page 0, which the viewer's script turns into each page's (`/pages/0/` → `/pages/N/`)."""
    return url_for("ui.page_marks", document_id=version.document_id, number=version.number, page=0, query=query_id)


def _pages(version: DocumentVersion, session: ViewSession | None) -> dict[str, Any]:
    """The page list with the session's id in the page images' URLs and the poll's (none without a session)."""
    document_id, number = version.document_id, version.number
    view: dict[str, Any] = {"view": session.id} if session is not None else {}

    def url(kind: str, page: int) -> str:
        if kind == "thumbnail":
            return url_for("ui.page_thumbnail_page", document_id=document_id, number=number, page=page)
        return url_for("ui.page_image_page", document_id=document_id, number=number, page=page, **view)

    record = delivery.pages_record(version, url)
    record["poll_url"] = url_for("ui.version_pages_poll", document_id=document_id, number=number, **view)
    return record


def _slots(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A place for every page: the ready ones, then, while pages are being made, placeholders for the rest (one
    while the count is not known yet), which the viewer's script fills in."""
    ready = {page["number"]: page for page in record["pages"]}
    count = record["count"] or max(ready, default=0) + 1
    if record["status"] != "pending":  # ready, or failed: no more pages will come
        count = len(ready)
    return [ready.get(number, {"number": number, "pending": True}) for number in range(1, max(count, len(ready)) + 1)]


def _matching_page(version: DocumentVersion, query_id: str) -> int | None:
    words = recall_query(current_actor(), query_id)
    if words is None:
        flash("Поиск устарел или начат в другом сеансе: документ открыт с первой страницы", "info")
        return None
    return find_page(version, words)
