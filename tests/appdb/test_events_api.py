"""The events API over real HTTP on 127.0.0.1: contract, errors, and a bounded load test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from clusteratlas.appdb import events as ev
from clusteratlas.web.events_api import events_router

SECRET = "test-secret"


def make_app(db) -> FastAPI:
    app = FastAPI()
    app.include_router(events_router(lambda: db, lambda: SECRET))
    return app


@pytest.fixture
def server(db):
    """uvicorn serving the router on a free 127.0.0.1 port; stopped after the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # keep-alive well above the slowest wait in the pool: with uvicorn's default of 5 s, a
    # loaded machine lets the server close an idle pooled connection just as the client
    # reuses it (httpx.ReadError) — a race of the test harness, not of the registrations
    config = uvicorn.Config(
        make_app(db), host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=120
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def run_in_own_loop(coro):
    """``asyncio.run`` in a thread of its own: a Playwright test earlier in the same worker
    leaves an event loop running in the main thread, where ``asyncio.run`` is refused."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def body(i: int) -> dict:
    return {"name": f"P {i}", "email": f"p{i}@example.org", "organisation": "Org", "consent": True}


def test_contract_and_errors(db, server):
    e = ev.create_event(db, title="Conf", capacity=1, deadline="2099-01-01T00:00")
    with httpx.Client(base_url=server) as c:
        r = c.post(f"/api/events/{e['id']}/registrations", json=body(1))
        assert r.status_code == 201 and r.json()["status"] == "confirmed"
        first = r.json()
        r = c.post(f"/api/events/{e['id']}/registrations", json=body(2))
        assert r.status_code == 201 and r.json()["status"] == "waitlisted"
        waiting = r.json()["id"]
        assert c.post(f"/api/events/{e['id']}/registrations", json=body(1)).status_code == 409
        bad = c.post(f"/api/events/{e['id']}/registrations", json={**body(3), "email": "x"})
        assert bad.status_code == 422 and bad.json()["parameter"] == "email"
        nocons = c.post(f"/api/events/{e['id']}/registrations", json={**body(4), "consent": False})
        assert nocons.status_code == 422 and nocons.json()["parameter"] == "consent"
        junk = c.post(f"/api/events/{e['id']}/registrations", content=b"{not json")
        assert junk.status_code == 422 and junk.json()["parameter"] == "body"
        assert c.post("/api/events/999/registrations", json=body(5)).status_code == 404
        assert c.get("/api/events/999").status_code == 404
        pub = c.get(f"/api/events/{e['id']}").json()
        assert (pub["capacity"], pub["confirmed"], pub["waitlisted"]) == (1, 1, 1)
        assert "example.org" not in c.get(f"/api/events/{e['id']}").text
        # cancel needs the signed token of that registration
        url = first["manage_url"]
        token = url.split("token=")[1]
        forged = c.post(f"/api/registrations/{waiting}/cancel", params={"token": token})
        assert forged.status_code == 422 and forged.json()["parameter"] == "token"
        done = c.post(f"/api/registrations/{first['id']}/cancel", params={"token": token})
        assert done.json() == {"id": first["id"], "status": "cancelled", "promoted": [waiting]}
        ics = c.get(f"/api/events/{e['id']}/calendar.ics")
        assert ics.headers["content-type"].startswith("text/calendar")


def test_closed_registration_is_refused(db, server):
    e = ev.create_event(db, title="Closed", capacity=5, deadline="2020-01-01T00:00")
    with httpx.Client(base_url=server) as c:
        r = c.post(f"/api/events/{e['id']}/registrations", json=body(1))
    assert r.status_code == 409 and "deadline" in r.json()["message"]


@pytest.mark.slow
def test_thousand_concurrent_http_registrations(db, server):
    """1,000 concurrent POSTs for 250 seats: exactly 250 confirmed, 750 wait-listed."""
    e = ev.create_event(db, title="Load", capacity=250, deadline="2099-01-01T00:00")

    async def run():
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=server, limits=limits, timeout=120) as c:
            return await asyncio.gather(
                *(c.post(f"/api/events/{e['id']}/registrations", json=body(i)) for i in range(1000))
            )

    responses = run_in_own_loop(run())
    assert {r.status_code for r in responses} == {201}
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 250 and statuses.count("waitlisted") == 750
    assert len({r.json()["id"] for r in responses}) == 1000
    pub = ev.public_event(db, e["id"])
    assert (pub["confirmed"], pub["waitlisted"]) == (250, 750)
    # 200 concurrent cancellations through the signed links promote exactly 200, oldest first
    confirmed = [r.json() for r in responses if r.json()["status"] == "confirmed"][:200]
    waiting = sorted(r.json()["id"] for r in responses if r.json()["status"] == "waitlisted")

    async def cancel_all():
        async with httpx.AsyncClient(base_url=server, timeout=120) as c:
            return await asyncio.gather(*(c.post(r["cancel_api"]) for r in confirmed))

    done = run_in_own_loop(cancel_all())
    assert {d.status_code for d in done} == {200}
    promoted = sorted(p for d in done for p in d.json()["promoted"])
    assert promoted == waiting[:200]
    pub = ev.public_event(db, e["id"])
    assert (pub["confirmed"], pub["waitlisted"], pub["cancelled"]) == (250, 550, 200)
