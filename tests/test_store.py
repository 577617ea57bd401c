import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.store import Store


def _obs(**kw):
    base = dict(
        source="file",
        dataset="x",
        region="AT1",
        region_system="NUTS2016",
        industry="C",
        classification="NACE_R2",
        year=2015,
        measure="employment",
        value=1.0,
    )
    base.update(kw)
    return pd.DataFrame({k: [v] for k, v in base.items()})


def test_load_records_provenance(store: Store):
    load_id = store.load_observations(
        _obs(),
        dataset="x",
        source="file",
        location="a.csv",
        sha256="abc",
        attribution="Source: test",
    )
    prov = store.provenance("x")
    assert list(prov["load_id"]) == [load_id]
    assert prov.loc[0, "rows"] == 1
    obs = store.query("SELECT * FROM observations")
    assert obs.loc[0, "load_id"] == load_id and obs.loc[0, "dims"] == ""


def test_failed_load_leaves_store_unchanged(store: Store):
    store.load_observations(_obs(), dataset="x", source="file")
    before = store.snapshot()
    content_before = store.query("SELECT * FROM observations")
    bad = pd.concat([_obs(value=5.0), _obs(value=6.0)])
    with pytest.raises(InputError, match="duplicate"):
        store.load_observations(bad, dataset="x", source="file")
    assert store.snapshot() == before
    pd.testing.assert_frame_equal(store.query("SELECT * FROM observations"), content_before)


def test_exception_inside_transaction_rolls_back(store: Store):
    before = store.snapshot()
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("DELETE FROM meta")
        raise RuntimeError("boom")
    assert store.snapshot() == before


def test_missing_store_read_only(tmp_path):
    from clusteratlas.errors import StoreError

    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "nope.duckdb", read_only=True)
