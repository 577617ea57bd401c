"""``clusteratlas report ...`` and the download routes, on the Demoland atlas."""

from __future__ import annotations

import sys

import pytest

from tests.reports import pdfcheck


def test_report_region_writes_a_pdf(run_cli, demo_atlas, tmp_path):
    out = tmp_path / "xd11.pdf"
    code, stdout, _ = run_cli("report", "region", "XD11", "--store", demo_atlas, "--out", out)
    assert code == 0 and f"wrote {out}" in stdout
    assert out.read_bytes()[:5] == b"%PDF-" and pdfcheck.pages(out) >= 2
    import json

    from clusteratlas.fileio import sha256_file
    from clusteratlas.store.provenance import read_provenance

    record = read_provenance(out)
    assert record["command"] == "report region" and record["options"]["code"] == "XD11"
    assert record["inputs"][0]["sha256"] == sha256_file(demo_atlas)
    assert record["report"]["synthetic"] is True
    assert record["attribution"][0].startswith("Synthetic data")
    assert {r["kind"] for r in record["report"]["results"]} == {"clusters"}
    assert json.loads(json.dumps(record)) == record
    html = tmp_path / "xd11.html"
    code, _, _ = run_cli("report", "region", "XD11", "--store", demo_atlas, "--out", html)
    assert code == 0 and "<svg" in html.read_text(encoding="utf-8")


def test_unknown_code_is_one_line_and_no_file(run_cli, demo_atlas, tmp_path):
    out = tmp_path / "x.pdf"
    code, _, err = run_cli("report", "region", "XX99", "--store", demo_atlas, "--out", out)
    assert code == 2 and "unknown region 'XX99'" in err and not out.exists()
    code, _, err = run_cli("report", "joint", "XD11,XD77", "--store", demo_atlas, "--out", out)
    assert code == 2 and "unknown region 'XD77'" in err and not out.exists()
    code, _, err = run_cli("report", "region", "XD11", "--store", demo_atlas, "--out", "r.doc")
    assert code == 2 and "parameter --out" in err
    code, _, err = run_cli(
        "report", "region", "XD11", "--store", tmp_path / "no.duckdb", "--out", out
    )
    assert code == 2 and "no atlas here" in err and not out.exists()


def test_a_failure_while_printing_leaves_the_old_file(run_cli, demo_atlas, tmp_path, monkeypatch):
    from clusteratlas.reports import render

    out = tmp_path / "keep.pdf"
    out.write_bytes(b"old")

    def broken(html):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(render, "html_to_pdf", broken)
    with pytest.raises(RuntimeError):
        run_cli("report", "region", "XD11", "--store", demo_atlas, "--out", out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]  # no temporary file left


def test_joint_with_weaknesses_file(run_cli, demo_atlas, tmp_path):
    weak = tmp_path / "w.yaml"
    weak.write_text(
        "XD11:\n  - {theme: collab, title: Collaboration, score: 20, light: red}\n"
        "XD12:\n  - {theme: collab, title: Collaboration, score: 35.5, light: red}\n",
        encoding="utf-8",
    )
    out = tmp_path / "j.html"
    code, _, err = run_cli(
        "report", "joint", "XD11,XD12", "--store", demo_atlas, "--out", out, "--weaknesses", weak
    )
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "Collaboration" in html and "red 35.5" in html and "XD11, XD12" in html
    assert "this atlas has no scoreboard" in html  # Demoland: no bottleneck matrix
    bad = tmp_path / "bad.yaml"
    bad.write_text("XD11: {theme: x}\n", encoding="utf-8")
    code, _, err = run_cli(
        "report", "joint", "XD11,XD12", "--store", demo_atlas, "--out", out, "--weaknesses", bad
    )
    assert code == 2 and "bad.yaml" in err


def test_joint_takes_stress_tests_from_the_application_database(
    run_cli, demo_atlas, tmp_path, monkeypatch
):
    """The --db glue: regions' latest assessments through theme_results_by_region (the
    stress-test storage's interface), stood in for here so the test runs without it."""
    import types

    import clusteratlas.appdb as appdb

    asked = {}

    def theme_results_by_region(db, regions):
        asked["db"], asked["regions"] = db, regions
        return {"XD12": [{"theme": "collab", "title": "Collaboration", "score": 10.0,
                          "light": "red"}]}  # fmt: skip

    fake = types.ModuleType("clusteratlas.appdb.assessments")
    fake.theme_results_by_region = theme_results_by_region
    monkeypatch.setitem(sys.modules, "clusteratlas.appdb.assessments", fake)
    monkeypatch.setattr(appdb, "open_database", lambda url: f"db<{url}>")
    out = tmp_path / "j.html"
    code, _, err = run_cli("report", "joint", "North=XD11,XD12", "--store", demo_atlas,
                           "--out", out, "--db", "sqlite:///x.db")  # fmt: skip
    assert code == 0, err
    assert asked == {"db": "db<sqlite:///x.db>", "regions": ["North", "XD12", "XD11"]}
    html = out.read_text(encoding="utf-8")
    assert "red 10.0" in html and "Collaboration" in html
    code, _, err = run_cli("report", "joint", "XD11,XD12", "--store", demo_atlas, "--out", out,
                           "--db", "sqlite:///x.db", "--weaknesses", "w.yaml")  # fmt: skip
    assert code == 2 and "not both" in err


@pytest.fixture(scope="module")
def client(demo_atlas):
    from fastapi.testclient import TestClient

    from clusteratlas.web.app import create_app

    with TestClient(create_app(demo_atlas), raise_server_exceptions=False) as c:
        yield c


def test_region_page_has_a_download_button_that_keeps_the_state(client):
    page = client.get("/regions/XD11?year=2023").text
    assert 'href="/reports/regions/XD11.pdf?year=2023' in page
    r = client.get("/reports/regions/XD11.pdf?year=2023")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content[:5] == b"%PDF-"
    assert 'filename="region-profile-XD11.pdf"' in r.headers["content-disposition"]
    r = client.get("/reports/regions/XD11.html?year=2023")
    assert "Key figures, 2023" in r.text
    assert r.headers["content-disposition"].startswith("attachment;")  # saved, not shown


def test_compare_page_downloads_the_joint_report(client):
    page = client.get("/compare?regions=XD11,XD12").text
    assert 'href="/reports/compare.pdf?regions=XD11%2CXD12"' in page
    r = client.get("/reports/compare.pdf?regions=XD11,XD12")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    html = client.get("/reports/compare.html?regions=XD11,XD12").text
    assert "Joint challenges of 2 regions" in html


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/reports/regions/XX99.pdf", 404),
        ("/reports/regions/XD11.pdf?year=20x3", 422),
        ("/reports/regions/XD11.doc", 422),
        ("/reports/compare.pdf?regions=", 422),
        ("/reports/compare.pdf?regions=XD11,XD11", 422),
        ("/reports/compare.pdf?regions=XD11,%3Cb%3E", 422),
    ],
)
def test_bad_requests(client, url, status):
    assert client.get(url).status_code == status


def test_joint_reads_saved_stress_tests_from_a_real_application_database(
    run_cli, demo_atlas, tmp_path
):
    """End to end with the real storage: a completed stress test of XD12 saved in the
    application database shows up as that region's weak themes in the joint report."""
    from clusteratlas.appdb import assessments as asm
    from clusteratlas.appdb import open_database
    from clusteratlas.policy import load_questionnaire, score_answers

    q = load_questionnaire()
    # every answer at the bottom of its scale: every theme is red
    answers = {question.id: 0 for theme in q.themes for question in theme.questions}
    result = score_answers(q, answers)
    assert result.light == "red"
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    db = open_database(url)
    _, token = asm.start(db, programme="Example programme (test)", region="XD12",
                         questionnaire=q.id, version=q.version, answers=answers)  # fmt: skip
    asm.complete(db, token, result.to_json())
    db.dispose()

    out = tmp_path / "joint.html"
    code, _, err = run_cli("report", "joint", "XD11,XD12", "--store", demo_atlas,
                           "--out", out, "--db", url)  # fmt: skip
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    first = result.themes[0]
    assert first["title"] in html and first["light"] == "red"
    # and without the database the report has no stress-test theme
    code, _, err = run_cli("report", "joint", "XD11,XD12", "--store", demo_atlas, "--out", out)
    assert code == 0, err
    assert first["title"] not in out.read_text(encoding="utf-8")
