"""Establishment microdata aggregated on the engine (runs on DuckDB and on Spark)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import map_panel
from clusteratlas.mapping.microdata import is_microdata

# Region A, industry 01, 2020: establishment 7 twice (10 + 5 jobs) and 9 once (3 jobs)
# -> employment 18, establishments 2 (distinct ids), payroll 100 + 50 + 30 = 180.
# Region B, industry 02: establishment 1 (20 jobs) -> 20, 1, 200.
RECORDS = """region,industry,year,employment,establishment_id,payroll
A,01,2020,10,7,100
A,01,2020,5,7,50
A,01,2020,3,9,30
B,02,2020,20,1,200
A,02,2020,4,11,40
"""
DEFS = pd.DataFrame(
    {"industry": ["01", "02"], "cluster": ["X", "Y"], "cluster_type": ["traded", "traded"]}
)


def test_detects_microdata_by_its_id_column():
    assert is_microdata(["region", "industry", "year", "employment", "establishment_id"])
    assert not is_microdata(["region", "industry", "year", "employment"])


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_records_are_summed_and_establishments_counted_distinct(tmp_path, kind):
    path = tmp_path / f"records.{kind}"
    if kind == "csv":
        path.write_text(RECORDS)
    else:
        pd.read_csv(io.StringIO(RECORDS), dtype={"industry": str}).to_parquet(path)
    out = map_panel(path, DEFS).set_index(["region", "cluster"])
    assert out.loc[("A", "X"), "employment"] == 18
    assert out.loc[("A", "X"), "establishments"] == 2
    assert out.loc[("A", "X"), "payroll"] == 180
    assert out.loc[("B", "Y"), "establishments"] == 1
    # LQ of A in X: (18 / 22) / (18 / 42)
    assert out.loc[("A", "X"), "lq"] == pytest.approx((18 / 22) / (18 / 42), rel=1e-12)
    assert out.attrs["provenance"]["options"]["microdata"] is True


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("employment,", "jobs,"), "column 'employment': missing column"),
        (lambda t: t.replace("A,01,2020,5,", "A,01,2020,-5,"), "1 records have a negative"),
        (lambda t: t.replace("A,01,2020,5,", "A,01,2020,five,"), "text where a number"),
        (lambda t: t.replace("B,02,", "B,99,"), "industry code '99' is not in the cluster"),
    ],
)
def test_bad_records_give_one_line_errors(tmp_path, edit, message):
    path = tmp_path / "records.csv"
    path.write_text(edit(RECORDS))
    with pytest.raises(InputError) as info:
        map_panel(path, DEFS)
    assert message in str(info.value) and "records.csv" in str(info.value)
    assert "\n" not in str(info.value)
