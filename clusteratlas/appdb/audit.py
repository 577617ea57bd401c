"""The audit log: every change to a record says who made it, when, and what it was before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusteratlas.appdb.models import AuditEntry


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Datetimes read back from SQLite are naive; every stored datetime is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def jsonable(row: Any, fields: list[str] | tuple[str, ...]) -> dict:
    """A record's fields as JSON-able values (datetimes as ISO 8601 UTC)."""
    out = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = as_utc(value).isoformat()
        out[name] = value
    return out


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Add one audit entry in the caller's transaction (so it commits or rolls back with it)."""
    session.add(
        AuditEntry(
            at=at or now_utc(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )


def entries(session: Session, *, entity: str | None = None, limit: int = 100) -> list[dict]:
    """The newest audit entries, optionally of one kind of record."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    fields = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")
    return [jsonable(e, fields) for e in session.scalars(q)]
