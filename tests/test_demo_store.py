"""Loading Demoland into a store: labels, provenance, idempotence, atomicity, GeoJSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clusteratlas.sources.demo import (
    ATTRIBUTION,
    DATASET,
    GEOJSON_NAME,
    DemoOptions,
    generate_demo,
    load_demo,
    write_regions_geojson,
)
from clusteratlas.sources.demo.store_frames import observations_frame


@pytest.fixture(scope="module")
def small():
    from clusteratlas.classifications.schemes import get_scheme

    return generate_demo(DemoOptions(seed=9, years=3, regions=8), get_scheme("eu-nace2"))


def test_observations_frame_layout(small):
    obs = observations_frame(small.panel)
    assert len(obs) == 3 * len(small.panel)
    assert set(obs["measure"]) == {"employment", "establishments", "payroll"}
    assert (obs["dataset"] == DATASET).all() and (obs["source"] == "demo").all()
    assert (obs["classification"] == "NACE_R2").all() and (obs["region_system"] == "demo").all()
    flagged = obs[obs["flag"] == "c"]
    assert len(flagged) and flagged["value"].isna().all()
    assert set(flagged["measure"]) == {"employment", "payroll"}
    key = ["region", "industry", "year", "measure"]
    as_text = obs[key].astype(str).assign(year=obs["year"])
    assert as_text.equals(as_text.sort_values(key).reset_index(drop=True))  # key order
    assert not obs.duplicated(key).any()


def test_load_writes_labelled_data_with_provenance(store, small):
    load_id = load_demo(store, small)
    prov = store.provenance(DATASET)
    assert len(prov) == 1
    row = prov.iloc[0]
    assert row["load_id"] == load_id and row["source"] == "demo"
    assert row["attribution"] == ATTRIBUTION and "not real statistics" in row["attribution"]
    assert row["notes"].startswith("SYNTHETIC")
    assert row["region_system"] == "demo" and row["classification"] == "NACE_R2"
    assert row["rows"] == 3 * len(small.panel) and len(row["sha256"]) == 64
    counts = store.query(
        "SELECT count(*) AS n, count(value) AS valued, count(flag) AS flagged FROM observations"
    ).iloc[0]
    assert counts["n"] == 3 * len(small.panel)
    assert counts["flagged"] == counts["n"] - counts["valued"] > 0
    regions = store.query("SELECT * FROM regions WHERE system = 'demo'")
    assert len(regions) == len(small.geography.regions) and set(regions["version"]) == {"1"}
    parents = set(regions["parent"].dropna())
    assert parents <= set(regions["code"])


def test_reload_replaces_and_other_data_survive(store, small):
    other = pd.DataFrame(
        {
            "source": "file",
            "dataset": "mine",
            "region": ["DE11"],
            "region_system": "NUTS2021",
            "industry": ["10.11"],
            "classification": "NACE_R2",
            "year": [2020],
            "measure": ["employment"],
            "value": [5.0],
        }
    )
    store.load_observations(other, dataset="mine", source="file")
    load_demo(store, small)
    first = store.snapshot()
    load_demo(store, small)
    assert store.snapshot() == first
    assert len(store.provenance(DATASET)) == 1
    assert store.query("SELECT value FROM observations WHERE dataset = 'mine'")["value"][0] == 5


def test_failed_load_changes_nothing(store, small, monkeypatch):
    load_demo(store, small)
    before = store.snapshot()
    before_sum = store.query("SELECT sum(value) AS s FROM observations")["s"][0]

    real = type(store).insert_frame

    def failing(self, con, table, frame, columns, **kw):
        if table == "observations":
            raise RuntimeError("disk full")
        return real(self, con, table, frame, columns, **kw)

    monkeypatch.setattr(type(store), "insert_frame", failing)
    other = generate_demo(DemoOptions(seed=10, years=2, regions=4), _scheme())
    with pytest.raises(RuntimeError):
        load_demo(store, other)
    assert store.snapshot() == before
    assert store.query("SELECT sum(value) AS s FROM observations")["s"][0] == before_sum


def _scheme():
    from clusteratlas.classifications.schemes import get_scheme

    return get_scheme("eu-nace2")


def test_geojson_is_labelled_and_complete(tmp_path, small):
    path = write_regions_geojson(small, tmp_path)
    assert path.name == GEOJSON_NAME and "synthetic" in path.name
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["synthetic"] is True
    assert doc["attribution"] == ATTRIBUTION
    ids = [f["id"] for f in doc["features"]]
    assert ids == small.geography.regions["code"].tolist()
    for f in doc["features"]:
        assert f["properties"]["synthetic"] is True
        assert f["properties"]["dataset"] == DATASET
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temporary file
