"""``clusteratlas fetch eurostat`` end to end against the fake server, and the fault matrix:
in every failure the store and the cache end up complete or unchanged, and the one-line error
says what happened."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import LFST, LFST_UPDATED
from fakeserver import EUROSTAT_API, FakeServer, Fault

from clusteratlas.sources.cache import Cache

DATA = f"{EUROSTAT_API}/sdmx/2.1/data/{LFST}"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``clusteratlas ARGS`` in-process through the real entry point."""
    from clusteratlas.cli.app import main

    argv = sys.argv
    sys.argv = ["clusteratlas", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def paths(tmp_path: Path) -> dict[str, Path]:
    return {"store": tmp_path / "atlas.duckdb", "cache": tmp_path / "cache"}


def fetch(capsys, server: FakeServer, paths, *extra: str, detect: bool = False):
    """``fetch eurostat lfst_r_lfe2en2`` against ``server``; the NUTS version is given (not
    detected) unless ``detect``, to keep the tests quick."""
    given = "--region-system" in extra or "--nuts-version" in extra
    system = () if detect or given else ("--nuts-version", "2013")
    return run_cli(
        capsys, "fetch", "eurostat", LFST, "--base-url", server.url, "--store",
        str(paths["store"]), "--cache", str(paths["cache"]), "--backoff", "0.001",
        "--retries", "3", "--timeout", "0.5", *system, *extra,
    )  # fmt: skip


def snapshot(paths) -> tuple[dict, list]:
    """Store row counts + provenance ids, and every cache file's bytes."""
    from clusteratlas.store import Store

    with Store(paths["store"]) as s:
        counts = s.snapshot()
        loads = s.query("SELECT load_id FROM provenance ORDER BY load_id")["load_id"].tolist()
    files = sorted(
        (str(p.relative_to(paths["cache"])), p.read_bytes())
        for p in paths["cache"].rglob("*")
        if p.is_file() and p.name != "manifest.lock"
    )
    return (counts, loads), files


def test_fetch_loads_every_value_and_flag(capsys, eurostat_server, paths, lfst_tidy) -> None:
    code, out, err = fetch(capsys, eurostat_server, paths, detect=True)
    assert code == 0, err
    con = duckdb.connect(str(paths["store"]), read_only=True)
    n, nulls, zeros = con.execute(
        "SELECT count(*), count(*) FILTER (value IS NULL), count(*) FILTER (value = 0) "
        "FROM observations WHERE dataset = ?",
        [LFST],
    ).fetchone()
    flags = dict(
        con.execute(
            "SELECT flag, count(*) FROM observations WHERE flag IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    prov = con.execute(
        "SELECT source, location, last_update, sha256, attribution, region_system, "
        "classification, rows, retrieved_at FROM provenance"
    ).fetchall()
    con.close()
    # every cell of the file: 28,065 series x 8 years; ':' -> NULL; no invented zeros
    assert n == len(lfst_tidy) == 224_520
    assert nulls == int(lfst_tidy["value"].isna().sum()) == 63_285
    assert zeros == int((lfst_tidy["value"] == 0).sum())
    assert flags == lfst_tidy["flag"].value_counts().to_dict()
    assert flags == {"u": 42_813, "b": 27_517, "bu": 10_296, "c": 7_496, "bc": 1_837}
    (source, location, last_update, sha, attribution, system, cls, rows, retrieved) = prov[0]
    assert source == "eurostat" and location.startswith(eurostat_server.url + DATA)
    assert last_update == LFST_UPDATED and attribution == "Source: Eurostat"
    assert len(sha) == 64 and rows == 224_520 and retrieved is not None
    assert system == "NUTS2013" and cls == "NACE_R2"
    assert "224,520" in out and "63,285" in out and "low reliability" in out


def test_data_show_round_trips_exactly(capsys, eurostat_server, paths, lfst_tidy, tmp_path):
    assert fetch(capsys, eurostat_server, paths)[0] == 0
    out_file = tmp_path / "lfst.parquet"
    code, _, err = run_cli(capsys, "data", "show", LFST, "--store", str(paths["store"]),
                           "--format", "parquet", "--out", str(out_file))  # fmt: skip
    assert code == 0, err
    back = pd.read_parquet(out_file)
    assert list(back.columns) == ["unit", "nace_r2", "age", "geo", "time", "value", "flag"]
    key = ["unit", "nace_r2", "age", "geo", "time"]
    a = lfst_tidy.astype({k: str for k in key}).sort_values(key).reset_index(drop=True)
    b = back.astype({k: str for k in key}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[key], b[key])
    pd.testing.assert_series_equal(a["value"], b["value"])
    assert a["flag"].tolist() == [f if isinstance(f, str) else None for f in b["flag"]]
    # the file has the project's provenance sidecar, valid against docs/provenance.schema.json
    import json

    import jsonschema

    from clusteratlas.store.provenance import read_provenance

    record = read_provenance(out_file)
    schema = Path(__file__).resolve().parents[2] / "docs" / "provenance.schema.json"
    jsonschema.validate(record, json.loads(schema.read_text(encoding="utf-8")))
    assert record["datasets"][0]["dataset"] == LFST and record["datasets"][0]["extracted"]
    assert record["nuts_versions"] == ["2013"] and record["classifications"] == ["NACE_R2"]
    assert record["attribution"] == ["Source: Eurostat"] and record["output"]["rows"] == len(back)
    # on screen, filtered and truncated with a count
    store = str(paths["store"])
    code, out, _ = run_cli(capsys, "data", "show", LFST, "--store", store, "--where", "geo=AT11",
                           "--where", "age=Y15-64", "--limit", "3")  # fmt: skip
    assert code == 0 and "AT11" in out and "more rows" in out
    code, _, err = run_cli(capsys, "data", "show", LFST, "--store", str(paths["store"]),
                           "--where", "sex=T")  # fmt: skip
    assert code == 2 and "no dimension 'sex'" in err and "--where" in err


@pytest.mark.parametrize(
    "spelling",
    [
        ("--via", "json", "--where", "geo=AT11,AT12", "--where", "nace_r2=A",
         "--nuts-version", "NUTS2013"),
        # the old spellings stay as hidden aliases for one release
        ("--format", "json", "--filter", "geo=AT11,AT12", "--filter", "nace_r2=A",
         "--region-system", "NUTS2013"),
    ],
    ids=["new", "old-aliases"],
)  # fmt: skip
def test_json_format_through_cli(capsys, eurostat_server, paths, spelling) -> None:
    code, _, err = fetch(capsys, eurostat_server, paths, *spelling)
    assert code == 0, err
    con = duckdb.connect(str(paths["store"]), read_only=True)
    n = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    notes = con.execute("SELECT notes FROM provenance").fetchone()[0]
    con.close()
    assert n == 2 * 5 * 8  # 2 regions x 5 age groups x 8 years
    assert "filters geo=AT11,AT12 nace_r2=A" in notes and "Eurostat json" in notes


def test_503_twice_then_success(capsys, eurostat_server, paths) -> None:
    eurostat_server.fail(DATA, Fault.status(503), Fault.status(503))
    code, out, err = fetch(capsys, eurostat_server, paths)
    assert code == 0, err
    assert eurostat_server.hits(DATA) == 3 and "224,520" in out


def test_429_with_retry_after_is_honoured(eurostat_server, tmp_path) -> None:
    from test_eurostat_api import make_api

    eurostat_server.fail(DATA, Fault.status(429, {"Retry-After": "1"}))
    waits: list[float] = []
    api = make_api(eurostat_server, tmp_path)
    api.client.sleep = waits.append
    data = api.fetch(LFST)
    assert waits == [1.0] and len(data.frame) == 224_520


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        ([Fault.status(503)] * 3, "gave up after 3 attempts; last error: HTTP 503"),
        ([Fault.truncate(0.5)] * 3, "connection broken mid-answer"),
        ([Fault.bad_crc()] * 3, "corrupt gzip payload"),
        ([Fault.stall(1.5, after_bytes=1000)] * 3, "read timed out after 0.5 s"),
        ([Fault.status(404, body=b"Dataset not found")], "HTTP 404 Not Found: Dataset not found"),
    ],
    ids=["503", "truncated", "bad-crc", "stall", "404"],
)
def test_failed_refresh_leaves_store_and_cache_unchanged(
    capsys, eurostat_server, paths, faults, expected
) -> None:
    assert fetch(capsys, eurostat_server, paths)[0] == 0
    before = snapshot(paths)
    eurostat_server.fail(DATA, *faults)
    code, _, err = fetch(capsys, eurostat_server, paths, "--refresh")
    assert code == 2
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0] and DATA in errors[0]
    assert snapshot(paths) == before


def test_first_fetch_failing_leaves_nothing(capsys, eurostat_server, paths) -> None:
    eurostat_server.fail(DATA, *[Fault.truncate(0.3)] * 3)
    code, _, err = fetch(capsys, eurostat_server, paths)
    assert code == 2 and "gave up after 3 attempts" in err
    from clusteratlas.store import Store

    with Store(paths["store"]) as s:
        assert s.snapshot()["observations"] == 0 and s.snapshot()["provenance"] == 0
    assert Cache(paths["cache"]).entries() == []
    assert (
        not list((paths["cache"] / "tmp").glob("*")) if (paths["cache"] / "tmp").exists() else True
    )


def test_corrupted_cache_file(capsys, eurostat_server, paths) -> None:
    assert fetch(capsys, eurostat_server, paths)[0] == 0
    entry = Cache(paths["cache"]).entries()[0]
    blob = Cache(paths["cache"]).path(entry)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte on disk
    blob.write_bytes(bytes(data))
    before = snapshot(paths)
    # offline: refuses the damaged copy, says so, changes nothing
    code, _, err = fetch(capsys, eurostat_server, paths, "--offline")
    assert code == 2 and "corrupt" in err and "offline" in err
    assert snapshot(paths) == before
    code, out, _ = run_cli(capsys, "cache", "verify", "--cache", str(paths["cache"]))
    assert code == 1 and "0 of 1 cached files intact" in out
    # online, same UPDATE_DATA stamp: the damaged copy is replaced by a fresh download
    code, out, err = fetch(capsys, eurostat_server, paths)
    assert code == 0, err
    assert eurostat_server.hits(DATA) == 2 and "downloaded" in out
    code, out, _ = run_cli(capsys, "cache", "verify", "--cache", str(paths["cache"]))
    assert code == 0 and "1 of 1 cached files intact" in out


def test_offline_and_cache_commands(capsys, eurostat_server, paths) -> None:
    code, _, err = fetch(capsys, eurostat_server, paths, "--offline")
    assert code == 2 and "not in the cache" in err and eurostat_server.hits(DATA) == 0
    assert fetch(capsys, eurostat_server, paths)[0] == 0
    eurostat_server.stop()  # no network at all from here on
    code, out, err = fetch(capsys, eurostat_server, paths, "--offline")
    assert code == 0, err
    assert "served from cache" in out
    code, out, _ = run_cli(capsys, "cache", "list", "--cache", str(paths["cache"]))
    assert code == 0 and LFST in out and "1 entries" in out
    code, out, _ = run_cli(capsys, "cache", "clear", "--dataset", LFST, "--cache",
                           str(paths["cache"]))  # fmt: skip
    assert code == 0 and "removed 1 cache entry" in out
    assert Cache(paths["cache"]).entries() == []


def test_bad_options_are_one_line_errors(capsys, eurostat_server, paths) -> None:
    code, _, err = fetch(capsys, eurostat_server, paths, "--offline", "--refresh")
    assert code == 2 and "--refresh" in err
    code, _, err = fetch(capsys, eurostat_server, paths, "--where", "geo")
    assert code == 2 and "DIM=CODE" in err and "parameter --where" in err
    code, _, err = fetch(capsys, eurostat_server, paths, "--nuts-version", "NUTS1999")
    assert code == 2 and "Invalid value for '--nuts-version'" in err
    code, _, err = fetch(capsys, eurostat_server, paths, "--via", "xlsx")
    assert code == 2 and "Invalid value for '--via'" in err
    code, _, err = run_cli(capsys, "fetch", "eurostat", "bad/code", "--base-url",
                           eurostat_server.url)  # fmt: skip
    assert code == 2 and "parameter CODE: 'bad/code' is not a Eurostat dataset code" in err


def test_recipe_loads_what_it_can_and_reports_the_rest(capsys, fake_server, shared_file, paths):
    from fakeserver import EUROSTAT_SHARED_FILES, serve_eurostat_bulk

    for code, rel in EUROSTAT_SHARED_FILES.items():
        serve_eurostat_bulk(fake_server, code, shared_file(rel))
    code, _, err = run_cli(
        capsys, "fetch", "eurostat-scoreboard", "--base-url", fake_server.url, "--store",
        str(paths["store"]), "--cache", str(paths["cache"]), "--backoff", "0.001",
        "--retries", "1", "--nuts-version", "2013",
    )  # fmt: skip
    assert code == 1  # some tables loaded, some not on this server
    from clusteratlas.store import Store

    with Store(paths["store"]) as s:
        loaded = set(s.datasets()["dataset"])
    assert loaded == {"nama_10r_2gdp", "nama_10r_2hhinc", "trng_lfse_04", "lfst_r_lfu3pers",
                      "lfst_r_lfe2en2"}  # fmt: skip
    for missing in ("rd_e_gerdreg", "hrst_st_rcat", "tgs00010"):
        assert f"failed: {missing}" in err and "HTTP 404" in err
