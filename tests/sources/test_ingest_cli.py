"""``clusteratlas ingest`` on the command line: summary table, one-line errors, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clusteratlas.cli.app import main
from clusteratlas.store import Store

PANEL = "region,industry,year,employment\nAT11,01,2015,12\nAT12,01,2015,3\n"


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["clusteratlas", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_ingest_prints_summary(tmp_path, monkeypatch, capsys):
    p = tmp_path / "panel.csv"
    p.write_text(PANEL)
    db = tmp_path / "s.duckdb"
    code, out, _err = run(monkeypatch, capsys, "ingest", str(p), "--store", str(db))
    assert code == 0
    assert "panel" in out and "2015-2015" in out
    with Store(db) as s:
        assert s.snapshot()["observations"] == 2


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("region,industry,year,employment\nAT11,01,2015,-5\n", "line 2, column 'employment'"),
        ("region,industry,year,employment\nAT11,01,2015,lots\n", "line 2, column 'employment'"),
        ("region,industry,employment\nAT11,01,5\n", "line 1, column 'year'"),
        ("", "empty file"),
    ],
)
def test_bad_file_one_line_exit_2_store_unchanged(tmp_path, monkeypatch, capsys, text, where):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(PANEL)
    bad.write_text(text)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        before = s.snapshot()
    code, _out, err = run(monkeypatch, capsys, "ingest", str(good), str(bad), "--store", str(db))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(bad) in lines[0] and where in lines[0]
    with Store(db) as s:
        assert s.snapshot() == before


def test_bad_option_exit_2(tmp_path, monkeypatch, capsys):
    p = tmp_path / "panel.csv"
    p.write_text(PANEL)
    code, _out, err = run(
        monkeypatch, capsys, "ingest", str(p), "--store", str(tmp_path / "s.duckdb"),
        "--classification", "NACE",
    )  # fmt: skip
    assert code == 2 and "--classification" in err and len(err.strip().splitlines()) == 1


def test_real_process_latin1(tmp_path: Path):
    """The installed entry point, in its own process: one line on stderr, exit code 2."""
    bad = tmp_path / "latin.csv"
    bad.write_bytes("region,industry,year,employment\nK\xf6ln,01,2015,1\n".encode("latin-1"))
    proc = subprocess.run(
        [sys.executable, "-c", "from clusteratlas.cli.app import main; main()", "ingest",
         str(bad), "--store", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 2" in lines[0] and "UTF-8" in lines[0]


def test_input_format_new_and_old_spelling_and_nuts_version(tmp_path, monkeypatch, capsys):
    p = tmp_path / "panel.csv"
    p.write_text(PANEL)
    db = tmp_path / "s.duckdb"
    for spelling in (["--input-format", "panel"], ["--format", "panel"]):  # old: hidden alias
        code, _out, err = run(monkeypatch, capsys, "ingest", str(p), "--store", str(db),
                              "--nuts-version", "NUTS2016", *spelling)  # fmt: skip
        assert code == 0, err
    with Store(db) as s:
        systems = s.query("SELECT DISTINCT region_system FROM observations")["region_system"]
    assert systems.tolist() == ["NUTS2016"]
    code, _out, err = run(monkeypatch, capsys, "ingest", str(p), "--store", str(db),
                          "--classification", "NACE2")  # fmt: skip
    assert code == 2 and "parameter --classification" in err


def test_input_format_choices_are_the_readers_formats():
    from clusteratlas.cli.ingest import InputFormat
    from clusteratlas.sources.ingest import FORMATS

    assert tuple(v.value for v in InputFormat) == FORMATS
