"""Page images for a response, shared by the API and the pages: read with the permission of a content read
(`get_version`), the stored bytes checked against their SHA-256, and the page image marked with who is looking
as it is served. The stored page stays clean; only the answer carries the watermark.

Thumbnails are served as stored, without a mark: at 200 px wide no line of a page can be read, and a mark that
small would be unreadable too. Opening a document (the viewer page, the API's page list) is one audit event,
`version.view`; the page images it then loads are not events of their own.

That event is also the viewing session (webapp.previews.sessions): page images requested with its id are marked
with the viewer and the moment it began, kept on this node once marked (webapp.previews.marked_cache) and marked
ahead of the reader (webapp.previews.mark_ahead). Served as WebP (`image/webp`; PNG where Pillow lacks WebP)."""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from flask import Response, redirect
from PIL import Image, ImageDraw, ImageFont, features
from sqlalchemy import and_, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import file_ref, open_blob, read_checked
from webapp.blobs.models import StoredFile
from webapp.documents.models import DocumentVersion
from webapp.documents.services import get_version
from webapp.exceptions import NotFound
from webapp.extensions import db
from webapp.previews import mark_ahead
from webapp.previews.marked_cache import cache
from webapp.previews.models import PagePreview, PreviewPage
from webapp.previews.serializers import PageUrl, pages_json
from webapp.previews.services import NOT_PREVIEWABLE, page_of, preview_of, previewable, request_preview
from webapp.previews.sessions import VIEW_ACTION, ViewSession, session_from, view_session
from webapp.printing.pdf import find_font
from webapp.runtime import local_time

NOT_READY = "Страница ещё готовится, повторите запрос через несколько секунд"
NO_SUCH_PAGE = "Страницы с таким номером в документе нет"
FAILED = "Страницы для просмотра не подготовлены"
NOT_SHOWN = {"page_not_ready": "Страница готовится…", "preview_failed": "Страница не подготовлена"}
# The watermark: the viewer's name and the time, in tiled diagonal lines over the whole page.
MARK_COLOUR = (150, 20, 20)
MARK_OPACITY = 70  # of 255: the page stays readable under it
MARK_ANGLE = 30
MARK_FONT_PX = 30  # on a page image PAGE_WIDTH (1400) px wide; scaled with the page
MARK_SPACING = 1.6  # the gap between repeats, as a share of the text's length
# How a marked page is encoded for the viewer: WebP at libwebp's fastest method (the cost is paid once per session
# and page, mostly ahead of the reader; docs/viewer-benchmark.md compares PNG). Where Pillow lacks WebP, PNG.
WEBP_QUALITY = 75
# The hearing members' pages (webapp.hearings.links) are still marked on every request, as baseline JPEG at
# Pillow's fastest settings (no optimised tables, not progressive, 4:2:0 chroma).
JPEG_QUALITY = 80
SERVED_MEDIA_TYPE = "image/jpeg"


@dataclass(frozen=True)
class Served:
    """An image ready for a response."""

    data: bytes
    media_type: str


def opened(actor: User, document_id: int, number: int) -> tuple[DocumentVersion, ViewSession]:
    """A version opened for viewing: a content read (404/403/410 as for a download), on record as one event,
    which is the viewing session its page images are marked for."""
    version = get_version(actor, document_id, number)
    event = record_event(actor, VIEW_ACTION, "document", document_id, version=number)
    db.session.flush()  # the event's id names the session
    return version, session_from(event)


def mark_first_pages(actor: User, version: DocumentVersion, session: ViewSession | None) -> None:
    """Have the session's first pages marked and kept in the background (after the opening was committed)."""
    if session is not None:
        _mark_ahead(actor, version, session, range(1, 1 + mark_ahead.ON_OPEN))


def first_page_thumbnails(versions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bool]:
    """Of (document id, version number) pairs, those whose type gets page images, each with whether its first
    page's thumbnail is ready, in one query: the case page's document list and the search results show it, or a
    placeholder that fills in by itself. The caller lists only versions the viewer may read (the thumbnail's URL
    checks again)."""
    wanted = set(versions)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(DocumentVersion.document_id, DocumentVersion.number, StoredFile.media_type, PreviewPage.id)
        .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
        .outerjoin(PagePreview, PagePreview.version_id == DocumentVersion.id)
        .outerjoin(PreviewPage, and_(PreviewPage.preview_id == PagePreview.id, PreviewPage.number == 1))
        .where(DocumentVersion.document_id.in_(sorted({document_id for document_id, _ in wanted})))
    ).all()
    return {
        (document_id, number): page_id is not None
        for document_id, number, media_type, page_id in rows
        if (document_id, number) in wanted and previewable(media_type)
    }


def requested(actor: User, version: DocumentVersion) -> PagePreview | None:
    """The version's preview, asked for when it has none yet (a version stored before previews, or an office
    document whose PDF copy was never made): its job then makes it, and the page list answers pending meanwhile.
    None for a type that gets no page images."""
    return request_preview(version, actor.id) or preview_of(version)


def pages_record(version: DocumentVersion, url: PageUrl) -> dict[str, Any]:
    """The version's page list as it is now (webapp.previews.serializers.pages_json)."""
    db.session.expire_all()  # an immediate queue may have made pages since the caller's commit
    reason = "" if previewable(version.media_type) else NOT_PREVIEWABLE
    return pages_json(preview_of(version), url, none_because=reason)


def page_row(version: DocumentVersion, page: int) -> PreviewPage:
    """The page's row when it is ready: NotFound `page_not_ready` while it is being made, `preview_failed` (with
    the reason) when the version's page images could not be made, `no_such_page` beyond the document's last page."""
    row = page_of(version, page)
    if row is not None:
        return row
    preview = preview_of(version)
    if preview is not None and preview.page_count is not None and page > preview.page_count:
        raise NotFound(NO_SUCH_PAGE, code="no_such_page")
    if preview is not None and preview.status == "failed":
        raise NotFound(preview.error or FAILED, code="preview_failed")
    raise NotFound(NOT_READY, code="page_not_ready")


def thumbnail(actor: User, document_id: int, number: int, page: int) -> Served:
    row = page_row(get_version(actor, document_id, number), page)
    return Served(read_checked(open_blob(file_ref(row.thumbnail_file))), row.thumbnail_file.media_type)


def page_image(
    actor: User, document_id: int, number: int, page: int, view: str | None = None, now: dt.datetime | None = None
) -> Served:
    """The page image with the viewer's watermark composited onto the stored (clean, checked) one. Within a live
    viewing session (`view`, its id), marked with the moment the session began, kept, and read back from this
    node's cache on the next views; without one, marked with the current time and not kept."""
    version = get_version(actor, document_id, number)
    session = view_session(actor, document_id, number, view)
    if session is None:
        return _marked_now(version, page, mark_text(actor, now or dt.datetime.now(dt.UTC)))
    kept = cache()
    mark_ahead.wait_for(kept.path(session, page))  # marked ahead right now: read it once it is kept
    found = kept.read(session, page)
    if found is None:
        served = _marked_now(version, page, mark_text(actor, session.began_at))
        kept.write(session, page, served.data, served.media_type)
        found = served.data, served.media_type
    _mark_ahead(actor, version, session, range(page + 1, page + 1 + mark_ahead.ON_VIEW))
    return Served(*found)


def _marked_now(version: DocumentVersion, page: int, text: str) -> Served:
    ref = file_ref(page_row(version, page).image_file)
    clean = read_checked(open_blob(ref))  # read and checked on every request, as before: a lost page is an error
    if ref.sha256 is None:
        return Served(*marked_page(clean, text))
    key = (ref.sha256, text, _has_webp())
    with _recent_lock:
        found = _recent_marked.get(key)
        if found is not None:
            _recent_marked.move_to_end(key)
    if found is None:
        found = marked_page(clean, text)
        with _recent_lock:
            _recent_marked[key] = found
            while len(_recent_marked) > RECENT_MARKED_KEPT:
                _recent_marked.popitem(last=False)
    return Served(*found)


def _mark_ahead(actor: User, version: DocumentVersion, session: ViewSession, pages: range) -> None:
    """Hand the pages of `pages` that are ready and not kept yet to the pool of webapp.previews.mark_ahead."""
    if mark_ahead.threads() <= 0:
        return
    kept = cache()
    missing = [page for page in pages if not kept.path(session, page).exists()]
    last = _last_page(version) if missing else None
    missing = [page for page in missing if last is None or page <= last]
    if not missing:
        return
    rows = db.session.scalars(
        select(PreviewPage)
        .join(PagePreview, PagePreview.id == PreviewPage.preview_id)
        .where(PagePreview.version_id == version.id, PreviewPage.number.in_(missing))
    ).all()
    text = mark_text(actor, session.began_at)
    works = [mark_ahead.PageWork(kept, session, row.number, file_ref(row.image_file), text) for row in rows]
    mark_ahead.submit(works, marked_page)


def image_response(served: Served) -> Response:
    """Shown in the browser, never saved as a file: inline, not cached, its type taken as declared."""
    response = Response(served.data, content_type=served.media_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def moved_to(path: str, query_string: bytes) -> Response:
    """A permanent redirect to `path` with the request's query (`?view=`) kept: the old `.jpg` page URLs."""
    query = query_string.decode("ascii", "replace")
    return redirect(f"{path}?{query}" if query else path, code=308)  # type: ignore[return-value]


def mark_text(actor: User, now: dt.datetime) -> str:
    name = actor.full_name or actor.username
    return f"{name} · {local_time(now):%d.%m.%Y %H:%M}"


def watermarked(clean: bytes, text: str) -> Served:
    """The stored page (JPEG, or the WebP of page images made before they were JPEG: whatever it is) with the mark
    composited onto it, as JPEG (the hearing members' pages)."""
    with Image.open(io.BytesIO(clean)) as source:
        marked = _marked(source if source.mode == "RGB" else source.convert("RGB"), text)  # no needless copy
    return Served(encoded(marked), SERVED_MEDIA_TYPE)


def _marked(page: Image.Image, text: str) -> Image.Image:
    """The RGB page with the mark blended in, only where the mask has ink (about 5% of the pixels): a quarter
    faster than Pillow's paste through the whole mask, which blends every pixel."""
    where, ink, keep = _mark_pixels(page.size, text)
    pixels = np.array(page).reshape(-1, 3)
    pixels[where] = (pixels[where] * keep + ink) // 255
    return Image.fromarray(pixels.reshape(page.height, page.width, 3))


@functools.lru_cache(maxsize=16)
def _mark_pixels(size: tuple[int, int], text: str) -> tuple[Any, Any, Any]:
    """The mask's inked pixels (flat indices), the mark's colour times their alpha, and 255 minus their alpha:
    the blend of `_marked`, out = (page * (255 - alpha) + colour * alpha) // 255, prepared once per mask."""
    alpha = np.asarray(_mark_mask(size, text)).reshape(-1)
    where = np.flatnonzero(alpha)
    weight = alpha[where].astype(np.uint16)[:, None]
    ink = weight * np.array(MARK_COLOUR, dtype=np.uint16)[None, :] + 127
    return where, ink, 255 - weight


# The pages this process marked last, by (the clean page's SHA-256, the mark's text, the encoding): a page
# requested without a viewing session is marked with the current minute, so a reader's (or a client's) repeated
# requests within the minute would decode, mark and encode it again (~90 ms of CPU, most of it the WebP encoder).
# The marked image is a function of its key alone (the same for anyone asking with that text), and its request
# still checks the read permission and reads and checks the stored page first. 64 pages of 150-320 KB: ~15 MB.
RECENT_MARKED_KEPT = 64
_recent_marked: OrderedDict[tuple[str, str, bool], tuple[bytes, str]] = OrderedDict()
_recent_lock = threading.Lock()

# (version id, its blob key) -> its ready page images' count: a version's pages never change (its key tells
# versions of another database apart, as the tests make)
_ready_counts: dict[tuple[int, str], int] = {}
READY_COUNTS_KEPT = 4096


def _last_page(version: DocumentVersion) -> int | None:
    """The version's last page once its page images are all ready, known after one query per process: the views
    of its last pages then ask nothing for the pages beyond it."""
    known = (version.id, version.blob_key)
    count = _ready_counts.get(known)
    if count is None:
        found = db.session.execute(
            select(PagePreview.status, PagePreview.page_count).where(PagePreview.version_id == version.id)
        ).first()
        if found is None or found.status != "ready" or not found.page_count:
            return None
        if len(_ready_counts) >= READY_COUNTS_KEPT:
            _ready_counts.clear()
        count = _ready_counts[known] = found.page_count
    return count


def marked_page(clean: bytes, text: str) -> tuple[bytes, str]:
    """The stored page (JPEG, or WebP as pages were stored before) marked and encoded for the viewer."""
    with Image.open(io.BytesIO(clean)) as source:
        marked = _marked(source if source.mode == "RGB" else source.convert("RGB"), text)
    return encoded_for_viewer(marked)


def encoded_for_viewer(page: Image.Image) -> tuple[bytes, str]:
    out = io.BytesIO()
    if _has_webp():
        page.save(out, "WEBP", quality=WEBP_QUALITY, method=0)
        return out.getvalue(), "image/webp"
    page.save(out, "PNG", compress_level=1)
    return out.getvalue(), "image/png"


@functools.cache
def _has_webp() -> bool:
    return bool(features.check("webp"))


def encoded(page: Image.Image) -> bytes:
    """A marked page as the hearing members' pages are served (JPEG)."""
    out = io.BytesIO()
    page.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, subsampling=2)
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def _mark_mask(size: tuple[int, int], text: str) -> Image.Image:
    """The watermark's alpha over a page of `size`: the text repeated in diagonal rows. Made once per viewer,
    minute and page size (a document's pages share one), so serving a page is a decode, a paste and an encode."""
    width, height = size
    font = _font(max(12, MARK_FONT_PX * width // 1400))
    left, top, right, bottom = font.getbbox(text)
    step_x, step_y = int((right - left) * MARK_SPACING), int((bottom - top) * 5)
    # Draw on a square big enough to cover the page once turned, then turn it and cut out the page.
    side = int((width**2 + height**2) ** 0.5) + step_x
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    for row, y in enumerate(range(0, side, step_y)):
        offset = (row % 2) * step_x // 2
        for x in range(-offset, side, step_x):
            draw.text((x, y), text, fill=MARK_OPACITY, font=font)
    turned = canvas.rotate(MARK_ANGLE, resample=Image.Resampling.BILINEAR)
    x0, y0 = (side - width) // 2, (side - height) // 2
    return turned.crop((x0, y0, x0 + width, y0 + height))


@functools.lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.FreeTypeFont:
    """The font at `px` pixels, loaded once per process and size (not per viewer or minute)."""
    return ImageFont.truetype(str(_font_path()), px)


@functools.cache
def _font_path() -> Path:
    return find_font()


@functools.cache
def placeholder(text: str = "Страница готовится…") -> Served:
    """A grey page with a word, for the pages' image URLs while a page is not ready (the viewer's script swaps
    in the page when it is)."""
    image = Image.new("RGB", (420, 594), (236, 238, 241))
    draw = ImageDraw.Draw(image)
    font = _font(22)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((420 - (right - left)) // 2, (594 - (bottom - top)) // 2), text, fill=(110, 116, 124), font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return Served(out.getvalue(), "image/png")
