"""The storage's fixity for admins."""

from __future__ import annotations

from typing import Any

from webapp.api import actor, api
from webapp.blobs.services import fixity_overview, require_admin


@api.get("/admin/fixity")
def fixity() -> dict[str, Any]:
    require_admin(actor())
    counts, failing, latest = fixity_overview()
    return {
        "last_checked_at": latest.isoformat() if latest else None,
        "counts": counts,
        "failing": [
            {
                "key": file.key,
                "kind": file.kind,
                "outcome": file.outcome,
                "checked_at": file.last_checked_at.isoformat() if file.last_checked_at else None,
            }
            for file in failing
        ],
    }
