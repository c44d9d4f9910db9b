"""`casefiles serve`: the production server (gunicorn) serving create_app().

Each gunicorn worker process creates its own app after the fork (no preload): database connections, the search
index's files and the queue's client are never shared between processes. Workers are threaded (gthread), so a
long upload or download does not hold up a whole process, and gunicorn's timeout only restarts a worker that has
stopped answering its master. SIGTERM stops gracefully: no new connections, requests in flight finish.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from webapp.config import load_settings
from webapp.exceptions import DomainError

# Request line, status, size and duration; never the query string (a search query can name a family), the
# referer (another page's URL) or the user agent.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss %(p)s'
THREADS_PER_WORKER = 4
WORKER_TIMEOUT_SECONDS = 120  # a worker silent to its master this long is restarted (threads keep it talking)
GRACEFUL_STOP_SECONDS = 30  # on SIGTERM, requests in flight have this long to finish
KEEPALIVE_SECONDS = 5


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def serve_command(host: str, port: int) -> None:
    """Serve casefiles with gunicorn: CASEFILES_WEB_WORKERS processes (default: the number of cores), each with
    its own app; stops gracefully on SIGTERM. `casefiles run` stays for development."""
    try:
        load_settings()  # a bad setting is told here, once, not by every worker failing to boot
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    options = {
        "bind": f"{host}:{port}",
        "workers": web_workers(os.environ.get("CASEFILES_WEB_WORKERS", "")),
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_STOP_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "preload_app": False,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": RedactingLogger,
        "proc_name": "casefiles",
        "control_socket_disable": True,  # one path per user's home: two servers on one machine would share it
    }
    CasefilesServer(options).run()


def web_workers(raw: str) -> int:
    """CASEFILES_WEB_WORKERS: how many worker processes; empty: one per core."""
    if not raw.strip():
        return os.cpu_count() or 1
    if not raw.strip().isdigit() or int(raw) < 1:
        raise click.ClickException("CASEFILES_WEB_WORKERS must be a positive whole number")
    return int(raw)


class CasefilesServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Called in each worker after the fork (preload_app is off)."""
        from webapp import create_app

        return create_app()


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with query strings and personal links' tokens taken out of the access log's atoms and of
    its error messages (it names the request's URI when a request fails), as webapp._redact_query_strings does for
    werkzeug."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_redact_error_record)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        from webapp import redact_request_line

        path = redact_request_line(environ.get("PATH_INFO", ""))  # a personal link's token too (/l/…)
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = "-"
        for key in [key for key in atoms if key.startswith("{")]:  # headers and environ: the raw URI, the referer
            del atoms[key]
        return atoms


def _redact_error_record(record: logging.LogRecord) -> bool:
    from webapp import redact_request_line

    record.msg = redact_request_line(str(record.msg))
    if isinstance(record.args, tuple):
        record.args = tuple(redact_request_line(arg) if isinstance(arg, str) else arg for arg in record.args)
    return True
