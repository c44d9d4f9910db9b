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
                "key": check.blob_key,
                "kind": check.kind,
                "outcome": check.outcome,
                "checked_at": check.checked_at.isoformat(),
            }
            for check in failing
        ],
    }
