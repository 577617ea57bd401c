"""Reading the open-data edition's sources and putting them on one NUTS version.

Each indicator of ``data/open_data_edition.yaml`` names its source: a reader, a file of the
shared data folder and a key or filters. :func:`read_indicator` returns the NUTS 2 rows as a
long frame ``region, year, value`` and :func:`to_nuts_version` keeps one NUTS version:

* codes of the target version are kept as they are;
* codes of another version go through the NUTS change tables available
  (:func:`clusteratlas.transform.nuts_store.available_tables`): only a same-territory link
  (``same``/``recode``) carries a value over — the indicators are rates and shares, which are
  never summed or apportioned across merged or split regions;
* everything else (other-version codes without an exact link, ``XX`` "not regionalised"
  codes, Extra-Regio ``ZZ`` codes, aggregates such as ``EU28``) is dropped and **reported**
  with the reason.

:func:`polygon_area_km2` measures NUTS polygons (for population density, a structural
variable of the default peers).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.classifications.nuts_codes import shared_code_lists
from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv
from clusteratlas.transform.nuts_changes import ChangeTable, find_path
from clusteratlas.transform.nuts_store import available_tables
from clusteratlas.transform.nuts_versions import convert_frame

EARTH_RADIUS_KM = 6371.0088
REPORT_COLUMNS = ["source", "indicator", "code", "rows", "action", "reason"]


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


@dataclass(frozen=True)
class NutsContext:
    """Level-2 code lists per NUTS version and the change tables available (read once)."""

    level2: dict[str, frozenset[str]]
    tables: tuple[ChangeTable, ...]

    @classmethod
    def load(cls, data_dir: Path | None = None) -> NutsContext:
        lists = shared_code_lists(data_dir)
        level2 = {v: frozenset(c for c in cl.codes if len(c) == 4) for v, cl in lists.items()}
        return cls(level2, tuple(available_tables(data_dir=data_dir)))


def _reason(code: str, level2: Mapping[str, frozenset[str]], target: str, tried: set[str]) -> str:
    if code[2:] and code[2:].strip("X") == "":
        return "not regionalised (XX)"
    if code[2:] and code[2:].strip("Z") == "":
        return "Extra-Regio (ZZ)"
    found = [v for v, codes in sorted(level2.items()) if v != target and code in codes]
    if code.startswith(("EU", "EA", "EEA", "EFTA")) or len(code) != 4 or not code[:2].isalpha():
        return "aggregate (not a NUTS 2 region)"
    if not found:
        return f"NUTS 2 code of none of the versions {', '.join(sorted(level2))} (older code?)"
    if any(v in tried for v in found):
        return f"NUTS {'/'.join(found)} code without a same-territory NUTS {target} equivalent"
    return f"NUTS {'/'.join(found)} code: no change table to NUTS {target} available"


def to_nuts_version(
    frame: pd.DataFrame,
    target: str = "2016",
    source_versions: tuple[str, ...] = ("2021", "2013"),
    *,
    label: str = "",
    context: NutsContext | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows on NUTS ``target`` level-2 codes, converting exact recodes from other versions.

    Returns ``(frame, report)``; the report has one row per dropped or converted code
    (:data:`REPORT_COLUMNS` without ``indicator``).
    """
    ctx = context or NutsContext.load()
    if target not in ctx.level2:
        raise InputError(f"no NUTS {target} code list in the shared data", parameter="nuts_version")
    keep = frame["region"].isin(ctx.level2[target])
    out, rows, tried = [frame[keep]], [], set()
    rest = frame[~keep]
    for version in source_versions:
        if version == target or rest.empty or version not in ctx.level2:
            continue
        part = rest[rest["region"].isin(ctx.level2[version])]
        if part.empty:
            continue
        try:
            chain = find_path(ctx.tables, version, target)
        except InputError:
            continue
        tried.add(version)
        conv = convert_frame(part.assign(flag=None), chain, additive=False, keys=["year"])
        ok = conv.frame["nuts_action"].isin({"recode", "keep"}) & conv.frame["value"].notna()
        ok &= conv.frame["region"].isin(ctx.level2[target])
        good = conv.frame[ok]
        out.append(good[["region", "year", "value"]])
        for src, n in good.groupby("nuts_from").size().items():
            rows.append(
                {
                    "source": label,
                    "code": src,
                    "rows": int(n),
                    "action": "converted",
                    "reason": f"NUTS {version} → {target}: same territory",
                }
            )
        rest = rest[~rest["region"].isin(set(good["nuts_from"]))]
    for code, n in rest.groupby("region").size().items():
        rows.append(
            {
                "source": label,
                "code": code,
                "rows": int(n),
                "action": "dropped",
                "reason": _reason(str(code), ctx.level2, target, tried),
            }
        )
    kept = pd.concat(out, ignore_index=True).drop_duplicates(["region", "year"], keep="first")
    return kept, pd.DataFrame(rows, columns=[c for c in REPORT_COLUMNS if c != "indicator"])


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


def latest_within(frame: pd.DataFrame, year: int, max_age: int) -> pd.DataFrame:
    """Per region the latest value of a year in ``[year - max_age, year]``, with that year.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["A", "A", "B"], "year": [2015, 2017, 2010],
    ...                   "value": [1.0, 2.0, 3.0]})
    >>> latest_within(f, 2017, 5).to_dict("records")
    [{'region': 'A', 'year': 2017, 'value': 2.0}]
    """
    f = frame[(frame["year"] <= year) & (frame["year"] >= year - max_age) & frame["value"].notna()]
    f = f.sort_values(["region", "year"]).drop_duplicates("region", keep="last")
    return f.reset_index(drop=True)
