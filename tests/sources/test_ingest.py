"""Ingest: files -> observations with provenance, all files in one transaction."""

from __future__ import annotations

import gzip
import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.sources.ingest import (
    UNKNOWN_NUTS,
    dataset_name,
    detect_format,
    ingest_files,
    prepare_file,
)

PANEL = "region,industry,year,employment,payroll,flag\nAT11,C10,2015,12,100,e\nAT12,C10,2015,,7,\n"
TSV = (
    "unit,nace_r2,age,geo\\time\t2015 \t2014 \n"
    "THS,C,Y15-64,AT1\t5.2 u\t: c\n"
    "THS,B-E,Y15-64,AT1\t7 \t6.5 b\n"
    "THS,TOTAL,Y15-64,AT1\t70 \t65 \n"
)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def one_line_error(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("lfst_r_lfe2en2_2017snapshot.tsv.gz", "lfst_r_lfe2en2"),
        ("nama_10r_2gdp.tsv.gz", "nama_10r_2gdp"),
        ("NAMA_10R_2GDP.TSV", "nama_10r_2gdp"),
        ("sbs_r_nuts06_r2_2024-01-15.tsv", "sbs_r_nuts06_r2"),
        ("trng_lfse_04_latest.tsv.gz", "trng_lfse_04"),
    ],
)
def test_dataset_name(name, code):
    assert dataset_name(name) == code


def test_panel_dataset_name_keeps_stem():
    assert dataset_name("cbp_2015.csv.gz", "panel") == "cbp_2015"
    assert dataset_name("Panel.parquet", "panel") == "panel"


def test_detect_format(tmp_path):
    assert detect_format("x.tsv", TSV.encode()) == "eurostat-tsv"
    assert detect_format("x.csv", TSV.encode()) == "eurostat-tsv"  # the marker decides
    assert detect_format("x.csv", PANEL.encode()) == "panel"
    assert detect_format("x.tsv", b"a\tb\n") == "eurostat-tsv"  # the reader explains
    assert "unknown file type" in one_line_error(detect_format, "x.xlsx", b"PK").message


@pytest.mark.shared
def test_real_eurostat_file(store, shared_file):
    path = shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz")
    [res] = ingest_files(store, [path])
    assert res.summary() | {"file": None} == {
        "file": None,
        "dataset": "lfst_r_lfe2en2",
        "format": "eurostat-tsv",
        "rows": 224520,
        "missing": 63285,
        "flagged": 89959,
        "years": "2008-2015",
        "regions": 491,
    }
    counts = store.query(
        "SELECT count(*) AS n, count(value) AS v, count(flag) AS f, "
        "count(DISTINCT industry) AS i, count(DISTINCT dims) AS d FROM observations"
    ).iloc[0]
    assert (counts.n, counts.n - counts.v, counts.f, counts.i, counts.d) == (
        224520, 63285, 89959, 12, 5,
    )  # fmt: skip
    cell = store.query(
        "SELECT * FROM observations WHERE region='AT1' AND industry='A' AND year=2015 "
        "AND dims='age=Y15-24'"
    ).iloc[0]
    assert (cell.value, cell.flag, cell.measure, cell.source) == (5.2, "u", "THS", "eurostat")
    assert (cell.region_system, cell.classification) == (UNKNOWN_NUTS, "NACE_R2")
    prov = store.provenance("lfst_r_lfe2en2").iloc[0]
    assert prov.location == str(path.resolve())
    assert prov.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov.attribution == "Source: Eurostat" and prov.source == "eurostat"
    assert prov.rows == 224520 and not pd.isna(prov.ingested_at)


@pytest.mark.shared
def test_real_table_without_industry(store, shared_file):
    path = shared_file("eu_indicators/nama_10r_2gdp_2017snapshot.tsv.gz")
    ingest_files(store, [path], region_system="NUTS2013")
    df = store.query(
        "SELECT DISTINCT industry, classification, dims, region_system FROM observations"
    )
    assert df.to_dict("records") == [
        {"industry": "", "classification": "", "dims": "", "region_system": "NUTS2013"}
    ]
    at1 = store.query(
        "SELECT value FROM observations WHERE region='AT1' AND year=2014 AND measure='EUR_HAB'"
    )
    assert at1["value"].tolist() == [38700.0]


def test_tsv_mapping_dims_and_missing(store, tmp_path):
    p = write(tmp_path, "lfst_x_2017snapshot.tsv", TSV)
    ingest_files(store, [p])
    df = store.query("SELECT * FROM observations ORDER BY industry, year")
    assert set(df["dims"]) == {"age=Y15-64"} and set(df["measure"]) == {"THS"}
    c2014 = df[(df.industry == "C") & (df.year == 2014)].iloc[0]
    assert math.isnan(c2014.value) and c2014.flag == "c"  # ': c' kept as missing, never 0
    assert len(df) == 6 and int(df["value"].isna().sum()) == 1


def test_panel_ingest(store, tmp_path):
    p = write(tmp_path, "cbp_2015.csv", PANEL)
    [res] = ingest_files(store, [p], classification="NAICS2012")
    df = store.query("SELECT * FROM observations ORDER BY region, measure")
    assert sorted(set(df["measure"])) == ["employment", "payroll"]  # only measures present
    assert len(df) == 4 and res.dataset == "cbp_2015"
    assert set(df["region_system"]) == {"user"} and set(df["classification"]) == {"NAICS2012"}
    row = df[(df.region == "AT11") & (df.measure == "payroll")].iloc[0]
    assert row.value == 100 and row.flag == "e" and row.source == "file"
    empty = df[(df.region == "AT12") & (df.measure == "employment")].iloc[0]
    assert math.isnan(empty.value)
    prov = store.provenance("cbp_2015").iloc[0]
    assert prov.source == "file" and prov.attribution is None


def test_reingest_replaces_dataset(store, tmp_path):
    p = write(tmp_path, "x.csv", PANEL)
    ingest_files(store, [p])
    ingest_files(store, [p])
    assert store.snapshot()["observations"] == 4
    assert len(store.provenance("x")) == 2  # history kept


def test_atomic_third_file_bad(store, tmp_path):
    write(tmp_path, "old.csv", PANEL)
    ingest_files(store, [tmp_path / "old.csv"])
    before = store.snapshot()
    good1 = write(tmp_path, "a.csv", PANEL)
    good2 = write(tmp_path, "old.csv", PANEL.replace("12,100", "13,100"))  # would replace
    bad = write(tmp_path, "c.csv", PANEL.replace("7,", "seven,"))
    err = one_line_error(ingest_files, store, [good1, good2, bad])
    assert (err.file, err.line, err.column) == (str(bad), 3, "payroll")
    assert store.snapshot() == before
    kept = store.query("SELECT value FROM observations WHERE region='AT11' AND measure LIKE 'emp%'")
    assert kept["value"].tolist() == [12.0]


def test_files_sharing_a_dataset(store, tmp_path):
    a = write(tmp_path, "a.csv", PANEL)
    b = write(tmp_path, "b.csv", PANEL.replace("2015", "2016"))
    ingest_files(store, [a, b], dataset="cbp")
    assert store.snapshot()["observations"] == 8
    before = store.snapshot()
    c = write(tmp_path, "c.csv", PANEL)
    err = one_line_error(ingest_files, store, [a, c], dataset="cbp")
    assert "a.csv" in err.message and err.file == str(c)
    assert store.snapshot() == before


BAD_PANELS = [
    ("region,year,employment\nA,2015,1\n", 1, "industry", "missing required column"),
    ("region,industry,year,employment\nA,1,2015,x\n", 2, "employment", "not a number"),
    ("region,industry,year,employment\nA,1,2015,1\nA,1,2015,2\n", 3, "region, industry, year",
     "lines 2 and 3"),
    ("region,industry,year,employment\nA,1,2015,-1\n", 2, "employment", "negative"),
    ("", None, None, "empty file"),
    ("region,industry,year,employment\nK\xf6ln,1,2015,1\n".encode("latin-1"), 2, None, "UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "column", "words"), BAD_PANELS)
def test_bad_panel_leaves_store_unchanged(store, tmp_path, text, line, column, words):
    good = write(tmp_path, "good.csv", PANEL)
    bad = write(tmp_path, "bad.csv", text)
    before = store.snapshot()
    err = one_line_error(ingest_files, store, [good, bad])
    assert (err.file, err.line, err.column) == (str(bad), line, column)
    assert words in err.message
    assert store.snapshot() == before


def test_bad_tsv_leaves_store_unchanged(store, tmp_path):
    good = write(tmp_path, "good.tsv", TSV)
    bad = write(tmp_path, "bad.tsv.gz", gzip.compress(TSV.replace("7 ", "7,5").encode()))
    before = store.snapshot()
    err = one_line_error(ingest_files, store, [good, bad])
    assert (err.line, err.column) == (3, "2015") and err.file == str(bad)
    assert store.snapshot() == before


def load_nace(store) -> None:
    codes = ["A", "B", "C", "D", "E", "10", "10.1", "10.11"]
    store.load_industries(
        pd.DataFrame(
            {"classification": "NACE_R2", "code": codes, "parent": None, "level": 1, "label": None}
        )
    )


def test_unknown_industry_code_with_code_list(store, tmp_path):
    load_nace(store)
    ok = write(tmp_path, "ok.tsv", TSV.replace("THS,C,", "THS,C10,"))
    [res] = ingest_files(store, [ok])  # C10 -> 10, B-E -> B and E, TOTAL special
    assert res.warnings == []
    before = store.snapshot()
    bad = write(tmp_path, "bad.tsv", TSV.replace("THS,B-E,", "THS,B-X,"))
    err = one_line_error(ingest_files, store, [bad])
    assert (err.line, err.column) == (3, "nace_r2") and "'B-X'" in err.message
    panel = write(tmp_path, "p.csv", PANEL.replace("AT12,C10", "AT12,C99"))
    err = one_line_error(ingest_files, store, [panel], classification="NACE_R2")
    assert (err.line, err.column) == (3, "industry") and "NACE_R2" in err.message
    assert store.snapshot() == before


def test_no_code_list_warns(store, tmp_path):
    p = write(tmp_path, "p.csv", PANEL)
    [res] = ingest_files(store, [p], classification="NACE_R2")
    assert any("not checked" in w for w in res.warnings)
    [res] = ingest_files(store, [p])  # 'user' codes: nothing to check, no warning
    assert res.warnings == []


def test_sdmx_non_annual(store, tmp_path):
    quarterly = "freq,unit,geo\\TIME_PERIOD\t2015-Q1\t2015-Q2\nQ,THS,AT1\t1\t2\n"
    err = one_line_error(ingest_files, store, [write(tmp_path, "q.tsv", quarterly)])
    assert err.column == "2015-Q1" and "annual" in err.message
    mixed = "freq,unit,geo\\TIME_PERIOD\t2015\t2015-Q1\nA,THS,AT1\t1\t:\nQ,THS,AT1\t:\t2 p\n"
    [res] = ingest_files(store, [write(tmp_path, "m.tsv", mixed)])
    assert any("skipped 3 non-annual" in w for w in res.warnings)
    df = store.query("SELECT year, value, dims FROM observations")
    assert df.to_dict("records") == [{"year": 2015, "value": 1.0, "dims": ""}]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"region_system": "NUTS21"}, "region_system"),
        ({"classification": "NACE2"}, "classification"),
        ({"fmt": "xlsx"}, "fmt"),
    ],
)
def test_bad_options(store, tmp_path, kwargs, parameter):
    err = one_line_error(ingest_files, store, [write(tmp_path, "p.csv", PANEL)], **kwargs)
    assert err.parameter == parameter


def test_classification_must_match_eurostat_dimension(tmp_path):
    err = one_line_error(prepare_file, write(tmp_path, "t.tsv", TSV), classification="NAICS2012")
    assert err.parameter == "classification"


def test_forced_format_and_missing_file(store, tmp_path):
    p = write(tmp_path, "weird.dat", TSV)
    [res] = ingest_files(store, [p], fmt="eurostat-tsv")
    assert res.format == "eurostat-tsv"
    err = one_line_error(ingest_files, store, [tmp_path / "nope.csv"])
    assert err.message == "no such file"
