"""``atlas build``: the demo preset end to end, atomic swaps, failed builds, ``map --save``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from clusteratlas.atlas import Atlas
from clusteratlas.atlas.build import build_atlas
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file


def _leftovers(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".building-" in p.name)


def test_demo_small_has_every_region_year_and_cluster(tmp_path):
    from clusteratlas.classifications.schemes import get_scheme
    from clusteratlas.sources.demo import DemoOptions, generate_demo

    report = build_atlas("demo", tmp_path / "a.duckdb", options={"small": True})
    options = DemoOptions(seed=2024, years=5, regions=16)
    data = generate_demo(options, get_scheme("eu-nace2"))
    clusters = get_scheme("eu-nace2")["cluster"].nunique()
    with_data = data.panel["region"].nunique()  # levels 0-2 carry observations

    assert report.counts["regions"] == len(data.geography.regions)
    assert report.counts["regions_without_geometry"] == 0
    assert report.counts["years"] == options.year_list
    assert report.counts["clusters"] == clusters
    atlas = Atlas.open(report.path)
    info = atlas.info()
    assert info["synthetic"] is True and info["preset"] == "demo"
    (table,) = info["schemes"]
    assert table["regions"] == with_data
    assert table["cells"] == report.counts["cells"]
    assert {p["kind"] for p in info["provenance"]} == {"clusters", "strength", "trends"}
    assert _leftovers(tmp_path) == []


def test_rebuild_swaps_the_file_while_a_reader_keeps_answering(tmp_path):
    target = tmp_path / "atlas.duckdb"
    build_atlas("demo", target, options={"small": True, "seed": 1})
    atlas = Atlas.open(target)
    region = atlas.top_clusters(level=2)[0]["region"]
    first = atlas.region_clusters(region)["clusters"]
    errors: list[BaseException] = []
    answers = [0]
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                assert atlas.region_clusters(region)["clusters"]
                answers[0] += 1
            except BaseException as exc:
                errors.append(exc)
                return
            time.sleep(0.005)

    reader = threading.Thread(target=hammer)
    reader.start()
    try:
        before = answers[0]
        build_atlas("demo", target, options={"small": True, "seed": 2})
        during = answers[0] - before
    finally:
        time.sleep(0.05)
        stop.set()
        reader.join()
    assert errors == []
    assert during > 0  # answers went on while the new file was being built
    second = atlas.region_clusters(region)["clusters"]
    assert atlas.generation >= 2  # the swap was noticed and the file reopened
    assert [c["employment"] for c in first] != [c["employment"] for c in second]
    assert _leftovers(tmp_path) == []


def test_a_failed_build_leaves_the_previous_atlas_intact(tmp_path, monkeypatch):
    from clusteratlas.atlas import presets

    target = tmp_path / "atlas.duckdb"
    build_atlas("demo", target, options={"small": True})
    digest = sha256_file(target)
    real = presets.get("demo")

    def broken(store, steps, **kw):
        real(store, steps, **kw)  # writes a complete atlas into the temporary file ...
        raise RuntimeError("disk full")  # ... and then fails

    monkeypatch.setattr(presets, "get", lambda name: broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_atlas("demo", target, options={"small": True, "seed": 7})
    assert sha256_file(target) == digest
    assert _leftovers(tmp_path) == []
    assert Atlas.open(target).info()["preset"] == "demo"


def test_unknown_preset_and_missing_inputs_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="unknown preset"):
        build_atlas("mars", tmp_path / "a.duckdb")
    with pytest.raises(InputError, match="no such folder"):
        build_atlas("us-cmp", tmp_path / "a.duckdb", from_dir=tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="uscmp_state_clusters_2016"):
        build_atlas("us-cmp", tmp_path / "a.duckdb", from_dir=tmp_path / "empty")
    assert not (tmp_path / "a.duckdb").exists()
    assert _leftovers(tmp_path) == []


def test_map_save_files_the_cluster_table_strength_and_trends(tmp_path, run_cli):
    store = tmp_path / "s.duckdb"
    code, _, err = run_cli("demo", "--small", "--store", store, "--out", tmp_path / "demo")
    assert code == 0, err
    out = tmp_path / "clusters.csv"
    code, stdout, err = run_cli(
        "map", "--store", store, "--scheme", "eu-nace2", "--out", out, "--save"
    )
    assert code == 0, err
    assert "saved into the atlas tables" in stdout
    written = pd.read_csv(out, dtype={"region": str, "cluster": str})
    atlas = Atlas.open(store)
    info = atlas.info()
    (table,) = info["schemes"]
    assert (table["scheme"], table["region_system"]) == ("eu-nace2", "demo")
    assert table["cells"] == len(written)
    years = sorted(written["year"].unique())
    row = written[written["year"] == years[-1]].iloc[0]
    cells = {c["cluster"]: c for c in atlas.region_clusters(row["region"])["clusters"]}
    assert cells[row["cluster"]]["lq"] == pytest.approx(row["lq"], rel=1e-12)
    trends = atlas.region_cluster(row["region"], row["cluster"])["trends"]
    assert [(t["start_year"], t["end_year"]) for t in trends] == [(years[0], years[-1])]
    kinds = {p["kind"]: p for p in info["provenance"]}
    assert set(kinds) == {"clusters", "strength", "trends"}
    assert kinds["strength"]["provenance"]["derived_from"] == kinds["clusters"]["result_id"]
    # regions come from the store's regions table (names), without polygons
    region = atlas.region(row["region"])
    assert region["name"] and region["has_geometry"] is False
