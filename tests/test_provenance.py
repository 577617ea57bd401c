"""The one provenance record: every sidecar the project writes validates against
docs/provenance.schema.json, has the one name X.ext.provenance.json, keeps every input, and can
be regenerated (or says why not)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import map_panel, map_store, write_result
from clusteratlas.regenerate import regenerate
from clusteratlas.scoreboard.api import score
from clusteratlas.store.provenance import (
    SCHEMA,
    build_record,
    merge_records,
    read_provenance,
    sidecar_path,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DOC = json.loads((ROOT / "docs" / "provenance.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA_DOC, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)

PANEL = """region,industry,year,employment
A,i1,2020,100
A,i2,2020,40
A,i3,2020,60
B,i1,2020,50
B,i2,2020,100
B,i3,2020,50
A,i1,2021,110
A,i2,2021,40
A,i3,2021,60
B,i1,2021,50
B,i2,2021,90
B,i3,2021,50
"""
DEFS = """industry,cluster,cluster_name,cluster_type
i1,T1,Traded one,traded
i2,T2,Traded two,traded
i3,L1,Local one,local
"""
FRAMEWORK = """\
name: Tiny
dimensions:
  - code: D1
    name: One
    indicators:
      - {code: I1, name: First, direction: 1}
      - {code: I2, name: Second, direction: -1}
"""
DATA = "region,year,indicator,value\nA,2020,I1,1\nB,2020,I1,2\nC,2020,I1,4\n" + (
    "A,2020,I2,3\nB,2020,I2,1\nC,2020,I2,2\n"
)


def valid(record: dict) -> dict:
    errors = sorted(VALIDATOR.iter_errors(record), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return record


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    panel, defs = tmp_path / "panel.csv", tmp_path / "clusters.csv"
    panel.write_text(PANEL, encoding="utf-8")
    defs.write_text(DEFS, encoding="utf-8")
    return panel, defs


def test_schema_is_a_valid_json_schema_and_rejects_a_bad_record() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA_DOC)
    good = build_record("map", inputs=[{"role": "panel", "path": "p.csv", "sha256": "0" * 64}])
    valid(good)
    bad = {**good, "inputs": [{"role": "panel", "path": "p.csv"}]}  # a file without sha256
    assert list(VALIDATOR.iter_errors(bad))
    assert list(VALIDATOR.iter_errors({k: v for k, v in good.items() if k != "version"}))


def test_one_sidecar_name() -> None:
    assert sidecar_path("out/x.csv").name == "x.csv.provenance.json"
    assert sidecar_path("x.parquet").name == "x.parquet.provenance.json"


def test_write_result_defaults_to_the_frames_record_and_keeps_every_input(files, tmp_path):
    panel, defs = files
    result = map_panel(panel, defs, lq_base="traded")
    out = tmp_path / "result.csv"
    side = write_result(result, out)  # no third argument: the frame's record
    record = valid(json.loads(side.read_text(encoding="utf-8")))
    assert side == sidecar_path(out)
    roles = {i["role"] for i in record["inputs"]}
    assert roles == {"panel", "definitions"}
    assert record["command"] == "map" and record["version"]
    assert record["output"]["rows"] == len(result) and len(record["output"]["sha256"]) == 64
    # an explicit record is laid over the frame's one: its inputs are added, none dropped
    extra = {"inputs": [{"role": "notes", "path": str(defs), "sha256": "1" * 64}], "note": "x"}
    record = valid(json.loads(write_result(result, out, extra).read_text(encoding="utf-8")))
    assert {i["role"] for i in record["inputs"]} == {"panel", "definitions", "notes"}
    assert record["note"] == "x"
    assert read_provenance(out) == record  # by the output's name


def test_data_frame_inputs_are_recorded_not_dropped() -> None:
    panel = pd.read_csv(pd.io.common.StringIO(PANEL))
    defs = pd.read_csv(pd.io.common.StringIO(DEFS))
    record = valid(map_panel(panel, defs, lq_base="traded").attrs["provenance"])
    roles = {i["role"]: i for i in record["inputs"]}
    assert roles["panel"] == {"role": "panel", "kind": "data frame", "rows": 12}
    assert roles["definitions"]["kind"] == "data frame"


def test_cli_map_sidecars_validate_and_regenerate(files, tmp_path, capsys, monkeypatch):
    from clusteratlas.cli.app import main

    panel, defs = files
    out, strength, trend = tmp_path / "m.csv", tmp_path / "s.csv", tmp_path / "t.parquet"
    monkeypatch.setattr(sys, "argv", [
        "clusteratlas", "map", "--panel", str(panel), "--clusters", str(defs),
        "--lq-base", "traded", "--out", str(out), "--strength-out", str(strength),
        "--trends", "2020-2021", "--trends-out", str(trend),
    ])  # fmt: skip
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code in (0, None), capsys.readouterr()
    for path in (out, strength, trend):
        valid(read_provenance(path))
    # redone and written again, each table is byte for byte the file the record describes
    for path in (out, strength, trend):
        copy = tmp_path / f"again{path.suffix}"
        record = read_provenance(write_result(regenerate(path), copy))
        assert record["output"]["sha256"] == read_provenance(path)["output"]["sha256"], path
    panel.write_text(PANEL + "B,i3,2022,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="input panel changed since the run"):
        regenerate(out)


def test_map_store_sidecar_validates_and_says_why_it_is_not_regenerated(store, tmp_path):
    scheme = pd.DataFrame({
        "cluster": ["IND", "TRD"], "cluster_name": ["Industry", "Trade"],
        "cluster_type": ["traded", "local"], "industry": ["B-E", "G-I"],
        "classification": "NACE_R2", "weight": 1.0,
    })  # fmt: skip
    store.load_scheme(scheme, "sections")
    rows = [("XX11", "B-E", 30.0), ("XX11", "G-I", 20.0), ("XX12", "B-E", 10.0),
            ("XX12", "G-I", 40.0)]  # fmt: skip
    obs = pd.DataFrame(rows, columns=["region", "industry", "value"]).assign(
        source="eurostat", dataset="lfs", region_system="NUTS2016", classification="NACE_R2",
        year=2015, measure="THS", flag=None, dims="",
    )  # fmt: skip
    store.load_observations(obs, dataset="lfs", source="eurostat", attribution="Source: Eurostat",
                            region_system="NUTS2016", classification="NACE_R2")  # fmt: skip
    result = map_store(store, "sections", dataset="lfs", measures=["employment=THS*1000"])
    side = write_result(result, tmp_path / "store.csv")
    record = valid(read_provenance(side))
    assert record["classifications"] == ["NACE_R2"] and record["nuts_versions"] == ["2016"]
    assert record["datasets"][0]["extracted"] and record["attribution"] == ["Source: Eurostat"]
    with pytest.raises(InputError, match="store's content is not pinned"):
        regenerate(side)


def test_scoreboard_sidecar_validates_and_regenerates(tmp_path):
    fw, data = tmp_path / "fw.yaml", tmp_path / "data.csv"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    data.write_text(DATA, encoding="utf-8")
    res = score(fw, data)
    side = res.write(tmp_path / "scores.csv")
    assert side.name == "scores.csv.provenance.json"
    record = valid(read_provenance(tmp_path / "scores.csv"))
    assert record["command"] == "score" and record["inputs"][0]["role"] == "data"
    pd.testing.assert_frame_equal(regenerate(side).scores(), res.scores)


def test_old_scoreboard_sidecar_is_read_normalised_and_regenerated(tmp_path):
    fw, data = tmp_path / "fw.yaml", tmp_path / "data.csv"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    data.write_text(DATA, encoding="utf-8")
    res = score(fw, data)
    new = res.run.provenance()
    from clusteratlas.fileio import sha256_file

    old = {  # the format of the previous release: no version, inputs as a dict
        "tool": "clusteratlas scoreboard",
        "created": "2026-01-01T00:00:00+00:00",
        "framework_sha256": new["framework_sha256"],
        "framework_file": str(fw),
        "inputs": {"data": {"path": str(data), "sha256": sha256_file(data), "rows": 6}},
        "pipeline": new["pipeline"],
        "log": new["log"],
        "treatment": new["treatment"],
    }
    res.scores.to_csv(tmp_path / "scores.csv", index=False)
    (tmp_path / "scores.provenance.json").write_text(json.dumps(old), encoding="utf-8")
    record = valid(read_provenance(tmp_path / "scores.csv"))
    assert record["legacy"].startswith("scoreboard sidecar")
    assert record["version"] is None and record["inputs"][0]["role"] == "data"
    pd.testing.assert_frame_equal(regenerate(tmp_path / "scores.csv").scores(), res.scores)


def test_regenerate_says_why_not(tmp_path):
    out = tmp_path / "x.csv"
    pd.DataFrame({"a": [1]}).to_csv(out, index=False)
    with pytest.raises(InputError, match="no provenance sidecar"):
        regenerate(out)
    sidecar_path(out).write_text(json.dumps(build_record("demo")), encoding="utf-8")
    with pytest.raises(InputError, match="'demo' record cannot be regenerated"):
        regenerate(out)
    sidecar_path(out).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a provenance JSON file"):
        read_provenance(out)


def test_merge_records_unites_lists() -> None:
    a = build_record("map", inputs=[{"role": "panel", "path": "p", "sha256": "0" * 64}],
                     attribution=["A"], options={"x": 1})  # fmt: skip
    b = {"inputs": [{"role": "benchmark", "path": "b", "sha256": "1" * 64}],
         "attribution": ["B", "A"], "options": {"y": 2}}  # fmt: skip
    m = merge_records(a, b)
    assert [i["role"] for i in m["inputs"]] == ["panel", "benchmark"]
    assert m["attribution"] == ["A", "B"] and m["options"] == {"x": 1, "y": 2}
    assert m["schema"] == SCHEMA


@pytest.mark.shared
def test_open_data_edition_sidecar_validates_and_regenerates(shared_data, tmp_path):
    from clusteratlas.scoreboard.edition import build_open_data_edition
    from clusteratlas.scoreboard.pipeline import Pipeline

    ed = build_open_data_edition(shared_data)
    run = Pipeline(ed.framework).run(ed.data)
    from clusteratlas.scoreboard.api import ScoreboardResult

    res = ScoreboardResult(run.scores(), run)
    side = res.write(tmp_path / "edition.csv")
    record = valid(read_provenance(side))
    assert record["inputs"][0]["role"] == "edition" and record["nuts_versions"] == ["2016"]
    pd.testing.assert_frame_equal(regenerate(side).scores(), res.scores)  # was a KeyError
    moved = json.loads(side.read_text(encoding="utf-8"))
    moved["inputs"][0]["data_dir"] = str(tmp_path / "gone")
    side.write_text(json.dumps(moved), encoding="utf-8")
    with pytest.raises(InputError, match="data folder is gone"):
        regenerate(side)
    shutil.rmtree(tmp_path / "gone", ignore_errors=True)


@pytest.mark.shared
def test_nuts_convert_and_changes_sidecars_validate(shared_file, tmp_path):
    from typer.testing import CliRunner

    from clusteratlas.cli.app import app

    src = shared_file("eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz")
    df = pd.read_csv(src).drop(columns=["nuts_name", "nuts_level"])
    path = tmp_path / "in.csv"
    df[df["geo"].str.startswith(("HR", "NO"))].to_csv(path, index=False)
    out, report, changes = tmp_path / "out.csv", tmp_path / "report.csv", tmp_path / "ch.csv"
    runner = CliRunner()
    r = runner.invoke(app, ["nuts", "convert", str(path), "--from", "2016", "--to", "2021",
                            "--out", str(out), "--report", str(report),
                            "--measure-column", "variable"])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["nuts", "changes", "--from", "2016", "--to", "2021", "--out",
                            str(changes)])  # fmt: skip
    assert r.exit_code == 0, r.output
    for p in (out, report, changes):
        record = valid(read_provenance(p))
        assert record["nuts_versions"] == ["2016", "2021"], p
        # the packaged Eurostat change table is named with its source and licence
        assert record["datasets"][0]["dataset"] == "reference:NUTS_CHANGES_2016_2021", p
        assert record["attribution"] == ["Source: Eurostat, NUTS 2021 amendments"], p
    assert {i["role"] for i in read_provenance(out)["inputs"]} == {"data"}
