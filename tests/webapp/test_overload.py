"""More requests at once than a process has database connections (`casefiles run` under load, a pool smaller than
the server's threads): a request that waits out the pool's timeout is told to come back, 503 with Retry-After and a
message, for the API and pages alike; never a 500."""

from __future__ import annotations

from tests.conftest import APP_OVERRIDES
from tests.webapp.test_pages import _csrf
from webapp import create_app
from webapp.config import Settings
from webapp.extensions import db

ONE_CONNECTION = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}


def test_a_request_that_gets_no_database_connection_is_told_to_retry(settings: Settings) -> None:
    app = create_app({**APP_OVERRIDES, "SQLALCHEMY_ENGINE_OPTIONS": ONE_CONNECTION}, settings=settings)
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    form = {"username": "nobody", "password": "wrong password", "csrf_token": token}
    with app.app_context():
        held = db.engine.connect()  # the pool's one connection, busy with another request
        try:
            api = client.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"})
            page = client.post("/login", data=form)
        finally:
            held.close()
        after = client.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"})
        db.engine.dispose()

    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["code"] == "busy"
    assert page.status_code == 503
    assert "Сервер перегружен" in page.get_data(as_text=True)
    assert after.status_code == 401  # the connection free again: the request is answered as usual
