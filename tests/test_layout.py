"""The seams of the house (docs/architecture.md) hold: read from the code's own imports and comparisons, so a
change that breaks one fails here with the file and line to look at."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

WEBAPP = Path(__file__).resolve().parent.parent / "webapp"
AREAS = sorted(path.name for path in WEBAPP.iterdir() if path.is_dir() and (path / "__init__.py").exists())


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def _areas_imported(path: Path) -> set[str]:
    parts = (module.split(".") for _, module in _imports(path))
    return {part[1] for part in parts if part[0] == "webapp" and len(part) > 1 and part[1] in AREAS}


@pytest.mark.parametrize("module", ["uow.py", "errors.py", "events.py", "jobs/queue.py"])
def test_the_unit_of_work_the_error_handlers_and_the_queue_import_no_other_area(module: str) -> None:
    own = {module.split("/")[0]} if "/" in module else set()
    assert _areas_imported(WEBAPP / module) - own == set()


def test_no_import_circle_between_the_areas_services() -> None:
    graph = {
        area: {
            other
            for other in _areas_imported(WEBAPP / area / "services.py")
            if other != area
            and (WEBAPP / other / "services.py").exists()
            and any(module == f"webapp.{other}.services" for _, module in _imports(WEBAPP / area / "services.py"))
        }
        for area in AREAS
        if (WEBAPP / area / "services.py").exists()
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    assert [area for area in graph if reaches(area, area, {area})] == []


def test_no_one_asks_a_store_for_its_class_outside_storage() -> None:
    concrete = re.compile(r"isinstance\([^)]*\b(S3BlobStore|LocalBlobStore|VerifiedBlobStore)\b")
    found = [
        f"{path.relative_to(WEBAPP.parent)}:{number}"
        for path in WEBAPP.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if concrete.search(line)
    ]
    assert found == []


def test_roles_are_compared_only_in_the_policy_and_the_case_permissions() -> None:
    # A user's role (not a signature's) compared with a role, or a query on roles named one by one.
    comparison = re.compile(
        r"\b(user|actor|viewer|current_user|g\.actor|account|member)\.role\s*(==|!=|\bin\b|\bnot in\b)"
        r"|User\.role\s*(==|!=)|User\.role\.in_\(\s*[\(\[{]"
    )
    allowed = {WEBAPP / "policy.py", WEBAPP / "cases" / "permissions.py"}
    found = [
        f"{path.relative_to(WEBAPP.parent)}:{number}: {line.strip()}"
        for path in WEBAPP.rglob("*.py")
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if comparison.search(line)
    ]
    assert found == []
