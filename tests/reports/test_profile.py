"""The region profile on the synthetic Demoland atlas: sections, charts, map, every page."""

from __future__ import annotations

import re

import pytest

from clusteratlas.reports import region_profile, render_html, write_report
from clusteratlas.reports.specs import HIGHLIGHT, QUADRANT_COLOURS
from tests.reports import pdfcheck

CODE = "XD11"


@pytest.fixture(scope="module")
def atlas(demo_atlas):
    from clusteratlas.atlas.service import Atlas

    return Atlas.open(demo_atlas)


@pytest.fixture(scope="module")
def profile_pdf(atlas, tmp_path_factory):
    return write_report(region_profile(atlas, CODE), tmp_path_factory.mktemp("p") / "p.pdf")


def test_html_has_every_chart_and_the_map_inline(atlas):
    html = render_html(region_profile(atlas, CODE))
    for chart in ("portfolio", "trends", "map"):
        block = re.search(rf'data-chart="{chart}">(.*?)</div>', html, re.S)
        assert block and "<svg" in block.group(1), chart
    maps = re.search(r'data-chart="map">(.*?)</div>', html, re.S).group(1)
    assert maps.count("<svg") == 2  # overview and close-up
    assert maps.count(HIGHLIGHT) == 2  # the region highlighted once on each
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "").replace(
        'xmlns:xlink="http://www.w3.org', ""
    )  # nothing to fetch: self-contained


def test_tables_are_the_atlas_numbers(atlas):
    ctx = region_profile(atlas, CODE)
    table = atlas.region_clusters(CODE)["clusters"]
    starred = [c for c in table if c["stars"] > 0 or c["strong"]]
    assert len(ctx["stars"]) + ctx["stars_left_out"] == len(starred)
    assert len(ctx["stars"]) == min(len(starred), 20)
    strong_first = [c["strong"] for c in ctx["stars"]]
    assert strong_first == sorted(strong_first, reverse=True)
    port = atlas.portfolio(CODE)
    rising = max(port, key=lambda i: i["change"])
    if rising["change"] > 0:
        assert ctx["trends"]["movers"]["rising"][0]["cluster"] == rising["cluster"]
    assert ctx["scoreboard"] is None  # Demoland has no scoreboard: the section says so
    assert ctx["sources"].line.startswith("SYNTHETIC DATA")


def test_every_pdf_page_has_content_attribution_and_number(atlas, profile_pdf):
    texts = pdfcheck.check_every_page(profile_pdf, atlas.info()["attribution"][0])
    whole = " ".join(texts)
    for heading in (
        "Key figures",
        "Cluster portfolio",
        "Stars and strong clusters",
        "Trends",
        "Scoreboard against peers",
        "Related and emerging opportunities",
        "Where the region is",
        "Sources and method",
    ):
        assert heading in whole, heading
    assert "SYNTHETIC DATA" in whole
    # chart text is vector text in the PDF (axis titles, quadrant names)
    assert "Location quotient" in whole and "Traded employment" in whole


def test_charts_and_map_are_drawn_in_the_pdf(profile_pdf):
    n = pdfcheck.pages(profile_pdf)
    images = [pdfcheck.page_image(profile_pdf, i, dpi=50) for i in range(1, n + 1)]
    magenta = [pdfcheck.colour_pixels(im, pdfcheck.MAGENTA, tol=30) for im in images]
    assert max(magenta) > 200  # the highlighted region of the locator maps
    quadrant = [
        sum(
            pdfcheck.colour_pixels(im, tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)), 25)
            for c in QUADRANT_COLOURS.values()
        )
        for im in images
    ]
    assert max(quadrant) > 100  # the portfolio's coloured bubbles


class WithLinkages:
    """The atlas plus the linkages' Atlas methods (interface of round 3), fixed answers."""

    def __init__(self, atlas):
        self._atlas = atlas

    def __getattr__(self, name):
        return getattr(self._atlas, name)

    def opportunities(self, code, year=None, scheme=None, system=None, n=10):
        return [
            {
                "cluster": "c9",
                "name": "Opportunity nine",
                "density": 0.42,
                "pci": 1.1,
                "lq": 0.7,
                "employment": 1234.0,
                "reasons": ["related to two strong clusters"],
            }
        ]

    def emerging(self, code, start=None, end=None, scheme=None, system=None):
        return [
            {
                "cluster": "c7",
                "name": "Emerging seven",
                "lq_start": 0.5,
                "lq_end": 0.9,
                "change": 0.4,
                "density": 0.3,
                "kind": "emerging",
                "reasons": ["LQ up 0.4"],
            }
        ]


def test_opportunities_section_renders_the_linkages_answers(atlas):
    html = render_html(region_profile(WithLinkages(atlas), CODE))
    section = re.search(r'id="opportunities">(.*?)</section>', html, re.S).group(1)
    assert "Opportunity nine (c9)" in section and "0.42" in section
    assert "related to two strong clusters" in section
    assert "Emerging seven (c7)" in section and "+0.40" in section
    plain = render_html(region_profile(atlas, CODE))
    missing = re.search(r'id="opportunities">(.*?)</section>', plain, re.S).group(1)
    if not hasattr(atlas, "opportunities"):
        assert "Not available" in missing


def test_unknown_region_is_not_found(atlas):
    from clusteratlas.errors import NotFoundError

    with pytest.raises(NotFoundError):
        region_profile(atlas, "NOPE1")
