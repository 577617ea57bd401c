"""The ``us-cmp`` atlas served: the API's LQ and strong flags equal the CMP's published values.

The atlas is built once (``atlas build us-cmp`` from ``../shared/data``); its cluster
indicators are computed by our mapping from employment, establishments and payroll (the
published LQ and flags are never read by the build). Here, for every state and every MSA and
every cluster, ``GET /api/clusters/{c}/regions?system=...`` must give the published ``lq_tf``
to 1e-6 relative (cells with employment; empty cells have LQ 0) and the published
``strong_b`` / ``strong10_b`` wherever those are TRUE/FALSE (NA cells are never strong).
Expected counts come from the published files themselves (PROVENANCE.md: 512 strong state
cells, 5,887 strong MSA cells; 50 states, 917 MSAs).
"""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from clusteratlas.atlas.build import build_atlas
from tests.web.test_api import api_app

pytestmark = pytest.mark.shared

FILES = {
    "US-STATE": "us/uscmp_state_clusters_2016.csv.gz",
    "US-MSA": "us/uscmp_msa_clusters_2016.csv.gz",
}


@pytest.fixture(scope="session")
def us_client(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("us") / "us-atlas.duckdb"
    report = build_atlas("us-cmp", path, from_dir=shared_data)
    with TestClient(api_app(path), raise_server_exceptions=False) as c:
        c.report = report
        yield c


def published(shared_file, system: str) -> pd.DataFrame:
    d = pd.read_csv(
        shared_file(FILES[system]),
        dtype={"region_code_t": str, "cluster_code_t": str},
        low_memory=False,
    )
    return d.rename(columns={"region_code_t": "region", "cluster_code_t": "cluster"})


def served(client, system: str, clusters: list[str]) -> pd.DataFrame:
    rows = []
    for cluster in clusters:
        r = client.get(f"/api/clusters/{cluster}/regions", params={"system": system})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["year"] == 2016 and body["system"] == system
        rows += [{**cell, "cluster": cluster} for cell in body["regions"]]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("system", sorted(FILES))
def test_every_region_lq_and_strong_flags_equal_the_published(us_client, shared_file, system):
    pub = published(shared_file, system)
    clusters = sorted(pub["cluster"].unique(), key=int)
    ours = served(us_client, system, clusters)
    m = pub.merge(ours, on=["region", "cluster"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all()  # every published cell is served, nothing else
    assert (
        m["region"].nunique() == pub["region"].nunique() == {"US-STATE": 50, "US-MSA": 917}[system]
    )
    nonzero = m["emp_tl"] > 0
    rel = (m.loc[nonzero, "lq"] / m.loc[nonzero, "lq_tf"] - 1).abs()
    assert rel.max() <= 1e-6, rel.max()
    assert (m.loc[~nonzero, "lq"] == 0).all()
    for ours_col, pub_col in (("strong", "strong_b"), ("strong10", "strong10_b")):
        flag = m[pub_col].astype(str).str.upper()
        known = flag.isin(["TRUE", "FALSE"])
        assert (m.loc[known, ours_col] == (flag[known] == "TRUE")).all(), ours_col
        assert not m.loc[~known, ours_col].fillna(False).any()
    strong = {"US-STATE": 512, "US-MSA": 5887}[system]
    assert (
        int(m["strong"].sum())
        == strong
        == int((m["strong_b"].astype(str).str.upper() == "TRUE").sum())
    )


def test_region_route_agrees_and_codes_stay_as_published(us_client, shared_file):
    pub = published(shared_file, "US-STATE")
    alabama = us_client.get("/api/regions/01/clusters").json()
    assert alabama["region"]["name"] == "Alabama" and alabama["region"]["system"] == "US-STATE"
    cells = {c["cluster"]: c for c in alabama["clusters"]}
    assert set(cells) == set(pub["cluster"])  # '1'..'51' and the local '101'..'116'
    row = pub[(pub["region"] == "01") & (pub["cluster"] == "116")].iloc[0]
    assert cells["116"]["lq"] == pytest.approx(row["lq_tf"], rel=1e-6)
    assert cells["116"]["cluster_type"] == "local"
    msa = us_client.get("/api/regions/10180", params={"system": "US-MSA"}).json()
    assert msa["name"].startswith("Abilene") and msa["has_geometry"] is True
    prov = alabama["provenance"]
    assert "cluster_emp_per_tf" in prov["benchmark"]
    assert "lq_tf" not in prov["inputs"][0]["columns"]  # the published LQ was never read


def test_us_geometries_and_missing_msas(us_client):
    report = us_client.report.counts
    states = us_client.get("/api/geometries", params={"system": "US-STATE"}).json()
    assert len(states["features"]) == 50 and states["missing"] == []
    msas = us_client.get("/api/geometries", params={"system": "US-MSA"}).json()
    n_missing = report["US-MSA"]["without_geometry"]
    assert len(msas["features"]) + len(msas["missing"]) == 917
    assert len(msas["missing"]) == n_missing > 0  # CBSAs newer than the 2010-vintage polygons
    listed = us_client.get(
        "/api/regions", params={"system": "US-MSA", "per_page": 500, "page": 1}
    ).json()
    assert listed["total"] == 917
