"""Registration rules on SQLite and PostgreSQL: capacity, wait-list, window, duplicates."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.appdb import events as ev
from clusteratlas.appdb import open_database
from clusteratlas.appdb.audit import entries
from clusteratlas.appdb.models import Base
from clusteratlas.errors import ConflictError, InputError, NotFoundError

FAR = "2099-01-01T00:00"


def person(i: int, **extra) -> dict:
    return {
        "name": f"Person {i}",
        "email": f"p{i}@example.org",
        "organisation": "Org",
        "consent": True,
        **extra,
    }


def test_migrated_schema_equals_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the full-text structures are the database's own (FTS5 tables, GIN indexes), not models
    diff = [d for d in diff if "_fts" not in str(d[1])]
    assert diff == []
    assert db.revision() == "0003"
    db.downgrade("base")
    assert db.revision() is None
    db.upgrade()
    assert db.revision() == "0003"


def test_confirmed_until_full_then_waitlisted(db):
    e = ev.create_event(db, title="Small", capacity=2, deadline=FAR)
    statuses = [ev.register(db, e["id"], person(i)).status for i in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    pub = ev.public_event(db, e["id"])
    assert (pub["confirmed"], pub["waitlisted"], pub["seats_left"]) == (2, 2, 0)
    assert "email" not in str(pub) and "p0@example.org" not in str(pub)


def test_wait_list_position_and_promotion_order(db):
    e = ev.create_event(db, title="One seat", capacity=1, deadline=FAR)
    first = ev.register(db, e["id"], person(0))
    w1 = ev.register(db, e["id"], person(1))
    w2 = ev.register(db, e["id"], person(2))
    assert ev.registration(db, w2.id)["position"] == 2
    out = ev.cancel(db, first.id)
    assert out.promoted == (w1.id,)  # the oldest on the list, not the newest
    assert ev.registration(db, w1.id)["status"] == "confirmed"
    assert ev.registration(db, w2.id)["position"] == 1
    # cancelling a wait-listed registration frees no seat and promotes nobody
    assert ev.cancel(db, w2.id).promoted == ()
    # cancelling twice changes nothing
    assert ev.cancel(db, first.id).status == "cancelled"
    assert ev.public_event(db, e["id"])["confirmed"] == 1


def test_duplicate_email_refused_case_insensitively_until_cancelled(db):
    e = ev.create_event(db, title="Dup", capacity=5, deadline=FAR)
    r = ev.register(db, e["id"], person(1))
    with pytest.raises(ConflictError, match="already registered"):
        ev.register(db, e["id"], person(1, email="P1@Example.ORG "))
    ev.cancel(db, r.id)
    assert ev.register(db, e["id"], person(1)).status == "confirmed"
    other = ev.create_event(db, title="Other", capacity=5, deadline=FAR)
    assert ev.register(db, other["id"], person(1)).status == "confirmed"


def test_registration_window(db):
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    e = ev.create_event(
        db, title="W", capacity=5, opens_at="2027-03-01T00:00", deadline="2027-03-10T17:00"
    )
    with pytest.raises(ConflictError, match="not opened"):
        ev.register(db, e["id"], person(1), now=now - timedelta(days=1))
    with pytest.raises(ConflictError, match="deadline"):
        ev.register(db, e["id"], person(1), now=datetime(2027, 3, 10, 17, 1, tzinfo=UTC))
    assert ev.register(db, e["id"], person(1), now=now).status == "confirmed"
    # the deadline itself is still open
    assert ev.register(db, e["id"], person(2), now=datetime(2027, 3, 10, 17, tzinfo=UTC))


def test_every_bad_field_is_named(db):
    e = ev.create_event(db, title="F", capacity=5, deadline=FAR)
    with pytest.raises(InputError) as info:
        ev.register(db, e["id"], {"name": " ", "email": "not-an-email", "country": "Spain"})
    assert set(info.value.errors) == {"name", "email", "organisation", "country", "consent"}
    assert info.value.parameter == "name"
    with pytest.raises(NotFoundError):
        ev.register(db, 999, person(1))


def test_bad_event_arguments_name_the_parameter(db):
    for kwargs, parameter in [
        ({"capacity": 0}, "capacity"),
        ({"deadline": "next friday"}, "deadline"),
        ({"opens_at": "2099-02-01T00:00"}, "opens_at"),
        ({"title": "  "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"latitude": 95.0}, "latitude"),
    ]:
        args = {"title": "T", "capacity": 3, "deadline": FAR, **kwargs}
        with pytest.raises(InputError) as info:
            ev.create_event(db, **args)
        assert info.value.parameter == parameter


def test_raising_capacity_promotes_from_the_wait_list(db):
    e = ev.create_event(db, title="Grow", capacity=1, deadline=FAR)
    regs = [ev.register(db, e["id"], person(i)) for i in range(4)]
    out = ev.set_capacity(db, e["id"], 3, actor="editor@example.org")
    assert out["promoted"] == [regs[1].id, regs[2].id]
    # lowering keeps everyone confirmed; the next cancellation then frees no seat
    ev.set_capacity(db, e["id"], 1, actor="editor@example.org")
    assert ev.public_event(db, e["id"])["confirmed"] == 3
    assert ev.cancel(db, regs[0].id).promoted == ()


def test_thousand_concurrent_registrations_fill_exactly_the_capacity(db):
    e = ev.create_event(db, title="Race", capacity=250, deadline=FAR)
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda i: ev.register(db, e["id"], person(i)), range(1000)))
    assert sum(o.status == "confirmed" for o in outcomes) == 250
    assert sum(o.status == "waitlisted" for o in outcomes) == 750
    assert len({o.id for o in outcomes}) == 1000  # none lost, none twice
    confirmed = [o.id for o in outcomes if o.status == "confirmed"]
    # 200 concurrent cancellations of confirmed seats promote exactly 200, oldest first
    waiting = sorted(o.id for o in outcomes if o.status == "waitlisted")
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda rid: ev.cancel(db, rid), confirmed[:200]))
    promoted = sorted(p for r in results for p in r.promoted)
    assert promoted == waiting[:200]
    pub = ev.public_event(db, e["id"])
    assert (pub["confirmed"], pub["waitlisted"], pub["cancelled"]) == (250, 550, 200)


def test_concurrent_duplicates_make_one_registration(db):
    e = ev.create_event(db, title="Dups", capacity=10, deadline=FAR)

    def attempt(_):
        try:
            return ev.register(db, e["id"], person(7)).status
        except ConflictError:
            return "refused"

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(40)))
    assert results.count("confirmed") == 1 and results.count("refused") == 39


OPS = st.lists(st.tuples(st.sampled_from(["register", "cancel"]), st.integers(0, 30)), max_size=40)


@settings(max_examples=25)
@given(capacity=st.integers(1, 5), ops=OPS)
def test_no_free_seat_while_someone_waits(tmp_path_factory, capacity, ops):
    """Property: after any sequence, confirmed = min(capacity, live) and never > capacity."""
    db = open_database(tmp_path_factory.mktemp("p") / "app.sqlite3")
    e = ev.create_event(db, title="P", capacity=capacity, deadline=FAR)
    ids: list[int] = []
    for op, k in ops:
        if op == "register":
            with contextlib.suppress(ConflictError):
                ids.append(ev.register(db, e["id"], person(k)).id)
        elif ids:
            ev.cancel(db, ids[k % len(ids)])
        pub = ev.public_event(db, e["id"])
        live = pub["confirmed"] + pub["waitlisted"]
        assert pub["confirmed"] == min(capacity, live)
    db.dispose()


def test_export_and_erasure_are_audited_and_keep_counts(db):
    e = ev.create_event(db, title="GDPR", capacity=1, deadline=FAR)
    ev.register(db, e["id"], person(1))
    ev.register(db, e["id"], person(2))
    data = ev.export_person(db, "P1@example.org", actor="admin@example.org")
    assert [r["name"] for r in data["registrations"]] == ["Person 1"]
    assert ev.erase_person(db, "p1@example.org", actor="admin@example.org") == 1
    rows = ev.attendees(db, e["id"])
    assert rows[0]["name"] is None and rows[0]["email"] is None and rows[0]["erased_at"]
    assert rows[1]["email"] == "p2@example.org"
    assert ev.public_event(db, e["id"])["confirmed"] == 1
    with db.read() as s:
        log = entries(s, entity="person")
    assert [x["action"] for x in log] == ["erase", "export"]
    assert all(x["actor"] == "admin@example.org" for x in log)


def test_retention_removes_personal_data_after_the_event_and_keeps_counts(db):
    e = ev.create_event(
        db,
        title="Past",
        capacity=1,
        deadline="2027-01-01T00:00",
        starts_at="2027-01-10T09:00",
        ends_at="2027-01-11T17:00",
        retention_days=30,
    )
    keep = ev.create_event(db, title="Future", capacity=1, deadline=FAR)
    when = datetime(2026, 12, 1, tzinfo=UTC)
    for i in range(3):
        ev.register(db, e["id"], person(i), now=when)
    ev.register(db, keep["id"], person(9))
    before = ev.public_event(db, e["id"])
    # 29 days after the end: nothing yet; 31 days after: purged
    assert ev.apply_retention(db, now=datetime(2027, 2, 9, tzinfo=UTC))["events"] == []
    out = ev.apply_retention(db, now=datetime(2027, 2, 12, tzinfo=UTC))
    assert out == {"events": [e["id"]], "registrations": 3}
    assert all(r["email"] is None for r in ev.attendees(db, e["id"]))
    after = ev.public_event(db, e["id"])
    assert (after["confirmed"], after["waitlisted"]) == (before["confirmed"], before["waitlisted"])
    assert after["registration"] == "purged"
    assert ev.attendees(db, keep["id"])[0]["email"] == "p9@example.org"
