"""``clusteratlas stress-test``: table with lights, reports as HTML/PDF/JSON, --save, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from clusteratlas.appdb import assessments as asm
from clusteratlas.appdb import open_database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "stress-test-answers.yaml"


@pytest.fixture
def run(run_cli):
    """``clusteratlas stress-test ARGS`` -> (exit code, stdout + stderr)."""

    def go(*args):
        code, out, err = run_cli("stress-test", *args)
        return code, out + err

    return go


def test_example_answers_table_and_json(run, tmp_path):
    out = tmp_path / "r.json"
    code, output = run("--answers", EXAMPLE, "--out", out, "--store", tmp_path / "none.duckdb")
    assert code == 0, output
    # strategy: answers 3, 4, 2, 1 with weights 2, 2, 1, 1 on 0..4:
    #   100 * (2*0.75 + 2*1 + 0.5 + 0.25) / 6 = 70.83 -> green
    assert "Strategy and governance" in output and "71" in output
    data = json.loads(out.read_text())
    strategy = data["result"]["themes"][0]
    assert strategy["score"] == pytest.approx(100 * 4.25 / 6) and strategy["light"] == "green"
    assert data["result"]["answered"] == 29  # framework.finance is "na"
    assert data["assessment"]["example"] is True
    assert data["scoreboard"]["available"] is False  # no atlas at --store


def test_html_and_pdf_reports(run, tmp_path):
    html = tmp_path / "r.html"
    assert run("--answers", EXAMPLE, "--out", html)[0] == 0
    text = html.read_text()
    assert "<svg" in text and "<style>" in text and "Example self-assessment" in text
    assert "not official statistics" in text
    pdf = tmp_path / "r.pdf"
    assert run("--answers", EXAMPLE, "--out", pdf)[0] == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    assert pages >= 3
    for n in range(1, pages + 1):
        # the self-assessment line on every page (the page footer)
        text = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "not official statistics" in text and f"page {n} of {pages}" in text, n
        # every page has content above the footer: dark pixels in its upper 85 %
        subprocess.run(
            ["pdftoppm", "-f", str(n), "-l", str(n), "-r", "30", "-gray", str(pdf),
             str(tmp_path / f"p{n}")],
            check=True,
        )  # fmt: skip
        image = next(tmp_path.glob(f"p{n}*.pgm")).read_bytes()
        width, height = (int(v) for v in image.split(b"\n")[1].split())
        pixels = image[-width * height :]
        body = pixels[: int(height * 0.85) * width]
        assert sum(1 for p in body if p < 128) > 200, f"page {n} looks empty"
    allt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Monitoring and evaluation" in allt and "Radar of the theme scores" in allt


def test_save_to_the_database(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    code, output = run("--answers", EXAMPLE, "--db", url, "--save")
    assert code == 0, output
    token = output.split("resume token: ")[1].split()[0]
    db = open_database(url)
    a = asm.resume(db, token)
    # 29 of 30 answered and one "na": every question has an answer, so it is complete
    assert a["status"] == "complete" and a["result"]["light"] == "amber"
    assert a["answers"]["framework.finance"] is None and a["region"] == "XD1"
    assert "withheld" in output  # no five others yet
    db.dispose()


def test_bad_answers_one_line_each_with_lines(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("programme: P\nanswers:\n  strategy.vision: 9\n  nope: 1\n  sme.reach: 2\n")
    code, output = run("--answers", bad)
    assert code == 2
    lines = [x for x in output.replace(chr(10) + "  ", " ").splitlines() if "question" in x]
    assert any(f"{bad}, line 3, question 'strategy.vision'" in x for x in lines), output
    assert any(f"{bad}, line 4, question 'nope'" in x for x in lines), output
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "r.docx"], "--out"),
        (["--db", "sqlite:///x.sqlite3"], "--db is used with --save"),
        (["--questionnaire", "missing.yaml"], "file not found"),
    ],
)
def test_bad_options(run, tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    code, output = run("--answers", EXAMPLE, *args)
    assert code == 2 and expected in output, output


def test_unknown_key_in_answers_file(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("programme: P\nanswer:\n  strategy.vision: 1\n")
    code, output = run("--answers", bad)
    assert code == 2 and "line 2" in output and "unknown key" in output, output
