"""Converting a stored dataset's NUTS version atomically, and the ``nuts`` CLI."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from clusteratlas.cli.app import app
from clusteratlas.errors import InputError
from clusteratlas.store.flags import split_flag
from clusteratlas.transform.nuts_store import convert_dataset, detect_dataset


def _load_patents(store, shared_file, dataset="patents", region_system="NUTS2016"):
    raw = pd.read_csv(shared_file("eu_indicators/eurito_eurostat_regional_indicators.csv.gz"))
    df = raw[(raw["indicator"] == "pat_ep_rtot_nr") & raw["year"].isin([2011, 2012])]
    frame = pd.DataFrame(
        {
            "source": "eurostat",
            "dataset": dataset,
            "region": df["region_id"],
            "region_system": region_system,
            "industry": "",
            "classification": "",
            "year": df["year"],
            "measure": "NR",
            "dims": "",
            "value": df["value"],
            "flag": None,
        }
    )
    store.load_observations(
        frame,
        dataset=dataset,
        source="eurostat",
        location="pat_ep_rtot (eurito snapshot)",
        attribution="Source: Eurostat",
        region_system=region_system,
    )
    return frame


def test_convert_dataset_writes_new_dataset_with_provenance(store, shared_file):
    src = _load_patents(store, shared_file)
    res = convert_dataset(store, "patents", "2021")
    assert (res.new_dataset, res.from_version, res.to_version) == (
        "patents-nuts2021",
        "2016",
        "2021",
    )
    out = store.query("SELECT * FROM observations WHERE dataset = 'patents-nuts2021'")
    assert len(out) == res.rows and set(out["region_system"]) == {"NUTS2021"}
    row = out[(out["region"] == "NO020") & (out["year"] == 2012)].iloc[0]
    assert row["value"] == pytest.approx(5.03)
    assert split_flag(row["flag"]) == (None, ["nuts=merge:NO021+NO022"])
    kept = out[(out["region"] == "DE11") & (out["year"] == 2012)].iloc[0]
    assert pd.isna(kept["flag"])
    prov = store.provenance("patents-nuts2021").iloc[0]
    assert prov["attribution"] == "Source: Eurostat" and prov["region_system"] == "NUTS2021"
    assert "NUTS 2016 → 2021" in prov["notes"] and "never apportioned" in prov["notes"]
    # the original is untouched
    assert len(store.query("SELECT * FROM observations WHERE dataset = 'patents'")) == len(src)
    # rate-like measures are not summed unless declared additive
    res2 = convert_dataset(store, "patents", "2021", additive=set(), new_dataset="p2")
    p2 = store.query("SELECT value, flag FROM observations WHERE dataset='p2' AND region='NO020'")
    assert p2["value"].isna().all() and p2["flag"].str.contains("merge-nonadditive").all()
    assert res2.counts["merge-nonadditive"] > 0


def test_in_place_and_failures_leave_store_unchanged(store, shared_file):
    _load_patents(store, shared_file)
    before = store.snapshot()
    with pytest.raises(InputError, match="no NUTS change table leads from 2016 to 2024"):
        convert_dataset(store, "patents", "2024")
    with pytest.raises(InputError, match="no dataset 'nope'"):
        convert_dataset(store, "nope", "2021")
    assert store.snapshot() == before
    res = convert_dataset(store, "patents", "2021", new_dataset="patents")
    assert res.new_dataset == "patents"
    systems = store.query("SELECT DISTINCT region_system FROM observations")["region_system"]
    assert list(systems) == ["NUTS2021"]
    assert detect_dataset(store, "patents").markers["2021"]  # e.g. NO020, HR050


def test_cli_nuts_detect_convert_changes(tmp_path, shared_file):
    from clusteratlas.store import Store

    db = tmp_path / "atlas.duckdb"
    with Store(db) as s:
        _load_patents(s, shared_file, region_system="user")
    runner = CliRunner()
    r = runner.invoke(app, ["nuts", "detect", "--store", str(db), "--dataset", "patents"])
    assert r.exit_code == 0, r.output
    assert "only in 2016" in r.output
    report = tmp_path / "report.csv"
    r = runner.invoke(
        app,
        [
            *("nuts", "convert", "--store", str(db), "--dataset", "patents"),
            *("--from", "2016", "--to", "2021", "--report", str(report)),
        ],
    )
    assert r.exit_code == 0, r.output
    rep = pd.read_csv(report, keep_default_na=False)
    assert list(rep.columns) == [
        "step",
        "code_from",
        "code_to",
        "change",
        "action",
        "rows_in",
        "rows_out",
        "note",
    ]
    row = rep[(rep["code_from"] == "NO021") & (rep["code_to"] == "NO020")].iloc[0]
    assert (row["action"], row["rows_in"], row["rows_out"]) == ("merge", 2, 2)
    out = tmp_path / "changes.csv"
    r = runner.invoke(app, ["nuts", "changes", "--from", "2016", "--to", "2021", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "HR04" in r.output and len(pd.read_csv(out)) == 94


def test_cli_file_mode(tmp_path, shared_file):
    src = shared_file("eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz")
    df = pd.read_csv(src).drop(columns=["nuts_name", "nuts_level"])
    df = df[df["geo"].str.startswith(("HR", "NO"))]
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out.csv"
    runner = CliRunner()
    args = ["nuts", "convert", str(path), "--from", "2016", "--to", "2021", "--out", str(out)]
    r = runner.invoke(app, [*args, "--measure-column", "variable", "--additive", "region_gdp"])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert {"HR05", "NO08"} <= set(got["geo"]) and "HR04" not in set(got["geo"])
    r = runner.invoke(app, ["nuts", "detect", str(path), "--column", "nope"])
    assert r.exit_code != 0
