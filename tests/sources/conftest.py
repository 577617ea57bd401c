"""Fixtures for source tests: a fake HTTP server (see ``tests/fakeserver.py``) and a Eurostat
stand-in serving the recorded real bulk file of lfst_r_lfe2en2 at Eurostat's own paths."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakeserver import (
    EUROSTAT_API,
    Answer,
    FakeServer,
    LoggedRequest,
    build_sdmx_csv,
    jsonstat_document,
    serve_eurostat_bulk,
)

LFST = "lfst_r_lfe2en2"
LFST_FILE = "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"
LFST_DIMS = ["unit", "nace_r2", "age", "geo"]
LFST_UPDATED = "2017-04-27T23:00:00+0200"


@pytest.fixture()
def fake_server() -> Iterator[FakeServer]:
    """A started :class:`FakeServer` on a random port of 127.0.0.1 (no routes yet)."""
    server = FakeServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lfst_path(shared_file) -> Path:
    return shared_file(LFST_FILE)


@pytest.fixture(scope="session")
def lfst_tidy(lfst_path: Path) -> pd.DataFrame:
    """The real bulk file parsed by the TSV reader (the reference for every other path)."""
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    return read_eurostat_tsv(lfst_path)


@pytest.fixture(scope="session")
def lfst_sdmx_csv(lfst_tidy) -> bytes:
    """SDMX-CSV (gzipped) built from the real table, once per session."""
    return build_sdmx_csv(lfst_tidy, LFST_DIMS, dataflow=LFST, last_update="27/04/17 23:00:00")


def jsonstat_handler(tidy: pd.DataFrame, dims: list[str], updated: str):
    """A statistics-API stand-in: filters the tidy table by the query's dimension parameters
    and answers with a JSON-stat 2.0 dataset written by the test side to the published
    specification (``fakeserver.jsonstat_document``, not the package's own ``build_jsonstat``),
    so that the reader is checked against an independent writer."""

    def handle(req: LoggedRequest) -> Answer:
        sub = tidy
        wanted: dict[str, set[str]] = {}
        for k, v in req.multi_query:
            if k.lower() in (*dims, "time"):
                wanted.setdefault(k.lower(), set()).add(v.upper())
        for k, codes in wanted.items():
            sub = sub[sub[k].astype(str).str.upper().isin(codes)]
        if sub.empty:
            body = {"error": [{"status": 400, "id": 100, "label": "No data for this query"}]}
            return Answer(400, json.dumps(body).encode(), {}, "application/json")
        doc = jsonstat_document(sub, dims, updated=updated, label="Employment by NUTS 2")
        return Answer(200, json.dumps(doc).encode(), {}, "application/json")

    return handle


@pytest.fixture()
def eurostat_server(
    fake_server: FakeServer, lfst_path: Path, lfst_tidy, lfst_sdmx_csv: bytes
) -> FakeServer:
    """Eurostat stand-in: bulk TSV (real recorded file), dataflow with UPDATE_DATA, SDMX-CSV
    and JSON-stat (both built from the same real table) for lfst_r_lfe2en2."""
    serve_eurostat_bulk(fake_server, LFST, lfst_path, title="Employment by NUTS 2 regions",
                        update_data=LFST_UPDATED)  # fmt: skip
    fake_server.add(
        f"{EUROSTAT_API}/sdmx/2.1/data/{LFST}",
        lfst_sdmx_csv,
        query={"format": "SDMX-CSV", "compressed": "true"},
    )
    fake_server.add_handler(
        f"{EUROSTAT_API}/statistics/1.0/data/{LFST}",
        jsonstat_handler(lfst_tidy, LFST_DIMS, LFST_UPDATED),
    )
    return fake_server
