"""casefiles: the Flask application factory."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

from cryptography.utils import CryptographyDeprecationWarning
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from storage import BlobStore, StorageError
from webapp.config import Settings, flask_config, load_settings
from webapp.extensions import csrf, db, login_manager
from webapp.filemodes import restrict_new_files
from webapp.validation import RecordIdConverter

_QUERY_STRING = re.compile(r"\?[^ ]*")
# A path /l/<token>: an external member's personal link (webapp.hearings.link_views); /l/package is its view.
_LINK_TOKEN = re.compile(r'(?<![^\s"])/l/(?!package(?![^/?\s"]))[^/?\s"]+')

# cryptography 51 deprecates DSA, and pyHanko (0.38) imports DSAPrivateKey when it is imported although casefiles
# never makes or checks a DSA signature: not ours to fix, so users of the CLI and the server are not shown it. The
# same filter stands in pyproject.toml for the test suite, which turns every other warning into an error.
warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning, "pyhanko")


def create_app(overrides: dict[str, Any] | None = None, *, settings: Settings | None = None) -> Flask:
    restrict_new_files()  # before the data folder, the database or anything else is created
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(flask_config(settings))
    app.config.update(overrides or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Russian text stays readable in JSON
    _configure_logging()

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    _setup_storage_and_queue(app, settings)
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added: every <int:id> is bounded
    _register_blueprints(app)

    from webapp.errors import register_error_handlers
    from webapp.security import install_security_headers
    from webapp.ui.filters import register_filters
    from webapp.wiring import wire

    wire()  # reactions to domain events and after-commit hooks (webapp.wiring)
    register_error_handlers(app)
    register_filters(app)
    install_security_headers(app)
    _start_search(app)
    return app


def _start_search(app: Flask) -> None:
    """Open the search index, and index what a process that died between its commit and indexing left queued
    (see webapp.search)."""
    from webapp.search.services import choose_index, open_index, replay_outbox

    with app.app_context():
        app.extensions["casefiles.search_index"] = choose_index(app.config["CASEFILES"])
        open_index()
        replayed = replay_outbox()
        db.session.remove()
    if replayed:
        logging.getLogger(__name__).info("search: %d queued index changes replayed at start", replayed)


def _configure_logging() -> None:
    """Our own events at INFO, libraries only when they warn (they can be chatty: alembic, fontTools)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("webapp").setLevel(logging.INFO)
    logging.getLogger("werkzeug").addFilter(_redact_query_strings)


def _redact_query_strings(record: logging.LogRecord) -> bool:
    """Access logs keep paths (ids only) but never query strings (a search query can name a family) or a personal
    link's token."""
    if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
        record.args = (redact_request_line(record.args[0]), *record.args[1:])
    return True


def redact_query_string(text: str) -> str:
    """`text` with every query string replaced by `?…` (werkzeug's and gunicorn's logs: webapp.cli.serve)."""
    return _QUERY_STRING.sub("?…", text)


def redact_request_line(text: str) -> str:
    """`text` without query strings and with the token of every personal link's path replaced by `…`."""
    return _LINK_TOKEN.sub("/l/…", redact_query_string(text))


def _setup_storage_and_queue(app: Flask, settings: Settings) -> None:
    from webapp.jobs.queue import setup_queue
    from webapp.storage_setup import build_blob_store

    app.extensions["casefiles.blob_store"] = store = build_blob_store(settings)
    _sweep_unfinished_uploads(store)
    setup_queue(app, settings)


def _sweep_unfinished_uploads(store: BlobStore) -> None:
    """Remove what uploads killed mid-write left in the store's temporary folder (their bytes are personal data).
    Only files untouched for UNFINISHED_GRACE: another process sharing the folder may be writing one now."""
    from webapp.blobs.services import UNFINISHED_GRACE

    try:
        swept = store.sweep_unfinished(UNFINISHED_GRACE)
    except StorageError as exc:  # its message names no key or path; a start is not refused for this
        logging.getLogger(__name__).warning("storage: unfinished uploads not swept at start (%s)", exc)
        return
    if swept:
        logging.getLogger(__name__).info("storage: %d unfinished uploads swept at start", swept)


def _register_blueprints(app: Flask) -> None:
    # Importing the area modules attaches their routes to the shared blueprints.
    import webapp.admin.views
    import webapp.archive.api
    import webapp.archive.views
    import webapp.audit.api
    import webapp.audit.views
    import webapp.auth.api
    import webapp.auth.deputies_api
    import webapp.auth.deputies_views
    import webapp.auth.views
    import webapp.blobs.api
    import webapp.cases.api
    import webapp.cases.views
    import webapp.desk.api
    import webapp.desk.storage
    import webapp.desk.views
    import webapp.documents.api
    import webapp.documents.views
    import webapp.exports.api
    import webapp.exports.views
    import webapp.forms.api
    import webapp.forms.views
    import webapp.hearings.api
    import webapp.hearings.api_links
    import webapp.hearings.api_package
    import webapp.hearings.api_protocol
    import webapp.hearings.link_views
    import webapp.hearings.views
    import webapp.jobs.api
    import webapp.nomenclature.api
    import webapp.nomenclature.views
    import webapp.notifications.api
    import webapp.notifications.views
    import webapp.previews.api
    import webapp.previews.views
    import webapp.renditions.api
    import webapp.renditions.views
    import webapp.search.api
    import webapp.search.ocr
    import webapp.search.views
    import webapp.signing.api
    import webapp.signing.external_api
    import webapp.signing.external_views
    import webapp.signing.pin_api
    import webapp.signing.pin_views
    import webapp.signing.views
    import webapp.support.api
    import webapp.support.views
    import webapp.tasks.api
    import webapp.tasks.views  # noqa: F401
    from webapp.api import api
    from webapp.ui import ui

    csrf.exempt(api)  # the API authenticates with bearer tokens, never with cookies
    app.register_blueprint(api)
    app.register_blueprint(ui)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, let readers work during writes, wait instead of failing when busy."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
