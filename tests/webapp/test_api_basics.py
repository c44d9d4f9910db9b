"""Health, token authentication and the JSON error contract."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from tests.conftest import World
from webapp.auth.models import ApiToken
from webapp.extensions import db


def test_health_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_missing_token_is_401_json(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_malformed_token_is_401(client: FlaskClient, world: World) -> None:
    for header in ("Bearer nonsense", "Bearer ", "Basic abc", "Bearer cf_\x00\xff"):
        response = client.get("/api/v1/cases", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert "error" in response.get_json()


def test_expired_and_revoked_tokens_are_refused(client: FlaskClient, world: World) -> None:
    tokens = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)).all()
    tokens[0].expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    tokens[1].revoked_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    expired = world["spec1"].get("/api/v1/cases")
    assert expired.status_code == 401
    assert expired.get_json()["error"]["code"] == "token_expired"
    assert world["spec2"].get("/api/v1/cases").status_code == 401
    assert world["head"].get("/api/v1/cases").status_code == 200


def test_token_records_last_use(world: World) -> None:
    world["head"].get("/api/v1/cases")
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.user.has(username="head"))).one()
    assert token.last_used_at is not None


def test_unknown_route_and_method_are_json(world: World) -> None:
    missing = world["head"].get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong_method = world["head"].client.delete("/api/v1/health")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_400(world: World) -> None:
    response = world["archivist"].client.post(
        "/api/v1/cases",
        data=b'{"title": ',
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['archivist'].token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"


def test_non_object_json_is_400(world: World) -> None:
    response = world["archivist"].post("/api/v1/cases", json=[1, 2, 3])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"


def test_bad_pagination_is_400(world: World) -> None:
    for query in ("page=0", "page=x", "per_page=1000", "per_page=-1"):
        response = world["head"].get(f"/api/v1/cases?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "invalid_parameter"
