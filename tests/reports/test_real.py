"""Real-data reports: a NUTS 2 region of ``eu-open``, a US state of ``us-cmp``, the example
briefing, and the joint challenges of the ten EOCIC pilot regions on the open-data
scoreboard edition. Each PDF is checked page by page and kept in ``tests/artifacts/reports/``
(ignored by git; the README shows the first pages, see docs/reports.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clusteratlas.reports import region_profile, write_report
from clusteratlas.reports.render import num
from tests.reports import pdfcheck

pytestmark = [pytest.mark.shared, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "briefing-cantabria"


def _keep(pdf: Path, artifacts: Path, name: str) -> None:
    shutil.copyfile(pdf, artifacts / name)


def _atlas(path):
    from clusteratlas.atlas.service import Atlas

    return Atlas.open(path)


@pytest.mark.parametrize(("code", "name"), [("ES13", "Cantabria"), ("ITC1", "Piemonte")])
def test_eu_open_nuts2_region_profile(eu_atlas, tmp_path, artifacts, code, name):
    atlas = _atlas(eu_atlas)
    ctx = region_profile(atlas, code)
    pdf = write_report(ctx, tmp_path / f"eu-open-{code}.pdf")
    write_report(ctx, artifacts / f"eu-open-{code}.html")
    texts = pdfcheck.check_every_page(pdf, "© EuroGeographics for the administrative boundaries")
    for i in range(1, len(texts) + 1):
        assert "Source: Eurostat" in texts[i - 1]
        assert "NUTS 2013" in texts[i - 1] and "NACE Rev. 2" in texts[i - 1]
    whole = " ".join(texts)
    assert f"{name} ({code})" in whole
    figures = atlas.region_summary(code)["figures"]
    assert num(figures["employment"]) in whole
    # scoreboard: the stored peers and every stored strength and bottleneck
    sb = atlas.scoreboard_region(code)
    assert [p["code"] for p in ctx["scoreboard"]["peers"]] == sb["peers"]
    assert len(ctx["scoreboard"]["bottlenecks"]) == len(sb["bottlenecks"]) > 0
    for p in sb["peers"]:
        assert f"({p})" in whole
    # opportunities from the linkages
    opp = atlas.opportunities(code, year=ctx["year"])
    assert opp and opp[0]["name"].split()[0] in whole
    images = [pdfcheck.page_image(pdf, i, 50) for i in range(1, len(texts) + 1)]
    assert max(pdfcheck.colour_pixels(im, pdfcheck.MAGENTA, 30) for im in images) > 200
    _keep(pdf, artifacts, f"eu-open-{code}.pdf")


def test_us_cmp_state_profile(us_atlas, tmp_path, artifacts):
    atlas = _atlas(us_atlas)
    ctx = region_profile(atlas, "06")
    pdf = write_report(ctx, tmp_path / "us-cmp-06.pdf")
    texts = pdfcheck.check_every_page(pdf, "U.S. Cluster Mapping Project (Harvard Business School")
    whole = " ".join(texts)
    assert "California (06)" in whole and "specialisation against size, 2016" in whole
    table = atlas.region_clusters("06")["clusters"]
    strong = [c for c in table if c["strong"]]
    assert ctx["figures"]["n_strong"] == len(strong)
    for c in strong:  # strong clusters come first, so all of them are printed
        assert c["cluster_name"] in whole
    assert ctx["scoreboard"] is None and "no scoreboard scores for 06" in whole
    images = [pdfcheck.page_image(pdf, i, 50) for i in range(1, len(texts) + 1)]
    assert max(pdfcheck.colour_pixels(im, pdfcheck.MAGENTA, 30) for im in images) > 200
    _keep(pdf, artifacts, "us-cmp-06-california.pdf")


def test_example_briefing_on_eu_open(eu_atlas, tmp_path, artifacts):
    from clusteratlas.reports.briefing import briefing_from_folder

    pdf = write_report(briefing_from_folder(_atlas(eu_atlas), EXAMPLE), tmp_path / "b.pdf")
    texts = pdfcheck.check_every_page(pdf, "Source: Eurostat")
    assert "Set up a cluster collaboration board" in " ".join(texts)
    _keep(pdf, artifacts, "briefing-cantabria-example.pdf")


def test_joint_challenges_of_the_ten_eocic_pilot_regions(eu_atlas, tmp_path, artifacts):
    from clusteratlas.reports.joint import joint_context
    from clusteratlas.scoreboard.edition import EOCIC_PILOT

    atlas = _atlas(eu_atlas)
    ctx = joint_context(atlas, EOCIC_PILOT, title="Joint challenges of the EOCIC pilot regions")
    board = ctx["board"]
    assert board["available"] and board["edition"] == "open-data"
    assert board["left_out"] == [] and board["entities"] == list(EOCIC_PILOT)
    assert len(EOCIC_PILOT) == 10
    # one-region entities get exactly the flags the atlas build stored for the region
    level_names = {"dimension", "subdimension"}
    for label, members in EOCIC_PILOT.items():
        if len(members) != 1:
            continue
        stored = atlas.scoreboard_region(members[0])
        want_b = {r["node"] for r in stored["bottlenecks"] if r["level"] in level_names}
        want_s = {r["node"] for r in stored["strengths"] if r["level"] in level_names}
        got_b = {r["node"] for r in board["rows"] if r["cells"][label] == "B"}
        got_s = {r["node"] for r in board["rows"] if r["cells"][label] == "S"}
        assert (got_b, got_s) == (want_b, want_s), label
    # each shared challenge lists the regions whose cell is B
    for r in board["rows"]:
        assert r["bottlenecks"] == [e for e in board["entities"] if r["cells"][e] == "B"]
    assert board["shared"] and all(len(r["bottlenecks"]) >= 2 for r in board["shared"])
    pdf = write_report(ctx, tmp_path / "joint.pdf")
    texts = pdfcheck.check_every_page(pdf, "Source: Eurostat")
    whole = " ".join(texts)
    for label in EOCIC_PILOT:
        assert label in whole, label
    top = board["shared"][0]
    assert top["name"] in whole
    _keep(pdf, artifacts, "joint-eocic-pilot.pdf")


def test_region_recoded_after_nuts_2013_has_no_map_and_says_so(eu_atlas, tmp_path):
    """FR24 (Centre, NUTS 2013) became FRB0 in NUTS 2016: the atlas has its numbers but no
    polygon (docs/atlas.md) and no scoreboard scores under that code; the profile says both."""
    atlas = _atlas(eu_atlas)
    region = atlas.region("FR24")
    assert region["has_geometry"] is False
    ctx = region_profile(atlas, "FR24")
    assert ctx["map"] == {"svgs": [], "note": "The atlas has no polygon for FR24: no map."}
    pdf = write_report(ctx, tmp_path / "fr24.pdf")
    whole = " ".join(pdfcheck.check_every_page(pdf, "Source: Eurostat"))
    assert "The atlas has no polygon for FR24: no map." in whole
    assert "This atlas has no scoreboard scores for FR24." in whole
