"""The relational part of the linkages on both engines: panels read, checked and summed into
clusters by the engine, trends run there, bad panels give the same one-line errors."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.linkages.api import complexity_table, trends_tables, unit_panel, unit_table
from tests.engine_checks import assert_same_tables

# Two regions x two clusters (the shift-share tests' panel, by industry): cluster A = a1 + a2,
# B = b. 2015: R1 = (A 60, B 40), R2 = (A 40, B 160); 2020: R1 = (A 90, B 30), R2 = (A 50, B 150).
ROWS = [
    ("R1", "a1", 2015, 45.0), ("R1", "a2", 2015, 15.0), ("R1", "b", 2015, 40.0),
    ("R2", "a1", 2015, 40.0), ("R2", "b", 2015, 160.0),
    ("R1", "a1", 2020, 60.0), ("R1", "a2", 2020, 30.0), ("R1", "b", 2020, 30.0),
    ("R2", "a1", 2020, 50.0), ("R2", "b", 2020, 150.0),
]  # fmt: skip
DEFS = pd.DataFrame(
    {"industry": ["a1", "a2", "b"], "cluster": ["A", "A", "B"], "cluster_type": "traded"}
)


@pytest.fixture()
def panel_folder(tmp_path):
    """The panel as a Hive-partitioned folder of Parquet files (``year=2015/...``)."""
    frame = pd.DataFrame(ROWS, columns=["region", "industry", "year", "employment"])
    folder = tmp_path / "panel"
    for year, part in frame.groupby("year"):
        (folder / f"year={year}").mkdir(parents=True)
        part.drop(columns="year").to_parquet(folder / f"year={year}" / "part-0.parquet")
    return folder


def test_trends_by_hand_from_a_parquet_folder(panel_folder, backend, engine):
    """The engine reads the folder, sums a1 + a2 into A and runs shift-share and portfolio:
    R1, cluster A, 2015 -> 2020 by hand (tests/linkages/test_trends.py): NS = 4, IM = 20,
    RS = 6, CE = 10/3, AE = 8/3; quadrants mature, declining, declining, rising."""
    ut = unit_table(panel_folder, DEFS, backend=backend)
    assert (ut.unit, ut.engine, ut.years()) == ("cluster", engine, [2015, 2020])
    got = trends_tables(ut, None, 2015, 2020)
    ss = got["shift_share"].set_index(["region", "cluster"])
    row = ss.loc[("R1", "A")]
    assert (row.employment_start, row.actual_change) == (60, 30)
    assert [row.national_share, row.industry_mix, row.regional_shift] == pytest.approx(
        [4.0, 20.0, 6.0], rel=1e-12
    )
    assert [row.competitive_effect, row.allocation_effect] == pytest.approx(
        [10 / 3, 8 / 3], rel=1e-12
    )
    quadrants = got["portfolio"].set_index(["region", "cluster"]).quadrant.to_dict()
    assert quadrants == {
        ("R1", "A"): "mature",
        ("R1", "B"): "declining",
        ("R2", "A"): "declining",
        ("R2", "B"): "rising",
    }
    assert (got["dynamic"].steps == 1).all()
    with pytest.raises(InputError, match="parameter --years: the panel has no year 2016"):
        trends_tables(ut, None, 2016, 2020)


def test_unit_panel_of_a_file_equals_that_of_the_frame(panel_folder, backend):
    """The engine path and the frame path give the same unit panel (industries and clusters),
    and the total-industry rows are dropped before anything is summed."""
    frame = pd.DataFrame(ROWS, columns=["region", "industry", "year", "employment"])
    for defs in (None, DEFS):
        from_file, unit = unit_panel(panel_folder, defs, backend=backend)
        from_frame, unit2 = unit_panel(frame, defs, backend="duckdb")
        assert unit == unit2
        assert_same_tables(from_file, from_frame)
    got, _ = unit_panel(panel_folder, DEFS, backend=backend)
    assert got.employment.tolist() == [60.0, 40.0, 40.0, 160.0, 90.0, 30.0, 50.0, 150.0]
    with_total = pd.concat(
        [frame, pd.DataFrame([("R1", "TOTAL", 2015, 1e6)], columns=frame.columns)]
    )
    dropped, _ = unit_panel(with_total, DEFS, total_industry="TOTAL", backend=backend)
    assert_same_tables(dropped, got)


def test_complexity_through_the_engine_equals_ecomplexity(tmp_path, backend):
    """A synthetic 40 x 25 panel written as Parquet, read by the engine, then the numpy
    complexity: equal to ecomplexity to 1e-9 with identical presence (M)."""
    ecomplexity = pytest.importorskip("ecomplexity")
    from tests.linkages.test_complexity_oracle import assert_cells_equal, oracle, synthetic_panel

    panel = synthetic_panel(1)
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    frame, unit = unit_panel(path, backend=backend)
    got = complexity_table(frame, unit)
    want, _ = oracle(panel)
    assert ecomplexity is not None
    assert_cells_equal(want, got, 2 * 40 * 25)


@pytest.fixture(scope="module")
def bad_panels(tmp_path_factory):
    """A good panel and three bad ones: no ``year`` column, an industry that is in no
    cluster, a word where employment belongs."""
    tmp = tmp_path_factory.mktemp("bad")
    rows = [("region", "industry", "year", "employment")] + [(r, i, y, e) for r, i, y, e in ROWS]
    variants = {
        "missing column": [[r[0], r[1], r[3]] for r in rows],
        "unknown code": [list(r) for r in rows[:3]] + [["R1", "zz", 2015, 5.0]] + rows[3:],
        "wrong type": [list(r) for r in rows[:4]] + [["R2", "a1", 2015, "forty"]] + rows[5:],
    }
    files = {}
    for name, content in variants.items():
        path = tmp / f"{name.replace(' ', '_')}.csv"
        with open(path, "w", newline="") as fh:
            csv.writer(fh).writerows(content)
        files[name] = path
    defs = tmp / "clusters.csv"
    DEFS.assign(cluster_name=DEFS.cluster).to_csv(defs, index=False)
    return files, defs


COMMANDS = {
    "trends": ["trends", "--years", "2015:2020"],
    "complexity": ["complexity"],
    "related": ["related"],
}
EXPECTED = {
    "missing column": "line 1, column 'year': missing required column year",
    "unknown code": "column 'industry': industry code 'zz' is not in the cluster definitions",
    "wrong type": "line 5, column 'employment': not a number: 'forty'",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("bad", EXPECTED)
def test_bad_panels_give_the_same_one_line_error(
    bad_panels, tmp_path, run_cli, engine, command, bad
):
    files, defs = bad_panels
    out = tmp_path / "out.csv"
    args = [*COMMANDS[command], "--panel", files[bad], "--clusters", defs, "--out", out]
    code, _, err = run_cli(*args)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip() and "WARN" not in ln]
    assert len(lines) == 1, err
    assert f"{files[bad]}, {EXPECTED[bad]}" in lines[0]
    assert not out.exists()
    if engine == "spark":  # word for word what DuckDB says
        code, _, twin = run_cli(*args, "--engine", "duckdb")
        assert code == 2 and twin.strip() == lines[0].strip()


def test_store_input_refuses_spark_before_starting_it(tmp_path, run_cli):
    code, _, err = run_cli(
        "trends", "--store", tmp_path / "s.duckdb", "--scheme", "s", "--years", "2015:2016",
        "--out", tmp_path / "x.csv", "--engine", "spark",
    )  # fmt: skip
    assert code == 2
    assert "parameter --engine: the store is a DuckDB file" in err
