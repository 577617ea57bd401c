"""Class breaks, classes and projections of the choropleths (hand-computed examples)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from clusteratlas.web import maps


def test_quantile_breaks_by_hand():
    # 8 values, 4 classes: quartiles of 1..8 with linear interpolation are 2.75, 4.5, 6.25, 8
    assert maps.class_breaks([1, 2, 3, 4, 5, 6, 7, 8], "quantiles", k=4) == [2.75, 4.5, 6.25, 8.0]


def test_natural_breaks_split_the_gaps():
    # three tight groups: Fisher-Jenks puts the breaks at each group's maximum
    values = [1, 1.1, 1.2, 10, 10.5, 11, 50, 52, 55]
    assert maps.class_breaks(values, "natural", k=3) == [1.2, 11.0, 55.0]


def test_lq_classes_are_fixed_around_one():
    labels, domain, colours = maps.classify(pd.Series([0.5, 0.8, 1.0, 1.25, 3.0, np.nan]), "lq")
    # left-closed bins [0.8, 1.25) etc.: 0.8 is "0.8 – 1.25", 1.25 is "1.25 – 2"
    assert labels.tolist() == ["< 0.8", "0.8 – 1.25", "0.8 – 1.25", "1.25 – 2", "> 2", "No data"]
    assert domain[-1] == "No data" and colours[-1] == maps.NO_DATA_COLOUR
    assert len(domain) == len(colours) == 5


def test_zero_is_a_value_not_no_data():
    labels, domain, _ = maps.classify(pd.Series([0.0, 0.0, 5.0, 10.0, None]), "quantiles", k=2)
    assert labels.iloc[0] != maps.NO_DATA and labels.iloc[1] != maps.NO_DATA
    assert labels.iloc[4] == maps.NO_DATA
    assert domain[0].startswith("0.00")


def test_stars_classes():
    labels, domain, _ = maps.classify(pd.Series([0, 1, 2, 3, None]), "stars")
    assert labels.tolist() == ["0 stars", "1 star", "2 stars", "3 stars", "No data"]
    assert domain == ["0 stars", "1 star", "2 stars", "3 stars", "No data"]


def test_all_missing_is_no_data_only():
    labels, domain, _ = maps.classify(pd.Series([np.nan, np.nan]), "quantiles")
    assert labels.tolist() == ["No data", "No data"] and domain == ["No data"]


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.sampled_from(["quantiles", "natural"]),
)
def test_every_value_gets_a_class_of_the_legend(values, method):
    labels, domain, colours = maps.classify(pd.Series(values), method, k=5)
    assert set(labels) <= set(domain) - {maps.NO_DATA}
    assert len(domain) == len(colours)


def test_projection_by_region_system():
    assert maps.projection("US-STATE", (0, 0, 1, 1)) == {"type": "albersUsa"}
    eu = maps.projection("NUTS2021", (0, 0, 1, 1))
    assert eu["type"] == "azimuthalEqualArea" and eu["rotate"] == [-10, -52, 0]  # ETRS89-LAEA look
    demo = maps.projection("demo", (-34.0, 45.0, -30.0, 49.0))
    assert demo["rotate"] == [32.0, -47.0, 0]


def test_topology_is_cached_and_keeps_codes():
    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": c, "name": c},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]],
                },
            }
            for c, x in (("A", 0), ("B", 1))
        ],
    }
    first = maps.topology(square, ("test", 1))
    assert first is maps.topology({"type": "FeatureCollection", "features": []}, ("test", 1))
    assert first.codes == {"A", "B"} and first.bbox == (0.0, 0.0, 2.0, 1.0)
    topo = first.data
    assert topo["type"] == "Topology" and len(topo["objects"]["regions"]["geometries"]) == 2


def test_enclave_is_wound_clockwise_like_every_exterior():
    # a 3x3 square with a 1x1 enclave in the middle: the enclave's outline is the square's
    # hole, so its shared arc comes out counter-clockwise unless rewound
    outer = [[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]]
    hole = [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]
    inner = [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "RING"},
                "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
            },
            {
                "type": "Feature",
                "properties": {"code": "CITY"},
                "geometry": {"type": "Polygon", "coordinates": [inner]},
            },
        ],
    }
    topo = maps.topology(fc, ("enclave",), tolerance=0).data
    arcs = maps._decode_arcs(topo)

    def area(ring):
        pts = []
        for i in ring:
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(seg if not pts else seg[1:])
        return maps._signed_area(pts)

    for geom in topo["objects"]["regions"]["geometries"]:
        exterior, *holes = geom["arcs"]
        assert area(exterior) < 0  # clockwise
        assert all(area(h) > 0 for h in holes)  # counter-clockwise
