"""The radar chart's geometry: points on their spokes at their score's distance."""

from __future__ import annotations

import json
import math

import pytest

from clusteratlas.web.stress_charts import polar_point, radar, two_lines

THEMES = [{"theme": f"t{k}", "title": f"Theme {k}"} for k in range(4)]


def test_points_lie_on_their_spokes_and_close_the_line():
    spec = radar(
        THEMES, [{"name": "A", "scores": {"t0": 100, "t1": 50, "t2": None, "t3": 25}}], "R"
    )
    points = spec["layer"][-1]["data"]["values"]
    # t2 has no score: three points plus the closing copy of the first
    assert [p["theme"] for p in points] == ["Theme 0", "Theme 1", "Theme 3", "Theme 0"]
    assert points[-1]["closing"] and not points[0]["closing"]
    # 4 spokes: t0 up (0, 100), t1 right (50, 0), t3 left (-25, 0)
    got = [(round(p["x"], 9), round(p["y"], 9)) for p in points[:3]]
    assert got == [(0.0, 100.0), (50.0, 0.0), (-25.0, 0.0)]
    for p in points:
        assert math.hypot(p["x"], p["y"]) == pytest.approx(p["score"])


def test_two_series_have_their_own_colour_and_dash_and_the_spec_compiles():
    import vl_convert

    series = [
        {"name": "This", "scores": {t["theme"]: 60 for t in THEMES}},
        {"name": "Median of 5 other programmes", "scores": {t["theme"]: 40 for t in THEMES}},
    ]
    spec = radar(THEMES, series, "R")
    line = spec["layer"][-2]["encoding"]
    assert line["color"]["scale"]["domain"] == ["This", "Median of 5 other programmes"]
    assert len(line["strokeDash"]["scale"]["range"]) == 2
    svg = vl_convert.vegalite_to_svg(json.dumps(spec))
    assert "Theme 3" in svg


def test_helpers():
    assert polar_point(10, 2, 4) == pytest.approx((0.0, -10.0))
    assert two_lines("Short") == "Short"
    assert two_lines("Access for small and medium-sized firms") == (
        "Access for small and\nmedium-sized firms"
    )
