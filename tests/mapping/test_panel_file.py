"""The engine path for panel files accepts exactly what read_panel accepts."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from clusteratlas.engine import connect
from clusteratlas.mapping import map_panel
from clusteratlas.mapping.panel_file import open_panel_file
from clusteratlas.sources.files import read_panel

GOOD = """region,industry,year,employment,establishments,payroll,flag
A,01,2020,100,10,1000000,
A,02,2020,40,,300000,e
B,01,2020,NA,5,400000,
B,02,2020, 7 ,1,:,c
B,02,2021.0,8,1,1e5,
"""
DEFS = pd.DataFrame(
    {"industry": ["01", "02"], "cluster": ["X", "Y"], "cluster_type": ["traded", "local"]}
)


def test_engine_path_matches_read_panel(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text(GOOD)
    table, industries = open_panel_file(path, connect())
    assert table is not None and sorted(industries) == ["01", "02"]
    fast = table.to_pandas().sort_values(["region", "industry", "year"]).reset_index(drop=True)
    slow = read_panel(path)[list(fast.columns)]
    slow = slow.sort_values(["region", "industry", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    a = map_panel(path, DEFS)
    b = map_panel(read_panel(path), DEFS)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_engine_path_reads_gzip_and_parquet(tmp_path):
    gz = tmp_path / "panel.csv.gz"
    gz.write_bytes(gzip.compress(GOOD.encode()))
    assert open_panel_file(gz, connect())[0] is not None
    pq = tmp_path / "panel.parquet"
    read_panel(gz).drop(
        columns=["employment_flag", "establishments_flag", "payroll_flag"]
    ).to_parquet(pq)
    table, _ = open_panel_file(pq, connect())
    assert table is not None and table.count().to_pandas() == 5


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("A,02,2020,40", "A,02,2020,-40"),  # negative
        GOOD.replace("A,02,2020,40", "A,02,2020,forty"),  # not a number
        GOOD.replace("A,02,2020,40", "A,02,2020,inf"),  # infinite
        GOOD.replace("A,02,2020,40", "A,02,20,40"),  # not a 4-digit year
        GOOD.replace("B,01,2020", "A,01,2020"),  # duplicate key
        GOOD.replace("B,01,2020", ",01,2020"),  # empty code
        GOOD.replace("region,", "place,"),  # missing key column
        GOOD.replace("A,02,2020,40,", "A,02,2020,40,,,"),  # ragged row
        GOOD.replace("employment,establishments,payroll", "jobs,firms,wages"),  # no measure
        GOOD.replace("payroll,flag", "payroll,employment"),  # repeated column
        "region,industry,year,employment\n",  # header only
    ],
)
def test_bad_files_go_to_read_panel(tmp_path, text):
    path = tmp_path / "panel.csv"
    path.write_text(text)
    table, _ = open_panel_file(path, connect())
    assert table is None
    with pytest.raises(Exception) as info:
        read_panel(path)
    assert "panel.csv" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("B,01,2020", " B ,01,2020"),  # blanks around a code: read_panel strips
        GOOD.replace("B,01,2020", "NA,01,2020"),  # Namibia reads as missing in the engine
    ],
)
def test_unusual_but_valid_files_still_map(tmp_path, text, caplog):
    path = tmp_path / "panel.csv"
    path.write_text(text)
    assert open_panel_file(path, connect())[0] is None  # the engine path declines ...
    with caplog.at_level("WARNING", logger="clusteratlas.mapping.api"):
        out = map_panel(path, DEFS)  # ... and read_panel takes over, saying so
    assert len(out) == len(map_panel(read_panel(path), DEFS))
    assert f"{path} was read on the driver" in caplog.text


def test_a_large_valid_panel_stays_on_the_engine(tmp_path):
    """300,000 distinct keys: a 32-bit hash of the key (Spark's ``hash``) would give ~10
    colliding pairs, taken for duplicates, and send the file to the pandas reader on the
    driver. The duplicate check groups the key columns themselves."""
    import numpy as np

    n_r, n_i, years = 500, 200, 3
    panel = pd.DataFrame(
        {
            "region": np.repeat([f"R{r:04d}" for r in range(n_r)], n_i * years),
            "industry": np.tile(np.repeat([f"I{i:03d}" for i in range(n_i)], years), n_r),
            "year": np.tile(np.arange(2018, 2018 + years), n_r * n_i),
            "employment": np.arange(n_r * n_i * years, dtype=float) % 997 + 1,
        }
    )
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path, index=False)
    table, industries = open_panel_file(path, connect())
    assert table is not None, "a valid panel left the engine path"
    assert len(industries) == n_i
    # and a real duplicate still leaves it (read_panel then names the row)
    dup = pd.concat([panel, panel.iloc[[12_345]]], ignore_index=True)
    dup.to_parquet(path, index=False)
    assert open_panel_file(path, connect()) == (None, [])
