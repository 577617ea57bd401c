"""Ingest benchmark: fetch + parse of a real Eurostat table, clusteratlas vs the ``eurostat``
package, both reading the same bytes from the same local server.

``python benchmarks/run.py --suite ingest [--size small|large]``

* The fake server (``tests/fakeserver.py``) runs in a thread on 127.0.0.1 and serves the
  recorded bulk file of ``lfst_r_lfe2en2`` (``../shared/data``) at Eurostat's SDMX 2.1 path
  ``/eurostat/api/dissemination/sdmx/2.1/data/lfst_r_lfe2en2?format=TSV&compressed=true``.
  The file is served with CRLF line ends, as the live API sends SDMX-TSV (the ``eurostat``
  package splits lines on ``\\r\\n``; our reader accepts both). It also serves the SDMX-ML
  dataflow and data structure the ``eurostat`` package asks for before downloading data.
* clusteratlas: ``EurostatAPI.fetch`` with ``refresh=True`` (download every time: HTTP, sha256,
  gzip CRC check, atomic write into the cache, parse into the long tidy table).
* eurostat (PyPI): ``eurostat.get_data_df(code, flags=True)`` with its module-level base URL
  pointed at the local server (it keeps its URLs in ``eurostat.eurostat.__Uri__.BASE_URL``).
* Repeated N times (small: 5, large: 15); medians, the ratio, cells parsed, and a check that
  both give the same value and flag on a random sample of cells.
"""

from __future__ import annotations

import gzip
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

CODE = "lfst_r_lfe2en2"
SHARED = "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"
API = "/eurostat/api/dissemination/sdmx/2.1"


def _dsd_xml(code: str, dims: list[str]) -> bytes:
    """A DataStructure message (SDMX-ML 2.1 schema) listing the table's dimensions."""
    parts = "".join(
        f'<s:Dimension id="{d}" position="{i}"><s:LocalRepresentation><s:Enumeration>'
        f'<Ref id="{d.upper()}" agencyID="ESTAT" version="1.0" class="Codelist" '
        'package="codelist"/></s:Enumeration></s:LocalRepresentation></s:Dimension>'
        for i, d in enumerate(dims, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><m:Structure '
        'xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" '
        'xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        "<m:Structures><s:DataStructures>"
        f'<s:DataStructure id="{code.upper()}" agencyID="ESTAT" version="1.0">'
        f"<s:DataStructureComponents><s:DimensionList>{parts}"
        f'<s:TimeDimension id="TIME_PERIOD" position="{len(dims) + 1}"/>'
        "</s:DimensionList></s:DataStructureComponents></s:DataStructure>"
        "</s:DataStructures></m:Structures></m:Structure>"
    ).encode()


def _serve(payload: bytes, dims: list[str]) -> Any:
    from fakeserver import FakeServer, dataflow_xml

    server = FakeServer().start()
    server.add(f"{API}/data/{CODE}", payload, query={"format": "TSV", "compressed": "true"})
    flow = dataflow_xml(CODE, "Employment by NUTS 2 regions", "2017-04-27T23:00:00+0200")
    server.add(f"{API}/dataflow/ESTAT/{CODE}/latest", flow)
    server.add(f"{API}/dataflow/ESTAT/{CODE}", flow)
    server.add(f"{API}/datastructure/ESTAT/{CODE.upper()}/latest", _dsd_xml(CODE, dims))
    return server


def _point_eurostat_package(base: str) -> Any:
    import eurostat.eurostat as es

    uri = vars(es)["__Uri__"]
    uri.BASE_URL = {**uri.BASE_URL, "EUROSTAT": f"{base}{API}/"}
    return es


def _ours(base: str, cache_dir: Path) -> Any:
    from clusteratlas.sources.cache import Cache
    from clusteratlas.sources.eurostat_api import EurostatAPI
    from clusteratlas.sources.http import HttpClient

    with HttpClient(progress=False) as client:
        api = EurostatAPI(base, client=client, cache=Cache(cache_dir), refresh=True)
        return api.fetch(CODE).frame


def _timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def _compare(ours: Any, theirs: Any, dims: list[str], n: int = 2000) -> dict[str, Any]:
    """Value and flag of ``n`` random cells, looked up in both results."""
    import math

    rng = random.Random(42)
    key_cols = [*dims[:-1], "geo\\time"]
    wide = theirs.set_index(key_cols)
    picks = rng.sample(range(len(ours)), n)
    checked = mismatched = 0
    for i in picks:
        row = ours.iloc[i]
        key = tuple(str(row[d]) for d in dims)
        year = str(row["time"])
        value = wide.at[key, f"{year}_value"]
        flag = wide.at[key, f"{year}_flag"]
        ours_v = row["value"]
        theirs_missing = value is None or (isinstance(value, float) and math.isnan(value))
        if theirs_missing or math.isnan(ours_v):
            same_v = theirs_missing and math.isnan(ours_v)
        else:
            same_v = float(value) == ours_v
        # the package keeps ':' in the flag of a missing cell (': u'); ours has value NaN, 'u'
        theirs_flag = (flag or "").replace(":", "").strip() or None
        same_f = theirs_flag == (row["flag"] or None)
        checked += 1
        mismatched += not (same_v and same_f)
    return {"cells_checked": checked, "mismatches": mismatched}


def run(size: str = "small") -> dict[str, Any]:
    from clusteratlas.paths import shared_data_dir

    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / SHARED).exists():
        return {"suite": "ingest", "skipped": f"../shared/data/{SHARED} is not available"}
    raw = gzip.decompress((data_dir / SHARED).read_bytes())
    payload = gzip.compress(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), mtime=0)
    dims = [d.strip() for d in raw.split(b"\t", 1)[0].decode().split("\\")[0].split(",")]
    repeat = 5 if size == "small" else 15

    server = _serve(payload, dims)
    try:
        es = _point_eurostat_package(server.url)
        with tempfile.TemporaryDirectory() as tmp:
            _ours(server.url, Path(tmp))  # warm-up (imports, first connection)
            es.get_data_df(CODE, flags=True)
            ours_t, ours = _timed(lambda: _ours(server.url, Path(tmp)), repeat)
            theirs_t, theirs = _timed(lambda: es.get_data_df(CODE, flags=True), repeat)
    finally:
        server.stop()

    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    plain = gzip.decompress(payload)
    parse_t, _ = _timed(lambda: read_eurostat_tsv(plain), repeat)
    gunzip_t, _ = _timed(lambda: gzip.decompress(payload), repeat)
    ours_med, theirs_med = statistics.median(ours_t), statistics.median(theirs_t)
    periods = (len(theirs.columns) - len(dims)) // 2
    return {
        "suite": "ingest",
        "dataset": CODE,
        "bytes_gzip": len(payload),
        "repeat": repeat,
        "clusteratlas_fetch_parse_s": _stats(ours_t),
        "eurostat_pkg_get_data_df_s": _stats(theirs_t),
        "clusteratlas_breakdown_s": {
            "parse_tsv_from_plain_bytes": _stats(parse_t)["median"],
            "gunzip_once": _stats(gunzip_t)["median"],
            "rest_http_hash_crc_cache": round(
                ours_med - statistics.median(parse_t) - statistics.median(gunzip_t), 4
            ),
        },
        "speedup": round(theirs_med / ours_med, 2),
        "target_speedup": 5.0,
        "rows_parsed": {
            "clusteratlas_cells": len(ours),
            "eurostat_pkg_series_rows": len(theirs),
            "eurostat_pkg_cells": len(theirs) * periods,
        },
        "missing_cells": int(ours["value"].isna().sum()),
        "flagged_cells": int(ours["flag"].notna().sum()),
        "agreement": _compare(ours, theirs, dims),
        "eurostat_pkg_version": _version("eurostat"),
        "notes": "same CRLF SDMX-TSV bytes from the same local server; ours includes sha256, "
        "gzip CRC check and the atomic cache write; theirs includes its dataflow and DSD "
        "requests (two small XML answers).",
    }


def _stats(times: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(times), 4), "all": [round(t, 4) for t in times]}


def _version(pkg: str) -> str:
    try:
        from importlib.metadata import version

        return version(pkg)
    except Exception:
        return "?"
