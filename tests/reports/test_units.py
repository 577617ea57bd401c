"""The pure parts of the reports, on hand-made inputs."""

from __future__ import annotations

import re

import numpy as np
import pytest

from clusteratlas.reports import specs
from clusteratlas.reports.joint import entity_flags, shared_matrix, weakness_matrix
from clusteratlas.reports.sources import report_sources, source_details
from clusteratlas.reports.svg import to_svg
from clusteratlas.scoreboard.results import flag


def test_sources_line_names_source_dataset_date_nuts_and_classification():
    info = {
        "attribution": ["Source: Eurostat", "© EuroGeographics"],
        "sources": [
            {"source": "Eurostat", "dataset": "lfst_r_lfe2en2", "extraction_date": "2017-04-03"}
        ],
        "built_at": "2026-12-02T01:43:00",
    }
    prov = [
        {
            "dataset": "lfst_r_lfe2en2",
            "nuts_versions": ["2013"],
            "classification": "NACE_R2 sections (A10)",
            "attribution": ["Source: Eurostat", "extra line"],
        }
    ]
    s = report_sources(info, prov)
    assert s.line == (
        "Eurostat lfst_r_lfe2en2, extracted 2017-04-03, NUTS 2013, NACE Rev. 2 sections (A10)"
        " · atlas built 2026-12-02"
    )
    # the atlas's lines first, then what a result adds, each once
    assert s.attribution == ["Source: Eurostat", "© EuroGeographics", "extra line"]


def test_synthetic_atlases_say_so_in_the_line():
    s = report_sources({"synthetic": True, "sources": [{"source": "demo", "dataset": "d"}]}, [])
    assert s.line.startswith("SYNTHETIC DATA · demo d, not stated")


def test_scoreboard_edition_is_listed_as_its_own_source():
    prov = [{"edition": "open-data", "nuts_versions": ["2016"], "created_at": "2026-12-01 10:00"}]
    (row,) = source_details({"sources": []}, prov)
    assert row == {
        "source": "Cluster Atlas scoreboard",
        "dataset": "edition open-data",
        "extraction": "2026-12-01",
        "nuts": "NUTS 2016",
        "classification": "scoreboard framework",
    }


ITEMS = [
    {"cluster": "a", "cluster_name": "Alpha", "value": 1.5, "change": 0.2, "employment": 100.0},
    {"cluster": "b", "cluster_name": "Beta", "value": 0.8, "change": -0.1, "employment": 50.0},
    {"cluster": "c", "cluster_name": "Gamma", "value": 1.2, "change": -0.3, "employment": 20.0},
]


def _portfolio_items():
    quadrant = {"a": "rising", "b": "declining", "c": "mature"}
    return [
        {**i, "start": 2010, "end": 2020, "reference": 1.0, "quadrant": quadrant[i["cluster"]]}
        for i in ITEMS
    ]


def test_portfolio_chart_draws_one_bubble_per_cluster_and_names_the_largest():
    spec = specs.portfolio_chart(_portfolio_items(), labels=2)
    labels = {r["cluster"]: r["label"] for r in spec["data"]["values"]}
    assert labels == {"a": "Alpha", "b": "Beta", "c": ""}
    svg = to_svg(spec)
    assert svg.startswith('<svg role="img" aria-label="Cluster portfolio')
    # vl-convert draws each circle as one path in the symbol mark group
    group = re.search(r'class="mark-symbol role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S).group(1)
    assert group.count("<path") == len(ITEMS)
    for word in ("rising", "mature", "emerging", "declining", "Alpha", "Beta"):
        assert f">{word}<" in svg


def test_charts_refuse_empty_input_and_fetch_nothing():
    with pytest.raises(ValueError):
        specs.portfolio_chart([])
    with pytest.raises(ValueError):
        specs.trend_chart([{"year": 2020, "traded_employment": 1.0}])
    spec = {
        "$schema": specs.SCHEMA,
        "data": {"url": "https://example.org/data.json"},
        "mark": "point",
    }
    with pytest.raises(Exception, match=r"(?i)url|allowed|access"):
        to_svg(spec)


def test_locator_map_highlights_only_the_region():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    other = {"type": "Polygon", "coordinates": [[[1, 0], [1, 1], [2, 1], [2, 0], [1, 0]]]}
    feats = [
        {"type": "Feature", "id": "R1", "properties": {}, "geometry": square},
        {"type": "Feature", "id": "R2", "properties": {}, "geometry": other},
    ]
    spec = specs.locator_map(
        feats,
        "R1",
        projection={"type": "mercator", "fit": specs.extent_feature((0, 0, 2, 1), 0.0)},
        title="t",
    )
    svg = to_svg(spec)
    assert svg.count(specs.HIGHLIGHT) == 1  # one region filled in the highlight colour
    assert svg.count(specs.CONTEXT_FILL) == 2  # both drawn as context underneath


def test_spherical_winding_makes_exteriors_clockwise():
    from shapely.geometry import shape

    ccw = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    out = specs.spherical_winding({"type": "Feature", "geometry": ccw})
    assert not shape(out["geometry"]).exterior.is_ccw


def test_entity_flags_use_the_scoreboard_rule_on_the_members_mean():
    peers = {"p1": {"n": 40.0}, "p2": {"n": 60.0}, "p3": {"n": 50.0}, "p4": {"n": 50.0}}
    # members 30 and 40: mean 35, relative 100 × 35 / 50 = 70 ≤ 80 → bottleneck
    got = entity_flags([{"n": 30.0}, {"n": 40.0}], peers, ["n"])
    assert got == {"n": "B"}
    assert flag(35.0, np.array([40.0, 60.0, 50.0, 50.0]))[0] == "bottleneck"
    # a member without a score is left out of the mean: 60 alone → relative 120 → strength
    assert entity_flags([{"n": 60.0}, {}], peers, ["n"]) == {"n": "S"}
    assert entity_flags([{}], peers, ["n"]) == {"n": ""}  # no data


def test_shared_matrix_lists_who_shares_each_challenge():
    nodes = [{"node": x, "name": x.upper(), "level": "dimension"} for x in ("x", "y", "z")]
    flags = {"A": {"x": "B", "y": "S", "z": "B"}, "B": {"x": "", "y": "B", "z": "B"}}
    rows = shared_matrix(flags, nodes)
    assert [(r["node"], r["bottlenecks"], r["strengths"]) for r in rows] == [
        ("z", ["A", "B"], []),
        ("x", ["A"], []),
        ("y", ["B"], ["A"]),
    ]


def test_weakness_matrix_counts_red_only():
    w = {
        "R1": [{"theme": "t", "title": "T", "score": 45.0, "light": "amber"}],
        "R2": [{"theme": "t", "title": "T", "score": 20.0, "light": "red"}],
    }
    (row,) = weakness_matrix(w)
    assert row["regions"] == ["R2"]
    assert row["cells"]["R1"] == {"light": "amber", "score": 45.0}
    with pytest.raises(Exception, match="weaknesses"):
        weakness_matrix({"R1": [{"title": "no theme"}]})
