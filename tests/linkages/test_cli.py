"""The linkages commands end to end on small files: outputs, sidecars and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(11)
    rows = []
    regions = [f"{c}{i}" for c in ("AT", "DE", "FR") for i in range(1, 5)]
    for year in (2015, 2016, 2017):
        for r in regions:
            for k, ind in enumerate(["i1", "i2", "i3", "i4", "i5", "i6"]):
                rows.append((r, ind, year, float(round(100 * np.exp(rng.normal(k % 3, 1))))))
    panel = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["region", "industry", "year", "employment"]).to_csv(
        panel, index=False
    )
    defs = tmp_path / "clusters.csv"
    defs.write_text(
        "industry,cluster,cluster_name,cluster_type\n"
        "i1,T1,One,traded\ni2,T1,One,traded\ni3,T2,Two,traded\n"
        "i4,T2,Two,traded\ni5,T3,Three,traded\ni6,L1,Local,local\n"
    )
    return tmp_path, panel, defs


def test_complexity(files, run_cli, engine, duckdb_twin):
    tmp, panel, _ = files
    out, opp = tmp / "cx.csv", tmp / "opp.csv"
    args = ["complexity", "--panel", panel, "--out", out, "--opportunities-out", opp]
    code, _, err = run_cli(*args)
    assert code == 0, err
    t = pd.read_csv(out)
    assert list(t.columns[:10]) == [
        "region", "industry", "year", "rca", "m", "density", "eci", "pci", "coi", "cog"
    ]  # fmt: skip
    assert len(t) == 12 * 6 * 3  # regions x industries x years
    assert set(t.m) <= {0, 1}
    rec = json.loads((tmp / "cx.csv.provenance.json").read_text())
    assert rec["command"] == "complexity" and rec["options"]["threshold"] == 1.0
    assert rec["options"]["engine"] == engine
    assert opp.exists()
    if engine == "spark":
        duckdb_twin(args, [out, opp])


def test_related_colocation_and_proximity(files, run_cli, engine, duckdb_twin):
    tmp, panel, defs = files
    out = tmp / "rel.csv"
    args = ["related", "--panel", panel, "--clusters", defs, "--method", "colocation"]
    code, _, err = run_cli(*args, "--out", out)
    assert code == 0, err
    t = pd.read_csv(out)
    assert {"a", "b", "relatedness", "percentile", "link"} <= set(t.columns)
    assert len(t) == 4 * 3 // 2  # 4 clusters -> 6 pairs
    out2 = tmp / "rel2.csv"
    args2 = [
        "related", "--panel", panel, "--clusters", defs, "--method", "proximity",
        "--aggregate", "bcr", "--out", out2,
    ]  # fmt: skip
    code, _, err = run_cli(*args2)
    assert code == 0, err
    assert len(pd.read_csv(out2)) == 6
    if engine == "spark":
        duckdb_twin([*args, "--out", out], [out])
        duckdb_twin(args2, [out2])


def test_related_with_user_links(files, run_cli, engine):
    tmp, panel, _ = files
    links = tmp / "io.csv"
    links.write_text("a,b,value\ni1,i2,0.3\ni3,i4,0.8\ni1,i5,0.1\n")
    out = tmp / "rel.csv"
    code, _, err = run_cli(
        "related", "--panel", panel, "--links", f"io={links}", "--weight", "io=2", "--out", out
    )
    assert code == 0, err
    t = pd.read_csv(out)
    assert {"colocation", "io"} <= set(t.columns) and len(t) == 15


def test_trends(files, run_cli, engine, duckdb_twin):
    tmp, panel, defs = files
    out, port, dyn = tmp / "ss.csv", tmp / "port.csv", tmp / "dyn.csv"
    args = [
        "trends", "--panel", panel, "--clusters", defs, "--years", "2015:2017", "--out", out,
        "--portfolio-out", port, "--dynamic-out", dyn,
    ]  # fmt: skip
    code, _, err = run_cli(*args)
    assert code == 0, err
    ss = pd.read_csv(out)
    total = ss.national_share + ss.industry_mix + ss.regional_shift
    np.testing.assert_allclose(total, ss.actual_change, atol=1e-6)
    assert set(pd.read_csv(port).quadrant) <= {"rising", "mature", "emerging", "declining"}
    assert (pd.read_csv(dyn).steps == 2).all()
    if engine == "spark":
        duckdb_twin(args, [out, port, dyn])


def test_partners_region_and_partnership(files, run_cli):
    tmp, panel, _ = files
    out = tmp / "p.json"
    code, _, err = run_cli("partners", "--panel", panel, "--region", "AT1", "--out", out)
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["partners"] and all(p["partner_country"] != "AT" for p in doc["partners"])
    assert doc["provenance"]["command"] == "partners"
    code, _, err = run_cli(
        "partners", "--panel", panel, "--region", "AT1", "--region", "DE1", "--out", out
    )
    assert code == 0, err
    assert 0 <= json.loads(out.read_text())["coverage"] <= 1


def test_emerging_with_clusters(files, run_cli):
    tmp, panel, defs = files
    out = tmp / "em.csv"
    code, _, err = run_cli(
        "emerging", "--panel", panel, "--clusters", defs, "--years", "2015:2017", "--out", out
    )
    assert code == 0, err
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["trends", "--years", "2017:2015"], "--years"),
        (["related", "--method", "cosine"], "--method"),
        (["partners", "--region", "ZZ9"], "--region"),
        (["complexity", "--diagonal", "two"], "--diagonal"),
        (["related", "--weight", "io"], "--weight"),
    ],
)
def test_bad_options_are_one_line_errors(files, run_cli, args, where):
    tmp, panel, _ = files
    code, _, err = run_cli(*args, "--panel", panel, "--out", tmp / "x.csv")
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and where in lines[0]
    assert not (tmp / "x.csv").exists()
