"""The registration server the ``registration`` suite loads (run by uvicorn in a subprocess).

``REG_BENCH_DB`` is the database URL; ``REG_BENCH_MODE`` picks the implementation:

- ``clusteratlas``: the project's events router (capacity under a lock, wait-list, audit);
- ``naive``: the same request and validation, then *check-then-insert without a lock*, the
  way a registration form without a concurrency rule works (Indico's form does this; see
  ``../shared/research/next_wave.md``). It is the speed floor — and it overbooks.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from clusteratlas.appdb import audit, open_database
from clusteratlas.appdb.models import Event, Registration
from clusteratlas.appdb.validation import registration_from
from clusteratlas.web.events_api import events_router


def make_app() -> FastAPI:
    db = open_database(os.environ["REG_BENCH_DB"], pool_size=40)
    app = FastAPI()
    if os.environ.get("REG_BENCH_MODE", "clusteratlas") == "clusteratlas":
        app.include_router(events_router(lambda: db, lambda: "bench-secret"))
        return app

    @app.post("/api/events/{event_id}/registrations", status_code=201)
    def naive(event_id: int, body: dict, request: Request):
        person = registration_from(body)
        now = audit.now_utc()
        with db.sessions() as session:  # plain transaction on PostgreSQL; no write lock taken
            if session.get_bind().dialect.name == "sqlite":
                session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            ev = session.get(Event, event_id)
            confirmed = session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.event_id == event_id, Registration.status == "confirmed")
            )
            status = "confirmed" if confirmed < ev.capacity else "waitlisted"
            reg = Registration(
                event_id=event_id,
                status=status,
                name=person.name,
                email=person.email,
                organisation=person.organisation,
                consent_at=now,
                created_at=now,
            )
            session.add(reg)
            try:
                session.commit()
            except IntegrityError:
                return JSONResponse({"message": "duplicate"}, status_code=409)
            except OperationalError:  # SQLite: a read lock cannot be upgraded while others write
                return JSONResponse({"message": "database is locked"}, status_code=503)
            return {"id": reg.id, "status": status}

    return app
