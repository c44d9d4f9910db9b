"""The administrators' «Хранилище» page: the outcome of the fixity checks (webapp.blobs) and of the backups
(webapp.backups), side by side."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from webapp.backups.status import backup_overview
from webapp.blobs.models import FIXITY_OUTCOMES
from webapp.blobs.services import fixity_overview, require_admin
from webapp.ui import current_actor, ui


@ui.get("/admin/fixity")
@login_required
def fixity_page() -> str:
    require_admin(current_actor())
    counts, failing, latest = fixity_overview()
    return render_template(
        "blobs/fixity.html",
        counts=counts,
        failing=failing,
        latest=latest,
        labels=FIXITY_OUTCOMES,
        backups=backup_overview(),
    )
