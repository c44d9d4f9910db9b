"""The JSON record of a version's page images: the API's page list and the viewer's poll share it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.previews.models import PagePreview

# (endpoint kind "image" or "thumbnail", page number) -> URL
PageUrl = Callable[[str, int], str]


def pages_json(preview: PagePreview | None, url: PageUrl, *, none_because: str = "") -> dict[str, Any]:
    """`status` pending/ready/failed, `count` (null until the source is opened), `error` (a message for people
    when failed, "" otherwise; `none_because` says why a version without a preview never gets one), and each page
    made so far with its size and URLs: the first pages are listed while the rest are still being made."""
    if preview is None:  # not made yet, or (`none_because`) never to be made for this type of file
        return {"status": "failed" if none_because else "pending", "count": None, "error": none_because, "pages": []}
    return {
        "status": preview.status,
        "count": preview.page_count,
        "error": preview.error,
        "pages": [
            {
                "number": page.number,
                "width": page.width,
                "height": page.height,
                "thumbnail_url": url("thumbnail", page.number),
                "image_url": url("image", page.number),
            }
            for page in preview.pages
        ],
    }
