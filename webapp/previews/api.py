"""A version's pages in the API: the page list (an opening of the document, on record) and the page images."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for

from webapp.api import actor, api
from webapp.documents.services import get_version
from webapp.previews import delivery
from webapp.uow import commit

RETRY_AFTER_SECONDS = 2


@api.get("/documents/<int:document_id>/versions/<int:number>/pages")
def version_pages(document_id: int, number: int) -> Response:
    """An opening on record, and the viewing session its image URLs carry (`?view=`, webapp.previews.sessions)."""
    version, session = delivery.opened(actor(), document_id, number)
    delivery.requested(actor(), version)
    commit()  # the opening is on record, and a requested preview's job goes to the queue
    delivery.mark_first_pages(actor(), version, session)

    def url(kind: str, page: int) -> str:
        if kind == "thumbnail":
            return url_for("api.page_thumbnail", document_id=document_id, number=number, page=page)
        return url_for("api.page_image", document_id=document_id, number=number, page=page, view=session.id)

    record = delivery.pages_record(version, url)
    response = jsonify(record)
    if record["status"] == "pending":
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>.webp")
def page_image(document_id: int, number: int, page: int) -> Response:
    view = request.args.get("view")
    return delivery.image_response(delivery.page_image(actor(), document_id, number, page, view))


@api.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>.jpg")
def page_image_before(document_id: int, number: int, page: int) -> Response:
    """Where page images were JPEG: the same page, now WebP, at its new URL (query kept), for those who may read
    it (others get the 404/403 of a content read here already)."""
    get_version(actor(), document_id, number)
    path = url_for("api.page_image", document_id=document_id, number=number, page=page)
    return delivery.moved_to(path, request.query_string)


@api.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>/thumbnail.webp")
def page_thumbnail(document_id: int, number: int, page: int) -> Response:
    return delivery.image_response(delivery.thumbnail(actor(), document_id, number, page))
