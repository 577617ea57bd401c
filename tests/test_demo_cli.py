"""``clusteratlas demo`` end to end on a small Demoland."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from clusteratlas.sources.demo import ATTRIBUTION, CLUSTERS_NAME, DATASET, GEOJSON_NAME
from clusteratlas.store import Store


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from typer.testing import CliRunner

    from clusteratlas.cli.app import app

    out = tmp_path_factory.mktemp("demo")
    store = out / "demo.duckdb"
    args = ["demo", "--store", str(store), "--out-dir", str(out), "--regions", "12", "--years", "3"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return out, store, result.output


def test_output_is_labelled_synthetic(built):
    _, _, output = built
    assert "SYNTHETIC" in output
    assert "Demoland does not exist" in output
    assert ATTRIBUTION in output
    for title in ("Top 3 clusters", "3-star clusters", "Strong clusters", "cluster strength"):
        assert title in output


def test_files_are_written_and_labelled(built):
    out, _, _ = built
    geo = json.loads((out / GEOJSON_NAME).read_text(encoding="utf-8"))
    assert all(f["properties"]["synthetic"] for f in geo["features"])
    table = pd.read_csv(out / CLUSTERS_NAME, dtype={"region": str, "cluster": str})
    assert (table["dataset"] == DATASET).all()
    assert {"region", "region_name", "cluster", "year", "employment", "lq", "stars", "strong"} <= (
        set(table.columns)
    )
    assert set(table["year"]) == {2022, 2023, 2024}
    assert table["lq"].notna().any() and table["stars"].between(0, 3).all()
    sidecar = json.loads((out / (CLUSTERS_NAME + ".provenance.json")).read_text())
    assert sidecar["synthetic"] is True and ATTRIBUTION in sidecar["attribution"]


def test_store_holds_demo_scheme_and_provenance(built):
    _, store, _ = built
    with Store(store, read_only=True) as s:
        prov = s.provenance(DATASET)
        assert len(prov) == 1 and prov["source"].iloc[0] == "demo"
        assert "eu-nace2" in s.schemes()
        levels = s.query(
            "SELECT DISTINCT length(region) - 2 AS level FROM observations ORDER BY 1"
        )["level"].tolist()
        assert levels == [0, 1, 2]


def test_level_three_needs_level_three_data(tmp_path, capsys, monkeypatch):
    from clusteratlas.cli.app import main

    monkeypatch.setattr(
        sys, "argv", ["clusteratlas", "demo", "--small", "--out", str(tmp_path), "--level", "3"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--level" in err and "--with-level3" in err
    assert not (tmp_path / "demoland.duckdb").exists()


def test_bad_years_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from clusteratlas.cli.app import main

    monkeypatch.setattr(
        sys, "argv", ["clusteratlas", "demo", "--out-dir", str(tmp_path), "--years", "1"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--years" in err and len(err.splitlines()) == 1
