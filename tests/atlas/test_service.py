"""The Atlas service on the tiny hand-made atlas (tests/atlas/conftest.py): every number known."""

from __future__ import annotations

import math

import pytest

from clusteratlas.atlas import Atlas
from clusteratlas.errors import InputError, NotFoundError, StoreError


@pytest.fixture(scope="module")
def atlas(tiny_atlas):
    a = Atlas.open(tiny_atlas)
    yield a
    a.close()


def test_info_counts_what_was_saved(atlas):
    info = atlas.info()
    assert info["title"] == "tiny" and info["synthetic"] is False
    by = {(s["scheme"], s["region_system"]): s for s in info["schemes"]}
    assert by["s", "A"]["regions"] == 2 and by["s", "A"]["cells"] == 12
    assert by["s", "B"]["regions"] == 1 and by["s", "B"]["cells"] == 6
    assert info["years"] == [2010, 2020]
    systems = {s["system"]: s for s in info["region_systems"]}
    assert systems["A"]["without_geometry"] == 1  # R2
    assert len(info["provenance"]) == 6  # clusters, strength, trends × 2 systems


def test_ambiguous_codes_take_the_default_system_or_ask_for_one(atlas):
    assert atlas.region("R1")["system"] == "A"  # A is the default system
    assert atlas.region("R1", system="B")["name"] == "Rone of B"
    with pytest.raises(NotFoundError):
        atlas.region("R2", system="B")
    with pytest.raises(NotFoundError):
        atlas.region("nope")


def test_ambiguity_without_a_default_is_an_input_error(tmp_path):
    from clusteratlas.store import Store
    from clusteratlas.store.atlas import save_info
    from tests.atlas.conftest import make_tiny_atlas

    path = make_tiny_atlas(tmp_path / "t.duckdb")
    with Store(path) as st:
        save_info(st.con, {"default_system": None})
    with pytest.raises(InputError) as err:
        Atlas.open(path).region("R1")
    assert err.value.parameter == "system"


def test_region_clusters_shape_and_defaults(atlas):
    out = atlas.region_clusters("R1")
    assert (out["year"], out["scheme"]) == (2020, "s")  # latest year, the only scheme
    assert [c["cluster"] for c in out["clusters"]] == ["c1", "c2", "c3"]
    assert set(out["clusters"][0]) == {
        "cluster", "cluster_name", "cluster_type", "employment", "establishments", "wage",
        "lq", "region_share", "benchmark_share", "stars", "strong", "strong10",
    }  # fmt: skip
    assert out["clusters"][0]["lq"] == 2.0 and out["clusters"][0]["stars"] == 1
    assert out["provenance"]["source"] == "hand" and out["provenance"]["kind"] == "clusters"
    assert atlas.region_clusters("R1", year=2010)["clusters"][0]["employment"] == 100.0
    with pytest.raises(NotFoundError):
        atlas.region_clusters("R1", year=2015)
    with pytest.raises(NotFoundError):
        atlas.region_clusters("R1", scheme="other")


def test_portfolio_quadrants_by_hand(atlas):
    r1 = {p["cluster"]: p for p in atlas.portfolio("R1")}
    r2 = {p["cluster"]: p for p in atlas.portfolio("R2")}
    assert set(r1) == {"c1", "c2"}  # traded only
    assert r1["c1"]["quadrant"] == "rising" and r1["c1"]["change"] == pytest.approx(0.5)
    assert r1["c2"]["quadrant"] == "mature" and r1["c2"]["change"] == pytest.approx(-0.1)
    assert r2["c1"]["quadrant"] == "emerging" and r2["c2"]["quadrant"] == "declining"
    assert r1["c1"]["employment"] == 150.0 and r1["c1"]["reference"] == 1.0
    # employment: the reference is the median over the region's clusters (150 and 40 -> 95)
    emp = {p["cluster"]: p for p in atlas.portfolio("R1", measure="employment")}
    assert emp["c1"]["reference"] == 95.0 and emp["c1"]["quadrant"] == "rising"
    assert emp["c2"]["quadrant"] == "declining"  # 40 < 95, 50 -> 40
    with pytest.raises(InputError):
        atlas.portfolio("R1", measure="bogus")
    with pytest.raises(InputError):
        atlas.portfolio("R1", start=2020, end=2010)


def test_summary_and_strength(atlas):
    s = atlas.region_summary("R1")
    # 2020: traded 150 + 40, local 30; strong traded cells: c1 (LQ 2.0) -> strength 150/190
    assert s["figures"]["traded_employment"] == 190.0
    assert s["figures"]["employment"] == 220.0
    assert s["figures"]["cluster_strength"] == pytest.approx(150 / 190)
    assert [p["year"] for p in s["series"]] == [2010, 2020]
    assert s["series"][0]["cluster_strength"] == pytest.approx(100 / 150)


def test_peers_are_cosine_similar_traded_mixes(atlas):
    # 2020 traded employment: R1 (150, 40), R2 (20, 100)
    (peer,) = atlas.peers("R1", n=5)
    expected = (150 * 20 + 40 * 100) / (math.hypot(150, 40) * math.hypot(20, 100))
    assert peer["code"] == "R2" and peer["similarity"] == pytest.approx(expected)
    with pytest.raises(InputError):
        atlas.peers("R1", n=0)


def test_search_regions_and_clusters(atlas):
    hits = atlas.search("r1")
    assert hits[0]["code"] == "R1"  # exact code first
    assert {h["type"] for h in atlas.search("o")} == {"region", "cluster"}  # Rone, Local gamma
    assert atlas.search("%") == []  # wildcards are literal
    assert atlas.search("'; DROP TABLE atlas_regions; --") == []
    assert atlas.regions()["total"] == 3
    with pytest.raises(InputError):
        atlas.search("")


def test_regions_paging(atlas):
    page = atlas.regions(system="A", per_page=1, page=2)
    assert page["total"] == 2 and [r["code"] for r in page["items"]] == ["R2"]
    assert atlas.regions(q="two")["total"] == 1
    assert atlas.regions(level=3)["total"] == 0
    with pytest.raises(NotFoundError):
        atlas.regions(system="Z")
    with pytest.raises(InputError):
        atlas.regions(per_page=0)


def test_cluster_views(atlas):
    assert [c["cluster"] for c in atlas.clusters()] == ["c1", "c2", "c3"]
    cr = atlas.cluster_regions("c1")
    assert cr["system"] == "A" and [r["region"] for r in cr["regions"]] == ["R1", "R2"]
    assert [r["has_geometry"] for r in cr["regions"]] == [True, False]
    with pytest.raises(NotFoundError):
        atlas.cluster("c9")
    rc = atlas.region_cluster("R1", "c1")
    assert [p["lq"] for p in rc["series"]] == [1.5, 2.0]
    (trend,) = rc["trends"]
    assert trend["employment_change"] == 50.0 and trend["lq_change"] == pytest.approx(0.5)
    top = {t["region"]: t for t in atlas.top_clusters()}
    assert top["R1"]["cluster"] == "c1"  # strong
    assert top["R2"]["cluster"] == "c1"  # nothing strong: highest LQ (0.8 > 0.7)


def test_compare(atlas):
    out = atlas.compare(["R1", "R2"])
    assert [r["code"] for r in out["regions"]] == ["R1", "R2"]
    c1 = next(c for c in out["clusters"] if c["cluster"] == "c1")
    assert c1["values"]["R2"]["lq"] == 0.8
    with pytest.raises(InputError):
        atlas.compare(["R1", "R1"])
    with pytest.raises(InputError):
        atlas.compare([f"R{i}" for i in range(11)])


def test_geometries_list_the_regions_without_polygons(atlas):
    geo = atlas.geometries("A")
    assert [f["id"] for f in geo["features"]] == ["R1"]
    assert geo["missing"] == ["R2"]
    topo = atlas.geometries("A", fmt="topojson")
    assert topo["type"] == "Topology" and topo["missing"] == ["R2"]
    assert topo["objects"]["regions"]["geometries"][0]["id"] == "R1"
    with pytest.raises(NotFoundError):
        atlas.geometries("Z")
    with pytest.raises(InputError):
        atlas.geometries("A", fmt="svg")


def test_no_scoreboard_is_not_found(atlas):
    with pytest.raises(NotFoundError):
        atlas.scoreboard_region("R1")
    with pytest.raises(NotFoundError):
        atlas.scoreboard()


def test_not_an_atlas(tmp_path, store):
    with pytest.raises(StoreError, match="no atlas"):
        Atlas.open(tmp_path / "missing.duckdb")
    store.close()
    with pytest.raises(StoreError, match="not an atlas"):
        Atlas.open(store.path)
