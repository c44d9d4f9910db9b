"""The hashed locks in requirements/ satisfy pyproject.toml: a dependency added or narrowed without re-locking
(scripts/lock-deps.sh) fails here, and the development install runs the versions the tests run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def locked_versions(lock: Path) -> dict[str, set[str]]:
    """Package → the versions the lock pins (a universal lock may pin one per Python version)."""
    pins: dict[str, set[str]] = {}
    for name, version in PIN.findall(lock.read_text(encoding="utf-8")):
        pins.setdefault(canonicalize_name(name), set()).add(version)
    return pins


def declared_requirements(pyproject: Path, extra: str | None) -> list[Requirement]:
    """The project's dependencies, with those of an extra and of the extras it names of the project itself."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = canonicalize_name(project["name"])
    wanted = [*project["dependencies"]]
    pending = [extra] if extra else []
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in project["optional-dependencies"][name]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == own:
                pending.extend(requirement.extras)
            else:
                wanted.append(line)
    return [Requirement(line) for line in wanted]


def unsatisfied(requirements: list[Requirement], lock: Path) -> list[str]:
    pins = locked_versions(lock)
    problems = []
    for requirement in requirements:
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement} is not in {lock.name}")
        elif not all(requirement.specifier.contains(version, prereleases=True) for version in versions):
            problems.append(f"{requirement} is not met by {lock.name} ({', '.join(sorted(versions))})")
    return problems


def test_the_base_lock_satisfies_the_dependencies() -> None:
    assert unsatisfied(declared_requirements(ROOT / "pyproject.toml", None), LOCKS / "base.txt") == []


def test_the_test_lock_satisfies_the_test_extra_with_postgres_and_redis() -> None:
    requirements = declared_requirements(ROOT / "pyproject.toml", "test")
    names = {canonicalize_name(requirement.name) for requirement in requirements}
    assert {"psycopg", "redis", "pytest", "flask"} <= names
    assert unsatisfied(requirements, LOCKS / "test.txt") == []


def test_the_tools_lock_satisfies_its_input() -> None:
    lines = (LOCKS / "tools.in").read_text(encoding="utf-8").splitlines()
    requirements = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    assert unsatisfied(requirements, LOCKS / "tools.txt") == []


def test_development_runs_the_versions_the_tests_run() -> None:
    base, test = locked_versions(LOCKS / "base.txt"), locked_versions(LOCKS / "test.txt")
    assert {name: versions for name, versions in base.items() if test.get(name) != versions} == {}


def test_a_dependency_added_without_relocking_is_named(tmp_path: Path) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    changed = tmp_path / "pyproject.toml"
    changed.write_text(
        pyproject.replace('"flask>=3.0",', '"flask>=99",\n    "left-unlocked>=1.0",', 1), encoding="utf-8"
    )
    problems = unsatisfied(declared_requirements(changed, None), LOCKS / "base.txt")
    assert len(problems) == 2
    assert problems[0].startswith("flask>=99 is not met by base.txt (")
    assert problems[1] == "left-unlocked>=1.0 is not in base.txt"


def test_every_pin_carries_hashes() -> None:
    for lock in LOCKS.glob("*.txt"):
        text = lock.read_text(encoding="utf-8")
        assert len(PIN.findall(text)) > 0
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert [block.split(" ", 1)[0] for block in blocks if "--hash=sha256:" not in block] == []
