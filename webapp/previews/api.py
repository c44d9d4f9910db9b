"""A version's pages in the API: the page list (an opening of the document, on record) and the page images."""

from __future__ import annotations

from flask import Response, jsonify, url_for

from webapp.api import actor, api
from webapp.previews import delivery
from webapp.uow import commit

RETRY_AFTER_SECONDS = 2


@api.get("/documents/<int:document_id>/versions/<int:number>/pages")
def version_pages(document_id: int, number: int) -> Response:
    version = delivery.opened(actor(), document_id, number)
    delivery.requested(actor(), version)
    commit()  # the opening is on record, and a requested preview's job goes to the queue

    def url(kind: str, page: int) -> str:
        endpoint = "api.page_thumbnail" if kind == "thumbnail" else "api.page_image"
        return url_for(endpoint, document_id=document_id, number=number, page=page)

    record = delivery.pages_record(version, url)
    response = jsonify(record)
    if record["status"] == "pending":
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>.jpg")
def page_image(document_id: int, number: int, page: int) -> Response:
    return delivery.image_response(delivery.page_image(actor(), document_id, number, page))


@api.get("/documents/<int:document_id>/versions/<int:number>/pages/<int:page>/thumbnail.webp")
def page_thumbnail(document_id: int, number: int, page: int) -> Response:
    return delivery.image_response(delivery.thumbnail(actor(), document_id, number, page))
