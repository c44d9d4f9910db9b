"""Web processes and workers on several machines, each with a data folder of its own: what a node refuses to start
without, and the search page's kept words found by every node (in the queue's Redis)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.redis_server import redis_server
from webapp import create_app
from webapp.auth.models import User
from webapp.config import ConfigurationError, Settings, load_settings
from webapp.extensions import db
from webapp.search.queries import recall_query, remember_query

SEVERAL = {
    "CASEFILES_QUEUE_URL": "redis://queue.example:6379/0",
    "CASEFILES_DATABASE_URL": "postgresql+psycopg://casefiles@db.example/casefiles",
    "CASEFILES_SECRET_KEY": "a-key-every-node-shares",
    "CASEFILES_STORAGE": "s3",
    "CASEFILES_S3_BUCKET": "casefiles",
}


@pytest.mark.parametrize(
    ("left_out", "named"),
    [
        ({"CASEFILES_SECRET_KEY": ""}, "CASEFILES_SECRET_KEY: the session key"),
        ({"CASEFILES_CA_DIR": ""}, "CASEFILES_CA_DIR: the signing CA's folder"),
        ({"CASEFILES_STORAGE": ""}, "CASEFILES_STORAGE: s3"),
        ({"CASEFILES_STORAGE": "local"}, "CASEFILES_STORAGE: s3"),
        ({"CASEFILES_SEARCH": "whoosh"}, "CASEFILES_SEARCH: postgres or empty"),
    ],
)
def test_a_node_of_several_refuses_to_start_without_what_nodes_share(
    tmp_path: Path, left_out: dict[str, str], named: str
) -> None:
    env = {**SEVERAL, "CASEFILES_DATA_DIR": str(tmp_path / "data"), "CASEFILES_CA_DIR": str(tmp_path / "ca")}
    with pytest.raises(ConfigurationError, match="several machines") as refused:
        load_settings(env | left_out)
    assert named in refused.value.message
    assert not (tmp_path / "data" / "secret_key").exists()  # refused before anything was made


def test_what_a_node_of_several_needs_and_one_machine_needs_none_of_it(tmp_path: Path) -> None:
    env = {**SEVERAL, "CASEFILES_DATA_DIR": str(tmp_path / "data"), "CASEFILES_CA_DIR": str(tmp_path / "ca")}
    settings = load_settings(env)
    assert (settings.secret_key, settings.storage, settings.ca_dir) == (
        "a-key-every-node-shares",
        "s3",
        tmp_path / "ca",
    )
    one_machine = load_settings(
        {"CASEFILES_DATA_DIR": str(tmp_path / "one"), "CASEFILES_QUEUE_URL": SEVERAL["CASEFILES_QUEUE_URL"]}
    )
    assert one_machine.queue_url and one_machine.storage == "local"  # SQLite: one machine, a Redis queue is fine


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


def test_kept_search_words_are_found_by_another_node_and_expire_in_redis(
    settings: Settings, redis_url: str, tmp_path: Path
) -> None:
    first = create_app({"TESTING": True}, settings=dataclasses.replace(settings, queue_url=redis_url))
    (tmp_path / "other").mkdir()
    other = dataclasses.replace(settings, queue_url=redis_url, data_dir=tmp_path / "other")
    second = create_app({"TESTING": True}, settings=other)
    with first.app_context():
        user = _user()
        user_id = user.id
        query_id = remember_query(user, "Иванова Мария")
        _close(first)
    assert not (settings.data_dir / "search-queries").exists()
    with second.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        assert recall_query(user, query_id) == "Иванова Мария"
        assert recall_query(user, "A" * 22) is None
        _close(second)
    client = redis.Redis.from_url(redis_url)
    [key] = client.keys("casefiles:search-query:*")
    assert key.decode() == f"casefiles:search-query:{user_id}-{query_id}"  # the user's id and a random id only
    assert 0 < client.ttl(key) <= settings.session_minutes * 60
    client.close()


def _close(app: Flask) -> None:
    db.session.remove()
    db.engine.dispose()
    app.extensions["casefiles.query_words"].close()


def _user() -> User:
    from webapp.auth.services import create_user

    user = create_user("sokolova", role="specialist", password="kept-words-2026", full_name="", district_codes=["u1"])
    db.session.commit()
    return user
