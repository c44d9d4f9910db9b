"""External members' personal links to a hearing's package (issue 26).

A manager (the head, the commission's secretary) makes a link for an external member once the agenda is sent: a
random token (`secrets.token_urlsafe(32)`, 256 bits) shown once, of which only the SHA-256 is kept; it works until
the hearing's access window ends (`hearing.access_until`) or a manager revokes it, and a new link for the same
member revokes the older one. Opening it (webapp.hearings.link_views) is audited by the link's id, never the
token, and counted on the link.

What the member then sees is the package (the PDF `hearing.package_file`) page by page as images, rendered with
the previews' renderer and marked with the member's name, organization and the time, as the viewer marks a page
for a user (webapp.previews.delivery). Rendered pages are kept per process (clean, unmarked; marked per request)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import copy_checked, file_ref
from webapp.blobs.models import StoredFile
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Gone, NotFound
from webapp.extensions import db
from webapp.hearings.models import CommissionMember, Hearing, HearingLink
from webapp.hearings.services import managed_hearing
from webapp.previews.delivery import Served, watermarked
from webapp.previews.render import PDF, Pages, RenderFailed, open_pages
from webapp.runtime import local_time

GONE = "Ссылка больше не действует"
NOT_FOUND = "Ссылка не найдена"
NO_SUCH_PAGE = "Страницы с таким номером в материалах нет"
UNREADABLE = "Материалы заседания не удаётся показать: их нужно собрать заново"
OPEN_ACTION = "hearing.link_open"


@dataclass(frozen=True)
class MadeLink:
    """A link just made: the record and its token, which exists nowhere else and is shown once."""

    link: HearingLink
    token: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- making and revoking (managers) ---------------------------------------------------------------------


def make_link(actor: User, hearing_id: int, member_id: int) -> MadeLink:
    """A new link for an external member of the hearing's commission, valid until the access window ends; the
    member's earlier links to this hearing stop working."""
    hearing = managed_hearing(actor, hearing_id)
    member = _external_member(hearing, member_id, current=True)
    if hearing.agenda_sent_at is None or hearing.access_until is None:
        raise Conflict("Ссылка выдаётся после рассылки повестки", code="agenda_not_sent")
    now = utcnow()
    if hearing.access_until <= now:
        raise Conflict("Срок доступа к материалам этого заседания истёк", code="access_ended")
    revoked = _revoke_live(actor, hearing, member, now)
    token = secrets.token_urlsafe(32)
    link = HearingLink(
        hearing_id=hearing.id,
        member_id=member.id,
        token_sha256=token_digest(token),
        expires_at=hearing.access_until,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(link)
    db.session.flush()
    record_event(actor, "hearing.link_create", "hearing", hearing.id, member=member.id, link=link.id, revoked=revoked)
    return MadeLink(link, token)


def revoke_link(actor: User, hearing_id: int, member_id: int) -> list[int]:
    """Every live link of the member to this hearing stops working at once; the ids of those revoked (none is
    fine: the answer is the same, there is nothing left that works)."""
    hearing = managed_hearing(actor, hearing_id)
    member = _external_member(hearing, member_id, current=False)
    revoked = _revoke_live(actor, hearing, member, utcnow())
    record_event(actor, "hearing.link_revoke", "hearing", hearing.id, member=member.id, revoked=revoked)
    return revoked


def links_of(actor: User, hearing_id: int) -> list[HearingLink]:
    """The hearing's links, newest first, for its managers (the hearing page)."""
    hearing = managed_hearing(actor, hearing_id)
    query = select(HearingLink).where(HearingLink.hearing_id == hearing.id)
    return list(db.session.scalars(query.order_by(HearingLink.id.desc())))


def _external_member(hearing: Hearing, member_id: int, *, current: bool) -> CommissionMember:
    member = db.session.get(CommissionMember, member_id)
    if (
        member is None
        or member.commission_id != hearing.commission_id
        or not member.is_external
        or (current and member.removed_at is not None)
    ):
        raise NotFound("Внешний участник комиссии не найден")
    return member


def _revoke_live(actor: User, hearing: Hearing, member: CommissionMember, now: dt.datetime) -> list[int]:
    live = db.session.scalars(
        select(HearingLink).where(
            HearingLink.hearing_id == hearing.id,
            HearingLink.member_id == member.id,
            HearingLink.revoked_at.is_(None),
            HearingLink.expires_at > now,
        )
    ).all()
    for link in live:
        link.revoked_at, link.revoked_by_id = now, actor.id
    return [link.id for link in live]


# --- opening (the member, without an account) ---------------------------------------------------------


def link_for_token(token: str) -> HearingLink:
    """The link a token opens: NotFound for a token no link has (nothing said of any hearing), Gone for one
    revoked, expired, or of a member no longer on the commission."""
    link = db.session.scalar(select(HearingLink).where(HearingLink.token_sha256 == token_digest(token)))
    if link is None:
        raise NotFound(NOT_FOUND, code="link_not_found")
    return live_link(link)


def link_by_id(link_id: int) -> HearingLink:
    """The link a viewing session (its signed cookie) names, if it still works."""
    link = db.session.get(HearingLink, link_id)
    if link is None:
        raise NotFound(NOT_FOUND, code="link_not_found")
    return live_link(link)


def live_link(link: HearingLink, now: dt.datetime | None = None) -> HearingLink:
    now = now or utcnow()
    access_until = link.hearing.access_until
    ended = link.expires_at <= now or (access_until is not None and access_until <= now)
    if link.revoked_at is not None or ended or link.member.removed_at is not None:
        raise Gone(GONE, code="link_gone")
    return link


def record_opening(link: HearingLink) -> None:
    """One opening of the link: counted on it and audited by its id (nobody signed in)."""
    link.openings += 1
    link.last_opened_at = utcnow()
    record_event(None, OPEN_ACTION, "hearing_link", link.id, hearing=link.hearing_id, member=link.member_id)


# --- the package, page by page --------------------------------------------------------------------------


def package_page_count(link: HearingLink) -> int | None:
    """How many pages the hearing's package has; None while it is not built."""
    file = link.hearing.package_file
    if file is None or file.deleted_at is not None:
        return None
    return _PACKAGES.page_count(file)


def package_page(link: HearingLink, number: int, now: dt.datetime | None = None) -> Served:
    """Page `number` (from 1) of the package as a JPEG marked with the member's name, organization and the time."""
    file = link.hearing.package_file
    if file is None or file.deleted_at is not None:
        raise NotFound("Материалы заседания ещё не подготовлены", code="package_not_built")
    count = _PACKAGES.page_count(file)
    if not 1 <= number <= count:
        raise NotFound(NO_SUCH_PAGE, code="no_such_page")
    return watermarked(_PACKAGES.clean_page(file, number), mark_text(link.member, now or utcnow()))


def mark_text(member: CommissionMember, now: dt.datetime) -> str:
    parts = [member.display_name, member.organization, f"{local_time(now):%d.%m.%Y %H:%M}"]
    return " · ".join(part for part in parts if part)


class _PackagePages:
    """Per process: the clean rendered pages of the packages being read (up to CACHE_BYTES, in memory) and their page
    counts. A package is immutable (a rebuild stores a new file), so its key and digest name its pages for good.
    A page not kept yet is rendered from a copy of the package checked against its digest on the way, in a private
    temporary file deleted at once (the package's bytes are purged once its access window ends: no copy outlives a
    request); RENDER_AHEAD pages are rendered from each copy, since a reader turns the pages in order."""

    RENDER_AHEAD = 4
    CACHE_BYTES = 64 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one copy and render at a time per process: PDFium takes turns anyway
        self._counts: dict[tuple[str, str | None], int] = {}
        self._pages: OrderedDict[tuple[str, str | None, int], bytes] = OrderedDict()
        self._cached = 0

    def page_count(self, file: StoredFile) -> int:
        name = (file.key, file.sha256)
        with self._lock:
            if name not in self._counts:
                with _checked_copy(file) as stream, _opened(stream) as pages:
                    self._counts[name] = pages.count
            return self._counts[name]

    def clean_page(self, file: StoredFile, number: int) -> bytes:
        with self._lock:
            name = (file.key, file.sha256, number)
            if name not in self._pages:
                self._render(file, number)
            self._pages.move_to_end(name)
            return self._pages[name]

    def _render(self, file: StoredFile, number: int) -> None:
        with _checked_copy(file) as stream, _opened(stream, number) as pages:
            self._counts[(file.key, file.sha256)] = pages.count
            rendered = iter(pages)
            for _ in range(min(self.RENDER_AHEAD, pages.count - number + 1)):
                try:
                    page = next(rendered)
                except RenderFailed:
                    raise Conflict(UNREADABLE, code="package_unreadable") from None
                self._keep((file.key, file.sha256, page.number), page.image)

    def _keep(self, name: tuple[str, str | None, int], image: bytes) -> None:
        if name in self._pages:
            self._cached -= len(self._pages.pop(name))
        self._pages[name] = image
        self._cached += len(image)
        while self._cached > self.CACHE_BYTES and len(self._pages) > 1:
            _, dropped = self._pages.popitem(last=False)
            self._cached -= len(dropped)


@contextlib.contextmanager
def _checked_copy(file: StoredFile) -> Iterator[BinaryIO]:
    """The package's bytes in a private temporary file (owner only), checked against their digest on the way
    (ContentMismatch, recorded, when they changed), removed when done."""
    with tempfile.TemporaryDirectory(prefix="casefiles-link-") as folder:
        target = Path(folder) / "package.pdf"
        copy_checked(file_ref(file), target)
        with target.open("rb") as stream:
            yield stream


def _opened(stream: BinaryIO, start: int = 1) -> Pages:
    try:
        return open_pages(stream, PDF, start=start)
    except RenderFailed:
        raise Conflict(UNREADABLE, code="package_unreadable") from None


_PACKAGES = _PackagePages()
