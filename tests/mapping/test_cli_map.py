"""``clusteratlas map`` end to end: files and store, good and bad inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

PANEL = """region,industry,year,employment,establishments,payroll
A,i1,2020,100,10,1000000
A,i2,2020,40,4,300000
A,i3,2020,60,6,200000
B,i1,2020,50,5,400000
B,i2,2020,100,10,900000
B,i3,2020,50,5,250000
C,i1,2020,0,0,0
C,i2,2020,20,2,150000
C,i3,2020,80,8,300000
"""
DEFS = """industry,cluster,cluster_name,cluster_type
i1,T1,Traded one,traded
i2,T2,Traded two,traded
i3,L1,Local one,local
"""


@pytest.fixture()
def files(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text(PANEL)
    defs = tmp_path / "clusters.csv"
    defs.write_text(DEFS)
    return tmp_path, panel, defs


def one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_map_files_csv_and_parquet(files, run_cli):
    tmp, panel, defs = files
    out = tmp / "result.csv"
    code, stdout, err = run_cli(
        "map", "--panel", panel, "--clusters", defs, "--lq-base", "traded", "--out", out
    )
    assert code == 0, err
    table = pd.read_csv(out, dtype={"region": str, "cluster": str})
    assert list(table.columns[:4]) == ["region", "cluster", "year", "employment"]
    row = table[(table.region == "A") & (table.cluster == "T1")].iloc[0]
    # traded universe: A 140, all regions 310; T1: 150 -> (100/140) / (150/310)
    assert row.lq == pytest.approx((100 / 140) / (150 / 310))
    assert row.wage == pytest.approx(10_000)
    record = json.loads((tmp / "result.csv.provenance.json").read_text())
    roles = {i["role"]: i for i in record["inputs"]}
    assert set(roles) == {"panel", "definitions"} and len(roles["panel"]["sha256"]) == 64
    assert record["options"]["lq_base"] == "traded"
    assert record["thresholds"]["star_lq"] == 2.0
    assert record["output"]["rows"] == len(table) == 9
    assert "9 cells" in stdout

    out = tmp / "result.parquet"
    strength = tmp / "strength.csv"
    code, _, err = run_cli(
        "map",
        "--panel",
        panel,
        "--clusters",
        defs,
        "--threshold",
        "star_lq=1.5",
        "--strength-out",
        strength,
        "--out",
        out,
    )
    assert code == 0, err
    assert len(pd.read_parquet(out)) == 9
    assert set(pd.read_csv(strength).columns) >= {"region", "cluster_strength", "n_strong"}
    record = json.loads((tmp / "result.parquet.provenance.json").read_text())
    assert record["thresholds"]["star_lq"] == 1.5


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda p: p.replace("region,", "place,"), "region"),  # missing column
        (lambda p: p.replace("B,i2,2020,100", "B,i2,2020,-100"), "negative"),
        (lambda p: p.replace("C,i3,", "C,i9,"), "'i9'"),  # unknown industry code
        (lambda p: p.replace("A,i2,2020,40", "A,i2,2020,forty"), "forty"),
    ],
)
def test_bad_panel_is_one_line_exit_2(files, run_cli, edit, expected):
    tmp, panel, defs = files
    panel.write_text(edit(PANEL))
    code, _, err = run_cli("map", "--panel", panel, "--clusters", defs, "--out", tmp / "o.csv")
    line = one_line_error(code, err)
    assert expected in line and "panel.csv" in line
    assert not (tmp / "o.csv").exists()


@pytest.mark.parametrize(
    ("bench", "expected"),
    [
        ("cluster,year,employment\nT1,2020,300\nT2,2020,x\nL1,2020,600\n", "line 3"),
        ("cluster,year,employment\nT1,2020,300\nT2,2020,-5\nL1,2020,600\n", "negative"),
        ("cluster,year,employment\nT1,2020,300\nL1,2020,600\n", "T2"),
        ("cluster,year,employment\nT1,2020,300\nT2,2020,100\nL1,2019,600\n", "'L1'"),
        ("cluster,employment\nT1,300\n", "'year'"),
        ("cluster,year,employment\nT1,2020,1\nT1,2020,2\nT2,2020,1\nL1,2020,1\n", "duplicate"),
    ],
)
def test_bad_benchmark_is_one_line_exit_2(files, run_cli, bench, expected):
    tmp, panel, defs = files
    bfile = tmp / "bench.csv"
    bfile.write_text(bench)
    args = ["map", "--panel", panel, "--clusters", defs, "--benchmark", bfile, "--out"]
    code, _, err = run_cli(*args, tmp / "o.csv")
    line = one_line_error(code, err)
    assert expected in line and "bench.csv" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "x.xlsx"], "--out"),
        (["--out", "x.csv", "--threshold", "star_lq=two"], "--threshold"),
        (["--out", "x.csv", "--threshold", "nonsense=1"], "--threshold"),
        (["--out", "x.csv", "--threshold", "star_size_quantile=2"], "--threshold"),
        (["--out", "x.csv", "--year", "2020-2019"], "--year"),
    ],
)
def test_bad_options_are_one_line_exit_2(files, run_cli, args, expected):
    tmp, panel, defs = files
    args = [a if not a.startswith("x.") else str(tmp / a) for a in args]
    code, _, err = run_cli("map", "--panel", panel, "--clusters", defs, *args)
    assert expected in one_line_error(code, err)


@pytest.mark.parametrize(
    "args",
    [["--lq-base", "local"], ["--group-by", "county"], ["--level", "county"]],
)
def test_choices_are_enums(files, run_cli, args):
    tmp, panel, defs = files
    code, _, err = run_cli(
        "map", "--panel", panel, "--clusters", defs, "--out", tmp / "o.csv", *args
    )
    assert code == 2
    assert args[0] in err and args[1] in err


def test_old_level_spelling_is_a_hidden_alias(files, run_cli):
    tmp, panel, defs = files
    out = tmp / "o.csv"
    args = ["map", "--panel", panel, "--clusters", defs, "--out", out]
    code, _, err = run_cli(*args, "--level", "none")
    assert code == 0, err
    assert json.loads((tmp / "o.csv.provenance.json").read_text())["options"]["level"] == "none"
    code, _, err = run_cli(*args, "--level", "none", "--group-by", "nuts")
    assert "--group-by" in one_line_error(code, err)
    code, help_text, _ = run_cli("map", "--help")
    assert "--group-by" in help_text and "--level" not in help_text and "--filter" not in help_text


def test_mapping_errors_name_the_flag_not_the_parameter(files, run_cli, tmp_path):
    # the mapping raises InputError(parameter="measures" / "benchmark"); the CLI prints the flag
    from clusteratlas.mapping.api import map_store
    from clusteratlas.store import Store

    store = tmp_path / "s.duckdb"
    with Store(store) as st:
        st.load_scheme(
            pd.DataFrame(
                {
                    "industry": ["i1"],
                    "cluster": ["T1"],
                    "cluster_name": ["T"],
                    "cluster_type": ["traded"],
                    "weight": [1.0],
                    "classification": ["user"],
                }
            ),
            "s",
        )
    with pytest.raises(Exception) as info:
        map_store(store, "s", measures=["bogus=X"])
    assert info.value.parameter == "measures"
    code, _, err = run_cli(
        "map",
        "--store",
        store,
        "--scheme",
        "s",
        "--measure",
        "bogus=X",
        "--out",
        tmp_path / "o.csv",
    )
    line = one_line_error(code, err)
    assert "parameter --measure" in line and "measures" not in line
    # a benchmark without a '*' row, for a panel with an industry outside the scheme
    tmp, panel, defs = files
    # (i4 is only in an emerging cluster, so the traded and local clusters do not cover it)
    panel.write_text(PANEL + "A,i4,2020,10,1,1000\n")
    defs.write_text(DEFS + "i4,E1,Emerging one,emerging\n")
    bfile = tmp / "bench.csv"
    bfile.write_text("cluster,year,employment\nT1,2020,300\nT2,2020,100\nL1,2020,600\nE1,2020,9\n")
    args = [
        "map",
        "--panel",
        panel,
        "--clusters",
        defs,
        "--benchmark",
        bfile,
        "--out",
        tmp / "o.csv",
    ]
    code, _, err = run_cli(*args)
    line = one_line_error(code, err)
    assert "bench.csv" in line and "'i4'" in line and "add a '*' row" in line


def test_panel_needs_clusters(files, run_cli):
    tmp, panel, _ = files
    code, _, err = run_cli("map", "--panel", panel, "--out", tmp / "o.csv")
    assert "--clusters" in one_line_error(code, err)


def test_trends_output(files, run_cli):
    tmp, panel, defs = files
    later = (
        PANEL.replace(",2020,", ",2025,")
        .split("\n", 1)[1]
        .replace("A,i1,2025,100", "A,i1,2025,150")
    )
    panel.write_text(PANEL + later)
    out, trends = tmp / "t.csv", tmp / "trends.csv"
    args = ["map", "--panel", panel, "--clusters", defs, "--out", out]
    code, _, err = run_cli(*args, "--trends", "2020:2025", "--trends-out", trends)
    assert code == 0, err
    table = pd.read_csv(trends).set_index(["region", "cluster"])
    assert table.loc[("A", "T1"), "employment_change"] == 50
    assert table.loc[("A", "T1"), "employment_cagr"] == pytest.approx(1.5 ** (1 / 5) - 1)
    record = json.loads((tmp / "trends.csv.provenance.json").read_text())
    assert record["trends"] == [2020, 2025]
    # a year the panel lacks: one-line error, nothing written
    out2 = tmp / "t2.csv"
    code, _, err = run_cli(*args[:-1], out2, "--trends", "2020:2030", "--trends-out", tmp / "x.csv")
    assert "2030" in one_line_error(code, err)
    assert not out2.exists()
    code, _, err = run_cli(*args, "--trends", "2025:2020", "--trends-out", trends)
    assert "--trends" in one_line_error(code, err)
    # the --year range spelling works too, and the strength table carries its provenance
    strength = tmp / "strength.csv"
    code, _, err = run_cli(
        *args, "--trends", "2020-2025", "--trends-out", trends, "--strength-out", strength
    )
    assert code == 0, err
    record = json.loads((tmp / "strength.csv.provenance.json").read_text())
    assert record["table"] == "strength" and record["options"]["lq_base"] == "total"


def test_bad_definitions_file_is_one_line_exit_2(files, run_cli):
    tmp, panel, defs = files
    defs.write_text(DEFS.replace("i3,L1,Local one,local", "i3,L1,Local one,regional"))
    code, _, err = run_cli("map", "--panel", panel, "--clusters", defs, "--out", tmp / "o.csv")
    line = one_line_error(code, err)
    assert "clusters.csv" in line
