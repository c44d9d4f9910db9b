"""Access logs never carry query strings (a search query can name a family)."""

from __future__ import annotations

import logging

from flask import Flask


def test_werkzeug_access_log_drops_query_strings(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    record = logger.makeRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /api/v1/search?q=семья+Ивановых HTTP/1.1", "200", "-"),
        None,
    )
    assert all(f(record) for f in logger.filters)
    assert record.getMessage() == '"GET /api/v1/search?… HTTP/1.1" 200 -'
