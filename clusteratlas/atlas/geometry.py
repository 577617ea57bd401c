"""Region polygons for the web: simplified once at build time, stored as GeoJSON text.

:func:`simplify_features` turns GeoJSON features into rows of the ``atlas_geometries`` table
(``system, code, level, geometry``), simplifying each polygon with Shapely
(Douglas–Peucker, topology preserved per feature) so a whole map stays small enough to send to
a browser. :func:`region_rows` marks every listed region with ``has_geometry``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd


def simplify_features(
    features: Iterable[dict[str, Any]],
    system: str,
    *,
    tolerance: float = 0.01,
    code_key: str = "code",
    level_key: str | None = "level",
    precision: int = 5,
) -> pd.DataFrame:
    """Rows ``system, code, level, geometry`` from GeoJSON features.

    ``tolerance`` is in the coordinates' units (degrees for EPSG:4326: 0.01° ≈ 1 km);
    coordinates are rounded to ``precision`` decimals. Features without a geometry or a code
    are skipped (their regions then have ``has_geometry`` false).
    """
    import numpy as np
    from shapely import transform
    from shapely.geometry import mapping, shape

    rows = []
    for feat in features:
        props = feat.get("properties") or {}
        code = props.get(code_key, feat.get("id"))
        geom = feat.get("geometry")
        if code is None or not geom:
            continue
        shp = shape(geom)
        if tolerance > 0:
            simple = shp.simplify(tolerance, preserve_topology=True)
            if not simple.is_empty:
                shp = simple
        shp = transform(shp, lambda xy: np.round(xy, precision))
        if shp.is_empty:
            continue
        level = props.get(level_key) if level_key else None
        rows.append(
            {
                "system": system,
                "code": str(code),
                "level": None if level is None else int(level),
                "geometry": json.dumps(mapping(shp), separators=(",", ":")),
            }
        )
    frame = pd.DataFrame(rows, columns=["system", "code", "level", "geometry"])
    return frame.drop_duplicates(["system", "code"])


def region_rows(regions: pd.DataFrame, geometries: pd.DataFrame) -> pd.DataFrame:
    """``regions`` (system, code, name, level, parent, country) with ``has_geometry``."""
    have = set(zip(geometries["system"], geometries["code"], strict=True))
    out = regions.copy()
    out["has_geometry"] = [(s, c) in have for s, c in zip(out["system"], out["code"], strict=True)]
    for col in ("parent", "name", "country"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def topojson_features(topology: dict[str, Any], object_name: str) -> list[dict[str, Any]]:
    """GeoJSON features of one object of a TopoJSON ``Topology`` (the format's inverse).

    Arcs are delta-decoded and un-quantised with the topology's ``transform`` (``x = x_q *
    scale + translate``); a negative arc index ``~i`` walks arc ``i`` backwards; consecutive
    arcs of a ring share their joining point, which is kept once (TopoJSON specification
    1.0, §2.1.4 and §2.2). Each feature keeps the geometry's ``id`` and ``properties``.
    """
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        pts = [list(map(float, p[:2])) for p in arc]
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0.0
            out = []
            for dx, dy in pts:
                x += dx
                y += dy
                out.append([x * sx + tx, y * sy + ty])
            pts = out
        arcs.append(pts)

    def ring(indexes: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(pts if not coords else pts[1:])
        return coords

    def geometry(g: dict[str, Any]) -> dict[str, Any] | None:
        kind = g.get("type")
        if kind == "Polygon":
            return {"type": kind, "coordinates": [ring(r) for r in g["arcs"]]}
        if kind == "MultiPolygon":
            return {"type": kind, "coordinates": [[ring(r) for r in p] for p in g["arcs"]]}
        return None  # points, lines and null geometries carry no region polygon

    features = []
    for g in topology["objects"][object_name]["geometries"]:
        features.append(
            {
                "type": "Feature",
                "id": g.get("id"),
                "properties": dict(g.get("properties") or {}),
                "geometry": geometry(g),
            }
        )
    return features
