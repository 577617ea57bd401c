"""Trace polygon outlines of raster regions and write them as GeoJSON.

A region is a set of square cells. Its outline is made of the cell edges that separate a
member cell from a non-member; each edge is oriented with the region on its left, so chaining
them gives counter-clockwise exterior rings and clockwise holes, which is what RFC 7946
(GeoJSON) asks for. Where two member cells touch only at a corner, the tracer turns left, so
the two parts become separate rings that meet at a point instead of one self-touching ring.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from clusteratlas.fileio import atomic_path
from clusteratlas.sources.demo.geography import Geography

Ring = list[tuple[int, int]]


def trace_rings(member: np.ndarray) -> list[Ring]:
    """Closed rings (first vertex repeated last) around the ``True`` cells of ``member``.

    Coordinates are raster corners with x to the right and y up (row 0 is the top row).

    Examples
    --------
    >>> trace_rings(np.array([[True]]))
    [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]
    """
    h = member.shape[0]
    padded = np.pad(member, 1)
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def add(a: tuple[int, int], b: tuple[int, int]) -> None:
        edges.setdefault(a, []).append(b)

    rows, cols = np.nonzero(member)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        x0, x1, y0, y1 = c, c + 1, h - r - 1, h - r
        pr, pc = r + 1, c + 1
        if not padded[pr + 1, pc]:  # below
            add((x0, y0), (x1, y0))
        if not padded[pr, pc + 1]:  # right
            add((x1, y0), (x1, y1))
        if not padded[pr - 1, pc]:  # above
            add((x1, y1), (x0, y1))
        if not padded[pr, pc - 1]:  # left
            add((x0, y1), (x0, y0))

    rings: list[Ring] = []
    while edges:
        start = min(edges)
        ring = [start]
        prev, cur = start, edges[start].pop()
        if not edges[start]:
            del edges[start]
        while True:
            ring.append(cur)
            if cur == start:
                break
            options = edges[cur]
            nxt = _leftmost(prev, cur, options)
            options.remove(nxt)
            if not options:
                del edges[cur]
            prev, cur = cur, nxt
        rings.append(_simplify(ring))
    return rings


def _leftmost(
    prev: tuple[int, int], cur: tuple[int, int], options: list[tuple[int, int]]
) -> tuple[int, int]:
    """Of the outgoing edges at ``cur``, the one turning most to the left."""
    if len(options) == 1:
        return options[0]
    dx, dy = cur[0] - prev[0], cur[1] - prev[1]
    left = (-dy, dx)
    for o in options:
        if (o[0] - cur[0], o[1] - cur[1]) == left:
            return o
    straight = (dx, dy)
    for o in options:
        if (o[0] - cur[0], o[1] - cur[1]) == straight:
            return o
    return options[0]


def _simplify(ring: Ring) -> Ring:
    """Drop vertices in the middle of straight runs (keeps the ring closed)."""
    pts = ring[:-1]
    keep = []
    n = len(pts)
    for i, p in enumerate(pts):
        a, b = pts[i - 1], pts[(i + 1) % n]
        if (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) != 0:
            keep.append(p)
    return [*keep, keep[0]]


def ring_area(ring: Ring | np.ndarray) -> float:
    """Signed shoelace area: positive for counter-clockwise rings.

    ``A = 1/2 * sum_i (x_i * y_{i+1} - x_{i+1} * y_i)`` over consecutive vertices.

    Examples
    --------
    >>> ring_area([(0, 0), (2, 0), (2, 1), (0, 1), (0, 0)])
    2.0
    """
    a = np.asarray(ring, dtype=float)
    return float(0.5 * np.sum(a[:-1, 0] * a[1:, 1] - a[1:, 0] * a[:-1, 1]))


def _inside(point: tuple[float, float], ring: Ring) -> bool:
    """Ray-casting point-in-polygon test (the point must not lie on the ring)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def polygons(member: np.ndarray) -> list[list[Ring]]:
    """Group traced rings into polygons: ``[[exterior, hole, ...], ...]``."""
    rings = trace_rings(member)
    shells = [r for r in rings if ring_area(r) > 0]
    holes = [r for r in rings if ring_area(r) < 0]
    result = [[s] for s in shells]
    for hole in holes:
        (x1, y1), (x2, y2) = hole[0], hole[1]
        # a point just left of the hole's first edge lies in the region around the hole
        probe = ((x1 + x2) / 2 - (y2 - y1) * 0.25, (y1 + y2) / 2 + (x2 - x1) * 0.25)
        for poly in result:
            if _inside(probe, poly[0]):
                poly.append(hole)
                break
    return result


def region_features(geo: Geography, properties: dict[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON features of every region (levels 0-3) with its code, name, level and parent."""
    features = []
    for row in geo.regions.itertuples(index=False):
        index = geo.codes[row.level].index(row.code)
        polys = polygons(geo.labels[row.level] == index)
        coords = [
            [_to_lonlat(geo, ring) for ring in poly]
            for poly in sorted(polys, key=lambda p: -ring_area(p[0]))
        ]
        geometry = (
            {"type": "Polygon", "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": "MultiPolygon", "coordinates": coords}
        )
        features.append(
            {
                "type": "Feature",
                "id": row.code,
                "properties": {
                    "code": row.code,
                    "name": row.name,
                    "level": int(row.level),
                    "parent": row.parent,
                    "country": row.country,
                    **properties,
                },
                "geometry": geometry,
            }
        )
    return features


def _to_lonlat(geo: Geography, ring: Ring) -> list[list[float]]:
    xy = np.asarray(ring, dtype=float)
    lon, lat = geo.to_lonlat(xy[:, 0], xy[:, 1])
    return [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lon, lat, strict=True)]


def write_geojson(path: str | Path, collection: dict[str, Any]) -> Path:
    """Write a GeoJSON object atomically (temporary file in the same folder + ``os.replace``)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    return path
