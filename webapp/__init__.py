"""casefiles: the Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.config import Settings, flask_config, load_settings
from webapp.extensions import csrf, db, login_manager


def create_app(overrides: dict[str, Any] | None = None, *, settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(flask_config(settings))
    app.config.update(overrides or {})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    _setup_storage_and_index(app, settings)
    _register_blueprints(app)

    from webapp.errors import register_error_handlers
    from webapp.ui.filters import register_filters

    register_error_handlers(app)
    register_filters(app)
    return app


def _setup_storage_and_index(app: Flask, settings: Settings) -> None:
    from search_index import SearchIndex
    from webapp.storage_setup import build_blob_store

    app.extensions["casefiles.blob_store"] = build_blob_store(settings)
    app.extensions["casefiles.search_index"] = SearchIndex(settings.index_dir)


def _register_blueprints(app: Flask) -> None:
    # Importing the area modules attaches their routes to the shared blueprints.
    import webapp.auth.views
    import webapp.cases.api
    import webapp.cases.views
    import webapp.documents.api
    import webapp.documents.views
    import webapp.nomenclature.api
    import webapp.search.api  # noqa: F401
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
