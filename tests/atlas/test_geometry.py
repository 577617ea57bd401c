"""TopoJSON decoding and polygon simplification, on hand-made shapes."""

from __future__ import annotations

import json

import pytest

from clusteratlas.atlas.geometry import region_rows, simplify_features, topojson_features


def test_topojson_quantised_arcs_decode_to_the_square():
    # One arc, delta-encoded: (0,0) (+2,0) (0,+2) (-2,0) (0,-2); scale 0.5, translate (10, 20)
    topo = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 2], [-2, 0], [0, -2]]],
        "objects": {
            "r": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "id": "01", "properties": {"name": "A"}},
                    {"type": "Polygon", "arcs": [[-1]], "id": "02"},
                    {"type": "Point", "coordinates": [0, 0], "id": "03"},
                ],
            }
        },
    }
    feats = topojson_features(topo, "r")
    square = [[10.0, 20.0], [11.0, 20.0], [11.0, 21.0], [10.0, 21.0], [10.0, 20.0]]
    assert feats[0]["geometry"] == {"type": "Polygon", "coordinates": [square]}
    assert feats[0]["id"] == "01" and feats[0]["properties"] == {"name": "A"}
    assert feats[1]["geometry"]["coordinates"] == [square[::-1]]  # ~0 walks the arc backwards
    assert feats[2]["geometry"] is None


def test_rings_of_several_arcs_share_their_joining_point():
    topo = {
        "arcs": [[[0, 0], [1, 0], [1, 1]], [[1, 1], [0, 1], [0, 0]]],
        "objects": {"r": {"geometries": [{"type": "Polygon", "arcs": [[0, 1]], "id": "x"}]}},
    }
    ring = topojson_features(topo, "r")[0]["geometry"]["coordinates"][0]
    assert ring == [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_simplify_rounds_skips_empty_and_marks_geometry():
    wiggly = [[0, 0], [0.5, 0.001], [1, 0], [1, 1], [0, 1], [0, 0]]
    feats = [
        {
            "properties": {"code": "A", "level": 2},
            "geometry": {"type": "Polygon", "coordinates": [wiggly]},
        },
        {"properties": {"code": "B"}, "geometry": None},
    ]
    geo = simplify_features(feats, "S", tolerance=0.01, precision=3)
    assert list(geo["code"]) == ["A"]
    coords = json.loads(geo.iloc[0]["geometry"])["coordinates"][0]
    assert [0.5, 0.001] not in coords  # the 0.001 wiggle is below the tolerance
    assert len(coords) == 5
    import pandas as pd

    regs = region_rows(
        pd.DataFrame(
            {
                "system": ["S", "S"],
                "code": ["A", "B"],
                "name": ["a", None],
                "level": [2, 2],
                "parent": [None, None],
                "country": ["X", "X"],
            }
        ),
        geo,
    )
    assert list(regs["has_geometry"]) == [True, False]


@pytest.mark.parametrize("precision", [2, 5])
def test_precision_rounds_coordinates(precision):
    feats = [{"properties": {"code": "A"}, "geometry": {"type": "Polygon", "coordinates": [
        [[0.123456789, 0], [1, 0], [1, 1], [0, 0.123456789]]]}}]  # fmt: skip
    coords = json.loads(
        simplify_features(feats, "S", tolerance=0, precision=precision).iloc[0]["geometry"]
    )
    assert coords["coordinates"][0][0][0] == round(0.123456789, precision)
