"""The linkage pages and routes on the ASGI app (small Demoland atlas): the region page's
opportunities and emerging panels, the cluster page's related-clusters network, /partners and
/hotspots with their JSON twins, downloads, state in the URL, headers and bad parameters.

Expected values are taken from the JSON API routes (a separate code path through
``web/linkages_api.py``) and from the Atlas methods, never from the page under test."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from clusteratlas.web.app import create_app
from clusteratlas.web.downloads import read_csv_download
from tests.web.demo_atlas import small_demo_atlas


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def codes(client):
    """A level-2 region that has growth opportunities, and the traded cluster with most jobs."""
    items = client.get("/api/regions", params={"level": 2, "per_page": 500}).json()["items"]
    region = next(
        r["code"]
        for r in items
        if client.get(f"/api/regions/{r['code']}/opportunities").json()["items"]
    )
    table = client.get(f"/api/regions/{region}/clusters").json()["clusters"]
    traded = max(
        (c for c in table if c["cluster_type"] == "traded"), key=lambda c: c["employment"] or 0
    )
    return {"region": region, "cluster": traded["cluster"]}


def panel(data: dict, panel_id: str) -> dict:
    return next(p for p in data["panels"] if p["id"] == panel_id)


def test_region_page_shows_opportunities_and_emerging(client, codes):
    r = codes["region"]
    page = client.get(f"/regions/{r}")
    assert page.status_code == 200
    data = client.get(f"/regions/{r}.json").json()
    opp = panel(data, "opportunities")
    api = client.get(f"/api/regions/{r}/opportunities").json()
    assert [o["cluster"] for o in opp["data"]] == [i["cluster"] for i in api["items"]]
    assert [o["density"] for o in opp["data"]] == [i["density"] for i in api["items"]]
    assert all(o["reasons"] for o in opp["data"])
    start, year = data["params"]["start"], data["params"]["year"]
    em = panel(data, "emerging")
    api_em = client.get(f"/api/regions/{r}/emerging", params={"start": start, "end": year})
    assert [e["cluster"] for e in em["data"]] == [i["cluster"] for i in api_em.json()["items"]]
    for pid in ("opportunities", "emerging"):
        assert f'id="panel-{pid}"' in page.text and f"/charts/{pid}.csv" in page.text
    csv = read_csv_download(client.get(f"/regions/{r}/charts/opportunities.csv").content)
    assert list(csv["cluster"].astype(str)) == [o["cluster"] for o in opp["data"]]
    assert f"/partners?region={r}" in page.text  # the include of _linkages_region.html
    # the portfolio's start year in the URL is the emerging window's start too
    years = data["region"]["years"]
    later = client.get(f"/regions/{r}.json", params={"start": years[1]}).json()
    assert panel(later, "emerging")["title"].startswith(f"Emerging specialisations, {years[1]}")


def test_cluster_page_shows_the_related_network(client, codes):
    c = codes["cluster"]
    page = client.get(f"/clusters/{c}")
    assert page.status_code == 200 and 'id="panel-related"' in page.text
    data = client.get(f"/clusters/{c}.json").json()
    api = client.get(f"/api/clusters/{c}/related").json()
    edges = panel(data, "related")["data"]
    assert {(e["a"], e["b"]) for e in edges} == {(e["a"], e["b"]) for e in api["edges"]}
    assert {e["strength"] for e in edges} <= {"strong", "weak"}
    ranked = panel(data, "related-ranked")["data"]
    assert [x["cluster"] for x in ranked] == [x["cluster"] for x in api["ranked"]]
    svg = client.get(f"/clusters/{c}/charts/related.svg")
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<svg")
    csv = read_csv_download(client.get(f"/clusters/{c}/charts/related.csv").content)
    assert len(csv) == len(edges)
    assert "/hotspots?cluster=" in page.text  # the include of _linkages_cluster.html


def test_partner_finder_page_and_twin(client, codes):
    r = codes["region"]
    empty = client.get("/partners")
    assert empty.status_code == 200 and 'name="region"' in empty.text
    assert client.get("/partners.json").json()["panels"] == []
    page = client.get(f"/partners?region={r}&n=2")
    assert page.status_code == 200
    twin = client.get(f"/partners.json?region={r}&n=2").json()
    assert twin == client.get(f"/partners?region={r}&n=2&format=json").json()
    api = client.get("/api/partners", params={"region": r, "n": 2}).json()
    for kind in ("similar", "complementary"):
        rows = panel(twin, kind)["data"]
        assert [x["region"] for x in rows] == [p["region"] for p in api[kind]]
        assert len(rows) <= 2 and all(x["reasons"] for x in rows)
        assert f"/partners/charts/{kind}.csv?region={r}" in page.text.replace("&amp;", "&")
    assert twin["params"] == {"region": r, "cluster": None, "n": 2}
    c = codes["cluster"]
    one = client.get("/partners.json", params={"region": r, "cluster": c}).json()
    api_c = client.get("/api/partners", params={"region": r, "cluster": c}).json()
    assert [x["region"] for x in panel(one, "similar")["data"]] == [
        p["region"] for p in api_c["similar"]
    ]


def test_hotspot_page_is_seeded_and_in_the_url(client, codes):
    c = codes["cluster"]
    url = f"/hotspots?cluster={c}&permutations=199&seed=7"
    page = client.get(url)
    assert page.status_code == 200 and 'id="panel-hotspots"' in page.text
    twin = client.get(f"/hotspots.json?cluster={c}&permutations=199&seed=7").json()
    assert twin["params"]["seed"] == 7 and twin["params"]["permutations"] == 199
    api = client.get(f"/api/clusters/{c}/hotspots", params={"permutations": 199, "seed": 7}).json()
    rows = panel(twin, "hotspots")["data"]
    assert {x["region"]: x["quadrant"] for x in rows} == {
        x["region"]: x["quadrant"] for x in api["regions"]
    }
    assert {x["region"]: x["p_value"] for x in rows} == {
        x["region"]: x["p_value"] for x in api["regions"]
    }
    again = client.get(f"/api/clusters/{c}/hotspots", params={"permutations": 199, "seed": 7})
    assert again.json()["regions"] == api["regions"]
    csv = read_csv_download(
        client.get(f"/hotspots/charts/hotspots.csv?cluster={c}&permutations=199&seed=7").content
    )
    assert sorted(csv["region"].astype(str)) == sorted(x["region"] for x in rows)
    assert client.get(f"/hotspots/charts/zones.csv?cluster={c}").status_code == 200


def test_linkage_pages_keep_the_csp(client, codes):
    for url in (f"/partners?region={codes['region']}", f"/hotspots?cluster={codes['cluster']}"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe" not in csp
        for src in re.findall(r'<(?:script|link|iframe|img)[^>]+(?:src|href)="([^"]+)"', r.text):
            assert src.startswith("/"), f"external resource {src}"


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/partners.json?region=NOPE", 404, None),
        ("/partners.json?region={region}&n=0", 422, "n"),
        ("/partners.json?region={region}&n=abc", 422, "n"),
        ("/partners.json?cluster={cluster}", 422, "region"),
        ("/partners.json?region={region}&cluster=NOPE", 404, None),
        ("/partners.json?region=%3Cscript%3E", 422, "region"),
        ("/partners?region={region}&n=51", 422, "n"),
        ("/hotspots.json?cluster=NOPE", 404, None),
        ("/hotspots.json?cluster={cluster}&permutations=5", 422, "permutations"),
        ("/hotspots.json?cluster={cluster}&seed=-1", 422, "seed"),
        ("/hotspots.json?cluster={cluster}&level=9", 404, None),
        ("/hotspots.json?cluster={cluster}&level=0", 422, "level"),
        ("/hotspots.json?cluster={cluster}&system=nowhere", 404, None),
        ("/hotspots.json?cluster={cluster}&year=1999", 404, None),
        ("/hotspots?cluster={cluster}&permutations=x", 422, "permutations"),
        ("/api/partners", 422, "region"),
        ("/api/partners?region=NOPE", 404, None),
        ("/api/partners?region={region}&n=99", 422, "n"),
        ("/api/regions/NOPE/opportunities", 404, None),
        ("/api/regions/{region}/opportunities?n=0", 422, "n"),
        ("/api/regions/{region}/opportunities?year=1999", 404, "year"),
        ("/api/regions/{region}/emerging?start=2024&end=2020", 422, "start"),
        ("/api/clusters/NOPE/related", 404, None),
        ("/api/clusters/{cluster}/related?scheme=nope", 404, None),
        ("/api/clusters/{cluster}/hotspots?permutations=1", 422, "permutations"),
        ("/api/clusters/{cluster}/hotspots?seed=x", 422, "seed"),
    ],
)
def test_bad_parameters(client, codes, url, status, parameter):
    response = client.get(url.format(**codes))
    assert response.status_code == status, (url, response.text[:300])
    if ".json" in url or url.startswith("/api/"):
        body = response.json()
        assert body["status"] == status and body["message"]
        if status == 422:
            assert body["parameter"] == parameter
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text
        if parameter:
            assert f"<strong>{parameter}</strong>" in response.text
