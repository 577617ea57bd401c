"""The partnership view of the partner finder on the ASGI app (small Demoland atlas):
``/api/partnership`` against :meth:`PartnerFinder.partnership` run directly on the same data,
the page ``/partners?regions=…`` with its JSON twin, CSV downloads, add/remove links (state in
the URL), the navigation to it, and bad parameters.

The reference finder is built here from the atlas's public read method ``cluster_regions``
(``tests.linkages.test_atlas_linkages.matrix``), not through the linkage store path the
Atlas uses."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from clusteratlas.atlas.service import Atlas
from clusteratlas.linkages.partners import PartnerFinder
from clusteratlas.web.app import create_app
from clusteratlas.web.downloads import read_csv_download
from tests.linkages.test_atlas_linkages import matrix
from tests.web.demo_atlas import small_demo_atlas


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return small_demo_atlas(tmp_path_factory.mktemp("atlas"))


@pytest.fixture(scope="module")
def client(path):
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def finder(path) -> PartnerFinder:
    """The reference: a PartnerFinder on the level-2 × traded-cluster matrix of the last year
    (Demoland is one country, so every region is its own 'country', as the atlas does)."""
    atlas = Atlas.open(path)
    try:
        x = matrix(atlas, atlas.info()["years"][-1])
    finally:
        atlas.close()
    x = x.loc[x.sum(axis=1) > 0, x.sum(axis=0) > 0]
    regions = x.index.to_numpy()
    return PartnerFinder(
        x.to_numpy(), regions, x.columns.to_numpy(), country={r: r for r in regions}
    )


@pytest.fixture(scope="module")
def level2(finder) -> list[str]:
    return sorted(finder.regions)


def panel(data: dict, panel_id: str) -> dict:
    return next(p for p in data["panels"] if p["id"] == panel_id)


def test_api_equals_the_partner_finder(client, finder, level2) -> None:
    assert len(level2) >= 3
    groups = [list(g) for g in itertools.combinations(level2, 2)] + [level2[:3]]
    for members in groups:
        got = client.get("/api/partnership", params={"regions": ",".join(members), "n": 5})
        assert got.status_code == 200, got.text
        api = got.json()
        ref = finder.partnership(members, top=5)
        assert [m["region"] for m in api["members"]] == ref["members"] == members
        for key in ("needed", "covered", "uncovered"):
            assert sorted(api[key]) == sorted(ref[key]), (members, key)
        assert api["coverage"] == pytest.approx(ref["coverage"])
        assert [(c["region"], c["score"], c["strength"]) for c in api["candidates"]] == [
            (c["partner"], pytest.approx(c["score"]), pytest.approx(c["strength"]))
            for c in ref["candidates"]
        ]
        assert {api["system"], api["level"]} == {"demo", 2}
        # every need: who needs it (each member's own needs), who covers it
        for m in api["members"]:
            assert m["needs"] == finder.needs(m["region"])
            assert not set(m["needs"]) & set(m["specialisations"])
        assert {n["cluster"] for n in api["needs"]} == set(ref["needed"])
        for n in api["needs"]:
            assert n["covered"] == (n["cluster"] in ref["covered"]) == bool(n["covered_by"])
            assert set(n["needed_by"]) == {
                m["region"] for m in api["members"] if n["cluster"] in m["needs"]
            }
        densities = [n["density"] for n in api["needs"]]
        assert densities == sorted(densities, reverse=True)
        uncovered = set(ref["uncovered"])
        m = finder.res["m"]
        for c in api["candidates"]:
            s = finder.index[c["region"]]
            assert c["region"] not in members
            assert set(c["fills"]) == {
                u for k, u in enumerate(finder.units) if m[s, k] > 0 and u in uncovered
            }
            assert len(c["reasons"]) == 3 and c["reasons"][0].startswith(
                f"fills {len(c['fills'])} of the partnership's {len(uncovered)} uncovered needs"
            )
        assert "top quarter" in api["method"] and api["provenance"]


def test_partnership_page_twin_and_downloads(client, level2) -> None:
    a, b = level2[:2]
    url = f"/partners?regions={a},{b}"
    page = client.get(url)
    assert page.status_code == 200
    twin = client.get(f"/partners.json?regions={a},{b}").json()
    assert twin == client.get(f"{url}&format=json").json()
    api = client.get("/api/partnership", params={"regions": f"{a},{b}"}).json()
    assert twin["params"] == {"regions": f"{a},{b}", "n": 10}
    assert twin["mode"] == "partnership"
    assert [m["region"] for m in twin["members"]] == [a, b]
    assert twin["coverage"] == api["coverage"]
    assert [p["id"] for p in twin["panels"]] == ["needs", "candidates", "members"]
    needs = panel(twin, "needs")["data"]
    assert [n["cluster"] for n in needs] == [n["cluster"] for n in api["needs"]]
    assert [n["status"] == "Covered by a member" for n in needs] == [
        n["covered"] for n in api["needs"]
    ]
    cands = panel(twin, "candidates")["data"]
    assert [(c["region"], c["score"]) for c in cands] == [
        (c["region"], c["score"]) for c in api["candidates"]
    ]
    assert all(c["reasons"] for c in cands)
    members = panel(twin, "members")["data"]
    assert [(m["region"], m["needs"]) for m in members] == [
        (m["region"], len(m["needs"])) for m in api["members"]
    ]
    # the page shows the members, the coverage and the candidates with "add" links
    html = page.text.replace("&amp;", "&")
    names = [m["name"] for m in api["members"]]
    assert f"Partnership: {names[0]}, {names[1]}</h1>" in html
    coverage = f"{api['coverage']:.0%}"
    assert f"Coverage: <strong>{coverage}</strong>" in html
    assert f"({len(api['covered'])} of {len(api['needed'])} needs covered by a member)" in html
    for c in api["candidates"]:
        assert f'href="/partners?regions={a},{b},{c["region"]}&n=10">Add {c["region"]}' in html
    # removing one of two members goes back to the other's partner finder
    assert f'href="/partners?region={b}#partnership" aria-label="Remove {names[0]}' in html
    assert f'href="/api/partnership?regions={a},{b}&n=10"' in html
    for pid in ("needs", "candidates", "members"):
        assert f'id="panel-{pid}"' in html and f"/partners/charts/{pid}.csv?regions={a},{b}" in html
    csv = read_csv_download(client.get(f"/partners/charts/candidates.csv?regions={a},{b}").content)
    assert list(csv["region"].astype(str)) == [c["region"] for c in api["candidates"]]
    assert list(csv["score"]) == pytest.approx([c["score"] for c in api["candidates"]])
    csv = read_csv_download(client.get(f"/partners/charts/needs.csv?regions={a},{b}").content)
    assert list(csv["cluster"].astype(str)) == [n["cluster"] for n in api["needs"]]
    svg = client.get(f"/partners/charts/needs.svg?regions={a},{b}")
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<svg")


def test_the_form_adds_and_the_url_keeps_the_state(client, level2) -> None:
    a, b, c = level2[:3]
    added = client.get("/partners.json", params={"regions": a, "add": b, "n": 3}).json()
    assert added["params"] == {"regions": f"{a},{b}", "n": 3}
    assert len(panel(added, "candidates")["data"]) <= 3
    same = client.get("/partners.json", params={"regions": f"{a},{b}", "add": b}).json()
    assert same["params"]["regions"] == f"{a},{b}"  # adding a member again changes nothing
    three = client.get("/partners.json", params={"regions": f" {a}, {b} ", "add": c}).json()
    assert [m["region"] for m in three["members"]] == [a, b, c]
    page = client.get("/partners", params={"regions": f"{a},{b},{c}"}).text.replace("&amp;", "&")
    # a member of three is removed to the partnership of the other two
    assert f'href="/partners?regions={b},{c}&n=10" aria-label="Remove' in page
    assert f'name="regions" value="{a},{b},{c}"' in page and 'name="add"' in page


def test_navigation_leads_to_the_partner_finder_and_hot_spots(client, level2) -> None:
    a = level2[0]
    for url in ("/", "/compare", f"/regions/{a}"):
        html = client.get(url).text
        nav = re.search(r'<nav aria-label="Main">.*?</nav>', html, re.S).group(0)
        assert 'href="/partners"' in nav and 'href="/hotspots"' in nav, url
    home = client.get("/").text
    main = re.search(r"<main.*?</main>", home, re.S).group(0)
    assert 'href="/partners"' in main and 'href="/hotspots"' in main
    assert client.get("/hotspots").status_code == 200
    region = client.get(f"/regions/{a}").text
    assert f'href="/partners?region={a}#partnership" data-start-partnership' in region
    start = client.get(f"/partners?region={a}").text.replace("&amp;", "&")
    form = re.search(r'<section id="partnership".*?</section>', start, re.S).group(0)
    assert f'name="regions" value="{a}"' in form and 'name="add"' in form
    # every partner of the one-region finder opens a partnership with it
    twin = client.get(f"/partners.json?region={a}").json()
    for kind in ("similar", "complementary"):
        for row in panel(twin, kind)["data"]:
            assert row["partnership_url"] == f"/partners?regions={a},{row['region']}&n=10"
            assert f'href="{row["partnership_url"]}">Partnership with {row["region"]}' in start


def test_partnership_page_keeps_the_csp(client, level2) -> None:
    r = client.get("/partners", params={"regions": ",".join(level2[:2])})
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe" not in csp
    assert "<script>" not in r.text and " style=" not in r.text
    for src in re.findall(r'<(?:script|link|iframe|img)[^>]+(?:src|href)="([^"]+)"', r.text):
        assert src.startswith("/"), f"external resource {src}"


@pytest.mark.parametrize(
    ("url", "status", "parameter", "words"),
    [
        ("/api/partnership", 422, "regions", "required"),
        ("/api/partnership?regions={a}", 422, "regions", "at least two regions"),
        ("/api/partnership?regions={a},{a}", 422, "regions", "listed twice"),
        ("/api/partnership?regions={a},NOPE", 404, "regions", "unknown region 'NOPE'"),
        ("/api/partnership?regions={a},%3Cb%3E", 422, "regions", "not a region code"),
        ("/api/partnership?regions={eleven}", 422, "regions", "at most 10 regions"),
        ("/api/partnership?regions={a},{parent}", 422, "regions", "one system and level"),
        ("/api/partnership?regions={a},{b}&n=0", 422, "n", None),
        ("/partners.json?regions={a}", 422, "regions", "at least two regions"),
        ("/partners.json?regions={a}&add={a}", 422, "regions", "at least two regions"),
        ("/partners.json?regions={a},NOPE", 404, "regions", "unknown region"),
        ("/partners.json?regions={eleven}", 422, "regions", "at most 10"),
        ("/partners.json?regions={a},{b}&region={a}", 422, "regions", "either region"),
        ("/partners.json?regions={a},{b}&cluster=1", 422, "cluster", "every cluster"),
        ("/partners.json?regions={a},{b}&add=%3Cb%3E", 422, "add", "not a code"),
        ("/partners?regions={a}", 422, "regions", "at least two regions"),
        ("/partners?regions={a},NOPE", 404, None, "unknown region"),
        ("/partners?regions={a},{a}", 422, "regions", "listed twice"),
        ("/partners/charts/needs.csv?regions={a}", 422, "regions", None),
    ],
)
def test_bad_parameters(client, level2, url, status, parameter, words) -> None:
    codes = [
        r["code"] for r in client.get("/api/regions", params={"per_page": 500}).json()["items"]
    ]
    parent = next(
        r["parent"] for r in client.get("/api/regions", params={"level": 2}).json()["items"]
    )
    url = url.format(a=level2[0], b=level2[1], parent=parent, eleven=",".join(codes[:11]))
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:300])
    if ".json" in url or url.startswith("/api/"):
        body = response.json()
        assert body["status"] == status and body["parameter"] == parameter
        if words:
            assert words in body["message"]
    elif "/charts/" not in url:
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text
        if parameter:
            assert f"<strong>{parameter}</strong>" in response.text
        assert words in response.text.replace("&#39;", "'")


def test_scores_are_shares(client, level2) -> None:
    api = client.get("/api/partnership", params={"regions": ",".join(level2[:2])}).json()
    scores = np.array([c["score"] for c in api["candidates"]])
    assert ((scores > 0) & (scores <= 1)).all()
    assert (np.diff(scores) <= 0).all()
    assert 0 <= api["coverage"] <= 1
