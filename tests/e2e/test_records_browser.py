"""Events and library in Debian's Chromium: register, get wait-listed when full, cancel and
see the next person promoted; axe-core on the events and library pages."""

from __future__ import annotations

import json

import pytest

from clusteratlas.appdb import default_url, open_database
from clusteratlas.appdb import events as ev
from clusteratlas.appdb import library as lib
from tests.e2e.conftest import shot
from tests.web.demo_atlas import small_demo_atlas


@pytest.fixture(scope="module")
def app_db(server, tmp_path_factory):
    """The application database the server uses (beside its atlas), with examples loaded."""
    atlas = small_demo_atlas(tmp_path_factory.mktemp("unused"))  # the server's atlas (cached)
    db = open_database(default_url(atlas))
    if lib.search(db, "programme")["total"] == 0:
        lib.load_examples(db)
    yield db
    db.dispose()


def fill(page, name: str, email: str) -> None:
    page.fill("#f-name", name)
    page.fill("#f-email", email)
    page.fill("#f-organisation", "Example organisation")
    page.check("#f-consent")
    page.click("form.record-form button[type=submit]")


def test_register_wait_list_cancel_promotes(browser, server, app_db):
    event = ev.create_event(
        app_db,
        title="Browser test conference (example)",
        capacity=1,
        deadline="2099-01-01T00:00",
        starts_at="2099-02-01T09:00",
        place="Demostad",
        latitude=47.0,
        longitude=-31.0,
        example=True,
    )
    url = f"{server}/events/{event['id']}"
    first = browser.new_context().new_page()
    first.goto(url)
    fill(first, "Ana Example", "ana@example.org")
    first.wait_for_selector("#status")
    assert first.get_attribute("#status", "data-status") == "confirmed"
    ana_link = first.url
    second = browser.new_context().new_page()
    second.goto(url)
    assert "Join the wait-list" in second.inner_text("form.record-form button[type=submit]")
    fill(second, "Ben Example", "ben@example.org")
    second.wait_for_selector("#status")
    assert second.get_attribute("#status", "data-status") == "waitlisted"
    assert second.inner_text("#position") == "1"
    shot(second, "event-waitlisted")
    # Ana cancels from her personal link; Ben's page then shows him confirmed
    first.goto(ana_link)
    first.click("text=Cancel my registration")
    first.wait_for_selector("#status[data-status=cancelled]")
    second.reload()
    assert second.get_attribute("#status", "data-status") == "confirmed"
    pub = json.loads(first.request.get(f"{server}/api/events/{event['id']}").text())
    assert (pub["confirmed"], pub["waitlisted"], pub["cancelled"]) == (1, 0, 1)


def test_library_search_facets_and_compare(page, server, app_db):
    page.goto(f"{server}/library")
    page.fill("#lib-q", "cluster")
    page.click("form.library-search button[type=submit] >> nth=0")
    total = page.inner_text("#h-hits")
    page.check("input[name=themes][value='skills']")
    page.click("text=Apply filters")
    assert "themes=skills" in page.url
    assert page.inner_text("#h-hits") != total
    shot(page, "library")
    page.goto(f"{server}/library/compare?p=demoland-cluster-excellence&p=demoland-go-international")
    assert page.locator("table.compare thead th").count() == 3


@pytest.mark.parametrize(
    "path",
    [
        "/events",
        "/events/{event}",
        "/library",
        "/library/programmes/demoland-skills-alliances",
        "/library/compare?programmes=demoland-skills-alliances,border-river-partnership",
        "/editor/sign-in",
    ],
)
def test_axe_records_pages(page, server, app_db, path):
    from axe_playwright_python.sync_playwright import Axe

    events = ev.list_events(app_db)
    event_id = (
        events[0]["id"]
        if events
        else ev.create_event(
            app_db,
            title="Axe check event (example)",
            capacity=5,
            deadline="2099-01-01T00:00",
            example=True,
        )["id"]
    )
    page.goto(server + path.format(event=event_id))
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1
    )
