"""Several machines: what a node must be told rather than find in its data folder.

A Redis queue (CASEFILES_QUEUE_URL) with a database other than SQLite is how web processes and workers run on
several machines, each with a data folder of its own (README, «Scaling out»). Then a setting that falls back on a
file in that folder, or a folder of its own, would differ from machine to machine: refused at start."""

from __future__ import annotations

from webapp.exceptions import ConfigurationError

NEEDED_ON_SEVERAL_MACHINES = {
    "CASEFILES_SECRET_KEY": "the session key (else each machine makes its own, and a session ends on another one)",
    "CASEFILES_STORAGE": "s3 (a local blobs/ folder is one machine's)",
    "CASEFILES_CA_DIR": "the signing CA's folder, a copy on each machine (else each makes a CA of its own)",
    "CASEFILES_SEARCH": "postgres or empty, not whoosh (a whoosh index is a folder of one machine)",
}
REQUIRED = ("CASEFILES_SECRET_KEY", "CASEFILES_STORAGE", "CASEFILES_CA_DIR")


def on_several_machines(env: dict[str, str]) -> bool:
    database = env.get("CASEFILES_DATABASE_URL", "").strip()
    return bool(env.get("CASEFILES_QUEUE_URL", "").strip()) and bool(database) and not database.startswith("sqlite")


def check_several_machines(env: dict[str, str]) -> None:
    """Refuse a node on several machines that lacks what every node must share (NEEDED_ON_SEVERAL_MACHINES)."""
    if not on_several_machines(env):
        return
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if env.get("CASEFILES_STORAGE", "").strip() and env["CASEFILES_STORAGE"].strip().lower() != "s3":
        missing.append("CASEFILES_STORAGE")
    if env.get("CASEFILES_SEARCH", "").strip().lower() == "whoosh":
        missing.append("CASEFILES_SEARCH")
    if missing:
        needs = "; ".join(f"{name}: {NEEDED_ON_SEVERAL_MACHINES[name]}" for name in missing)
        raise ConfigurationError(
            f"a Redis CASEFILES_QUEUE_URL with a shared database means several machines, and each needs {needs}"
        )
