"""The observatory in a real browser (Debian Chromium, headless): search, profile, charts and
maps drawn as SVG, a CSV download equal to the chart's data, compare, shared URLs, CSP and
axe-core accessibility checks. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.e2e.conftest import shot

pytestmark = pytest.mark.slow


def wait_charts(page, expected: int | None = None) -> list[str]:
    """Wait until every chart on the page is drawn (or failed) and return their states."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-vega]')].every(e => e.dataset.rendered)",
        timeout=30_000,
    )
    states = page.eval_on_selector_all("[data-vega]", "els => els.map(e => e.dataset.rendered)")
    if expected is not None:
        assert len(states) == expected
    return states


def first_region(page, server) -> str:
    page.goto(f"{server}/index.json")
    data = json.loads(page.inner_text("body"))
    return sorted(r["region"] for r in data["panels"][0]["data"])[0]


def test_search_region_open_profile_and_charts_render(page, server):
    code = first_region(page, server)
    page.goto(server + "/")
    assert set(wait_charts(page)) == {"true"}
    page.fill("#home-q", code)
    page.press("#home-q", "Enter")
    page.wait_for_url(f"**/?q={code}")
    page.click(f"section.results a[href^='/regions/{code}']")
    page.wait_for_url(f"**/regions/{code}*")
    states = wait_charts(page)
    assert set(states) == {"true"}, states
    # the bubble chart: one SVG circle per cluster of the portfolio data
    n_bubbles = page.locator("#chart-portfolio svg g.mark-symbol.role-mark path").count()
    data = json.loads(page.inner_text("#spec-portfolio"))["data"]["values"]
    assert n_bubbles == len(data) > 0
    # the locator map: one SVG path per region polygon
    assert page.locator("#chart-locator svg g.mark-shape.role-mark path").count() > 1
    assert page.errors == []  # nothing blocked by the CSP, no script error
    shot(page, "region")


def test_home_map_renders_svg(page, server):
    page.goto(server + "/")
    wait_charts(page, expected=1)
    n_regions = len(
        json.loads(page.inner_text("#spec-top-clusters"))["transform"][0]["from"]["data"]["values"]
    )
    assert page.locator("#chart-top-clusters svg g.mark-shape.role-mark path").count() >= n_regions
    assert page.locator("#chart-top-clusters svg").get_by_text("No data").count() == 1
    shot(page, "home")


def test_csv_download_equals_chart_data(page, server):
    code = first_region(page, server)
    page.goto(f"{server}/regions/{code}")
    wait_charts(page)
    with page.expect_download() as info:
        page.click("#panel-portfolio a[data-download='csv']")
    frame = pd.read_csv(info.value.path(), comment="#", dtype={"cluster": str})
    chart = pd.DataFrame(json.loads(page.inner_text("#spec-portfolio"))["data"]["values"])
    assert len(frame) == len(chart)
    for column in ("cluster", "value", "change", "employment"):
        assert frame[column].tolist() == chart[column].tolist(), column


def test_compare_and_shared_url(page, server):
    code = first_region(page, server)
    page.goto(f"{server}/compare")
    page.fill("#f-regions", code)
    page.select_option("#f-measure", "employment")
    page.click("form.controls button")
    page.wait_for_url(f"**/compare?regions={code}&measure=employment")
    wait_charts(page)
    peer = page.locator("section.suggested a").first
    peer_code = peer.get_attribute("data-peer")
    peer.click()
    page.wait_for_url("**/compare?regions=*")
    wait_charts(page)
    shared = page.url
    assert f"{code}%2C{peer_code}" in shared or f"{code},{peer_code}" in shared
    rows = page.locator("#panel-figures tbody tr").count()
    assert rows == 2
    table = page.inner_text("#panel-matrix table")
    # the shared URL, opened fresh, restores the same view
    other = page.context.new_page()
    other.goto(shared)
    wait_charts(other)
    assert other.inner_text("#panel-matrix table") == table
    assert other.locator("#f-measure").input_value() == "employment"
    other.close()
    shot(page, "compare")


def test_region_state_restored_from_url(page, server):
    code = first_region(page, server)
    page.goto(f"{server}/regions/{code}")
    wait_charts(page)
    years = page.eval_on_selector_all("#f-year option", "os => os.map(o => o.value)")
    page.select_option("#f-year", years[-2])  # autosubmit on change
    page.wait_for_url(f"**/regions/{code}?*year={years[-2]}*")
    wait_charts(page)
    url, summary = page.url, page.inner_text("#panel-strong .summary")
    fresh = page.context.new_page()
    fresh.goto(url)
    assert fresh.locator("#f-year").input_value() == years[-2]
    assert fresh.inner_text("#panel-strong .summary") == summary
    fresh.close()


@pytest.mark.parametrize(
    "path",
    ["/", "/regions/{code}", "/clusters/{cluster}", "/compare?regions={code}", "/scoreboard"],
)
def test_axe_no_serious_or_critical_violations(page, server, path):
    from axe_playwright_python.sync_playwright import Axe

    code = first_region(page, server)
    page.goto(f"{server}/api/regions/{code}/clusters")
    clusters = json.loads(page.inner_text("body"))["clusters"]
    cluster = max(
        (c for c in clusters if c["cluster_type"] == "traded"), key=lambda c: c["employment"] or 0
    )["cluster"]
    page.goto(server + path.format(code=code, cluster=cluster))
    wait_charts(page)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1
    )
    if path == "/clusters/{cluster}":
        shot(page, "cluster")
