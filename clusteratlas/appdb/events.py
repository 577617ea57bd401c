"""Events and registrations: capacity that is never exceeded, wait-lists that move.

The rules, all enforced here in the data layer and tested by races:

- **Capacity.** A registration is *confirmed* while fewer than ``capacity`` registrations of
  the event are confirmed, else *wait-listed*. The check and the insert run in one
  transaction holding the event's lock (:func:`lock_event`), so no interleaving of
  concurrent requests can confirm more than ``capacity``.
- **Wait-list.** When a confirmed registration is cancelled (or the capacity raised), the
  oldest wait-listed registrations are promoted, first come first served, under the same lock.
- **One live registration per email and event** (a unique index; a cancelled registration
  does not block registering again).
- **Window.** Registration is refused before ``opens_at`` and after ``deadline``.
- **Personal data.** Exported and erased on request (audited); removed
  ``retention_days`` after the event ends, keeping the rows so counts stay right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clusteratlas.appdb import audit
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.models import EVENT_KINDS, AuditEntry, Event, Registration
from clusteratlas.appdb.validation import FieldErrors, registration_from
from clusteratlas.errors import ConflictError, InputError, NotFoundError

EVENT_FIELDS = (
    "id",
    "title",
    "kind",
    "parent_id",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "country",
    "online",
    "latitude",
    "longitude",
    "capacity",
    "opens_at",
    "deadline",
    "retention_days",
    "purged_at",
    "example",
)
PERSONAL = ("name", "email", "organisation", "country", "role")
REGISTRATION_FIELDS = (
    "id",
    "event_id",
    "status",
    *PERSONAL,
    "consent_at",
    "created_at",
    "confirmed_at",
    "cancelled_at",
    "erased_at",
)


@dataclass(frozen=True)
class Outcome:
    """What a registration or cancellation did."""

    id: int
    status: str
    promoted: tuple[int, ...] = ()


def parse_when(value: str | datetime | None, parameter: str) -> datetime | None:
    """An ISO 8601 date-time (a naive one is taken as UTC); ``None`` stays ``None``.

    >>> parse_when("2027-03-01T17:00", "deadline").isoformat()
    '2027-03-01T17:00:00+00:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return audit.as_utc(value)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"expected an ISO 8601 date-time such as 2027-03-01T17:00, got {value!r}",
            parameter=parameter,
        ) from exc
    return audit.as_utc(parsed)


def create_event(
    db: Database,
    *,
    title: str,
    capacity: int,
    deadline: str | datetime,
    opens_at: str | datetime | None = None,
    kind: str = "conference",
    starts_at: str | datetime | None = None,
    ends_at: str | datetime | None = None,
    place: str = "",
    country: str = "",
    online: bool = False,
    latitude: float | None = None,
    longitude: float | None = None,
    description: str = "",
    parent_id: int | None = None,
    retention_days: int = 30,
    example: bool = False,
    actor: str = "cli",
) -> dict:
    """Create an event; every argument is checked and named when wrong."""
    title = " ".join(str(title).split())
    if not title:
        raise InputError("an event needs a title", parameter="title")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise InputError(
            f"capacity must be a whole number ≥ 1, got {capacity!r}", parameter="capacity"
        )
    if kind not in EVENT_KINDS:
        raise InputError(f"kind must be one of {', '.join(EVENT_KINDS)}", parameter="kind")
    if retention_days < 0:
        raise InputError("retention_days must be ≥ 0", parameter="retention_days")
    when = {
        "deadline": parse_when(deadline, "deadline"),
        "opens_at": parse_when(opens_at, "opens_at"),
        "starts_at": parse_when(starts_at, "starts_at"),
        "ends_at": parse_when(ends_at, "ends_at"),
    }
    if when["deadline"] is None:
        raise InputError("an event needs a registration deadline", parameter="deadline")
    if when["opens_at"] and when["opens_at"] >= when["deadline"]:
        raise InputError("registration must open before the deadline", parameter="opens_at")
    if when["starts_at"] and when["ends_at"] and when["ends_at"] < when["starts_at"]:
        raise InputError("the event ends before it starts", parameter="ends_at")
    for name, value, low, high in (
        ("latitude", latitude, -90, 90),
        ("longitude", longitude, -180, 180),
    ):
        if value is not None and not low <= value <= high:
            raise InputError(f"{name} must lie in [{low}, {high}]", parameter=name)
    now = audit.now_utc()
    with db.write() as session:
        if parent_id is not None and session.get(Event, parent_id) is None:
            raise NotFoundError(f"no event {parent_id} to be the parent")
        ev = Event(
            title=title,
            kind=kind,
            parent_id=parent_id,
            description=description,
            place=place,
            country=country.upper(),
            online=online,
            latitude=latitude,
            longitude=longitude,
            capacity=capacity,
            retention_days=retention_days,
            example=example,
            created_at=now,
            updated_at=now,
            **when,
        )
        session.add(ev)
        session.flush()
        after = audit.jsonable(ev, EVENT_FIELDS)
        audit.record(
            session, actor=actor, action="create", entity="event", entity_id=ev.id, after=after
        )
    return after


def lock_event(session: Session, event_id: int) -> Event:
    """The event, locked for the rest of the transaction (404 if it does not exist).

    On PostgreSQL this is ``SELECT ... FOR UPDATE`` on the event's row: concurrent writers of
    the same event queue here. On SQLite the transaction already holds the database's write
    lock (``BEGIN IMMEDIATE``), which is stronger.
    """
    ev = session.scalars(select(Event).where(Event.id == event_id).with_for_update()).one_or_none()
    if ev is None:
        raise NotFoundError(f"no event {event_id}")
    return ev


def _count(session: Session, event_id: int, status: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event_id, Registration.status == status)
    )


def _fill(session: Session, ev: Event, now: datetime, actor: str) -> tuple[int, ...]:
    """Promote the oldest wait-listed registrations into free seats (caller holds the lock)."""
    free = ev.capacity - _count(session, ev.id, "confirmed")
    if free <= 0:
        return ()
    ids = list(
        session.scalars(
            select(Registration.id)
            .where(Registration.event_id == ev.id, Registration.status == "waitlisted")
            .order_by(Registration.id)
            .limit(free)
        )
    )
    if ids:
        session.execute(
            update(Registration)
            .where(Registration.id.in_(ids))
            .values(status="confirmed", confirmed_at=now)
        )
        for rid in ids:
            audit.record(
                session,
                actor=actor,
                action="promote",
                entity="registration",
                entity_id=rid,
                before={"status": "waitlisted"},
                after={"status": "confirmed"},
                at=now,
            )
    return tuple(ids)


def window_state(ev: Event, now: datetime) -> str:
    """``open``, ``not-open-yet``, ``closed`` (deadline passed) or ``purged``."""
    if ev.purged_at is not None:
        return "purged"
    if ev.opens_at is not None and now < audit.as_utc(ev.opens_at):
        return "not-open-yet"
    if now > audit.as_utc(ev.deadline):
        return "closed"
    return "open"


def _statements() -> tuple[Any, Any, Any]:
    """The three statements of :func:`register`, built once with bound parameters (building
    SQLAlchemy statements per call costs more Python time than running them).

    1. lock: ``SELECT … FROM events WHERE id = :event_id FOR UPDATE``;
    2. ``INSERT INTO registrations … SELECT`` whose ``status`` (and ``confirmed_at``) the
       database decides from the confirmed count — a statement of its own, after the lock,
       so on PostgreSQL's READ COMMITTED it sees every registration committed before the
       lock was granted; ``RETURNING id, status``;
    3. the audit entry.
    """
    global _STATEMENTS
    if _STATEMENTS is None:
        reg = Registration.__table__
        lock = (
            select(Event.id, Event.capacity, Event.opens_at, Event.deadline, Event.purged_at)
            .where(Event.id == bindparam("event_id"))
            .with_for_update()
        )
        seats_left = select(func.count()).select_from(reg).where(
            reg.c.event_id == bindparam("event_id"), reg.c.status == "confirmed"
        ).scalar_subquery() < bindparam("capacity")
        given = ["event_id", "name", "email", "organisation", "country", "role"]
        given += ["consent_at", "created_at"]
        chosen = [bindparam(k, type_=reg.c[k].type).label(k) for k in given]
        chosen.append(case((seats_left, literal("confirmed")), else_=literal("waitlisted")))
        chosen.append(
            case((seats_left, bindparam("created_at", type_=reg.c.created_at.type)), else_=None)
        )
        add = (
            insert(reg)
            .from_select([*given, "status", "confirmed_at"], select(*chosen))
            .returning(reg.c.id, reg.c.status)
        )
        _STATEMENTS = (lock, add, insert(AuditEntry.__table__))
    return _STATEMENTS


_STATEMENTS: tuple[Any, Any, Any] | None = None


def register(
    db: Database, event_id: int, data: dict[str, Any], *, now: datetime | None = None
) -> Outcome:
    """Register a person for an event: confirmed while seats are left, else wait-listed.

    Raises :class:`~clusteratlas.appdb.validation.FieldErrors` (422) for bad fields,
    :class:`~clusteratlas.errors.NotFoundError` (404) for an unknown event and
    :class:`~clusteratlas.errors.ConflictError` (409) when registration is closed or the
    email is already registered for the event.
    """
    person = registration_from(data)
    now = now or audit.now_utc()
    try:
        with db.write() as session:
            # The lock is held until commit, so everything between here and there is the
            # serial part of concurrent registrations: three statements, no ORM flush.
            lock, add, log = _statements()
            ev = session.execute(lock, {"event_id": event_id}).one_or_none()
            if ev is None:
                raise NotFoundError(f"no event {event_id}")
            state = window_state(ev, now)
            if state != "open":
                raise ConflictError(
                    {
                        "not-open-yet": "registration has not opened yet",
                        "closed": "registration closed: the deadline has passed",
                        "purged": "registration closed: the event is over",
                    }[state]
                )
            values = {
                "event_id": ev.id,
                "capacity": ev.capacity,
                "name": person.name,
                "email": person.email,
                "organisation": person.organisation,
                "country": person.country or None,
                "role": person.role or None,
                "consent_at": now,
                "created_at": now,
            }
            reg_id, status = session.execute(add, values).one()
            entry = {"at": now, "actor": person.email, "action": "register"}
            entry |= {"entity": "registration", "entity_id": str(reg_id), "before": None}
            session.execute(log, entry | {"after": {"event_id": ev.id, "status": status}})
            return Outcome(reg_id, status)
    except IntegrityError as exc:
        if "uq_registrations_live_email" in str(exc.orig) or "UNIQUE" in str(exc.orig).upper():
            raise ConflictError(f"{person.email} is already registered for this event") from exc
        raise


def cancel(
    db: Database, registration_id: int, *, actor: str = "registrant", now: datetime | None = None
) -> Outcome:
    """Cancel a registration; a freed seat goes to the oldest wait-listed registration."""
    now = now or audit.now_utc()
    with db.write() as session:
        event_id = session.scalar(
            select(Registration.event_id).where(Registration.id == registration_id)
        )
        if event_id is None:
            raise NotFoundError(f"no registration {registration_id}")
        ev = lock_event(session, event_id)
        reg = session.get(Registration, registration_id, with_for_update=True)
        if reg.status == "cancelled":
            return Outcome(reg.id, "cancelled")
        before = reg.status
        reg.status = "cancelled"
        reg.cancelled_at = now
        audit.record(
            session,
            actor=actor,
            action="cancel",
            entity="registration",
            entity_id=reg.id,
            before={"status": before},
            after={"status": "cancelled"},
            at=now,
        )
        session.flush()
        promoted = _fill(session, ev, now, actor="system") if before == "confirmed" else ()
        return Outcome(reg.id, "cancelled", promoted)


def set_capacity(db: Database, event_id: int, capacity: int, *, actor: str) -> dict:
    """Change an event's capacity; a larger one promotes from the wait-list at once.

    Lowering it below the confirmed count keeps the confirmed registrations (nobody loses a
    seat) and confirms nobody new until cancellations bring the count below it.
    """
    if capacity < 1:
        raise InputError("capacity must be ≥ 1", parameter="capacity")
    with db.write() as session:
        ev = lock_event(session, event_id)
        before = ev.capacity
        ev.capacity = capacity
        ev.updated_at = audit.now_utc()
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="event",
            entity_id=ev.id,
            before={"capacity": before},
            after={"capacity": capacity},
        )
        session.flush()
        promoted = _fill(session, ev, audit.now_utc(), actor=actor)
    return {"id": event_id, "capacity": capacity, "promoted": list(promoted)}


STATUSES = ("confirmed", "waitlisted", "cancelled")


def counts(session: Session, event_id: int) -> dict[str, int]:
    """An event's registrations per status (``confirmed``, ``waitlisted``, ``cancelled``)."""
    return counts_of(session, [event_id]).get(event_id, dict.fromkeys(STATUSES, 0))


def counts_of(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Registrations per status of many events in one query (no query per event)."""
    out = {e: dict.fromkeys(STATUSES, 0) for e in event_ids}
    if not event_ids:
        return out
    rows = session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, n in rows:
        if status in out[event_id]:
            out[event_id][status] = int(n)
    return out


def public_event(db: Database, event_id: int, *, now: datetime | None = None) -> dict:
    """An event as anyone may see it: details and counts, never personal data."""
    found = public_events(db, [event_id], now=now)
    if not found:
        raise NotFoundError(f"no event {event_id}")
    return found[0]


def public_events(db: Database, event_ids: list[int], *, now: datetime | None = None) -> list[dict]:
    """:func:`public_event` of several events (in the order given; unknown ids left out),
    with three queries in all rather than three per event."""
    now = now or audit.now_utc()
    with db.read() as session:
        found = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        every = counts_of(session, list(found))
        children: dict[int, list[int]] = {i: [] for i in found}
        rows = session.execute(
            select(Event.parent_id, Event.id)
            .where(Event.parent_id.in_(list(found)))
            .order_by(Event.id)
        )
        for parent, child in rows:
            children[parent].append(child)
        out = []
        for i in event_ids:
            if i not in found:
                continue
            ev = found[i]
            item = audit.jsonable(ev, EVENT_FIELDS) | every[i]
            item["seats_left"] = max(ev.capacity - item["confirmed"], 0)
            item["registration"] = window_state(ev, now)
            item["children"] = children[i]
            out.append(item)
    return out


def list_events(db: Database, *, now: datetime | None = None) -> list[dict]:
    """Every event with its counts, soonest first."""
    now = now or audit.now_utc()
    with db.read() as session:
        events = session.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
        every = counts_of(session, [ev.id for ev in events])
        out = []
        for ev in events:
            item = audit.jsonable(ev, EVENT_FIELDS)
            item.update(every[ev.id])
            item["seats_left"] = max(ev.capacity - item["confirmed"], 0)
            item["registration"] = window_state(ev, now)
            out.append(item)
    return out


def registration(db: Database, registration_id: int) -> dict:
    """One registration with its wait-list position (1 = next to be promoted)."""
    with db.read() as session:
        reg = session.get(Registration, registration_id)
        if reg is None:
            raise NotFoundError(f"no registration {registration_id}")
        out = audit.jsonable(reg, REGISTRATION_FIELDS)
        if reg.status == "waitlisted":
            out["position"] = session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.event_id == reg.event_id,
                    Registration.status == "waitlisted",
                    Registration.id <= reg.id,
                )
            )
    return out


def attendees(db: Database, event_id: int) -> list[dict]:
    """Every registration of an event with personal data, in order (for editors only)."""
    with db.read() as session:
        if session.get(Event, event_id) is None:
            raise NotFoundError(f"no event {event_id}")
        regs = session.scalars(
            select(Registration).where(Registration.event_id == event_id).order_by(Registration.id)
        )
        return [audit.jsonable(r, REGISTRATION_FIELDS) for r in regs]


def export_person(db: Database, email: str, *, actor: str) -> dict:
    """Everything held about one email address (a data subject's access request), audited."""
    email = email.strip().lower()
    with db.write() as session:
        regs = session.scalars(
            select(Registration).where(Registration.email == email).order_by(Registration.id)
        ).all()
        audit.record(
            session,
            actor=actor,
            action="export",
            entity="person",
            entity_id=email,
            after={"registrations": len(regs)},
        )
        return {
            "email": email,
            "registrations": [audit.jsonable(r, REGISTRATION_FIELDS) for r in regs],
        }


def _erase(reg: Registration, now: datetime) -> None:
    for name in PERSONAL:
        setattr(reg, name, None)
    reg.erased_at = now


def erase_person(db: Database, email: str, *, actor: str) -> int:
    """Erase one person's personal data from every registration; counts are kept."""
    email = email.strip().lower()
    now = audit.now_utc()
    with db.write() as session:
        regs = session.scalars(select(Registration).where(Registration.email == email)).all()
        for reg in regs:
            _erase(reg, now)
        audit.record(
            session,
            actor=actor,
            action="erase",
            entity="person",
            entity_id=email,
            after={"registrations": len(regs)},
            at=now,
        )
    return len(regs)


def apply_retention(db: Database, *, now: datetime | None = None, actor: str = "system") -> dict:
    """Remove personal data of events that ended more than ``retention_days`` ago.

    An event without an end date is taken to end at its deadline. Rows and statuses are
    kept, so the event's counts do not change.
    """
    now = now or audit.now_utc()
    purged: list[int] = []
    erased = 0
    with db.write() as session:
        for ev in session.scalars(select(Event).where(Event.purged_at.is_(None))).all():
            end = audit.as_utc(ev.ends_at or ev.deadline)
            if end + timedelta(days=ev.retention_days) > now:
                continue
            regs = session.scalars(
                select(Registration).where(
                    Registration.event_id == ev.id, Registration.erased_at.is_(None)
                )
            ).all()
            for reg in regs:
                _erase(reg, now)
            ev.purged_at = now
            erased += len(regs)
            purged.append(ev.id)
            audit.record(
                session,
                actor=actor,
                action="retention",
                entity="event",
                entity_id=ev.id,
                after={"registrations_erased": len(regs)},
                at=now,
            )
    return {"events": purged, "registrations": erased}


__all__ = [
    "FieldErrors",
    "Outcome",
    "apply_retention",
    "attendees",
    "cancel",
    "create_event",
    "erase_person",
    "export_person",
    "list_events",
    "public_event",
    "register",
    "registration",
    "set_capacity",
]
