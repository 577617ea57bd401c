"""The linkage pages in a real browser (Debian Chromium, headless): the related-clusters
network and the hot-spot map drawn as SVG under the strict CSP, the partner finder's form
keeping its state in the URL, and axe-core accessibility checks. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import shot
from tests.e2e.test_browser import first_region, wait_charts

pytestmark = pytest.mark.slow


def traded_cluster(page, server, code: str) -> str:
    page.goto(f"{server}/api/regions/{code}/clusters")
    clusters = json.loads(page.inner_text("body"))["clusters"]
    return max(
        (c for c in clusters if c["cluster_type"] == "traded"), key=lambda c: c["employment"] or 0
    )["cluster"]


def test_related_network_draws_one_mark_per_node(page, server):
    code = first_region(page, server)
    cluster = traded_cluster(page, server, code)
    page.goto(f"{server}/clusters/{cluster}")
    assert set(wait_charts(page)) == {"true"}
    spec = json.loads(page.inner_text("#spec-related"))
    nodes = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    n_nodes = len(nodes["data"]["values"])
    drawn = page.locator("#chart-related svg g.mark-symbol.role-mark path").count()
    assert drawn == n_nodes > 1
    assert page.errors == []
    shot(page, "cluster-related")


def test_partner_finder_form_puts_its_state_in_the_url(page, server):
    code = first_region(page, server)
    page.goto(f"{server}/partners")
    page.fill("#f-region", code)
    page.fill("#f-n", "3")
    page.click("form.controls button[type=submit]")
    page.wait_for_url(f"**/partners?region={code}*n=3*")
    wait_charts(page)
    rows = page.locator("#panel-similar table tbody tr").count()
    assert 0 < rows <= 3
    assert page.errors == []
    shot(page, "partners")


def test_hotspot_map_draws_regions(page, server):
    code = first_region(page, server)
    cluster = traded_cluster(page, server, code)
    page.goto(f"{server}/hotspots?cluster={cluster}&permutations=199&seed=3")
    assert set(wait_charts(page)) == {"true"}
    assert page.locator("#chart-hotspots svg g.mark-shape.role-mark path").count() > 1
    assert page.errors == []
    shot(page, "hotspots")


@pytest.mark.parametrize(
    "path",
    [
        "/clusters/{cluster}",
        "/regions/{code}",
        "/partners",
        "/partners?region={code}",
        "/partners?region={code}&cluster={cluster}",
        "/hotspots?cluster={cluster}",
    ],
)
def test_axe_no_serious_or_critical_violations(page, server, path):
    from axe_playwright_python.sync_playwright import Axe

    code = first_region(page, server)
    cluster = traded_cluster(page, server, code)
    page.goto(server + path.format(code=code, cluster=cluster))
    wait_charts(page)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1
    )
