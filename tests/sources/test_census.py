"""County Business Patterns: bulk files and API answers built to the published layouts.

No real CBP file or API answer is available offline. The files below follow the Census
record layouts (``cbp16st.txt``: FIPSTATE, NAICS, LFO, EMPFLAG, EMP_NF, EMP, QP1_NF, QP1,
AP_NF, AP, EST, N1_4 …; county files add FIPSCTY; MSA files start with MSA) and the API
answers follow the documented variables of ``/data/{year}/cbp`` (NAICS2017, EMP, EMP_N, ESTAB,
PAYANN, predicates LFO and EMPSZES, geography columns appended). The numbers are made up.
"""

from __future__ import annotations

import io
import json
import random
import zipfile

import pandas as pd
import pytest
from fakeserver import FakeServer, Fault
from typer.testing import CliRunner

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.cache import Cache
from clusteratlas.sources.census import ATTRIBUTION, file_url, load_census
from clusteratlas.sources.census_parse import normalise_naics, parse_cbp_api, parse_cbp_file
from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts
from clusteratlas.store.flags import split_flag
from clusteratlas.transform.suppressed import impute_cbp

ST16 = """fipstate,naics,lfo,empflag,emp_nf,emp,qp1_nf,qp1,ap_nf,ap,est,n1_4
01,------,-,,G,1523000,G,15000000,G,61000000,98000,50000
01,31----,-,,G,250000,G,3000000,G,12500000,4100,1500
01,336411,-,,H,12000,H,220000,H,900000,40,3
01,336411,C,,G,11000,G,200000,G,800000,30,2
01,336412,-,C,D,0,D,0,D,0,5,1
01,3364//,-,,G,30000,G,500000,G,2000000,60,5
02,------,-,,G,270000,G,3200000,G,13000000,21000,12000
02,336412,-,,S,0,S,0,S,0,3,2
"""
CO16 = """fipstate,fipscty,naics,empflag,emp_nf,emp,qp1_nf,qp1,ap_nf,ap,est
01,001,------,,G,10500,G,90000,G,400000,800
01,001,336411,A,D,0,D,0,D,0,2
01,073,336411,,G,9000,G,180000,G,700000,20
01,999,------,,G,50,G,900,G,3000,12
"""
MSA16 = """MSA,NAICS,EMPFLAG,EMP_NF,EMP,QP1_NF,QP1,AP_NF,AP,EST
13820,------,,G,500000,G,5000000,G,21000000,25000
13820,336411,B,D,0,D,0,D,0,3
"""
API18_HEADER = [
    "NAICS2017",
    "NAICS2017_LABEL",
    "EMP",
    "EMP_N",
    "ESTAB",
    "PAYANN",
    "PAYANN_N",
    "LFO",
    "EMPSZES",
    "state",
]
API18_ROWS = [
    ["00", "Total for all sectors", "1600000", "1", "99000", "65000000", "1", "001", "001", "01"],
    ["31-33", "Manufacturing", "260000", "1", "4200", "13000000", "1", "001", "001", "01"],
    ["3364", "Aerospace", "31000", "2", "61", "2100000", "2", "001", "001", "01"],
    ["211120", "Crude Petroleum Extraction", "100", "2", "4", "9000", "2", "001", "001", "01"],
    ["211130", "Natural Gas Extraction", "40", "2", "3", "4000", "2", "001", "001", "01"],
    ["454110", "Electronic Shopping", "300", "1", "12", "15000", "1", "001", "001", "01"],
    ["336411", "Aircraft", "12500", "1", "41", "950000", "1", "001", "001", "01"],
    ["336411", "Aircraft", "9000", "1", "30", "700000", "1", "002", "001", "01"],
    ["999999", "Not a code in the table", "5", "1", "1", "100", "1", "001", "001", "01"],
]


def _zip(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text)
    return buf.getvalue()


def _client(attempts: int = 3) -> HttpClient:
    return HttpClient(
        timeouts=Timeouts(connect=2.0, read=5.0),
        retry=RetryPolicy(attempts=attempts, base=0.01, cap=0.02),
        sleep=lambda s: None,
        rng=random.Random(0),
        progress=False,
    )


@pytest.fixture()
def census(fake_server: FakeServer) -> FakeServer:
    """Routes at the real Census paths (added beside any other routes)."""
    for geo, name, text in [
        ("state", "cbp16st", ST16),
        ("county", "cbp16co", CO16),
        ("msa", "cbp16msa", MSA16),
    ]:
        path = file_url(2016, geo, "")  # the real path, on the fake host
        fake_server.add(path, _zip(f"{name}.txt", text), content_type="application/zip")
    fake_server.add(
        "/data/2018/cbp", json.dumps([API18_HEADER, *API18_ROWS]), content_type="application/json"
    )
    return fake_server


def test_normalise_naics():
    assert normalise_naics("------") == "00" and normalise_naics("44----") == "44-45"
    assert normalise_naics("54----") == "54" and normalise_naics("31111/") == "31111"
    assert normalise_naics("31-33") == "31-33" and normalise_naics("x1") is None


def test_parse_state_file(tmp_path):
    p = tmp_path / "cbp16st.zip"
    p.write_bytes(_zip("cbp16st.txt", ST16))
    df, stats = parse_cbp_file(p, 2016, "state")
    assert stats == {
        "rows_read": 8,
        "rows_kept": 7,
        "employment_withheld": 2,
        "with_size_class": 1,
        "payroll_withheld": 2,
    }
    got = df.set_index(["region", "industry", "measure"])
    assert got.loc[("01", "336411", "employment"), "value"] == 12000  # LFO '-' only
    assert got.loc[("01", "336411", "payroll"), "value"] == 900_000_000  # $1,000 -> $
    assert split_flag(got.loc[("01", "336411", "employment"), "flag"]) == (None, ["noise=H"])
    assert pd.isna(got.loc[("01", "336412", "employment"), "value"])  # withheld, not 0
    assert got.loc[("01", "336412", "employment"), "flag"] == "C"
    assert got.loc[("01", "336412", "establishments"), "value"] == 5
    assert got.loc[("02", "336412", "employment"), "flag"] == "S"
    assert got.loc[("01", "31-33", "employment"), "value"] == 250000
    assert ("01", "3364", "employment") in got.index


def test_parse_county_and_msa_files(tmp_path):
    p = tmp_path / "co.txt"
    p.write_text(CO16)
    df, _ = parse_cbp_file(p, 2016, "county")
    assert set(df["region"]) == {"01001", "01073"}  # statewide 999 rows dropped
    p = tmp_path / "msa.zip"
    p.write_bytes(_zip("cbp16msa.txt", MSA16))
    df, stats = parse_cbp_file(p, 2016, "msa")
    assert set(df["region"]) == {"13820"} and stats["with_size_class"] == 1


def test_bad_files_name_file_line_column(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text(ST16.replace("01,336411,-,,H,12000", "01,336411,-,,H,12x00"))
    with pytest.raises(InputError) as err:
        parse_cbp_file(p, 2016, "state")
    assert (err.value.line, err.value.column) == (4, "emp") and "12x00" in str(err.value)
    p.write_text("fipstate,naics,emp\n01,------,5\n")
    with pytest.raises(InputError, match="missing column"):
        parse_cbp_file(p, 2016, "state")
    p.write_text(ST16.replace("336412,-,C", "33A412,-,C"))
    with pytest.raises(InputError) as err:
        parse_cbp_file(p, 2016, "state")
    assert err.value.line == 6 and err.value.column == "naics"


def test_parse_api_answer():
    payload = json.dumps([API18_HEADER, *API18_ROWS]).encode()
    df, stats = parse_cbp_api(payload, 2018, "state")
    assert stats["rows_read"] == 9 and stats["rows_kept"] == 8  # LFO 002 dropped
    pay = df[(df["industry"] == "336411") & (df["measure"] == "payroll")]
    assert pay["value"].tolist() == [950_000_000.0]
    assert split_flag(pay["flag"].iloc[0]) == (None, ["noise_range=1"])
    with pytest.raises(InputError, match="missing column"):
        parse_cbp_api(json.dumps([["EMP"], ["1"]]).encode(), 2018, "state")
    with pytest.raises(InputError, match="JSON"):
        parse_cbp_api(b"error: unknown variable 'EMPX'", 2018, "state")


def test_load_files_2016_into_store_and_impute(census, store, tmp_path):
    with _client() as c:
        res = load_census(
            store, 2016, "state", files_url=census.url, client=c, cache=Cache(tmp_path / "cache")
        )
    assert (res.dataset, res.via, res.bridge) == ("cbp-state-2016", "files", None)
    obs = store.query("SELECT * FROM observations WHERE dataset = 'cbp-state-2016'")
    assert set(obs["region_system"]) == {"US-STATE"} and set(obs["classification"]) == {"NAICS2012"}
    assert len(obs) == 7 * 3
    prov = store.provenance("cbp-state-2016").iloc[0]
    assert prov["attribution"] == ATTRIBUTION
    assert prov["location"].endswith("/programs-surveys/cbp/datasets/2016/cbp16st.zip")
    assert "$1,000 to dollars" in prov["notes"]
    imputed = impute_cbp(obs).set_index(["region", "industry", "measure"])
    assert imputed.loc[("01", "336412", "employment"), "value"] == 175  # class C midpoint
    assert pd.isna(imputed.loc[("02", "336412", "employment"), "value"])  # S: no class


def test_load_api_2018_bridges_and_keeps_the_key_secret(census, store, tmp_path):
    cache = Cache(tmp_path / "cache")
    with _client() as c:
        res = load_census(
            store, 2018, "state", api_url=census.url, api_key="SECRET123", client=c, cache=cache
        )
    req = census.requests[-1]
    assert req.path == "/data/2018/cbp" and req.query["key"] == "SECRET123"
    assert req.query["LFO"] == "001" and req.query["for"] == "state:*"
    assert "SECRET123" not in (tmp_path / "cache" / "manifest.json").read_text()
    prov = store.provenance(res.dataset).iloc[0]
    assert "SECRET123" not in str(prov.to_dict()) and "not endorsed" in prov["notes"]
    obs = store.query(f"SELECT * FROM observations WHERE dataset = '{res.dataset}'")
    emp = obs[obs["measure"] == "employment"].set_index("industry")
    assert emp.loc["211111", "value"] == pytest.approx(100 + 40 / 2)  # 211120 + half of 211130
    assert emp.loc["211112", "value"] == pytest.approx(20)
    assert "naics=split-equal:211130/2" in emp.loc["211112", "flag"]
    assert emp.loc["454111", "value"] == pytest.approx(100)  # 454110 split in three
    assert emp.loc["336411", "value"] == 12500 and emp.loc["00", "value"] == 1_600_000
    assert "3364" not in emp.index and "999999" not in emp.index
    assert res.bridge.dropped_aggregates == 3 and res.bridge.unlinked == ["999999"]
    assert res.bridge.split == 3 * (2 + 3)


def test_faults_and_redacted_errors(census, store, tmp_path):
    cache = Cache(tmp_path / "cache")
    census.fail("/data/2018/cbp", Fault.status(503), Fault.drop())
    with _client(attempts=3) as c:
        res = load_census(
            store, 2018, "state", api_url=census.url, api_key="K3Y", client=c, cache=cache
        )
    assert res.rows > 0 and census.hits("/data/2018/cbp") == 3
    before = store.snapshot()
    census.add("/data/2017/cbp", "error: unknown variable 'EMP_N'", content_type="text/plain")
    census.fail("/data/2017/cbp", Fault.status(400, body=b"error: unknown variable 'EMP_N'"))
    with _client() as c, pytest.raises(FetchError) as err:
        load_census(store, 2017, "state", api_url=census.url, api_key="K3Y", client=c, cache=cache)
    assert "K3Y" not in str(err.value) and "400" in str(err.value)
    assert store.snapshot() == before
    with pytest.raises(InputError) as e2:
        load_census(store, 2010, "state")
    assert e2.value.parameter == "year"
    with pytest.raises(InputError) as e3:
        load_census(store, 2016, "city")
    assert e3.value.parameter == "geo"


def test_offline_uses_cache(census, store, tmp_path):
    cache = Cache(tmp_path / "cache")
    with _client() as c:
        load_census(store, 2016, "msa", files_url=census.url, client=c, cache=cache)
    hits = len(census.requests)
    with HttpClient(offline=True) as c:
        res = load_census(
            store, 2016, "msa", files_url=census.url, client=c, cache=cache, offline=True
        )
    assert res.from_cache and len(census.requests) == hits
    with HttpClient(offline=True) as c, pytest.raises(FetchError, match="not in the cache"):
        load_census(
            store, 2016, "county", files_url=census.url, client=c, cache=cache, offline=True
        )


def test_cli_fetch_census(census, tmp_path):
    from clusteratlas.cli.app import app

    runner = CliRunner()
    args = [
        "fetch",
        "census",
        "--year",
        "2016",
        "--geo",
        "county",
        "--base-url",
        census.url,
        "--store",
        str(tmp_path / "a.duckdb"),
        "--cache",
        str(tmp_path / "c"),
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "cbp-county-2016" in r.output and "U.S. Census Bureau" in r.output
    r = runner.invoke(app, [*args[:4], "--geo", "zip"])
    assert r.exit_code != 0
