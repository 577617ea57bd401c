"""NUTS region code lists (versions 2016, 2021, 2024) in the store's ``regions`` columns.

NUTS codes are hierarchical by prefix: the country code (2 letters; ``EL`` Greece, ``UK``),
then one character per level. Hence ``level = len(code) - 2``, ``parent = code[:-1]`` and
``country = code[:2]`` (the rules are :mod:`clusteratlas.classifications.nuts_codes`).
Codes ending in ``Z`` (``BEZ``, ``BEZZ``, ``BEZZZ``) are the *Extra-Regio* units (continental
shelf, embassies …): they hold no territory and are flagged ``extra_regio`` so that maps and
regional rankings can leave them out.

Each loader returns a frame with columns ``system, version, code, level, parent, name,
country, extra_regio`` (the first seven are :data:`~clusteratlas.store.schema.REGION_COLUMNS`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from clusteratlas.classifications._io import read_codes_csv, read_text
from clusteratlas.classifications.hierarchy import Hierarchy
from clusteratlas.classifications.nuts_codes import is_extra_regio, nuts_level
from clusteratlas.errors import InputError

SYSTEM = "NUTS"
VERSIONS = ("2016", "2021", "2024")
COLUMNS = ["system", "version", "code", "level", "parent", "name", "country", "extra_regio"]

NUTS2016_GEOJSON = "NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz"
NUTS2021_OFFICIAL = "NUTS2021_and_SR_codelist_official.csv"
NUTS2021_GISCO = "NUTS2021_codelist_from_GISCO_geometries.csv"
NUTS2024_CODELIST = "NUTS2024_EU27_codelist.csv"
NUTS2024_GEOJSON = "NUTS_RG_20M_2024_4326_LEVL_all.geojson.gz"


def _clean_name(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).replace("\xa0", " ").strip()
    return text or None


def nuts_frame(
    codes: list[str],
    names: list[str | None],
    version: str,
    *,
    levels: list[int] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Build the regions frame from codes and names, deriving level, parent and country.

    When ``levels`` are given (the file's own level column), they must agree with
    ``len(code) - 2``; a mismatch is an InputError naming the code.
    """
    rows = []
    seen: set[str] = set()
    for i, (code, name) in enumerate(zip(codes, names, strict=True)):
        code = str(code).strip()
        level = nuts_level(code)
        if level is None:
            raise InputError(f"{code!r} is not a NUTS code", file=source)
        if levels is not None and int(levels[i]) != level:
            raise InputError(
                f"{code!r} is listed at level {levels[i]} but its length says {level}",
                file=source,
            )
        if code in seen:
            continue
        seen.add(code)
        rows.append(
            (
                SYSTEM,
                version,
                code,
                level,
                code[:-1] if level > 0 else None,
                _clean_name(name),
                code[:2],
                is_extra_regio(code),
            )
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = _repair_parents(frame)
    return frame.sort_values(["country", "code"], kind="stable").reset_index(drop=True)


def _repair_parents(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a unit whose prefix parent is absent the only unit one level up under its
    nearest present ancestor (e.g. the 2016 file's UKN10–UKN16 lie in UKN0, as Northern
    Ireland has one NUTS 2 region). Repaired codes are listed in
    ``frame.attrs['repaired_parents']``."""
    codes = set(frame["code"])
    by_level = frame.groupby("level")["code"].agg(list).to_dict()
    repaired = []
    parents = frame["parent"].tolist()
    for i, (code, level, parent) in enumerate(
        zip(frame["code"], frame["level"], parents, strict=True)
    ):
        if parent is None or parent in codes:
            continue
        anchor = next((code[:k] for k in range(len(code) - 2, 1, -1) if code[:k] in codes), None)
        if anchor is None:
            continue
        above = [c for c in by_level.get(level - 1, []) if c.startswith(anchor)]
        if len(above) == 1:
            parents[i] = above[0]
            repaired.append(code)
    frame["parent"] = parents
    frame.attrs["repaired_parents"] = repaired
    return frame


def _geojson_properties(path: Path) -> pd.DataFrame:
    try:
        doc = json.loads(read_text(path))
        props = [f["properties"] for f in doc["features"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"not a GeoJSON FeatureCollection ({exc})", file=path) from exc
    frame = pd.DataFrame(props)
    for col in ("NUTS_ID", "LEVL_CODE", "NUTS_NAME"):
        if col not in frame.columns:
            raise InputError("missing feature property", file=path, column=col)
    return frame


def nuts2016_from_geojson(path: str | Path) -> pd.DataFrame:
    """NUTS 2016 from the GISCO geometries' properties (``NUTS_ID, LEVL_CODE, NUTS_NAME``).

    The 60M file has 2,016 units (37 countries incl. UK; no Extra-Regio units).
    """
    path = Path(path)
    p = _geojson_properties(path)
    return nuts_frame(
        p["NUTS_ID"].tolist(),
        p["NUTS_NAME"].tolist(),
        "2016",
        levels=p["LEVL_CODE"].tolist(),
        source=str(path),
    )


def nuts2021_from_codelist(path: str | Path) -> pd.DataFrame:
    """NUTS 2021 from Eurostat's workbook sheet "NUTS & SR 2021" (2,121 codes including
    Extra-Regio units and the statistical regions of EFTA and candidate countries).

    The name sits in the column of the code's level (``country`` for level 0).
    """
    path = Path(path)
    f = read_codes_csv(
        path,
        ["code_2021", "country", "nuts_level1_label", "nuts_level2_label", "nuts_level3_label"],
    )
    f = f[f["code_2021"] != ""]
    label_cols = ["country", "nuts_level1_label", "nuts_level2_label", "nuts_level3_label"]
    lv = f["code_2021"].str.len() - 2
    names = [f[label_cols[min(max(k, 0), 3)]].iloc[i] for i, k in enumerate(lv)]
    levels = f["nuts_level"].astype(int).tolist() if "nuts_level" in f.columns else None
    return nuts_frame(f["code_2021"].tolist(), names, "2021", levels=levels, source=str(path))


def nuts2021_from_gisco_csv(path: str | Path) -> pd.DataFrame:
    """NUTS 2021 from the code list derived from the GISCO 2021 geometries (2,010 units;
    no Extra-Regio)."""
    path = Path(path)
    f = read_codes_csv(path, ["nuts_id", "levl_code", "nuts_name"])
    return nuts_frame(
        f["nuts_id"].tolist(),
        f["nuts_name"].tolist(),
        "2021",
        levels=f["levl_code"].astype(int).tolist(),
        source=str(path),
    )


def nuts2024_from_files(
    codelist: str | Path | None = None, geojson: str | Path | None = None
) -> pd.DataFrame:
    """NUTS 2024: the EU-27 code list (with Extra-Regio) plus, from the GISCO geometries,
    level 0 and the non-EU units. Where both name a unit, the code list's name wins."""
    parts = []
    if codelist is not None:
        f = read_codes_csv(Path(codelist), ["nuts_code", "nuts_label", "nuts_level"])
        parts.append(
            nuts_frame(
                f["nuts_code"].tolist(),
                f["nuts_label"].tolist(),
                "2024",
                levels=f["nuts_level"].astype(int).tolist(),
                source=str(codelist),
            )
        )
    if geojson is not None:
        p = _geojson_properties(Path(geojson))
        parts.append(
            nuts_frame(
                p["NUTS_ID"].tolist(),
                p["NUTS_NAME"].tolist(),
                "2024",
                levels=p["LEVL_CODE"].tolist(),
                source=str(geojson),
            )
        )
    if not parts:
        raise InputError("give the 2024 code list, the 2024 geometries or both", parameter="path")
    both = pd.concat(parts, ignore_index=True).drop_duplicates("code", keep="first")
    return both.sort_values(["country", "code"], kind="stable").reset_index(drop=True)


def load_nuts(version: str, folder: str | Path) -> pd.DataFrame:
    """One NUTS version from a folder holding the usual files (see the module constants).

    2016: the 60M geometries; 2021: the official code list, else the GISCO-derived list;
    2024: the EU-27 code list and/or the 20M geometries.
    """
    folder = Path(folder)
    version = str(version)
    if version == "2016":
        return nuts2016_from_geojson(folder / NUTS2016_GEOJSON)
    if version == "2021":
        if (folder / NUTS2021_OFFICIAL).is_file():
            return nuts2021_from_codelist(folder / NUTS2021_OFFICIAL)
        return nuts2021_from_gisco_csv(folder / NUTS2021_GISCO)
    if version == "2024":
        codelist = folder / NUTS2024_CODELIST
        geo = folder / NUTS2024_GEOJSON
        if not codelist.is_file() and not geo.is_file():
            raise InputError(f"neither {codelist.name} nor {geo.name} is here", file=folder)
        return nuts2024_from_files(
            codelist if codelist.is_file() else None, geo if geo.is_file() else None
        )
    raise InputError(
        f"unknown NUTS version {version!r} (known: {', '.join(VERSIONS)})", parameter="version"
    )


def nuts_hierarchy(frame: pd.DataFrame) -> Hierarchy:
    """A :class:`Hierarchy` of one NUTS version (classification ``'NUTS<version>'``), e.g. to
    roll NUTS 3 data up to NUTS 2 with :meth:`Hierarchy.roll_up`.

    Units whose parent is missing from the list (an incomplete extract) become roots.
    """
    versions = frame["version"].unique()
    if len(versions) != 1:
        raise InputError("give the regions of exactly one NUTS version", parameter="frame")
    codes = set(frame["code"])
    parent = frame["parent"].where(frame["parent"].isin(codes), None)
    return Hierarchy(
        f"NUTS{versions[0]}",
        zip(frame["code"], parent, frame["level"], frame["name"], strict=True),
    )
