"""Eurostat TSV reader: real 2017 bulk files (every cell accounted for), SDMX-TSV built to the
published description, and every kind of bad input."""

from __future__ import annotations

import gzip
import io
import math
import re
from collections import Counter

import numpy as np
import pytest

from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_tsv import has_time_marker, read_eurostat_tsv

# file, dimensions, series rows, periods
REAL_FILES = [
    ("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz", ["unit", "nace_r2", "age", "geo"], 28065, 8),  # noqa: E501
    ("eu_indicators/nama_10r_2gdp_2017snapshot.tsv.gz", ["unit", "geo"], 2564, 15),
    ("eu_indicators/nama_10r_2hhinc_2017snapshot.tsv.gz", ["unit", "na_item", "geo"], 5531, 15),
    ("eu_indicators/trng_lfse_04_2017snapshot.tsv.gz", ["unit", "sex", "age", "geo"], 1455, 16),
    ("eu_indicators/lfst_r_lfu3pers_2017snapshot.tsv.gz", ["unit", "age", "sex", "geo"], 5892, 17),
]  # fmt: skip


def independent_counts(raw_gz: bytes) -> tuple[int, Counter]:
    """Count ':' cells and flags straight from the text with regular expressions."""
    text = gzip.decompress(raw_gz).decode("utf-8")
    body = text.split("\n", 1)[1]
    missing = len(re.findall(r"\t[ ]*:", body))
    flags = Counter(re.findall(r"[0-9:][ ]*([a-z]+)[ ]*(?=\t|\r?\n|$)", body))
    return missing, flags


@pytest.mark.shared
@pytest.mark.parametrize(("relative", "dims", "series", "periods"), REAL_FILES)
def test_real_file_every_cell_accounted(shared_file, relative, dims, series, periods):
    path = shared_file(relative)
    df = read_eurostat_tsv(path)
    assert list(df.columns) == [*dims, "time", "value", "flag"]
    assert df.attrs["series"] == series and df.attrs["format"] == "bulk"
    assert len(df) == series * periods
    n_values, n_missing = int(df["value"].notna().sum()), int(df["value"].isna().sum())
    assert n_values + n_missing == series * periods
    missing, flags = independent_counts(path.read_bytes())
    assert n_missing == missing
    got = Counter(df["flag"].dropna())
    assert got == flags
    assert all(f is None or isinstance(f, str) for f in df["flag"].head(1000))
    # every (series, period) once
    assert not df.duplicated([*dims, "time"]).any()
    assert (df["value"].dropna() >= 0).all() or relative.startswith("eu_indicators/nama")


@pytest.mark.shared
def test_real_file_spot_checks(shared_file):
    df = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    key = df.set_index(["unit", "nace_r2", "age", "geo", "time"])

    def cell(*k):
        row = key.loc[k]
        return row["value"], row["flag"]

    assert cell("THS", "A", "Y15-24", "AT1", "2015") == (5.2, "u")
    assert cell("THS", "A", "Y15-24", "AT", "2008") == (13.1, "b")
    assert cell("THS", "A", "Y15-24", "AT", "2015") == (14.3, None)
    assert cell("THS", "A", "Y15-24", "AT1", "2008") == (4.0, "bu")
    value, flag = cell("THS", "A", "Y15-24", "AT11", "2015")  # ': u'
    assert math.isnan(value) and flag == "u"
    assert df["time"].astype(str).unique().tolist() == [str(y) for y in range(2015, 2007, -1)]
    assert df["geo"].nunique() == 491
    assert sorted(df["nace_r2"].unique()) == sorted(
        ["A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U", "NRP", "TOTAL"]
    )


@pytest.mark.shared
def test_real_gdp_spot_check(shared_file):
    df = read_eurostat_tsv(shared_file("eu_indicators/nama_10r_2gdp_2017snapshot.tsv.gz"))
    row = df[(df.unit == "EUR_HAB") & (df.geo == "AT1") & (df.time == "2014")]
    assert row["value"].tolist() == [38700.0] and row["flag"].tolist() == [None]


# -- synthetic inputs ---------------------------------------------------------------------
BULK = (
    "unit,nace_r2,geo\\time\t2015 \t2014 \n"
    "THS,A,AT1\t5.2 u\t: u\n"
    "THS,A,AT2\t: \t3.0 bep\n"
    "PC,C,AT1\t0 \t-1.5 p\n"
)

# Built to Eurostat's description of the SDMX-TSV download (API "Getting started", TSV format):
# the first header field lists the dimensions (FREQ first) and ends in '\TIME_PERIOD'; no real
# sample of this format is available here.
SDMX = (
    "freq,unit,nace_r2,geo\\TIME_PERIOD\t2015-Q1\t2015-Q2\n"
    "Q,THS,A,AT1\t5.2 u\t:\n"
    "Q,THS,A,AT2\t: c\t3.0\n"
)


def test_bulk_shape_and_values():
    df = read_eurostat_tsv(BULK.encode(), name="t.tsv")
    assert list(df.columns) == ["unit", "nace_r2", "geo", "time", "value", "flag"]
    assert df["time"].astype(str).tolist() == ["2015", "2014"] * 3
    assert df["geo"].astype(str).tolist() == ["AT1", "AT1", "AT2", "AT2", "AT1", "AT1"]
    vals = df["value"].tolist()
    assert vals[0] == 5.2 and math.isnan(vals[1]) and math.isnan(vals[2])
    assert vals[3:] == [3.0, 0.0, -1.5]
    assert df["flag"].tolist() == ["u", "u", None, "bep", None, "p"]


def test_sdmx_tsv():
    df = read_eurostat_tsv(SDMX.encode())
    assert df.attrs["format"] == "sdmx-tsv"
    assert list(df.columns) == ["freq", "unit", "nace_r2", "geo", "time", "value", "flag"]
    assert df["time"].astype(str).tolist() == ["2015-Q1", "2015-Q2"] * 2
    assert df["flag"].tolist() == ["u", None, "c", None]
    assert int(df["value"].isna().sum()) == 2


def test_gzip_plain_file_like_and_crlf_bom_blank_lines(tmp_path):
    plain = read_eurostat_tsv(BULK.encode())
    gz = tmp_path / "x.tsv.gz"
    gz.write_bytes(gzip.compress(BULK.encode()))
    crlf = ("\ufeff" + BULK.replace("\n", "\r\n\r\n")).encode()
    for other in (read_eurostat_tsv(gz), read_eurostat_tsv(io.BytesIO(crlf))):
        assert other["value"].fillna(-99).tolist() == plain["value"].fillna(-99).tolist()
        assert other["flag"].tolist() == plain["flag"].tolist()
        assert other["geo"].astype(str).tolist() == plain["geo"].astype(str).tolist()


def test_blanks_around_codes_are_trimmed():
    text = "unit,geo\\time\t2015\nTHS, AT1 \t1\nTHS,AT1\t2\nTHS ,AT2\t3\n"
    df = read_eurostat_tsv(text.encode())
    assert df["geo"].astype(str).tolist() == ["AT1", "AT1", "AT2"]
    assert df["unit"].astype(str).tolist() == ["THS"] * 3
    assert list(df["geo"].cat.categories) == ["AT1", "AT2"]


def test_time_marker_detection():
    assert has_time_marker("unit,geo\\time\t2015")
    assert has_time_marker("freq,geo\\TIME_PERIOD\t2015")
    assert not has_time_marker("region,industry,year")


def err(data: bytes | str, name: str = "f.tsv") -> InputError:
    if isinstance(data, str):
        data = data.encode()
    with pytest.raises(InputError) as info:
        read_eurostat_tsv(data, name=name)
    assert "\n" not in str(info.value) and info.value.file == name
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (BULK.replace("THS,A,AT2\t: \t3.0 bep", "THS,A,AT2\t: "), 3, "2014", "found 2"),
        (BULK.replace("3.0 bep", "3.0 bep\t7"), 3, None, "found 4"),
        (BULK.replace("3.0 bep", "3,0"), 3, "2014", "not a Eurostat value"),
        (BULK.replace("-1.5 p", "-1.5 q"), 4, "2014", "'-1.5 q'"),
        (BULK.replace("5.2 u", "n/a"), 2, "2015", "'n/a'"),
        (BULK.replace("geo\\time", "geo"), 1, "unit,nace_r2,geo", "\\time"),
        (BULK.replace("THS,A,AT2", "THS,AT2"), 3, "unit,nace_r2,geo", "comma-separated codes"),
        (BULK.replace("THS,A,AT2", "THS,,AT2"), 3, "nace_r2", "empty code"),
        (BULK.replace("2014 ", "2015"), 1, "2015", "twice"),
        ("unit,geo\\time\t2015\n", None, None, "header only"),
        ("", None, None, "empty file"),
        ("\n \n", None, None, "empty file"),
        ("unit,geo\\time\t2015\n\nA,B\t1\n\nA,C\tx\n", 5, "2015", "'x'"),
    ],
)
def test_bad_inputs_name_the_place(text, line, column, words):
    e = err(text)
    assert (e.line, e.column) == (line, column)
    assert words in e.message


def test_latin1_bytes_name_the_line():
    data = BULK.replace("AT2", "K\u00f6").encode("latin-1")
    e = err(data)
    assert e.line == 3 and "UTF-8" in e.message


def test_truncated_gzip():
    data = gzip.compress((BULK * 200).encode())
    e = err(data[: len(data) // 2], "x.tsv.gz")
    assert "truncated gzip" in e.message


def test_large_synthetic_file_is_consistent():
    """Many rows across several Arrow blocks keep series and periods aligned."""
    rng = np.random.default_rng(1)
    n = 60_000
    vals = rng.integers(0, 1000, size=(n, 3))
    lines = ["unit,geo\\time\t2017\t2016\t2015"]
    lines += [f"NR,G{i}\t{a} e\t{b}\t:" for i, (a, b, _) in enumerate(vals)]
    df = read_eurostat_tsv(("\n".join(lines) + "\n").encode())
    assert len(df) == 3 * n
    assert df["value"].to_numpy()[0::3].tolist() == vals[:, 0].astype(float).tolist()
    assert df["value"].to_numpy()[1::3].tolist() == vals[:, 1].astype(float).tolist()
    assert df["geo"].astype(str).iloc[-1] == f"G{n - 1}"
    assert int(df["value"].isna().sum()) == n
    assert (df["flag"].to_numpy()[0::3] == "e").all()
