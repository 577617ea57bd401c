"""``clusteratlas.fetch_eurostat``: the Python door to the Eurostat path (fake server)."""

from __future__ import annotations

import pytest
from conftest import LFST, LFST_UPDATED

from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_fetch import fetch_eurostat, where_filters


def test_fetch_returns_the_tidy_table_with_provenance(eurostat_server, tmp_path, lfst_tidy):
    df = fetch_eurostat(
        LFST, where={"geo": ["AT11", "AT12"], "nace_r2": "A"}, via="json", nuts_version=2013,
        base_url=eurostat_server.url, cache=tmp_path / "cache", backoff=0.001,
    )  # fmt: skip
    # the reference: the real bulk file's rows for these codes (2 regions x 5 ages x 8 years)
    ref = lfst_tidy[lfst_tidy["geo"].isin(["AT11", "AT12"]) & (lfst_tidy["nace_r2"] == "A")]
    assert len(df) == len(ref) == 2 * 5 * 8
    assert sorted(df["value"].dropna()) == sorted(ref["value"].dropna())
    prov = df.attrs["provenance"]
    assert prov["source"] == "Eurostat" and prov["dataset"] == LFST
    assert prov["attribution"] == "Source: Eurostat" and len(prov["sha256"]) == 64
    assert prov["last_update"] == LFST_UPDATED and prov["nuts_version"] == "2013"
    assert prov["filters"] == {"geo": ["AT11", "AT12"], "nace_r2": ["A"]}
    assert prov["format"] == "json" and prov["retrieved_at"]


def test_fetch_can_load_into_a_store(eurostat_server, tmp_path):
    from clusteratlas.store import Store

    store = tmp_path / "atlas.duckdb"
    df = fetch_eurostat(
        LFST, where=["geo=AT11"], via="json", nuts_version="NUTS2013", store=store,
        base_url=eurostat_server.url, cache=tmp_path / "cache", backoff=0.001,
    )  # fmt: skip
    prov = df.attrs["provenance"]
    # one region x 5 age groups x the table's NACE sections x 8 years, all annual
    assert prov["rows_loaded"] == len(df) and prov["load_id"]
    with Store(store) as s:
        assert s.snapshot()["observations"] == len(df)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"via": "xls"}, "via"),
        ({"nuts_version": "1999"}, "nuts_version"),
        ({"offline": True, "refresh": True}, "refresh"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"where": ["geo"]}, "where"),
    ],
)
def test_errors_name_the_python_parameter(tmp_path, kwargs, parameter):
    with pytest.raises(InputError) as info:
        fetch_eurostat(LFST, cache=tmp_path / "c", **kwargs)
    assert info.value.parameter == parameter


def test_where_filters_accepts_mapping_and_texts():
    assert where_filters({"GEO": ("AT1", "AT2")}) == {"geo": ["AT1", "AT2"]}
    assert where_filters("unit=THS") == {"unit": ["THS"]}
