"""``atlas build eu-open`` without ``--from``: employment through the Eurostat connector.

A fake Eurostat (``tests/fakeserver.py``) serves the recorded real bulk file at Eurostat's own
path; ``CLUSTERATLAS_EUROSTAT_URL`` points the connector at it and ``CLUSTERATLAS_CACHE`` at a
fresh cache. Code lists and polygons come from the shared data folder; the NUTS version
(2013 for this snapshot) is detected from the codes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clusteratlas.atlas import Atlas
from clusteratlas.atlas.build import build_atlas
from clusteratlas.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakeserver import FakeServer, serve_eurostat_bulk

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_online_build_reads_eurostat_through_the_connector(shared_file, tmp_path, monkeypatch):
    tsv = shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz")
    server = FakeServer().start()
    try:
        path = serve_eurostat_bulk(server, "lfst_r_lfe2en2", tsv)
        monkeypatch.setenv("CLUSTERATLAS_EUROSTAT_URL", server.url)
        monkeypatch.setenv("CLUSTERATLAS_CACHE", str(tmp_path / "cache"))
        # polygons and code lists from the snapshot folder (run time never looks for ../shared)
        monkeypatch.setenv("CLUSTERATLAS_SHARED_DATA", str(tsv.parents[1]))
        first = build_atlas("eu-open", tmp_path / "a.duckdb", options={"scoreboard": False})
        report = build_atlas("eu-open", tmp_path / "a.duckdb", options={"scoreboard": False})
        fetched = [r for r in server.requests if r.path == path]
        assert len(fetched) == 1  # the rebuild came from the download cache
        with pytest.raises(InputError, match="NUTS version"):
            build_atlas("eu-open", tmp_path / "b.duckdb", options={"nuts_version": "1999"})
    finally:
        server.stop()
    atlas = Atlas.open(report.path)
    info = atlas.info()
    assert info["default_system"] == "NUTS2013"
    assert info["sources"][0]["url"].startswith(server.url)
    cells = atlas.region_clusters("DE11", year=2015)["clusters"]
    assert next(c for c in cells if c["cluster"] == "B-E")["employment"] == 629600.0
    assert report.counts == first.counts
    assert report.counts["NUTS2013"]["nuts2_regions"] == 335
