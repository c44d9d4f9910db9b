"""The audit log's hash chain: how an event is hashed, and checking the whole chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webapp.audit.models import GENESIS, AuditChain, AuditEvent
from webapp.extensions import db

BATCH = 2000


def event_hash(
    prev_hash: str,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    details: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the event (sorted keys, UTC ISO time)."""
    payload = {
        "seq": seq,
        "at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def hash_of(event: AuditEvent) -> str:
    return event_hash(
        event.prev_hash,
        event.seq,
        event.occurred_at,
        event.actor_id,
        event.action,
        event.object_type,
        event.object_id,
        event.details or {},
    )


@dataclass
class ChainReport:
    checked: int = 0
    broken_at: int | None = None  # the first seq where the chain does not hold
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the chain in order: every event's prev_hash is the previous event's hash, its hash is what its
    content gives, the sequence has no gap, and the head row names the last event."""
    report = ChainReport()
    expected_prev, expected_seq = GENESIS, 1
    last_seq = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(BATCH)
        ).all()
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return _broken(report, expected_seq, "событие отсутствует (пропуск в нумерации)")
            if event.prev_hash != expected_prev:
                return _broken(report, event.seq, "ссылка на предыдущее событие не совпадает")
            if hash_of(event) != event.hash:
                return _broken(report, event.seq, "содержимое события изменено")
            expected_prev, expected_seq = event.hash, expected_seq + 1
            report.checked += 1
        last_seq = events[-1].seq
        db.session.expunge_all()
        if progress is not None:
            progress(report.checked)
    head = db.session.get(AuditChain, 1)
    if head is None or head.length != report.checked or head.hash != expected_prev:
        return _broken(report, report.checked + 1, "последние события удалены: голова цепочки не совпадает")
    return report


def _broken(report: ChainReport, seq: int, reason: str) -> ChainReport:
    report.broken_at, report.reason = seq, reason
    return report
