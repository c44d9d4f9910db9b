"""The job queue on Redis (CASEFILES_QUEUE_URL), as when web processes and workers run on several machines: a
real redis-server started here (Debian `redis-server`, installed by scripts/test.sh)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_server import redis_server
from webapp import create_app
from webapp.config import ConfigurationError, Settings, load_settings
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import create_job, runner
from webapp.uow import commit

ran: list[int] = []


@runner("test_redis")
def _remember(job: Job) -> None:
    ran.append(job.id)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


def test_jobs_go_through_redis_and_outlive_the_process_that_queued_them(settings: Settings, redis_url: str) -> None:
    on_redis = dataclasses.replace(settings, queue_url=redis_url)
    web = create_app({"TESTING": True}, settings=on_redis)
    with web.app_context():
        job_id = create_job("test_redis", {}).id
        commit()  # the id goes to Redis after the commit
        assert web.extensions["casefiles.queue"].pending_count() == 1
        db.session.remove()
        db.engine.dispose()
    lists = redis.Redis.from_url(redis_url)
    assert sum(lists.llen(key) for key in lists.scan_iter() if lists.type(key) == b"list") == 1  # it is in Redis
    assert not (settings.data_dir / "jobs.sqlite3").exists()
    worker = create_app({"TESTING": True}, settings=on_redis)  # another process, e.g. on another machine
    with worker.app_context():
        queue = worker.extensions["casefiles.queue"]
        task = queue.dequeue()
        assert task is not None
        queue.execute(task)
        job = db.session.get(Job, job_id)
        assert job is not None and job.status == "done"
        assert ran == [job_id]
        assert queue.pending_count() == 0
        db.session.remove()
        db.engine.dispose()


def test_the_queue_url_must_be_redis(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CASEFILES_QUEUE_URL"):
        load_settings({"CASEFILES_DATA_DIR": str(tmp_path), "CASEFILES_QUEUE_URL": "amqp://rabbit"})
    assert load_settings({"CASEFILES_DATA_DIR": str(tmp_path)}).queue_url == ""
