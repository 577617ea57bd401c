"""LISA hot spots against esda directly on the same weights; islands; cross-border zones."""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from clusteratlas.errors import InputError
from clusteratlas.linkages.hotspots import contiguity_weights, lisa_hotspots, read_geometries


def grid(n: int = 5) -> gpd.GeoDataFrame:
    """n x n unit squares; the left two columns are country AA, the rest BB; plus an island."""
    rows = [
        {"region": f"{'AA' if i < 2 else 'BB'}{i}{j}", "geometry": box(i, j, i + 1, j + 1)}
        for i in range(n)
        for j in range(n)
    ]
    rows.append({"region": "CC99", "geometry": box(n + 3, 0, n + 4, 1)})  # an island
    return gpd.GeoDataFrame(rows, geometry="geometry").set_index("region")


def values(g: gpd.GeoDataFrame) -> pd.Series:
    rng = np.random.default_rng(0)
    v = pd.Series(rng.normal(0, 1, len(g)), index=g.index)
    for r in ("AA11", "AA12", "BB21", "BB22", "BB31"):  # a high block across the border
        v[r] = 6.0
    return v


def test_equal_to_esda_on_the_same_weights() -> None:
    g = grid()
    v = values(g)
    got = lisa_hotspots(v, g, permutations=499, seed=7)
    w, _ = contiguity_weights(g)
    ref = esda.Moran_Local(v.loc[g.index].to_numpy(), w, permutations=499, seed=7)
    t = got.table.set_index("region").loc[g.index]
    np.testing.assert_allclose(t.local_i, ref.Is)
    np.testing.assert_allclose(t.p_sim, ref.p_sim)


def test_island_attached_and_reported() -> None:
    g = grid()
    w, islands = contiguity_weights(g)
    assert islands == ["CC99"]
    assert w.neighbors["CC99"]  # joined to its nearest region
    _, dropped = contiguity_weights(g, islands="drop")
    assert dropped == ["CC99"]


def test_cross_border_hot_spot_zone() -> None:
    g = grid()
    got = lisa_hotspots(values(g), g, permutations=999, seed=1)
    hh = set(got.table.loc[got.table.label == "HH", "region"])
    assert {"AA11", "BB21"} <= hh
    zone = next(z for z in got.zones if "AA11" in z["regions"])
    assert zone["cross_border"] and zone["countries"] == ["AA", "BB"]
    assert got.as_dict()["seed"] == 1


def test_seed_makes_inference_reproducible() -> None:
    g = grid()
    a = lisa_hotspots(values(g), g, seed=3).table.p_sim
    b = lisa_hotspots(values(g), g, seed=3).table.p_sim
    assert a.equals(b)


def test_too_few_regions() -> None:
    g = grid()
    with pytest.raises(InputError, match="--geometry"):
        lisa_hotspots(pd.Series({"AA00": 1.0}), g)


@pytest.mark.shared
def test_nuts2_geometries(shared_file) -> None:
    g = read_geometries(shared_file("nuts/NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz"), level=2)
    v = pd.Series(np.arange(len(g), dtype=float), index=g.index)
    got = lisa_hotspots(v, g, permutations=99, seed=0)
    assert len(got.table) == len(g)
    assert got.islands  # NUTS 2 has islands (e.g. outermost regions, Malta)
