"""Input of the signing and workflow endpoints."""

from __future__ import annotations

import pydantic

from webapp.validation import RecordId, StrictInput


class SignInput(StrictInput):
    role: str = pydantic.Field(min_length=1, max_length=100)
    pin: str | None = pydantic.Field(default=None, max_length=64)  # the signer's PIN (webapp.signing.keys)


class WorkflowInput(StrictInput):
    """submit / return / annul: a comment (required to return and to annul)."""

    comment: str = pydantic.Field(default="", max_length=2000)


class ApproveInput(StrictInput):
    version: RecordId
    comment: str = pydantic.Field(default="", max_length=2000)
    # The approver's signing PIN, for an approval that signs (a protocol's: its extracts are signed «утверждаю»).
    pin: str | None = pydantic.Field(default=None, max_length=64)
