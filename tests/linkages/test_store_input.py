"""The linkages commands read a store: Demoland (synthetic) with the eu-nace2 scheme."""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.fixture()
def demo_store(tmp_path):
    from clusteratlas.classifications.schemes import get_scheme, load_scheme_into_store
    from clusteratlas.sources.demo import DemoOptions, generate_demo, load_demo
    from clusteratlas.store import Store

    path = tmp_path / "atlas.duckdb"
    demo = generate_demo(DemoOptions(seed=9, years=3, regions=8), get_scheme("eu-nace2"))
    with Store(path) as s:
        load_demo(s, demo)
        load_scheme_into_store(s, "eu-nace2")
    return path, demo


def test_related_and_complexity_from_store(demo_store, run_cli, tmp_path):
    path, demo = demo_store
    out = tmp_path / "pairs.csv"
    code, _, err = run_cli("related", "--store", path, "--scheme", "eu-nace2", "--out", out)
    assert code == 0, err
    pairs = pd.read_csv(out, dtype={"a": str, "b": str})
    n = pairs[["a", "b"]].stack().nunique()
    assert len(pairs) == n * (n - 1) // 2  # every unordered pair of the clusters present
    record = json.loads((tmp_path / "pairs.csv.provenance.json").read_text())
    assert "not real statistics" in json.dumps(record)  # the demo's attribution travels along
    out = tmp_path / "cx.parquet"
    code, _, err = run_cli(
        "complexity", "--store", path, "--scheme", "eu-nace2", "--industries", "--out", out
    )
    assert code == 0, err
    cx = pd.read_parquet(out)
    years = sorted(demo.panel["year"].unique())
    assert sorted(cx.year.unique()) == years
    assert {"region", "industry", "rca", "m", "density", "eci", "pci"} <= set(cx.columns)
