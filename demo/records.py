"""The demo's records kept as data files in demo/data/ (JSON, UTF-8), read once."""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

DATA_DIR = pathlib.Path(__file__).with_name("data")


@functools.cache
def read(name: str) -> Any:
    """The parsed contents of data/<name>.json."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def rows(items: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    """A table of a data file as the tuples the forms take."""
    return tuple(tuple(item) for item in items)
