"""Eurostat connector: URLs, formats (TSV, SDMX-CSV, JSON-stat, SDMX-ML), freshness, 413 and
asynchronous delivery, against the fake server serving the real recorded bulk file."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import LFST, LFST_DIMS, LFST_UPDATED
from fakeserver import (
    EUROSTAT_API,
    Answer,
    FakeServer,
    async_envelope,
    dataflow_xml,
    soap_fault,
)

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.cache import Cache
from clusteratlas.sources.eurostat_api import (
    EurostatAPI,
    apply_filters,
    check_dataset_code,
    parse_filters,
)
from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts

DATA = f"{EUROSTAT_API}/sdmx/2.1/data/{LFST}"
FLOW = f"{EUROSTAT_API}/sdmx/2.1/dataflow/ESTAT/{LFST}"
KEY = ["unit", "nace_r2", "age", "geo", "time"]


def make_api(server: FakeServer, tmp_path: Path, **kw) -> EurostatAPI:
    client = HttpClient(
        timeouts=Timeouts(connect=2, read=2),
        retry=RetryPolicy(attempts=3, base=0.001, cap=0.002),
        sleep=lambda s: None,
        rng=random.Random(0),
        progress=False,
        offline=kw.get("offline", False),
    )
    return EurostatAPI(server.url, client=client, cache=Cache(tmp_path / "cache"),
                       poll_interval=0.0, max_wait=5, sleep=lambda s: None, **kw)  # fmt: skip


def canon(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype({k: str for k in KEY})[[*KEY, "value", "flag"]]
    return out.sort_values(KEY).reset_index(drop=True)


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = canon(a), canon(b)
    pd.testing.assert_frame_equal(a[KEY], b[KEY])
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    assert a["flag"].tolist() == b["flag"].tolist()


def test_urls_follow_eurostat_documentation(tmp_path: Path) -> None:
    api = EurostatAPI(client=HttpClient(), cache=Cache(tmp_path))
    base = "https://ec.europa.eu/eurostat/api/dissemination"
    assert api.data_request(LFST, "tsv").full_url == (
        f"{base}/sdmx/2.1/data/{LFST}?compressed=true&format=TSV"
    )
    assert api.data_request(LFST, "csv").full_url.endswith("compressed=true&format=SDMX-CSV")
    js = api.data_request(LFST, "json", {"geo": ["AT11", "AT12"], "age": ["Y15-24"]})
    assert js.full_url == (
        f"{base}/statistics/1.0/data/{LFST}?age=Y15-24&format=JSON&geo=AT11&geo=AT12&lang=EN"
    )
    with pytest.raises(InputError, match="parameter via") as info:
        api.data_request(LFST, "xlsx")
    assert info.value.parameter == "via"


def test_dataset_codes_and_filters() -> None:
    assert check_dataset_code(" SBS_R_NUTS2021 ") == "sbs_r_nuts2021"
    with pytest.raises(InputError, match="parameter code"):
        check_dataset_code("../etc/passwd")
    with pytest.raises(InputError, match="parameter where"):
        parse_filters(["geo"])
    with pytest.raises(InputError, match="parameter where"):
        parse_filters(["=AT"])


def test_bulk_tsv_all_cells_values_and_flags(eurostat_server, tmp_path, lfst_tidy) -> None:
    data = make_api(eurostat_server, tmp_path).fetch(LFST)
    df = data.frame
    # 28,065 series x 8 years, every cell kept; ':' -> NaN (never 0); flags as published
    assert len(df) == 28_065 * 8 == 224_520
    assert int(df["value"].isna().sum()) == 63_285
    counts = df["flag"].value_counts().to_dict()
    assert counts == {"u": 42_813, "b": 27_517, "bu": 10_296, "c": 7_496, "bc": 1_837}
    assert data.last_update == LFST_UPDATED and data.title == "Employment by NUTS 2 regions"
    assert not data.from_cache and data.entry.source_updated == LFST_UPDATED
    assert_same_table(df, lfst_tidy)


def test_same_stamp_means_no_second_download(eurostat_server, tmp_path) -> None:
    api = make_api(eurostat_server, tmp_path)
    api.fetch(LFST)
    again = api.fetch(LFST)
    assert again.from_cache and eurostat_server.hits(DATA) == 1
    assert eurostat_server.hits(FLOW) == 2  # the stamp is checked every time


def test_new_stamp_downloads_again(eurostat_server, tmp_path) -> None:
    api = make_api(eurostat_server, tmp_path)
    api.fetch(LFST)
    eurostat_server.add(FLOW, dataflow_xml(LFST, "t", "2024-02-01T23:00:00+0100"))
    again = api.fetch(LFST)
    assert not again.from_cache and again.last_update == "2024-02-01T23:00:00+0100"
    assert eurostat_server.hits(DATA) == 2


def test_without_dataflow_the_cache_revalidates(fake_server, tmp_path, lfst_path) -> None:
    from fakeserver import serve_eurostat_bulk

    serve_eurostat_bulk(fake_server, LFST, lfst_path, update_data=None)  # no dataflow: 404
    api = make_api(fake_server, tmp_path)
    first = api.fetch(LFST)
    again = api.fetch(LFST)
    assert first.last_update is None and again.from_cache
    assert fake_server.requests[-1].headers.get("if-none-match")


def test_json_stat_path_equals_bulk_path_for_same_query(eurostat_server, tmp_path) -> None:
    api = make_api(eurostat_server, tmp_path)
    query = {"geo": ["AT11", "AT12", "DE1", "FR10"], "nace_r2": ["A", "F"], "age": ["Y15-64"]}
    bulk = api.fetch(LFST, filters=query)  # whole table downloaded, filtered locally
    js = api.fetch(LFST, fmt="json", filters=query)  # filters sent to the statistics API
    sent = eurostat_server.requests[-1]
    assert sent.path.endswith(f"/statistics/1.0/data/{LFST}")
    assert ("geo", "AT11") in sent.multi_query and sent.query["format"] == "JSON"
    assert len(bulk.frame) == len(js.frame) == 4 * 2 * 8
    assert bulk.frame["value"].isna().sum() > 0 or bulk.frame["flag"].notna().sum() > 0
    assert_same_table(bulk.frame, js.frame)
    assert js.last_update == LFST_UPDATED


def test_json_stat_path_with_flags_and_missing(eurostat_server, tmp_path, lfst_tidy) -> None:
    api = make_api(eurostat_server, tmp_path)
    query = {"geo": ["AT11", "AT12", "AT13"], "nace_r2": ["A"]}  # many ':' and 'u' cells
    js = api.fetch(LFST, fmt="json", filters=query).frame
    ref = apply_filters(lfst_tidy, query)
    assert js["value"].isna().sum() == ref["value"].isna().sum() > 0
    assert js["flag"].value_counts().to_dict() == ref["flag"].value_counts().to_dict()
    assert_same_table(js, ref)


def test_sdmx_csv_path_equals_bulk(eurostat_server, tmp_path, lfst_tidy) -> None:
    data = make_api(eurostat_server, tmp_path).fetch(LFST, fmt="csv")
    assert data.frame.attrs["last_update"] == "27/04/17 23:00:00"
    assert_same_table(data.frame, lfst_tidy)


def test_filter_on_unknown_dimension(eurostat_server, tmp_path) -> None:
    with pytest.raises(InputError, match="no dimension 'sex'"):
        make_api(eurostat_server, tmp_path).fetch(LFST, filters={"sex": ["T"]})


def test_json_error_answer(eurostat_server, tmp_path) -> None:
    with pytest.raises(FetchError, match="HTTP 400"):
        make_api(eurostat_server, tmp_path).fetch(LFST, fmt="json", filters={"geo": ["XX99"]})


def test_413_extraction_too_big_is_explained(fake_server, tmp_path) -> None:
    body = soap_fault("413", "EXTRACTION_TOO_BIG: The requested extraction is too big")
    fake_server.add_handler(f"{EUROSTAT_API}/sdmx/2.1/data/big",
                            lambda r: Answer(413, body, {}, "text/xml"))  # fmt: skip
    cache = tmp_path / "cache"
    with pytest.raises(FetchError) as err:
        make_api(fake_server, tmp_path).fetch("big")
    msg = str(err.value)
    assert "EXTRACTION_TOO_BIG" in msg and "--where" in msg and "/data/big" in msg
    assert not (cache / "manifest.json").exists()


def test_soap_fault_with_200_is_an_error(fake_server, tmp_path) -> None:
    fake_server.add(f"{EUROSTAT_API}/sdmx/2.1/data/odd", soap_fault("100", "NO_RESULTS"))
    with pytest.raises(FetchError, match="NO_RESULTS"):
        make_api(fake_server, tmp_path).fetch("odd")


def async_server(server: FakeServer, payload: bytes, statuses: list[str], key: str) -> None:
    """Data request answered with a key; status polls walk through ``statuses``."""
    server.add(f"{EUROSTAT_API}/sdmx/2.1/data/{LFST}", async_envelope(key, "SUBMITTED"),
               query={"format": "TSV", "compressed": "true"}, content_type="text/xml")  # fmt: skip
    seq = list(statuses)

    def status(req):
        return Answer(200, async_envelope(key, seq.pop(0) if seq else statuses[-1]), {},
                      "text/xml")  # fmt: skip

    server.add_handler(f"{EUROSTAT_API}/1.0/async/status/{key}", status)
    server.add(f"{EUROSTAT_API}/1.0/async/data/{key}", payload)


def test_asynchronous_delivery_is_polled_then_downloaded(fake_server, tmp_path, lfst_path,
                                                         lfst_tidy) -> None:  # fmt: skip
    key = "0f164c29-0e96-4757-9b81-e9fcff8b9899"
    async_server(fake_server, lfst_path.read_bytes(), ["PROCESSING", "PROCESSING", "AVAILABLE"],
                 key)  # fmt: skip
    data = make_api(fake_server, tmp_path).fetch(LFST)
    assert fake_server.hits(f"{EUROSTAT_API}/1.0/async/status/{key}") == 3
    assert fake_server.hits(f"{EUROSTAT_API}/1.0/async/data/{key}") == 1
    assert_same_table(data.frame, lfst_tidy)
    assert data.path.read_bytes() == lfst_path.read_bytes()  # the data, not the envelope


def test_asynchronous_delivery_zip(fake_server, tmp_path, lfst_path) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{LFST}.tsv.gz", lfst_path.read_bytes())
    async_server(fake_server, buf.getvalue(), ["AVAILABLE"], "k1")
    data = make_api(fake_server, tmp_path).fetch(LFST)
    assert len(data.frame) == 224_520


def test_asynchronous_expired(fake_server, tmp_path, lfst_path) -> None:
    async_server(fake_server, b"", ["EXPIRED"], "k2")
    with pytest.raises(FetchError, match="k2 ended with status EXPIRED"):
        make_api(fake_server, tmp_path).fetch(LFST)
    assert not (tmp_path / "cache" / "manifest.json").exists()


def test_asynchronous_gives_up_after_max_wait(fake_server, tmp_path) -> None:
    async_server(fake_server, b"", ["PROCESSING"], "k3")
    api = make_api(fake_server, tmp_path)
    api.poll_interval, api.max_wait = 1.0, 3.0
    with pytest.raises(FetchError, match="still PROCESSING after 3 s"):
        api.fetch(LFST)


def test_offline_uses_cache_and_skips_the_network(eurostat_server, tmp_path) -> None:
    make_api(eurostat_server, tmp_path).fetch(LFST)
    n = len(eurostat_server.requests)
    data = make_api(eurostat_server, tmp_path, offline=True).fetch(LFST)
    assert data.from_cache and len(eurostat_server.requests) == n
    assert data.last_update == LFST_UPDATED  # remembered in the manifest


def test_unparseable_download_never_enters_the_cache(fake_server, tmp_path) -> None:
    import gzip

    fake_server.add(f"{EUROSTAT_API}/sdmx/2.1/data/bad", gzip.compress(b"geo\\time\t2020\nAT\tx\n"),
                    query={"format": "TSV", "compressed": "true"})  # fmt: skip
    with pytest.raises(InputError, match="not a Eurostat value"):
        make_api(fake_server, tmp_path).fetch("bad")
    assert Cache(tmp_path / "cache").entries() == []


def test_codelist_through_structure_api(fake_server, tmp_path) -> None:
    msg = b"""<?xml version="1.0" encoding="UTF-8"?>
<m:Structure xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
 xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><m:Structures><s:Codelists>
 <s:Codelist id="NACE_R2" agencyID="ESTAT" version="1.0"><c:Name xml:lang="en">NACE</c:Name>
 <s:Code id="C"><c:Name xml:lang="en">Manufacturing</c:Name>
  <c:Name xml:lang="de">Verarbeitendes Gewerbe</c:Name></s:Code>
 <s:Code id="C10"><c:Name xml:lang="en">Manufacture of food products</c:Name>
  <s:Parent><Ref id="C"/></s:Parent></s:Code>
 </s:Codelist></s:Codelists></m:Structures></m:Structure>"""
    fake_server.add(f"{EUROSTAT_API}/sdmx/2.1/codelist/ESTAT/NACE_R2", msg)
    api = make_api(fake_server, tmp_path)
    cl = api.codelist("nace_r2", lang="de")
    assert cl["code"].tolist() == ["C", "C10"]
    assert cl["label"].tolist() == ["Verarbeitendes Gewerbe", "Manufacture of food products"]
    assert cl["parent"].tolist() == [None, "C"]
    api.codelist("NACE_R2")
    assert fake_server.hits(f"{EUROSTAT_API}/sdmx/2.1/codelist/ESTAT/NACE_R2") == 2  # revalidated
    assert fake_server.requests[-1].headers.get("if-none-match")


def test_toc_through_catalogue_api(fake_server, tmp_path) -> None:
    toc = (
        '"title"\t"code"\t"type"\t"last update of data"\t"last table structure change"\t'
        '"data start"\t"data end"\n"Database by themes"\t"data"\t"folder"\t""\t""\t""\t""\n'
        f'"    Employment by NUTS 2"\t"{LFST}"\t"dataset"\t"25.04.2024"\t"08.02.2024"\t'
        '"2008"\t"2023"\n'
    )
    fake_server.add(f"{EUROSTAT_API}/catalogue/toc/txt", toc, query={"lang": "en"})
    df = make_api(fake_server, tmp_path).toc()
    row = df[df["code"] == LFST].iloc[0]
    assert row["last_update"] == "25.04.2024" and row["type"] == "dataset"


def test_lfst_dims_constant_matches_file(lfst_tidy) -> None:
    assert lfst_tidy.attrs["dimensions"] == LFST_DIMS


def test_sdmx3_csv_with_component_filters(eurostat_server, tmp_path, lfst_tidy) -> None:
    from fakeserver import build_sdmx_csv

    def handle(req):
        sub = lfst_tidy
        for k, v in req.multi_query:
            if k.startswith("c[") and k.endswith("]"):
                codes = set(v.split(","))
                sub = sub[sub[k[2:-1]].astype(str).isin(codes)]
        body = build_sdmx_csv(sub, LFST_DIMS, dataflow=LFST, last_update="", version="2.0")
        return Answer(200, body, {}, "application/vnd.sdmx.data+csv;version=2.0.0")

    path = f"{EUROSTAT_API}/sdmx/3.0/data/dataflow/ESTAT/{LFST}/1.0"
    eurostat_server.add_handler(path, handle)
    query = {"geo": ["AT11", "AT12"], "nace_r2": ["A"]}
    got = make_api(eurostat_server, tmp_path).fetch(LFST, fmt="csv3", filters=query)
    sent = eurostat_server.requests[-1]
    assert sent.path == path and sent.query["c[geo]"] == "AT11,AT12"
    assert sent.query["format"] == "csvdata" and sent.query["formatVersion"] == "2.0"
    assert_same_table(got.frame, apply_filters(lfst_tidy, query))


def test_sdmx_ml_format_on_the_real_message(fake_server, tmp_path, shared_file) -> None:
    import gzip

    msg = shared_file("eurostat_wire/ESTAT_NAMA_10_GDP_LU_sdmxml21_structurespecific.xml")
    fake_server.add(f"{EUROSTAT_API}/sdmx/2.1/data/nama_10_gdp", gzip.compress(msg.read_bytes()),
                    query={"format": "SDMX_2.1_STRUCTURED", "compressed": "true"})  # fmt: skip
    got = make_api(fake_server, tmp_path).fetch("nama_10_gdp", fmt="xml")
    assert got.frame["value"].tolist() == [46526.2, 49094.5, 51791.3, 54142.3]
    assert got.frame.attrs["dataset_id"] == "NAMA_10_GDP"
