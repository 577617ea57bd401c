"""The locator map of a report: where the region is (overview) and who its neighbours are
(close-up), drawn from the atlas's simplified polygons.

- Overview: the countries (level 0 of the region's system) for NUTS regions, fitted to
  continental Europe in a Lambert azimuthal equal-area projection (the look of EPSG:3035);
  the states in Albers USA for US regions; all regions of the level otherwise.
- Close-up: the regions of the same level around the region (a box 60 % larger than the
  region on each side), centred on it.

A region without a polygon in the atlas gets no map and a sentence saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusteratlas.errors import NotFoundError
from clusteratlas.reports import specs
from clusteratlas.reports.svg import to_svg

MAP_WIDTH = 300
EUROPE_FIT = specs.extent_feature((-10.0, 35.0, 30.0, 70.0), grow=0.0)


def _bbox(geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    from shapely.geometry import shape

    return tuple(shape(geometry).bounds)  # type: ignore[return-value]


def _features(atlas: Any, system: str, level: int | None) -> list[dict[str, Any]]:
    try:
        return list(atlas.geometries(system, level)["features"])
    except NotFoundError:
        return []


def _overview(atlas: Any, region: Mapping[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    system = str(region["system"])
    upper = system.upper()
    if upper.startswith("US"):
        context = _features(atlas, "US-STATE", 1) if upper != "US-STATE" else []
        context = context or _features(atlas, system, region["level"])
        # d3's default Albers USA (scale 1070 on a 960 × 500 frame) scaled to the map's width
        projection: dict[str, Any] = {
            "type": "albersUsa",
            "scale": 1070 * MAP_WIDTH / 960,
            "translate": [MAP_WIDTH / 2, MAP_WIDTH * 250 / 960],
        }
    elif upper.startswith("NUTS"):
        context = _features(atlas, system, 0) or _features(atlas, system, region["level"])
        projection = {"type": "azimuthalEqualArea", "rotate": [-10, -52, 0], "fit": EUROPE_FIT}
    else:
        context = _features(atlas, system, region["level"])
        x0, y0, x1, y1 = _bbox(
            {"type": "GeometryCollection", "geometries": [f["geometry"] for f in context]}
        )
        projection = {
            "type": "azimuthalEqualArea",
            "rotate": [-(x0 + x1) / 2, -(y0 + y1) / 2, 0],
            "fit": specs.extent_feature((x0, y0, x1, y1), grow=0.05),
        }
    feats = [specs.spherical_winding(f) for f in context if f["id"] != own["id"]]
    feats.append(specs.spherical_winding(own))
    height = round(MAP_WIDTH * 520 / 960) if upper.startswith("US") else 260
    return specs.locator_map(
        feats, own["id"], projection=projection, title="Location", width=MAP_WIDTH, height=height
    )


def _closeup(atlas: Any, region: Mapping[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    from shapely.geometry import box, shape

    bbox = _bbox(own["geometry"])
    extent = specs.extent_feature(bbox)
    window = box(*_bbox(extent["geometry"]))
    same = _features(atlas, str(region["system"]), region["level"])
    near = [f for f in same if f["id"] != own["id"] and shape(f["geometry"]).intersects(window)]
    feats = [specs.spherical_winding(f) for f in near] + [specs.spherical_winding(own)]
    lon, lat = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    projection = {"type": "azimuthalEqualArea", "rotate": [-lon, -lat, 0], "fit": extent}
    return specs.locator_map(
        feats, own["id"], projection=projection, title="The region and its neighbours"
    )


def locator(atlas: Any, region: Mapping[str, Any]) -> dict[str, Any]:
    """``{"svgs": [overview, close-up] (inline SVG), "note": str | None}`` for ``region``
    (an :meth:`Atlas.region` dict)."""
    if not region.get("has_geometry"):
        return {"svgs": [], "note": f"The atlas has no polygon for {region['code']}: no map."}
    same = _features(atlas, str(region["system"]), region["level"])
    own = next((f for f in same if f["id"] == region["code"]), None)
    if own is None:
        return {"svgs": [], "note": f"The atlas has no polygon for {region['code']}: no map."}
    svgs = [to_svg(_overview(atlas, region, own), f"Map locating {region.get('name')}")]
    if str(region["system"]).upper() != "US-STATE" and len(same) > 1:
        svgs.append(
            to_svg(_closeup(atlas, region, own), f"{region.get('name')} and its neighbours")
        )
    return {"svgs": svgs, "note": None}
