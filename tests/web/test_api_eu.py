"""The ``eu-open`` atlas served: a NUTS 2 map of real Eurostat values through the API.

Built once from ``../shared/data`` (``atlas build eu-open --from``), with a short scoreboard
(20 Monte Carlo draws, peer profiles for two regions) to keep the test quick. The expected
values are read here straight from the Eurostat TSV (thousand persons × 1000), independently
of the ingest code.
"""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

from clusteratlas.atlas.build import build_atlas
from tests.web.test_api import api_app

pytestmark = [pytest.mark.shared, pytest.mark.slow]

TSV = "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"
PROFILES = ["ES13", "DE11"]


@pytest.fixture(scope="session")
def eu_client(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("eu") / "eu-atlas.duckdb"
    report = build_atlas(
        "eu-open",
        path,
        from_dir=shared_data,
        options={"draws": 20, "profiles": PROFILES},
    )
    with TestClient(api_app(path), raise_server_exceptions=False) as c:
        c.report = report
        yield c


def eurostat(shared_file, nace: str, year: int) -> dict[str, tuple[float | None, str]]:
    """geo -> (value in persons, flags) of THS/nace/Y15-64 in ``year``, parsed by hand."""
    with gzip.open(shared_file(TSV), "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        col = [h.strip() for h in header].index(str(year))
        out = {}
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            unit, n, age, geo = cells[0].split(",")
            if (unit, n, age) != ("THS", nace, "Y15-64"):
                continue
            raw = cells[col].strip()
            number, _, flags = raw.partition(" ")
            if not number[:1].isdigit():  # ':' missing, possibly with a flag glued on
                number, flags = ":", raw.lstrip(":").strip()
            out[geo] = (None if number == ":" else float(number) * 1000, flags.strip())
        return out


def test_nuts2_map_of_real_eurostat_values(eu_client, shared_file):
    info = eu_client.get("/api/info").json()
    assert info["default_system"] == "NUTS2013" and "Source: Eurostat" in info["attribution"]
    body = eu_client.get(
        "/api/clusters/B-E/regions", params={"level": 2, "year": 2015, "system": "NUTS2013"}
    ).json()
    raw = eurostat(shared_file, "B-E", 2015)
    nuts2 = {g for g in raw if len(g) == 4 and g[:2].isalpha() and g[2:].isalnum()}
    nuts2 -= {g for g in nuts2 if g.startswith(("EU", "EA"))}
    cells = {r["region"]: r for r in body["regions"]}
    assert set(cells) == nuts2
    for geo in sorted(nuts2):
        value, _ = raw[geo]
        got = cells[geo]["employment"]
        assert (got is None) == (value is None), geo
        if value is not None:
            assert got == pytest.approx(value, rel=1e-12), geo
    with_value = [r for r in body["regions"] if r["employment"] is not None]
    assert len(with_value) > 250  # NUTS 2 regions with a 2015 value (most of the ~300)

    geo = eu_client.get("/api/geometries", params={"system": "NUTS2013", "level": 2}).json()
    drawn = {f["id"] for f in geo["features"]}
    missing = set(geo["missing"])
    assert drawn | missing == set(cells)  # every region is either drawn or listed
    assert not drawn & missing
    assert {"FR21", "IE01", "LT00"} <= missing  # NUTS 2013 codes recoded in NUTS 2016
    assert all(not cells[c]["has_geometry"] for c in missing)
    assert eu_client.report.counts["NUTS2013"]["nuts2_without_geometry"] == len(missing)


def test_flags_are_served_with_the_series(eu_client, shared_file):
    raw = eurostat(shared_file, "A", 2015)
    flagged = sorted(g for g, (v, f) in raw.items() if f and v is not None and len(g) == 4)
    geo = flagged[0]
    series = eu_client.get(f"/api/regions/{geo}/clusters", params={"year": 2015}).json()
    assert series["region"]["code"] == geo
    from clusteratlas.atlas import Atlas

    atlas = Atlas.open(eu_client.app.state.atlas.path)
    cell = next(p for p in atlas.region_series(geo, "A") if p["year"] == 2015)
    assert cell["flags"] == sorted(set(raw[geo][1]))


def test_scoreboard_region_profile(eu_client):
    body = eu_client.get("/api/scoreboard/regions/ES13").json()
    assert body["region"]["system"] == "NUTS2016" and body["year"] == 2017
    index = next(s for s in body["scores"] if s["parent"] is None)
    assert index["rank_p05"] <= index["rank_p95"]
    assert body["n_regions"] == eu_client.report.counts["NUTS2016"]["scored_regions"]
    assert len(body["peers"]) == 10 and "ES13" not in body["peers"]
    assert body["strengths"] or body["bottlenecks"]
    other = next(c for c in ("FRB0", "ITC1", "SE31") if c not in PROFILES)
    assert eu_client.get(f"/api/scoreboard/regions/{other}").json()["peers"] == []
    assert eu_client.get("/api/scoreboard/regions/XX99").status_code == 404
    assert eu_client.get("/api/scoreboard/regions/ES13", params={"year": 2010}).status_code == 404
