"""Reading the open-data sources of the scoreboard's open-data edition.

Each indicator of the edition's framework (``scoreboard/data/open_data_edition.yaml``) names
its source: a reader, a file of the data folder and a key or filters. :func:`read_indicator`
returns its NUTS 2 rows as a long frame ``region, year, value``, in the NUTS version of the
file (:func:`clusteratlas.transform.nuts_target.to_nuts_version` puts them on one version).

:func:`nuts_areas` measures the NUTS polygons of a GISCO GeoJSON file (for population density,
a structural variable of the default peers).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

EARTH_RADIUS_KM = 6371.0088


@lru_cache(maxsize=8)
def _read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"region_id": str, "geo": str})


@lru_cache(maxsize=8)
def _read_tsv(path: str) -> pd.DataFrame:
    df = read_eurostat_tsv(path)
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(str)
    df["time"] = pd.to_numeric(df["time"], errors="coerce")
    return df


def read_indicator(
    source: Mapping[str, Any], data_dir: Path, clusters: pd.DataFrame | None = None
) -> pd.DataFrame:
    """NUTS 2 rows of one indicator: ``region, year, value`` (missing values dropped)."""
    reader = source.get("reader")
    if reader == "clusters":
        if clusters is None:
            return pd.DataFrame(columns=["region", "year", "value"])
        return clusters[["region", "year", "value"]].dropna()
    path = data_dir / str(source.get("file", ""))
    if not path.is_file():
        raise FileNotFoundError(path)
    if reader == "eurito":
        df = _read_csv(str(path))
        df = df[(df["indicator"] == source["key"]) & (df["region_level"] == 2)]
        out = df.rename(columns={"region_id": "region"})[["region", "year", "value"]]
    elif reader == "ballatore":
        df = _read_csv(str(path))
        df = df[(df["variable"] == source["key"]) & (df["nuts_level"] == 2)]
        out = df.rename(columns={"geo": "region"})[["region", "year", "value"]]
    elif reader == "eurostat_tsv":
        df = _read_tsv(str(path))
        for dim, val in (source.get("filters") or {}).items():
            if dim not in df.columns:
                raise InputError(f"{path.name} has no dimension {dim!r}", file=path)
            df = df[df[dim] == str(val)]
        df = df[df["geo"].str.len() == 4]
        out = df.rename(columns={"geo": "region", "time": "year"})[["region", "year", "value"]]
    else:
        raise InputError(f"unknown source reader {reader!r}", parameter="source.reader")
    out = out.dropna(subset=["value", "year"]).astype({"year": int, "value": float})
    return out.reset_index(drop=True)


def ring_area_km2(ring: np.ndarray) -> float:
    r"""Area of a closed lon/lat ring on the sphere (signed; counter-clockwise positive).

    :math:`A = \tfrac{R^2}{2} \sum_i (\lambda_{i+1} - \lambda_i)(2 + \sin\varphi_i +
    \sin\varphi_{i+1})`, the formula of Chamberlain & Duquette (2007), *Some algorithms for
    polygons on a sphere*, JPL Publication 07-03 (as used by GIS libraries), R = 6371.0088 km.

    Examples
    --------
    >>> square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    >>> round(abs(ring_area_km2(square)))  # one degree square at the equator
    12364
    """
    lon, lat = np.radians(ring[:, 0]), np.radians(ring[:, 1])
    return float(
        -(EARTH_RADIUS_KM**2)
        / 2
        * np.sum((lon[1:] - lon[:-1]) * (2 + np.sin(lat[:-1]) + np.sin(lat[1:])))
    )


def polygon_area_km2(geometry: Mapping[str, Any]) -> float:
    """Area of a GeoJSON Polygon/MultiPolygon: outer rings minus holes (orientation-free)."""
    polys = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    total = 0.0
    for poly in polys:
        rings = [abs(ring_area_km2(np.asarray(r, dtype=float))) for r in poly]
        total += rings[0] - sum(rings[1:])
    return total


def nuts_areas(path: Path, level: int = 2) -> pd.Series:
    """Area in km² of each NUTS region of ``level`` in a (gzipped) GeoJSON file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    areas = {}
    for feat in data["features"]:
        props = feat["properties"]
        if int(props.get("LEVL_CODE", -1)) == level and feat.get("geometry"):
            areas[props["NUTS_ID"]] = polygon_area_km2(feat["geometry"])
    return pd.Series(areas, name="area_km2", dtype=float)
