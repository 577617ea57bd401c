"""Demoland's map: names, nested regions, contiguity and traced polygons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from clusteratlas.sources.demo.geography import COUNTRY_CODE, build_geography
from clusteratlas.sources.demo.names import fictional_names
from clusteratlas.sources.demo.outline import polygons, ring_area, trace_rings


@pytest.fixture(scope="module")
def geo():
    return build_geography(np.random.default_rng(11), 4, 20, 80)


def test_names_are_deterministic_distinct_and_fictional():
    a = fictional_names(np.random.default_rng(5), 40, 3)
    b = fictional_names(np.random.default_rng(5), 40, 3)
    assert a == b
    assert len(set(a)) == 40
    assert all(n[0].isupper() and n.isascii() for n in a)
    macro = fictional_names(np.random.default_rng(5), 4, 1)
    assert all(" " in n for n in macro)  # "North Xmark" style


def test_country_code_is_not_a_real_one():
    # ISO 3166 user-assigned; NUTS and GISCO use no X? code except XK (Kosovo)
    assert COUNTRY_CODE == "XD"


def test_same_seed_same_map_other_seed_other_map(geo):
    again = build_geography(np.random.default_rng(11), 4, 20, 80)
    other = build_geography(np.random.default_rng(12), 4, 20, 80)
    assert geo.regions.equals(again.regions)
    assert np.array_equal(geo.labels[3], again.labels[3])
    assert not np.array_equal(geo.labels[3], other.labels[3]) or not geo.regions.equals(
        other.regions
    )


def test_hierarchy_is_consistent(geo):
    r = geo.regions
    assert r["level"].value_counts().sort_index().tolist() == [1, 4, 20, 80]
    assert r["code"].is_unique
    codes = set(r["code"])
    for row in r[r["level"] > 0].itertuples():
        assert row.parent in codes
        assert row.code.startswith(row.parent) and len(row.code) == len(row.parent) + 1
        parent_level = r.loc[r["code"] == row.parent, "level"].iloc[0]
        assert parent_level == row.level - 1
    assert (r["country"] == COUNTRY_CODE).all()
    assert r.loc[r["level"] == 0, "code"].tolist() == [COUNTRY_CODE]


def test_children_tile_their_parent_exactly(geo):
    parent = dict(zip(geo.regions["code"], geo.regions["parent"], strict=True))
    for level in (1, 2, 3):
        child = geo.labels[level]
        up = geo.labels[level - 1]
        land = child >= 0
        assert np.array_equal(land, up >= 0)
        codes, parents = np.array(geo.codes[level]), np.array(geo.codes[level - 1])
        assert all(
            parent[c] == p for c, p in zip(codes[child[land]], parents[up[land]], strict=True)
        )


def test_every_region_is_one_contiguous_piece(geo):
    for level in (1, 2, 3):
        for i in range(len(geo.codes[level])):
            _, n = ndimage.label(geo.labels[level] == i)
            assert n == 1, geo.codes[level][i]


def test_adjacency_pairs_touch(geo):
    assert len(geo.adjacency) >= 80  # a planar map of 80 regions has many borders
    grid = geo.labels[3]
    a, b = geo.adjacency[0]
    touching = (grid[:, :-1] == a) & (grid[:, 1:] == b) | (grid[:, :-1] == b) & (grid[:, 1:] == a)
    touching_v = (grid[:-1] == a) & (grid[1:] == b) | (grid[:-1] == b) & (grid[1:] == a)
    assert touching.any() or touching_v.any()


# -- outlines --------------------------------------------------------------------------------
def test_single_cell_ring():
    assert trace_rings(np.array([[True]])) == [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]


def test_l_shape_area_and_orientation():
    member = np.array([[True, False], [True, True]])
    rings = trace_rings(member)
    assert len(rings) == 1
    assert ring_area(rings[0]) == 3.0  # counter-clockwise exterior: positive
    assert len(rings[0]) == 7  # six corners, closed


def test_ring_with_hole():
    member = np.ones((3, 3), dtype=bool)
    member[1, 1] = False
    polys = polygons(member)
    assert len(polys) == 1 and len(polys[0]) == 2
    shell, hole = polys[0]
    assert ring_area(shell) == 9.0 and ring_area(hole) == -1.0  # hole is clockwise


def test_diagonal_cells_are_two_rings():
    member = np.array([[True, False], [False, True]])
    polys = polygons(member)
    assert len(polys) == 2
    assert sorted(ring_area(p[0]) for p in polys) == [1.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=36, max_size=36))
def test_traced_area_equals_cell_count(bits):
    member = np.array(bits, dtype=bool).reshape(6, 6)
    rings = trace_rings(member)
    assert sum(ring_area(r) for r in rings) == member.sum()
    assert all(r[0] == r[-1] for r in rings)
    _, components = ndimage.label(member)  # 4-connectivity
    assert sum(ring_area(r) > 0 for r in rings) == components


def test_geojson_parent_area_is_sum_of_children(geo):
    from clusteratlas.sources.demo.outline import region_features

    features = {f["id"]: f for f in region_features(geo, {"synthetic": True})}

    def area(feature):
        g = feature["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        return sum(ring_area(ring) for poly in polys for ring in poly)

    def bbox(feature):
        g = feature["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        pts = np.array([p for poly in polys for ring in poly for p in ring])
        return pts.min(axis=0), pts.max(axis=0)

    assert all(f["properties"]["synthetic"] is True for f in features.values())
    for row in geo.regions[geo.regions["level"] < 3].itertuples():
        children = geo.regions.loc[geo.regions["parent"] == row.code, "code"]
        total = sum(area(features[c]) for c in children)
        assert area(features[row.code]) == pytest.approx(total, rel=1e-6)
        lo, hi = bbox(features[row.code])
        for c in children:
            clo, chi = bbox(features[c])
            assert (clo >= lo - 1e-9).all() and (chi <= hi + 1e-9).all()
    # Demoland lies in the open North Atlantic
    lo, hi = bbox(features[COUNTRY_CODE])
    assert -40 < lo[0] < hi[0] < -20 and 40 < lo[1] < hi[1] < 55
