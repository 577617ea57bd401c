"""The partnership view of the partner finder in a real browser (Debian Chromium, headless):
started from the region page, members added with the form and from the candidates, removed
with the chips — with JavaScript switched off, so it works without it — the charts drawn
under the strict CSP when JavaScript is on, and axe-core checks. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import shot
from tests.e2e.test_browser import wait_charts

pytestmark = pytest.mark.slow


def level2(page, server) -> list[str]:
    page.goto(f"{server}/api/regions?level=2&per_page=500")
    return sorted(r["code"] for r in json.loads(page.inner_text("body"))["items"])


@pytest.fixture
def nojs(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    pg = context.new_page()
    yield pg
    context.close()


def members(page) -> list[str]:
    return page.eval_on_selector_all("ul.chips a.remove", "els => els.map(e => e.dataset.remove)")


def test_partnership_add_and_remove_without_javascript(nojs, server):
    page = nojs
    a, b, *_ = level2(page, server)
    page.goto(f"{server}/regions/{a}")
    page.click("a[data-start-partnership]")
    page.wait_for_url(f"**/partners?region={a}#partnership")
    assert page.input_value("#p-regions") == a
    page.fill("#p-add", b)
    page.click("#partnership button[type=submit]")
    page.wait_for_url(f"**/partners?regions={a}&add={b}")
    assert members(page) == [a, b]
    assert page.locator("#panel-needs table tbody tr").count() > 0
    # add the best candidate from its table row
    first = page.locator("#panel-candidates table tbody tr").first
    c = first.locator("td").first.inner_text()
    first.locator("a", has_text=f"Add {c}").click()
    page.wait_for_url(f"**/partners?regions={a},{b},{c}&n=10")
    assert members(page) == [a, b, c]
    # remove the first member with its chip: the partnership of the two others
    page.click(f"ul.chips a.remove[data-remove='{a}']")
    page.wait_for_url(f"**/partners?regions={b},{c}&n=10")
    assert members(page) == [b, c]
    # and the last but one: back to the other's partner finder
    page.click(f"ul.chips a.remove[data-remove='{b}']")
    page.wait_for_url(f"**/partners?region={c}#partnership")
    assert page.input_value("#p-regions") == c


def test_partnership_charts_draw_and_the_twin_matches(page, server):
    a, b, *_ = level2(page, server)
    page.goto(f"{server}/partners?regions={a},{b}")
    assert set(wait_charts(page)) == {"true"}
    spec = json.loads(page.inner_text("#spec-needs"))
    drawn = page.locator("#chart-needs svg g.mark-rect.role-mark path").count()
    assert drawn == len(spec["data"]["values"]) > 0
    assert page.errors == []
    shot(page, "partnership")
    page.goto(f"{server}/partners.json?regions={a},{b}")
    twin = json.loads(page.inner_text("body"))
    assert [m["region"] for m in twin["members"]] == [a, b]


@pytest.mark.parametrize(
    "path",
    [
        "/partners?regions={a},{b}",
        "/partners?regions={a},{b},{c}&n=3",
        "/partners?region={a}#partnership",
        "/",
    ],
)
def test_axe_no_serious_or_critical_violations(page, server, path):
    from axe_playwright_python.sync_playwright import Axe

    a, b, c, *_ = level2(page, server)
    page.goto(server + path.format(a=a, b=b, c=c))
    wait_charts(page)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1
    )
