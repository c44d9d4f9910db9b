"""Viewing sessions and this node's cache of marked pages: a session's page is marked once (ahead or on its first
request) and read back after, identical; another viewer never gets it; a changed file is never served; expired
sessions' pages are purged; the pages are WebP (PNG without WebP), and the old `.jpg` URLs redirect."""

from __future__ import annotations

import io
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from tests.conftest import World
from tests.webapp.test_viewer import _differing, _pixels, make_preview, scene  # noqa: F401 - the fixture
from webapp.previews import delivery, mark_ahead, marked_cache


@pytest.fixture
def pages(app: Flask, scene: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the fixture imported above
    app.config["VIEWER_MARK_AHEAD_THREADS"] = 0  # nothing marked ahead unless a test asks
    make_preview(scene["doc"], pages=5)
    return scene


def _open(world: World, username: str, document_id: int) -> tuple[str, list[str]]:
    """The API's page list: an opening, whose session the image URLs carry. Returns the session id and URLs."""
    record = world[username].get(f"/api/v1/documents/{document_id}/versions/1/pages").get_json()
    urls = [page["image_url"] for page in record["pages"]]
    return urls[0].rsplit("view=", 1)[1], urls


def _root(app: Flask) -> Path:
    return Path(app.config["CASEFILES"].data_dir) / marked_cache.FOLDER


def _kept(app: Flask, view: str) -> list[str]:
    """The pages kept for the session `view`."""
    folders = [path for path in _root(app).glob(f"{view}.*") if path.is_dir()]
    return sorted(path.name for folder in folders for path in folder.iterdir())


def test_a_hit_and_a_miss_give_the_same_image(app: Flask, world: World, pages: dict[str, Any]) -> None:
    view, urls = _open(world, "spec1", pages["doc"])
    assert _kept(app, view) == []
    first = world["spec1"].get(urls[0])  # a miss: marked now, and kept
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(first.data)).format == "WEBP"
    assert _kept(app, view) == ["1"]
    folder = next(_root(app).glob(f"{view}.*"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE((folder / "1").stat().st_mode) == 0o600

    def not_marked(clean: bytes, text: str) -> tuple[bytes, str]:
        raise AssertionError("a hit must not mark the page again")

    original = delivery.marked_page
    delivery.marked_page = not_marked  # type: ignore[assignment]
    try:
        hit = world["spec1"].get(urls[0])
    finally:
        delivery.marked_page = original  # type: ignore[assignment]
    assert hit.status_code == 200 and hit.data == first.data
    assert hit.headers["Content-Length"] == str(len(first.data))
    assert hit.headers["Cache-Control"] == "private, no-store" and hit.headers["Content-Disposition"] == "inline"
    shutil.rmtree(_root(app))  # another node, or after a purge: a miss computes the same page
    assert world["spec1"].get(urls[0]).data == first.data


def test_opening_and_viewing_mark_pages_ahead(app: Flask, world: World, pages: dict[str, Any]) -> None:
    app.config["VIEWER_MARK_AHEAD_THREADS"] = 2
    view, urls = _open(world, "spec1", pages["doc"])
    assert mark_ahead.wait_idle()
    assert _kept(app, view) == ["1", "2", "3", "4"]  # the first pages, when the session opened
    ahead = (next(_root(app).glob(f"{view}.*")) / "2").read_bytes()[marked_cache.MAC_BYTES + 1 :]
    assert world["spec1"].get(urls[1]).data == ahead  # the page as marked ahead
    world["spec1"].get(urls[3])  # page 4: page 5 is marked after it
    assert mark_ahead.wait_idle()
    assert _kept(app, view) == ["1", "2", "3", "4", "5"]


def test_another_viewer_never_gets_this_viewers_page(app: Flask, world: World, pages: dict[str, Any]) -> None:
    view, urls = _open(world, "spec1", pages["doc"])
    mine = _pixels(world["spec1"].get(urls[0]).data)
    theirs = world["head"].get(urls[0])  # spec1's session id in head's request: no session of head's
    assert theirs.status_code == 200
    assert _differing(_pixels(theirs.data), mine) > 1000  # marked with head's name, not spec1's page
    assert _kept(app, view) == ["1"]  # and nothing kept for it
    other_view, other_urls = _open(world, "head", pages["doc"])
    assert other_view != view
    own = _pixels(world["head"].get(other_urls[0]).data)
    assert _differing(own, mine) > 1000
    assert _kept(app, other_view) == ["1"]
    assert world["spec2"].get(urls[0]).status_code == 404  # another district's: as for the content


def test_a_changed_or_moved_file_is_never_served(app: Flask, world: World, pages: dict[str, Any]) -> None:
    view, urls = _open(world, "spec1", pages["doc"])
    first = world["spec1"].get(urls[0]).data
    world["spec1"].get(urls[1])
    folder = next(_root(app).glob(f"{view}.*"))
    data = bytearray((folder / "1").read_bytes())
    data[-100] ^= 0xFF
    (folder / "1").write_bytes(bytes(data))
    assert world["spec1"].get(urls[0]).data == first  # checked, found changed, deleted and marked again
    shutil.copy(folder / "2", folder / "1")  # another page's file, with its own valid MAC
    assert world["spec1"].get(urls[0]).data == first
    other_view, other_urls = _open(world, "spec1", pages["doc"])  # a later session of the same viewer
    own = world["spec1"].get(other_urls[0]).data
    other_folder = next(_root(app).glob(f"{other_view}.*"))
    shutil.copy(folder / "1", other_folder / "1")  # the earlier session's page, its MAC valid for that one
    assert world["spec1"].get(other_urls[0]).data == own
    assert (other_folder / "1").read_bytes() != (folder / "1").read_bytes()  # replaced by its own


def test_expired_sessions_are_purged_and_not_used(app: Flask, world: World, pages: dict[str, Any]) -> None:
    view, urls = _open(world, "spec1", pages["doc"])
    world["spec1"].get(urls[0])
    cache = marked_cache.Cache(_root(app), b"k" * 32, limit_bytes=10**9)
    folder = next(_root(app).glob(f"{view}.*"))
    (folder / ".new-left-by-a-killed-process").write_bytes(b"x")
    expires = int(folder.name.split(".")[1])
    assert cache.purge(now=expires - 1) == 0 and folder.exists()
    assert cache.purge(now=expires) == 1 and not folder.exists()  # with what a killed process left in it
    (_root(app) / "not-a-session").mkdir()
    cache.purge()
    assert not (_root(app) / "not-a-session").exists()  # anything else in the folder goes too

    minutes = app.config["CASEFILES"].session_minutes
    old = app.config["CASEFILES"]
    import dataclasses

    app.config["CASEFILES"] = dataclasses.replace(old, session_minutes=0)  # every session has ended
    try:
        assert world["spec1"].get(urls[0]).status_code == 200  # marked with the current time, not kept
        assert _kept(app, view) == []
    finally:
        app.config["CASEFILES"] = dataclasses.replace(old, session_minutes=minutes)


def test_the_cache_keeps_under_its_limit_dropping_the_oldest_sessions(
    app: Flask, world: World, pages: dict[str, Any]
) -> None:
    views = []
    for _ in range(3):
        view, urls = _open(world, "spec1", pages["doc"])
        world["spec1"].get(urls[0])
        views.append(view)
    sizes = [os.path.getsize(next(_root(app).glob(f"{view}.*")) / "1") for view in views]
    cache = marked_cache.Cache(_root(app), b"k" * 32, limit_bytes=sizes[1] + sizes[2])
    assert cache.purge() == 1
    assert [bool(_kept(app, view)) for view in views] == [False, True, True]


def test_png_where_pillow_lacks_webp(
    app: Flask, world: World, pages: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "_has_webp", lambda: False)
    _, urls = _open(world, "spec1", pages["doc"])
    answer = world["spec1"].get(urls[0])
    assert answer.headers["Content-Type"] == "image/png" and Image.open(io.BytesIO(answer.data)).format == "PNG"
    assert world["spec1"].get(urls[0]).headers["Content-Type"] == "image/png"  # from the cache, its type kept


def test_the_old_jpg_urls_redirect_with_their_query(app: Flask, world: World, pages: dict[str, Any]) -> None:
    path = f"/api/v1/documents/{pages['doc']}/versions/1/pages/2.jpg"
    answer = world["spec1"].get(f"{path}?view=7")
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith(f"/api/v1/documents/{pages['doc']}/versions/1/pages/2.webp?view=7")
    plain = world["spec1"].get(path)
    assert plain.status_code == 308 and plain.headers["Location"].endswith("/pages/2.webp")


def test_a_session_is_the_viewers_own_and_its_mark_stays_put(app: Flask, world: World, pages: dict[str, Any]) -> None:
    view, urls = _open(world, "spec1", pages["doc"])
    first = world["spec1"].get(urls[2]).data
    shutil.rmtree(_root(app))
    time.sleep(0.01)
    assert world["spec1"].get(urls[2]).data == first  # the session's moment, not the request's
    for bad in ("abc", "0", "9" * 30, "-1", str(2**31), "9" * 18):  # above the largest id: no query at all
        answer = world["spec1"].get(urls[2].replace(f"view={view}", f"view={bad}"))
        assert answer.status_code == 200  # no session: marked now, nothing kept
    assert _kept(app, view) == ["3"]
