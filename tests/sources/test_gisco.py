"""GISCO NUTS boundaries: URLs, parsing, loading with provenance, faults, the CLI.

The fake server serves the real GISCO files kept in shared data at GISCO's real paths.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fakeserver import FakeServer, Fault
from typer.testing import CliRunner

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.cache import Cache
from clusteratlas.sources.gisco import (
    ATTRIBUTION,
    NUTS_GEOJSON_PATH,
    load_gisco,
    nuts_file,
    nuts_geometries,
    read_geojson,
    regions_from_geojson,
)
from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts

#: GISCO file name -> shared-data file (the real downloads, some gzipped by the data scout)
_NAME = "NUTS_RG_{}_{}_4326_LEVL_{}.geojson"
SHARED = {
    **{
        _NAME.format("03M", 2021, lev): f"nuts/{_NAME.format('03M', 2021, lev)}.gz"
        for lev in range(4)
    },
    **{
        _NAME.format("60M", 2024, lev): f"nuts/{_NAME.format('60M', 2024, lev)}"
        for lev in (1, 2, 3)
    },
    "NUTS_RG_20M_2024_4326.geojson": "nuts/NUTS_RG_20M_2024_4326_LEVL_all.geojson.gz",
    "NUTS_RG_60M_2016_4326.geojson": "nuts/NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz",
}


def serve_gisco(server: FakeServer, shared_file) -> None:
    """Routes at GISCO's distribution paths (added beside any other routes)."""
    for name, rel in SHARED.items():
        server.add(
            f"{NUTS_GEOJSON_PATH}/{name}", shared_file(rel), content_type="application/geo+json"
        )


@pytest.fixture()
def gisco(fake_server: FakeServer, shared_file) -> FakeServer:
    serve_gisco(fake_server, shared_file)
    return fake_server


def _client(attempts: int = 3) -> HttpClient:
    return HttpClient(
        timeouts=Timeouts(connect=2.0, read=5.0),
        retry=RetryPolicy(attempts=attempts, base=0.01, cap=0.02),
        sleep=lambda s: None,
        rng=random.Random(0),
        progress=False,
    )


def test_file_names_and_parameter_errors():
    assert nuts_file(2021, "20M", 4326, 2).url() == (
        "https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/"
        "NUTS_RG_20M_2021_4326_LEVL_2.geojson"
    )
    assert nuts_file("2016", "60m", "4326", "all").name == "NUTS_RG_60M_2016_4326.geojson"
    assert nuts_file("2021", "3M", "3035", 0).dataset == "gisco-nuts2021-03M-3035-L0"
    for kwargs, param in [
        ({"year": 2019}, "year"),
        ({"year": 2021, "scale": "5M"}, "scale"),
        ({"year": 2021, "epsg": 2154}, "epsg"),
        ({"year": 2021, "level": 4}, "level"),
    ]:
        with pytest.raises(InputError) as err:
            nuts_file(**kwargs)
        assert err.value.parameter == param


@pytest.mark.parametrize(
    ("year", "scale", "level", "n", "levels"),
    [
        ("2021", "03M", 2, 334, {2: 334}),
        ("2024", "60M", 3, 1345, {3: 1345}),
        ("2024", "20M", None, 1798, {0: 39, 1: 115, 2: 299, 3: 1345}),
        ("2016", "60M", None, 2016, {0: 37, 1: 125, 2: 332, 3: 1522}),
    ],
)
def test_load_real_files_into_store(gisco, store, tmp_path, year, scale, level, n, levels):
    cache = Cache(tmp_path / "cache")
    with _client() as c:
        res = load_gisco(
            store, nuts_file(year, scale, "4326", level), base_url=gisco.url, client=c, cache=cache
        )
    assert res.regions == n and res.by_level == levels and not res.from_cache
    got = store.query("SELECT * FROM regions WHERE system='NUTS' AND version=?", [year])
    assert len(got) == n
    prov = store.provenance(res.file.dataset).iloc[0]
    assert prov["attribution"] == ATTRIBUTION and prov["source"] == "gisco"
    assert prov["sha256"] == res.sha256 and prov["region_system"] == f"NUTS{year}"
    assert prov["location"].endswith(res.file.name)
    # the geometry file is a plain GeoJSON named like GISCO's
    geo = nuts_geometries(year, scale, "4326", level, cache=cache, download=False)
    assert geo.name == res.file.name and read_geojson(geo)["type"] == "FeatureCollection"


def test_uk_parents_and_names(gisco, store, tmp_path):
    with _client() as c:
        load_gisco(
            store,
            nuts_file("2016", "60M", "4326", None),
            base_url=gisco.url,
            client=c,
            cache=Cache(tmp_path / "c"),
        )
    r = store.query("SELECT code, parent, level, country FROM regions WHERE version='2016'")
    r = r.set_index("code")
    assert r.loc["UKN10", "parent"] == "UKN0"  # not the prefix UKN1
    assert r.loc["DE111", "parent"] == "DE11" and r.loc["DE", "level"] == 0


def test_second_load_revalidates_and_offline_works(gisco, store, tmp_path):
    cache = Cache(tmp_path / "cache")
    spec = nuts_file("2024", "60M", "4326", 1)
    with _client() as c:
        first = load_gisco(store, spec, base_url=gisco.url, client=c, cache=cache)
        second = load_gisco(store, spec, base_url=gisco.url, client=c, cache=cache)
    assert not first.from_cache and second.from_cache
    path = f"{NUTS_GEOJSON_PATH}/{spec.name}"
    assert gisco.requests[-1].headers.get("if-none-match")  # conditional GET, answered 304
    hits = gisco.hits(path)
    with HttpClient(offline=True) as c:
        third = load_gisco(store, spec, base_url=gisco.url, client=c, cache=cache, offline=True)
    assert third.from_cache and gisco.hits(path) == hits
    assert len(store.provenance(spec.dataset)) == 3


def test_faults_retry_then_fail_cleanly(gisco, store, tmp_path):
    spec = nuts_file("2021", "03M", "4326", 0)
    path = f"{NUTS_GEOJSON_PATH}/{spec.name}"
    cache = Cache(tmp_path / "cache")
    gisco.fail(path, Fault.truncate(0.3), Fault.status(503))
    with _client(attempts=3) as c:
        res = load_gisco(store, spec, base_url=gisco.url, client=c, cache=cache)
    assert res.regions == 37 and gisco.hits(path) == 3
    before = store.snapshot()
    other = nuts_file("2021", "03M", "4326", 1)
    gisco.fail(f"{NUTS_GEOJSON_PATH}/{other.name}", *[Fault.status(503)] * 3)
    with _client(attempts=3) as c, pytest.raises(FetchError, match="503"):
        load_gisco(store, other, base_url=gisco.url, client=c, cache=cache)
    assert store.snapshot() == before
    with pytest.raises(FetchError, match="not in the cache"):
        nuts_geometries("2021", "03M", 4326, 1, cache=cache, download=False)


def test_not_geojson_is_refused_and_not_cached(fake_server, store, tmp_path):
    spec = nuts_file("2021", "20M", "4326", 2)
    fake_server.add(f"{NUTS_GEOJSON_PATH}/{spec.name}", b"<html>maintenance</html>")
    cache = Cache(tmp_path / "cache")
    before = store.snapshot()
    with _client() as c, pytest.raises(InputError, match="not a GeoJSON"):
        load_gisco(store, spec, base_url=fake_server.url, client=c, cache=cache)
    assert store.snapshot() == before and cache.entries() == []


def test_regions_from_geojson_checks_levels():
    doc = {
        "type": "FeatureCollection",
        "features": [{"properties": {"NUTS_ID": "DE1", "LEVL_CODE": 2, "NUTS_NAME": "x"}}],
    }
    with pytest.raises(InputError, match="level"):
        regions_from_geojson(doc, "2021", source="t.geojson")


def test_cli_fetch_gisco(gisco, tmp_path):
    from clusteratlas.cli.app import app

    runner = CliRunner()
    common = ["--base-url", gisco.url, "--store", str(tmp_path / "a.duckdb")]
    common += ["--cache", str(tmp_path / "cache"), "--retries", "2"]
    # the new spelling, and the old --year kept as a hidden alias for one release
    for version in (["--nuts-version", "NUTS2024"], ["--year", "2024"]):
        args = ["fetch", "gisco", *version, "--scale", "60M", "--level", "2", *common]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "296" in r.output and "EuroGeographics" in r.output
    r = runner.invoke(app, ["fetch", "gisco", "--nuts-version", "2024", "--scale", "7M"])
    assert r.exit_code == 2 and "Invalid value for '--scale'" in r.output
    r = runner.invoke(app, ["fetch", "gisco", "--nuts-version", "2024", "--year", "2021"])
    assert r.exit_code != 0


def test_geometries_path_is_stable(gisco, tmp_path):
    cache = Cache(tmp_path / "cache")
    with _client() as c:
        p1 = nuts_geometries(2024, "60M", 4326, 2, cache=cache, base_url=gisco.url, client=c)
    p2 = nuts_geometries(2024, "60M", 4326, 2, cache=cache, download=False)
    assert p1 == p2 and isinstance(p1, Path) and p1.parent.name == "gisco"
