"""Cross-border cluster hot spots by local spatial autocorrelation (LISA).

For one cluster (or any regional value, e.g. the LQ) over a map of regions:

1. contiguity: queen weights from the region polygons (``libpysal.weights.Queen``); a region
   with no contiguous neighbour (an island) is joined to its nearest region by centroid
   (``libpysal.weights.util.attach_islands``), so that no value is left out; the list of such
   regions is reported;
2. Local Moran's I with row-standardised weights and conditional permutation inference
   (``esda.Moran_Local``, ``permutations`` draws, ``seed`` for reproducibility);
3. each region is ``HH`` (a hot spot: high among high), ``LL``, ``HL``, ``LH`` or ``ns`` (not
   significant at ``alpha`` on the pseudo p-value);
4. hot-spot zones: connected groups of contiguous HH regions; a zone whose regions lie in more
   than one country is *cross-border*.

References
----------
Anselin, L. (1995), "Local indicators of spatial association — LISA", Geographical Analysis
27(2):93–115; Rey, S. J. and Anselin, L. (2007), "PySAL: a Python library of spatial
analytical methods", The Review of Regional Studies 37(1):5–27.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def read_geometries(path: str | Path, id_field: str = "NUTS_ID", level: int | None = None):
    """Region polygons from a GeoJSON file (``.gz`` allowed) as a GeoDataFrame indexed by id.

    ``level`` keeps features whose ``LEVL_CODE`` equals it (GISCO NUTS files hold all levels).
    """
    import geopandas as gpd
    import shapely.geometry

    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        doc = json.loads(raw)
    except (OSError, ValueError, EOFError) as exc:
        raise InputError(f"cannot read GeoJSON: {exc}", file=path) from None
    rows = []
    for n, feat in enumerate(doc.get("features", [])):
        props = feat.get("properties") or {}
        if level is not None and props.get("LEVL_CODE") != level:
            continue
        if id_field not in props:
            raise InputError(f"feature {n} has no property {id_field!r}", file=path)
        rows.append(
            {"region": str(props[id_field]), "geometry": shapely.geometry.shape(feat["geometry"])}
        )
    if not rows:
        raise InputError("no features (check the level and id field)", file=path)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").set_index("region")


def contiguity_weights(geoms, *, islands: str = "nearest", snap: float = 0.0):
    """Queen contiguity weights, row-standardised, with islands handled.

    ``islands="nearest"`` (default) attaches each island to its nearest region by centroid
    distance; ``"drop"`` leaves them without neighbours (their local I is 0, never significant).
    ``snap > 0`` (in the coordinates' units) makes regions neighbours when their polygons
    come within ``2 * snap`` of each other (``libpysal.weights.fuzzy_contiguity`` with a
    buffer of ``snap``): polygons simplified one by one (as the atlas stores them, Douglas–
    Peucker with a tolerance t) no longer share their borders exactly, and ``snap = t``
    closes the gaps that opens. Returns ``(w, islands)``.
    """
    import warnings

    from libpysal.weights import KNN, Queen, fuzzy_contiguity
    from libpysal.weights.util import attach_islands

    if islands not in ("nearest", "drop"):
        raise InputError(f"must be nearest or drop, got {islands!r}", parameter="--islands")
    if not np.isfinite(snap) or snap < 0:
        raise InputError(f"must be 0 or more, got {snap}", parameter="snap")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if snap > 0:
            w = fuzzy_contiguity(geoms, buffering=True, buffer=snap)
        else:
            w = Queen.from_dataframe(geoms, use_index=True)
        found = [str(i) for i in w.islands]
        if found and islands == "nearest":
            pts = geoms.geometry.representative_point()
            coords = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
            knn = KNN.from_array(coords, k=1, ids=list(geoms.index))
            w = attach_islands(w, knn)
    w.transform = "r"
    return w, found


@dataclass
class HotSpots:
    """The LISA result: a table per region plus the hot-spot zones (JSON-able via
    :meth:`as_dict`)."""

    table: pd.DataFrame
    zones: list[dict[str, Any]]
    islands: list[str]
    permutations: int
    seed: int
    alpha: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "regions": self.table.to_dict(orient="records"),
            "zones": self.zones,
            "islands": self.islands,
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
        }


def lisa_hotspots(
    values: pd.Series,
    geoms,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    islands: str = "nearest",
    country: Callable[[str], str] | Mapping[str, str] | None = None,
    snap: float = 0.0,
) -> HotSpots:
    """Local Moran hot spots of ``values`` (indexed by region) on the polygons ``geoms``.

    Regions with a value but no polygon, or a polygon but no value, are left out (only the
    intersection is analysed); ``snap`` is passed to :func:`contiguity_weights`. Returns
    :class:`HotSpots` with ``region, value, local_i,
    p_sim, z_sim, quadrant, significant, label, zone`` per region.
    """
    import esda

    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", parameter="--alpha")
    values = pd.to_numeric(values, errors="coerce").dropna()
    common = [r for r in geoms.index if r in values.index]
    if len(common) < 3:
        raise InputError(
            f"only {len(common)} regions have both a value and a polygon", parameter="--geometry"
        )
    g = geoms.loc[common]
    w, found = contiguity_weights(g, islands=islands, snap=snap)
    y = values.loc[common].to_numpy(dtype=float)
    lisa = esda.Moran_Local(y, w, permutations=permutations, seed=seed)
    sig = lisa.p_sim <= alpha
    quad = np.array([QUADRANTS[q] for q in lisa.q])
    label = np.where(sig, quad, "ns")
    table = pd.DataFrame(
        {
            "region": common,
            "value": y,
            "local_i": lisa.Is,
            "p_sim": lisa.p_sim,
            "z_sim": lisa.z_sim,
            "quadrant": quad,
            "significant": sig,
            "label": label,
        }
    )
    get = (
        (country.get if isinstance(country, Mapping) else country) if country else (lambda r: r[:2])
    )
    zones = _zones(common, label, w, get)
    zone_of = {r: z["zone"] for z in zones for r in z["regions"]}
    table["zone"] = [zone_of.get(r) for r in common]
    return HotSpots(table, zones, found, permutations, seed, alpha)


def _zones(ids: list[str], label: np.ndarray, w, country) -> list[dict[str, Any]]:
    hot = {r for r, lab in zip(ids, label, strict=True) if lab == "HH"}
    seen: set[str] = set()
    zones = []
    for r in ids:
        if r not in hot or r in seen:
            continue
        stack, members = [r], []
        seen.add(r)
        while stack:
            cur = stack.pop()
            members.append(cur)
            for nb in w.neighbors[cur]:
                if nb in hot and nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
        countries = sorted({str(country(m)) for m in members})
        zones.append(
            {
                "zone": len(zones) + 1,
                "regions": sorted(members),
                "countries": countries,
                "cross_border": len(countries) > 1,
            }
        )
    return zones
