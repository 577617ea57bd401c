"""Every route of the JSON API (``clusteratlas.web.api``) on the ASGI app, good and bad params.

Two atlases: the small Demoland (a real build) and the tiny hand-made atlas of
``tests/atlas/conftest.py`` (codes in two region systems, a region without a polygon).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clusteratlas.atlas import Atlas
from clusteratlas.web.api import router
from tests.atlas.conftest import make_tiny_atlas
from tests.web.demo_atlas import small_demo_atlas


def api_app(path) -> FastAPI:
    app = FastAPI()
    app.state.atlas = Atlas.open(path)
    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    with TestClient(api_app(path), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = make_tiny_atlas(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")
    with TestClient(api_app(path), raise_server_exceptions=False) as c:
        yield c


def _error(r, status: int, parameter: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == status and body["message"]
    if parameter is not None:
        assert body["parameter"] == parameter
    return body


def test_info(demo):
    info = demo.get("/api/info").json()
    assert info["synthetic"] is True and info["preset"] == "demo"
    assert info["attribution"] and info["schemes"][0]["scheme"] == "eu-nace2"


def test_regions_paged(demo):
    first = demo.get("/api/regions", params={"per_page": 5}).json()
    assert first["page"] == 1 and first["per_page"] == 5 and len(first["items"]) == 5
    total = first["total"]
    last = demo.get("/api/regions", params={"per_page": 5, "page": -(-total // 5)}).json()
    assert 1 <= len(last["items"]) <= 5
    level2 = demo.get("/api/regions", params={"level": 2, "system": "demo"}).json()
    assert level2["total"] > 0 and {r["level"] for r in level2["items"]} == {2}
    name = first["items"][1]["name"]
    found = demo.get("/api/regions", params={"q": name[:4].lower()}).json()
    assert name in [r["name"] for r in found["items"]]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"page": 0}, "page"),
        ({"per_page": 501}, "per_page"),
        ({"per_page": "many"}, "per_page"),
        ({"level": -1}, "level"),
        ({"q": "x" * 101}, "q"),
        ({"system": "bad system!"}, "system"),
    ],
)
def test_regions_bad_params_are_422(demo, params, parameter):
    _error(demo.get("/api/regions", params=params), 422, parameter)


def test_unknown_system_is_404(demo):
    _error(demo.get("/api/regions", params={"system": "NUTS1999"}), 404)


def test_region_and_its_clusters(demo):
    region = demo.get("/api/regions", params={"level": 2}).json()["items"][0]
    code = region["code"]
    one = demo.get(f"/api/regions/{code}").json()
    assert one["code"] == code and one["system"] == "demo" and one["children"]
    body = demo.get(f"/api/regions/{code}/clusters").json()
    assert set(body) == {"region", "year", "scheme", "clusters", "provenance"}
    assert body["region"]["code"] == code and body["year"] == max(one["years"])
    cell = body["clusters"][0]
    assert set(cell) == {
        "cluster", "cluster_name", "cluster_type", "employment", "establishments", "wage",
        "lq", "region_share", "benchmark_share", "stars", "strong", "strong10",
    }  # fmt: skip
    assert body["provenance"]["kind"] == "clusters" and body["provenance"]["datasets"]
    y0 = min(one["years"])
    early = demo.get(f"/api/regions/{code}/clusters", params={"year": y0}).json()
    assert early["year"] == y0
    assert demo.get(f"/api/regions/{code}/clusters", params={"system": "demo"}).status_code == 200


def test_region_errors(demo):
    _error(demo.get("/api/regions/ZZ999"), 404)
    _error(demo.get("/api/regions/ZZ999/clusters"), 404)
    _error(demo.get("/api/regions/XD1/clusters", params={"year": 1990}), 404)
    _error(demo.get("/api/regions/XD1/clusters", params={"year": "last"}), 422, "year")
    _error(demo.get("/api/regions/XD1/clusters", params={"scheme": "nope"}), 404)
    _error(demo.get("/api/regions/XD1/clusters", params={"system": "NUTS2021"}), 404)
    _error(demo.get("/api/regions/%27%3B%20DROP%20TABLE%20x/clusters"), 422, "code")
    _error(demo.get("/api/regions/" + "X" * 41), 422, "code")


def test_ambiguous_region_needs_system(tiny, tmp_path):
    from clusteratlas.store import Store
    from clusteratlas.store.atlas import save_info

    assert tiny.get("/api/regions/R1").json()["system"] == "A"  # the default system
    b = tiny.get("/api/regions/R1/clusters", params={"system": "B"}).json()
    assert b["region"]["system"] == "B"
    path = make_tiny_atlas(tmp_path / "nodefault.duckdb")
    with Store(path) as st:  # no default system: R1 (in A and B) is ambiguous
        save_info(st.con, {"default_system": None})
    with TestClient(api_app(path), raise_server_exceptions=False) as c:
        _error(c.get("/api/regions/R1"), 422, "system")
        _error(c.get("/api/regions/R1/clusters"), 422, "system")
        assert c.get("/api/regions/R1", params={"system": "A"}).status_code == 200
        assert c.get("/api/regions/R2").status_code == 200  # only in A


def test_clusters_and_cluster_regions(demo):
    clusters = demo.get("/api/clusters").json()["clusters"]
    assert len(clusters) == demo.get("/api/info").json()["schemes"][0]["clusters"]
    assert demo.get("/api/clusters", params={"scheme": "eu-nace2"}).json()["clusters"] == clusters
    code = clusters[0]["cluster"]
    one = demo.get(f"/api/clusters/{code}").json()
    assert one["members"] and one["members"][0]["industry"]
    cr = demo.get(f"/api/clusters/{code}/regions", params={"level": 2}).json()
    assert cr["cluster"]["cluster"] == code and cr["regions"]
    assert {r["level"] for r in cr["regions"]} == {2}
    employment = [r["employment"] or 0 for r in cr["regions"]]
    assert employment == sorted(employment, reverse=True)
    _error(demo.get("/api/clusters/999"), 404)
    _error(demo.get("/api/clusters/999/regions"), 404)
    _error(demo.get("/api/clusters", params={"scheme": "nope"}), 404)
    _error(demo.get(f"/api/clusters/{code}/regions", params={"level": 99}), 422, "level")
    _error(demo.get(f"/api/clusters/{code}/regions", params={"year": 1800}), 404)


def test_search(demo):
    hits = demo.get("/api/search", params={"q": "XD1"}).json()
    assert hits["q"] == "XD1" and hits["results"][0]["code"] == "XD1"
    assert demo.get("/api/search", params={"q": "aerospace"}).json()["results"][0]["type"] == (
        "cluster"
    )
    assert demo.get("/api/search", params={"q": "' OR 1=1 --"}).json()["results"] == []
    _error(demo.get("/api/search"), 422, "q")
    _error(demo.get("/api/search", params={"q": ""}), 422, "q")
    _error(demo.get("/api/search", params={"q": "x", "limit": 0}), 422, "limit")


def test_scoreboard_absent_in_demo_is_404(demo):
    _error(demo.get("/api/scoreboard/regions/XD1"), 404)
    _error(demo.get("/api/scoreboard/regions/XD1", params={"year": "x"}), 422, "year")


def test_geometries(demo, tiny):
    geo = demo.get("/api/geometries", params={"system": "demo", "level": 2}).json()
    assert geo["type"] == "FeatureCollection" and geo["missing"] == []
    level2 = demo.get("/api/regions", params={"level": 2}).json()["total"]
    assert len(geo["features"]) == level2
    topo = demo.get(
        "/api/geometries", params={"system": "demo", "level": 1, "format": "topojson"}
    ).json()
    assert topo["type"] == "Topology"
    assert tiny.get("/api/geometries", params={"system": "A"}).json()["missing"] == ["R2"]
    _error(demo.get("/api/geometries"), 422, "system")
    _error(demo.get("/api/geometries", params={"system": "demo", "format": "svg"}), 422)
    _error(demo.get("/api/geometries", params={"system": "mars"}), 404)


def test_openapi_names_every_route_with_models(demo):
    spec = demo.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/regions", "/api/regions/{code}", "/api/regions/{code}/clusters", "/api/clusters",
        "/api/clusters/{code}/regions", "/api/search", "/api/scoreboard/regions/{code}",
        "/api/geometries",
    } <= paths  # fmt: skip
    ok = spec["paths"]["/api/regions/{code}/clusters"]["get"]["responses"]
    assert ok["200"]["content"]["application/json"]["schema"]["$ref"].endswith("RegionClusters")
    assert ok["404"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
    cell = spec["components"]["schemas"]["ClusterCell"]["properties"]
    assert {"lq", "strong", "strong10", "stars", "benchmark_share"} <= set(cell)


def test_the_served_app_includes_the_router(tmp_path_factory):
    create_app = pytest.importorskip("clusteratlas.web.app").create_app
    path = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        assert c.get("/api/regions", params={"per_page": 1}).status_code == 200
        _error(c.get("/api/regions", params={"page": 0}), 422, "page")
        _error(c.get("/api/regions/ZZ999"), 404)
