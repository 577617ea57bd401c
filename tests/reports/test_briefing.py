"""Briefing folders: the format, its errors (file and line), and the rendered briefing."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusteratlas.errors import InputError
from clusteratlas.reports.briefing import (
    parse_action_plan,
    read_briefing_folder,
)
from tests.reports import pdfcheck

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "briefing-cantabria"

PLAN = """Intro text.

| Action | Owner | Due | Status |
|---|---|---|---|
| First | Agency | 2027-03-31 | planned |
| Second | University | 2027-Q2 | |
"""


def folder(tmp_path: Path, region: str = "XD11", plan: str = PLAN, **files: str) -> Path:
    d = tmp_path / "briefing"
    d.mkdir(exist_ok=True)
    (d / "briefing.yaml").write_text(
        f"region: {region}\ntitle: Test briefing\nauthors: [Ann, Bo]\ndate: 2026-11-30\n"
        "atlas:\n  year: 2024\n",
        encoding="utf-8",
    )
    (d / "findings.md").write_text(files.get("findings", "# Found\n\nA *finding*."), "utf-8")
    (d / "recommendations.md").write_text("1. Do this.\n", encoding="utf-8")
    (d / "action_plan.md").write_text(plan, encoding="utf-8")
    return d


def test_action_plan_rows_with_their_lines():
    actions = parse_action_plan(PLAN)
    # the table starts on line 3 (header), separator line 4, rows on lines 5 and 6
    assert [(a.line, a.action, a.owner, a.due, a.extra) for a in actions] == [
        (5, "First", "Agency", "2027-03-31", {"Status": "planned"}),
        (6, "Second", "University", "2027-Q2", {"Status": ""}),
    ]


@pytest.mark.parametrize(
    ("plan", "line", "message"),
    [
        (PLAN.replace("2027-Q2", "next year"), 6, "'next year' is not a date"),
        (PLAN.replace("2027-03-31", "2027-02-30"), 5, "'2027-02-30' is not a date"),
        (PLAN.replace("| University |", "|  |"), 6, "empty owner"),
        (PLAN.replace("| Owner |", "| Who |"), 3, "no column 'Owner'"),
        ("No table here.\n", None, "found no table"),
        (PLAN + "\n\n| A | B |\n|---|---|\n| 1 | 2 |\n", 9, "found 2 tables"),
        ("| Action | Owner | Due |\n|---|---|---|\n", 1, "has no actions"),
    ],
)
def test_action_plan_errors_name_file_and_line(plan, line, message):
    with pytest.raises(InputError) as err:
        parse_action_plan(plan, "dir/action_plan.md")
    assert err.value.file == "dir/action_plan.md"
    assert err.value.line == line
    assert message in err.value.message


def test_folder_errors_name_the_file(tmp_path):
    d = folder(tmp_path)
    (d / "recommendations.md").unlink()
    with pytest.raises(InputError, match=r"recommendations\.md"):
        read_briefing_folder(d)
    d = folder(tmp_path)
    (d / "briefing.yaml").write_text(
        "region: XD11\ntitle: T\nauthors: [A]\ndate: 2026-11-30\ncolour: red\n", "utf-8"
    )
    with pytest.raises(InputError) as err:
        read_briefing_folder(d)
    assert err.value.file.endswith("briefing.yaml") and err.value.line == 5
    assert "unknown key" in err.value.message
    d = folder(tmp_path, plan=PLAN.replace("2027-Q2", "Q2"))
    with pytest.raises(InputError) as err:
        read_briefing_folder(d)
    assert err.value.file.endswith("action_plan.md") and err.value.line == 6


def test_the_example_folder_is_valid():
    spec, narratives, _ = read_briefing_folder(EXAMPLE)
    assert spec.region == "ES13" and len(parse_action_plan(narratives["action_plan"])) == 3
    assert "example" in spec.title.lower()  # labelled as an example


def test_briefing_pdf_has_the_words_and_live_numbers(demo_atlas, tmp_path):
    from clusteratlas.atlas.service import Atlas
    from clusteratlas.reports import write_report
    from clusteratlas.reports.briefing import briefing_from_folder
    from clusteratlas.reports.render import num

    atlas = Atlas.open(demo_atlas)
    d = folder(tmp_path, findings="# Found\n\nA *finding*.\n\n<script>alert(1)</script>")
    ctx = briefing_from_folder(atlas, d)
    html_path = write_report(ctx, tmp_path / "b.html")
    html = html_path.read_text(encoding="utf-8")
    assert "<h3>Found</h3>" in html and "<em>finding</em>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # raw HTML is not rendered
    pdf = write_report(ctx, tmp_path / "b.pdf")
    texts = pdfcheck.check_every_page(pdf, atlas.info()["attribution"][0])
    whole = " ".join(texts)
    for words in ("Test briefing", "By Ann, Bo", "Findings", "Recommendations", "Action plan"):
        assert words in whole
    assert "First Agency 2027-03-31 planned" in whole
    # the numbers are the atlas's, read now
    emp = atlas.region_summary("XD11", 2024)["figures"]["employment"]
    assert num(emp) in whole
