"""Choropleth maps as Vega-Lite ``geoshape`` specs, with class breaks from mapclassify.

- Geometries come from the atlas (GeoJSON, simplified), are turned into TopoJSON once per
  (atlas, region system, level) by :func:`topology` (shared arcs, quantised, simplified with
  ``topojson``) and served from ``/geo/{system}/{level}.topojson`` with an ETag; specs
  reference that URL, so a browser downloads each geometry once.
- Values are put into classes server-side (:func:`classify`): quantiles, Fisher-Jenks natural
  breaks, fixed LQ classes around 1, or the 0-3 ECO stars. Regions without a value get the
  class "No data", drawn light grey and listed in the legend, distinct from a zero (which
  falls into the lowest class).
- Projection: Lambert azimuthal equal-area centred on 10°E 52°N for NUTS regions (the look of
  EPSG:3035, ETRS89-LAEA, which Eurostat uses for its maps), fitted to continental Europe;
  Albers USA for US states and metro areas; an equal-area projection centred on the data
  otherwise (Demoland).
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.reports.specs import spherical_winding  # one definition, shared with reports
from clusteratlas.web.panels import frame_records

NO_DATA = "No data"
NO_DATA_COLOUR = "#d9d9d9"
#: ColorBrewer YlGnBu (colour-blind safe, sequential) by number of classes.
SEQUENTIAL = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
}
#: ColorBrewer PuOr (diverging) for LQ classes around 1: under-, near-, over-represented.
LQ_BREAKS = (0.8, 1.25, 2.0)
LQ_COLOURS = ["#e66101", "#fdb863", "#b2abd2", "#5e3c99"]
STAR_COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"]
METHODS = ("quantiles", "natural", "lq", "stars")
#: Continental Europe (lon/lat polygon) the NUTS projection is fitted to; overseas regions are
#: clipped, as on Eurostat's own maps.
EUROPE_FIT = {
    "type": "Feature",
    "properties": {},
    "geometry": {
        "type": "Polygon",
        # clockwise: on the sphere (d3-geo, Vega) a ring's inside is on its right-hand side
        "coordinates": [[[-11.0, 34.0], [-11.0, 71.0], [34.0, 71.0], [34.0, 34.0], [-11.0, 34.0]]],
    },
}


def class_breaks(
    values: Sequence[float] | np.ndarray, method: str = "quantiles", k: int = 5
) -> list[float]:
    """Upper bounds of the classes of ``values`` (NaN ignored), the last being the maximum.

    ``quantiles``: :class:`mapclassify.Quantiles` (equal counts); ``natural``:
    :class:`mapclassify.FisherJenks` (Fisher 1958, minimises within-class variance exactly);
    ``lq``: the fixed LQ classes <0.8, 0.8-1.25, 1.25-2, >2 (1 = the benchmark's share);
    ``stars``: 0, 1, 2, 3.

    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8], "quantiles", k=4)
    [2.75, 4.5, 6.25, 8.0]
    >>> class_breaks([0.5, 1.0, 3.0], "lq")
    [0.8, 1.25, 2.0, 3.0]
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if method == "stars":
        return [0.0, 1.0, 2.0, 3.0]
    if method == "lq":
        top = float(arr.max()) if arr.size else LQ_BREAKS[-1]
        return [*LQ_BREAKS, max(top, LQ_BREAKS[-1])]
    if arr.size == 0:
        return []
    distinct = np.unique(arr)
    if distinct.size <= k:
        return [float(v) for v in distinct]
    import mapclassify

    with warnings.catch_warnings():  # "Numba not installed", "not enough unique values"
        warnings.simplefilter("ignore", UserWarning)
        if method == "natural":
            bins = mapclassify.FisherJenks(arr, k=k).bins
        elif method == "quantiles":
            bins = mapclassify.Quantiles(arr, k=k).bins
        else:
            raise ValueError(f"unknown class method {method!r}")
    return [float(b) for b in np.unique(bins)]


def class_labels(
    breaks: Sequence[float], method: str, minimum: float | None = None, fmt: str = ",.2f"
) -> list[str]:
    """Legend labels of the classes: ``"≤ 1.5"``, ``"1.5 – 3"``, ..., or ``"3 stars"``.

    >>> class_labels([0.8, 1.25, 2.0, 3.1], "lq")
    ['< 0.8', '0.8 – 1.25', '1.25 – 2', '> 2']
    """
    if method == "stars":
        return ["0 stars", "1 star", "2 stars", "3 stars"]
    if method == "lq":
        return ["< 0.8", "0.8 – 1.25", "1.25 – 2", "> 2"]
    labels = []
    lower = minimum
    for b in breaks:
        if lower is None:
            labels.append(f"≤ {format(b, fmt)}")
        else:
            labels.append(f"{format(lower, fmt)} – {format(b, fmt)}")
        lower = b
    return labels


def classify(
    values: pd.Series, method: str = "quantiles", k: int = 5, fmt: str = ",.2f"
) -> tuple[pd.Series, list[str], list[str]]:
    """Class label of every value (NaN -> ``"No data"``), the legend domain and its colours.

    A value equal to a break belongs to the class that break closes (``x <= b``); a zero is
    a value like any other, never "No data".
    """
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    breaks = class_breaks(numeric.to_numpy(), method, k)
    if method == "lq":
        bins = [-np.inf, *LQ_BREAKS, np.inf]
        right = False
    elif method == "stars":
        bins = [-0.5, 0.5, 1.5, 2.5, 3.5]
        right = True
    else:
        bins = [-np.inf, *breaks[:-1], np.inf] if breaks else [-np.inf, np.inf]
        right = True
    finite = numeric[np.isfinite(numeric)]
    minimum = float(finite.min()) if len(finite) else None
    labels = class_labels(breaks, method, minimum, fmt) if breaks else []
    for finer in (".6g", ".12g"):  # classes so close that the display format merges them
        if len(set(labels)) == len(labels):
            break
        labels = class_labels(breaks, method, minimum, finer)
    if len(set(labels)) != len(labels):
        labels = [f"{lab} ({i + 1})" for i, lab in enumerate(labels)]
    if not labels:
        return pd.Series(NO_DATA, index=values.index), [NO_DATA], [NO_DATA_COLOUR]
    cats = pd.cut(numeric, bins=bins, labels=labels, right=right, include_lowest=True)
    out = cats.astype(object).where(cats.notna(), NO_DATA)
    if method == "lq":
        colours = LQ_COLOURS
    elif method == "stars":
        colours = STAR_COLOURS
    else:
        colours = SEQUENTIAL.get(len(labels), SEQUENTIAL[7][: len(labels)])
    return out, [*labels, NO_DATA], [*colours[: len(labels)], NO_DATA_COLOUR]


@dataclass(frozen=True)
class Topology:
    """A region system's simplified TopoJSON, its ETag and its lon/lat bounding box."""

    body: bytes
    etag: str
    bbox: tuple[float, float, float, float]
    codes: frozenset[str]

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.body)


_lock = threading.Lock()
_topologies: dict[tuple[Any, ...], Topology] = {}


def topology(
    geojson: dict[str, Any], key: tuple[Any, ...], tolerance: float | None = None
) -> Topology:
    """TopoJSON (object ``regions``) of a GeoJSON FeatureCollection, cached under ``key``.

    Shared borders become shared arcs, coordinates are quantised to 1e5 steps of the bbox,
    and arcs simplified with Douglas-Peucker (``tolerance`` in degrees; by default 1/2000 of
    the larger side of the bbox), so neighbouring polygons stay seamless.
    """
    with _lock:
        found = _topologies.get(key)
    if found is not None:
        return found
    import topojson

    features = [spherical_winding(f) for f in geojson.get("features", []) if f.get("geometry")]
    bbox = _bbox(features)
    if tolerance is None:
        tolerance = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-9) / 2000
    if features:
        topo = topojson.Topology(
            {"type": "FeatureCollection", "features": features},
            prequantize=100_000,
            toposimplify=tolerance,
            object_name="regions",
            winding_order=None,  # done by spherical_winding
        ).to_dict()
        rewind_topology(topo)
    else:
        topo = {
            "type": "Topology",
            "objects": {"regions": {"type": "GeometryCollection", "geometries": []}},
            "arcs": [],
        }
    body = json.dumps(topo, separators=(",", ":")).encode()
    codes = frozenset(str((f.get("properties") or {}).get("code")) for f in features)
    item = Topology(body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"', bbox, codes)
    with _lock:
        _topologies[key] = item
    return item


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    tr = topo.get("transform")
    out = []
    for arc in topo.get("arcs", []):
        if tr is None:
            out.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = tr["scale"], tr["translate"]
        xs = np.cumsum([p[0] for p in arc]) * sx + tx
        ys = np.cumsum([p[1] for p in arc]) * sy + ty
        out.append(list(zip(xs.tolist(), ys.tolist(), strict=True)))
    return out


def _signed_area(points: list[tuple[float, float]]) -> float:
    """Shoelace formula: > 0 for a counter-clockwise ring (planar lon/lat)."""
    if len(points) < 3:
        return 0.0
    xy = np.asarray(points)
    x, y = xy[:, 0], xy[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2


def rewind_topology(topo: dict[str, Any]) -> None:
    """Make every exterior ring of a TopoJSON clockwise and every hole counter-clockwise,
    in place, by reversing the ring's arc list (``[a, b] -> [~b, ~a]``).

    Shared arcs keep one direction, so an enclave (Berlin in Brandenburg, Brussels in Vlaams
    Brabant) whose outline is its neighbour's hole comes out wound like a hole: drawn on the
    sphere, it would cover the whole map. See :func:`spherical_winding`.
    """
    arcs = _decode_arcs(topo)

    def ring_points(ring: list[int]) -> list[tuple[float, float]]:
        pts: list[tuple[float, float]] = []
        for i in ring:
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(seg if not pts else seg[1:])
        return pts

    def fix(polygon: list[list[int]]) -> list[list[int]]:
        out = []
        for k, ring in enumerate(polygon):
            ccw = _signed_area(ring_points(ring)) > 0
            wrong = ccw if k == 0 else not ccw
            out.append([~i for i in reversed(ring)] if wrong else ring)
        return out

    for geom in topo.get("objects", {}).get("regions", {}).get("geometries", []):
        if geom.get("type") == "Polygon":
            geom["arcs"] = fix(geom["arcs"])
        elif geom.get("type") == "MultiPolygon":
            geom["arcs"] = [fix(p) for p in geom["arcs"]]


def _bbox(features: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for f in features:
        walk(f["geometry"].get("coordinates", []))
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs), max(ys))


def projection(system: str, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """The Vega-Lite projection for a region system (see the module docstring)."""
    upper = (system or "").upper()
    if upper.startswith("US"):
        return {"type": "albersUsa"}
    if upper.startswith("NUTS"):
        return {"type": "azimuthalEqualArea", "rotate": [-10, -52, 0], "fit": EUROPE_FIT}
    lon = (bbox[0] + bbox[2]) / 2
    lat = (bbox[1] + bbox[3]) / 2
    return {"type": "azimuthalEqualArea", "rotate": [-round(lon, 3), -round(lat, 3), 0]}


def geo_url(system: str, level: int | None) -> str:
    """The URL of a region system's TopoJSON (``/geo/{system}/{level|all}.topojson``)."""
    return f"/geo/{system}/{'all' if level is None else level}.topojson"


def choropleth(
    rows: pd.DataFrame,
    *,
    geometry_url: str,
    system: str,
    bbox: tuple[float, float, float, float],
    value: str,
    value_label: str,
    class_field: str = "class_label",
    domain: list[str],
    colours: list[str],
    title: str,
    legend_title: str,
    value_format: str = ",.2f",
    extra_tooltip: Sequence[tuple[str, str, str | None]] = (),
    highlight: str | None = None,
    width: int | str = "container",
    height: int = 420,
) -> dict[str, Any]:
    """A Vega-Lite geoshape choropleth of ``rows`` (one per region: ``region, name, value,
    class_label``) over the TopoJSON at ``geometry_url``.

    Regions of the geometry without a row are drawn as "No data"; ``highlight`` outlines one
    region (the locator map). The legend lists every class and "No data".
    """
    fields = ["name", value, class_field, *[f for f, _, _ in extra_tooltip]]
    records = frame_records(rows[["region", *fields]])
    tooltip = [
        {"field": "label", "type": "nominal", "title": "Region"},
        {"field": value, "type": "quantitative", "title": value_label, "format": value_format},
        {"field": "klass", "type": "nominal", "title": "Class"},
    ]
    tooltip += [
        {
            "field": f,
            "type": "nominal" if fmt is None else "quantitative",
            "title": t,
            **({"format": fmt} if fmt else {}),
        }
        for f, t, fmt in extra_tooltip
    ]
    base_transform = [
        {
            "lookup": "properties.code",
            "from": {"data": {"values": records}, "key": "region", "fields": fields},
        },
        {
            "calculate": f"isValid(datum['{class_field}']) ? datum['{class_field}'] : '{NO_DATA}'",
            "as": "klass",
        },
        {
            "calculate": "(isValid(datum.name) ? datum.name : datum.properties.name)"
            " + ' (' + datum.properties.code + ')'",
            "as": "label",
        },
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4, "clip": True},
            "encoding": {
                "color": {
                    "field": "klass",
                    "type": "ordinal",
                    "scale": {"domain": domain, "range": colours},
                    "legend": {"title": legend_title, "orient": "right"},
                    "sort": domain,
                },
                "tooltip": tooltip,
            },
        }
    ]
    if highlight:
        layers.append(
            {
                "transform": [{"filter": {"field": "properties.code", "equal": highlight}}],
                "mark": {
                    "type": "geoshape",
                    "fill": None,
                    "stroke": "#c51b7d",
                    "strokeWidth": 2.5,
                    "clip": True,
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": title,
        "width": width,
        "height": height,
        "data": {"url": geometry_url, "format": {"type": "topojson", "feature": "regions"}},
        "transform": base_transform,
        "projection": projection(system, bbox),
        "layer": layers,
        "config": {"view": {"stroke": None}, "aria": False},
    }
