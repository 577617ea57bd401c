"""Events, library and editor pages on the ASGI app (SQLite application database)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from clusteratlas.appdb import accounts, open_database
from clusteratlas.appdb import events as ev
from clusteratlas.appdb import library as lib
from clusteratlas.appdb.audit import entries
from clusteratlas.web.app import create_app
from tests.web.demo_atlas import small_demo_atlas

PASSWORD = "correct horse battery"


@pytest.fixture
def site(tmp_path_factory, tmp_path):
    atlas = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    db = open_database(tmp_path / "app.sqlite3")
    lib.load_examples(db)
    accounts.add_user(db, email="ed@example.org", password=PASSWORD, role="editor")
    accounts.add_user(db, email="admin@example.org", password=PASSWORD, role="admin")
    event = ev.create_event(
        db,
        title="Cluster conference",
        capacity=1,
        deadline="2099-01-01T00:00",
        starts_at="2099-01-02T09:00",
        place="Demostad",
        latitude=47.1,
        longitude=-31.2,
    )
    client = TestClient(create_app(atlas, db=db), raise_server_exceptions=False)
    return client, db, event


def token(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def sign_in(client, email="ed@example.org") -> None:
    t = token(client.get("/editor/sign-in").text)
    r = client.post(
        "/editor/sign-in",
        data={"csrf_token": t, "email": email, "password": PASSWORD, "next": "/editor"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/editor"


def test_public_pages_and_json_twins(site):
    client, _db, event = site
    for path in [
        "/events",
        f"/events/{event['id']}",
        "/library",
        "/library?section=practices&themes=green+transition",
        "/library/programmes/demoland-skills-alliances",
        "/library/practices/shared-energy-audit",
        "/library/compare?programmes=demoland-skills-alliances,border-river-partnership",
    ]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert "content-security-policy" in r.headers
    twin = client.get(f"/events/{event['id']}.json").json()
    assert (twin["capacity"], twin["confirmed"]) == (1, 0)
    lib_twin = client.get("/library.json?themes=skills").json()
    assert {i["slug"] for i in lib_twin["items"]} == {
        "demoland-skills-alliances",
        "xd1-green-transition-clusters",
    }
    page = client.get("/library?themes=skills").text
    assert "2 records" in page and "Cluster skills alliances" in page
    assert client.get("/events").text.count('data-vega="spec-events-map"') == 1
    assert client.get("/library/programmes/nope").status_code == 404
    assert client.get("/library/compare.json?programmes=only-one").status_code == 422
    assert client.get("/events?kind=party").status_code == 422
    csv = client.get("/library/export/programmes.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 1 + 8  # header + 8 examples
    assert client.get("/library/export/programmes.xlsx").status_code == 422


def test_cluster_week_lists_its_events(site):
    client, db, _ = site
    week = ev.create_event(
        db,
        title="Demoland cluster week",
        kind="cluster-week",
        capacity=500,
        deadline="2099-01-01T00:00",
    )
    for city in ("Alpha", "Beta"):
        ev.create_event(
            db,
            title=f"Open day in {city}",
            kind="workshop",
            capacity=20,
            deadline="2099-01-01T00:00",
            place=city,
            parent_id=week["id"],
        )
    page = client.get(f"/events/{week['id']}").text
    assert "Open day in Alpha" in page and "Open day in Beta" in page
    assert client.get(f"/events/{week['id']}.json").json()["children"] != []


def test_registration_form_wait_list_and_cancel(site):
    client, db, event = site
    form = client.get(f"/events/{event['id']}").text
    data = {
        "csrf_token": token(form),
        "name": "Ana",
        "email": "ana@example.org",
        "organisation": "ACME",
        "consent": "yes",
    }
    first = client.post(f"/events/{event['id']}/register", data=data, follow_redirects=False)
    assert first.status_code == 303
    assert "Confirmed." in client.get(first.headers["location"]).text
    second = client.post(
        f"/events/{event['id']}/register", data={**data, "email": "ben@example.org", "name": "Ben"}
    )
    assert "On the wait-list" in second.text
    dup = client.post(f"/events/{event['id']}/register", data=data)
    assert dup.status_code == 409 and "already registered" in dup.text
    bad = client.post(
        f"/events/{event['id']}/register", data={**data, "email": "nope", "consent": ""}
    )
    assert bad.status_code == 422
    assert 'id="err-email"' in bad.text and 'id="err-consent"' in bad.text
    # cancel through the personal link: Ben moves up
    page = client.get(first.headers["location"])
    reg_id = int(re.search(r"registrations/(\d+)", first.headers["location"]).group(1))
    tok = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    done = client.post(
        f"/events/registrations/{reg_id}/cancel",
        data={"csrf_token": token(page.text), "token": tok},
    )
    assert "Cancelled." in done.text
    assert ev.public_event(db, event["id"])["confirmed"] == 1
    assert [a["name"] for a in ev.attendees(db, event["id"]) if a["status"] == "confirmed"] == [
        "Ben"
    ]
    # a forged link is refused
    assert client.get(f"/events/registrations/{reg_id + 1}?token={tok}").status_code == 422


def test_writes_without_csrf_or_sign_in_are_refused(site):
    client, db, event = site
    r = client.post(
        f"/events/{event['id']}/register",
        data={"name": "X", "email": "x@example.org", "organisation": "O", "consent": "yes"},
    )
    assert r.status_code == 403
    assert client.get("/editor", follow_redirects=False).status_code == 303
    for path in [
        "/editor/events/new",
        f"/editor/events/{event['id']}/capacity",
        "/editor/library/programmes/new",
        "/editor/privacy",
    ]:
        t = token(client.get(f"/events/{event['id']}").text)
        assert client.post(path, data={"csrf_token": t, "title": "x"}).status_code == 403, path
    assert ev.public_event(db, event["id"])["capacity"] == 1
    sign_in(client)
    # signed in but without the token: still refused
    r = client.post(f"/editor/events/{event['id']}/capacity", data={"capacity": "5"})
    assert r.status_code == 403
    assert ev.public_event(db, event["id"])["capacity"] == 1


def test_sign_in_rate_limit(site):
    client, db, _ = site
    t = token(client.get("/editor/sign-in").text)
    codes = [
        client.post(
            "/editor/sign-in",
            data={"csrf_token": t, "email": "ed@example.org", "password": "wrong"},
        ).status_code
        for _ in range(accounts.MAX_FAILURES)
    ]
    assert codes == [401] * accounts.MAX_FAILURES
    # now even the right password is refused until the window has passed
    r = client.post(
        "/editor/sign-in", data={"csrf_token": t, "email": "ed@example.org", "password": PASSWORD}
    )
    assert r.status_code == 429
    with db.read() as s:
        actions = [x["action"] for x in entries(s, entity="user", limit=10)]
    assert actions.count("sign-in-failed") == accounts.MAX_FAILURES
    assert "sign-in-blocked" in actions


def test_editor_changes_are_audited(site):
    client, db, event = site
    sign_in(client)
    page = client.get(f"/editor/events/{event['id']}").text
    r = client.post(
        f"/editor/events/{event['id']}/capacity",
        data={"csrf_token": token(page), "capacity": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and ev.public_event(db, event["id"])["capacity"] == 3
    edit = client.get("/editor/library/programmes/demoland-skills-alliances").text
    prog = lib.get(db, "programme", "demoland-skills-alliances")
    data = {
        k: ("; ".join(v) if isinstance(v, list) else "" if v is None else str(v))
        for k, v in prog.items()
        if k not in ("id", "updated_at", "practices", "example")
    }
    data.update(csrf_token=token(edit), title="Skills alliances (renamed)", example="yes")
    r = client.post(
        "/editor/library/programmes/demoland-skills-alliances", data=data, follow_redirects=False
    )
    assert r.status_code == 303
    assert lib.get(db, "programme", "demoland-skills-alliances")["title"].endswith("(renamed)")
    bad = client.post(
        "/editor/library/programmes/demoland-skills-alliances",
        data={**data, "period_start": "20x4"},
    )
    assert bad.status_code == 422 and 'id="err-period_start"' in bad.text
    with db.read() as s:
        log = entries(s, limit=50)
    mine = [(x["action"], x["entity"]) for x in log if x["actor"] == "ed@example.org"]
    assert ("update", "event") in mine and ("update", "programme") in mine
    # deleting needs an admin
    r = client.post(
        "/editor/library/programmes/demoland-skills-alliances", data={**data, "action": "delete"}
    )
    assert r.status_code == 403
    csv = client.get(f"/editor/events/{event['id']}/attendees.csv")
    assert csv.status_code == 200
    assert list(pd.read_csv(io.StringIO(csv.text)).columns)[:3] == ["id", "event_id", "status"]


def test_import_page_names_every_error(site):
    client, db, _ = site
    sign_in(client)
    t = token(client.get("/editor/import").text)
    bad = b"slug,title,country,level\nok-one,OK,XD,national\nBad Slug,,Spain,galactic\n"
    r = client.post(
        "/editor/import",
        data={"csrf_token": t, "section": "programmes"},
        files={"file": ("progs.csv", bad, "text/csv")},
    )
    assert r.status_code == 422
    for col in ("slug", "title", "country", "level"):
        assert f"<td>3</td><td>{col}</td>" in r.text
    assert lib.search(db, "programme", q="OK")["total"] == 0


def test_admin_privacy_export_and_erase(site):
    client, db, event = site
    ev.register(
        db,
        event["id"],
        {"name": "Cleo", "email": "cleo@example.org", "organisation": "O", "consent": True},
    )
    sign_in(client)
    assert client.get("/editor/privacy").status_code == 403  # editors are not admins
    client.cookies.clear()
    sign_in(client, "admin@example.org")
    t = token(client.get("/editor/privacy").text)
    r = client.post(
        "/editor/privacy", data={"csrf_token": t, "email": "cleo@example.org", "action": "export"}
    )
    assert "Cleo" in r.text
    r = client.post(
        "/editor/privacy", data={"csrf_token": t, "email": "cleo@example.org", "action": "erase"}
    )
    assert '"erased": 1' in r.text
    assert ev.attendees(db, event["id"])[0]["name"] is None
    with db.read() as s:
        log = [(x["action"], x["actor"]) for x in entries(s, entity="person")]
    assert log == [("erase", "admin@example.org"), ("export", "admin@example.org")]
