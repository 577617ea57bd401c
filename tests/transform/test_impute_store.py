"""Gap-filling a stored dataset (ECO split with the real NACE hierarchy; CBP midpoints)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from clusteratlas.errors import InputError
from clusteratlas.store.flags import split_flag
from clusteratlas.transform.impute_store import impute_dataset


def _obs(rows, classification, dataset="sbs", source="eurostat"):
    df = pd.DataFrame(rows, columns=["region", "industry", "value", "flag"])
    return df.assign(
        source=source,
        dataset=dataset,
        region_system="NUTS2021",
        classification=classification,
        year=2018,
        measure="employment",
        dims="",
    )


SBS_ROWS = [
    ("AT11", "10", 100.0, None),
    ("AT11", "10.1", 40.0, None),
    ("AT11", "10.2", None, "c"),
    ("AT11", "10.3", None, "c"),
    ("AT11", "10.4", None, "c"),
    ("AT11", "10.5", None, "c"),
    ("AT11", "10.6", 10.0, None),
    ("AT11", "10.7", None, "c"),
    ("AT11", "10.8", None, "c"),
    ("AT11", "10.9", 20.0, None),
]


@pytest.fixture()
def nace_store(store, shared_file):
    from clusteratlas.classifications.nace import load_nace_rev2

    h = load_nace_rev2(shared_file("classifications/nace_rev2_structure.csv"))
    store.load_industries(h.to_frame())
    store.load_observations(
        _obs(SBS_ROWS, "NACE_R2"), dataset="sbs", source="eurostat", attribution="Source: Eurostat"
    )
    return store


def test_eco_on_store_with_real_nace_hierarchy(nace_store):
    before = len(nace_store.query("SELECT * FROM observations WHERE dataset='sbs'"))
    res = impute_dataset(nace_store, "sbs", "eco")
    assert (res.new_dataset, res.filled, res.still_missing) == ("sbs-imputed", 6, 0)
    out = nace_store.query("SELECT * FROM observations WHERE dataset='sbs-imputed'")
    assert len(out) == before
    row = out.set_index("industry").loc["10.2"]
    assert row["value"] == pytest.approx((100 - 40 - 10 - 20) / 6)  # 5.0 each
    assert split_flag(row["flag"]) == ("c", ["imputed=eco-parent-split:10"])
    prov = nace_store.provenance("sbs-imputed").iloc[0]
    assert prov["attribution"] == "Source: Eurostat" and "6 cells filled" in prov["notes"]
    # the original dataset is untouched
    orig = nace_store.query("SELECT value FROM observations WHERE dataset='sbs'")
    assert orig["value"].isna().sum() == 6


def test_eco_needs_the_hierarchy_and_failures_change_nothing(store):
    store.load_observations(_obs(SBS_ROWS, "NACE_R2"), dataset="sbs", source="eurostat")
    before = store.snapshot()
    with pytest.raises(InputError, match="no 'NACE_R2' hierarchy"):
        impute_dataset(store, "sbs", "eco")
    with pytest.raises(InputError, match="unknown method"):
        impute_dataset(store, "sbs", "mean")
    with pytest.raises(InputError, match="no dataset"):
        impute_dataset(store, "nope", "cbp")
    assert store.snapshot() == before


def test_cbp_and_cli(tmp_path):
    from clusteratlas.cli.app import app
    from clusteratlas.store import Store

    db = tmp_path / "atlas.duckdb"
    rows = [("06037", "336411", None, "C"), ("06037", "336412", 820.0, None)]
    with Store(db) as s:
        s.load_observations(
            _obs(rows, "NAICS2012", dataset="cbp", source="census"), dataset="cbp", source="census"
        )
    runner = CliRunner()
    r = runner.invoke(app, ["impute", "--store", str(db), "--dataset", "cbp", "--method", "cbp"])
    assert r.exit_code == 0, r.output
    assert "1 cells filled" in r.output
    with Store(db, read_only=True) as s:
        out = s.query("SELECT industry, value, flag FROM observations WHERE dataset='cbp-imputed'")
    got = out.set_index("industry")
    assert got.loc["336411", "value"] == 175.0 and got.loc["336411", "flag"].startswith("C|")
    assert got.loc["336412", "value"] == 820.0
    r = runner.invoke(app, ["impute", "--store", str(db), "--dataset", "cbp", "--method", "x"])
    assert r.exit_code != 0


def test_eco_with_eurostat_coded_industries(store, shared_file):
    """Eurostat writes NACE as 'C10', 'C101'; the hierarchy file writes '10', '10.1'."""
    from clusteratlas.classifications.nace import load_nace_rev2

    store.load_industries(
        load_nace_rev2(shared_file("classifications/nace_rev2_structure.csv")).to_frame()
    )
    rows = [(r, "C" + i.replace(".", ""), v, f) for r, i, v, f in SBS_ROWS]
    store.load_observations(_obs(rows, "NACE_R2"), dataset="sbs", source="eurostat")
    res = impute_dataset(store, "sbs", "eco")
    out = store.query("SELECT industry, value, flag FROM observations WHERE dataset='sbs-imputed'")
    got = out.set_index("industry")
    assert res.filled == 6 and got.loc["C102", "value"] == pytest.approx(5.0)
    assert got.loc["C102", "flag"] == "c|imputed=eco-parent-split:C10"
    store.load_observations(
        _obs([("AT11", "ZZ9", None, "c")], "NACE_R2", dataset="odd"),
        dataset="odd",
        source="eurostat",
    )
    with pytest.raises(InputError, match="none of the dataset's industry codes"):
        impute_dataset(store, "odd", "eco")
