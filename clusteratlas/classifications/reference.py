"""The reference data shipped with the package: code lists, concordances, the CMP scheme.

The files live in ``clusteratlas/classifications/data/reference/`` as gzip-compressed CSV,
one per list, with ``manifest.json`` naming for each its source (publisher, title, URL, the
public copy read), date, licence, attribution line, the sha256 of the official file and of
the packaged one. ``scripts/build_reference.py`` rebuilds them from the official files; see
``docs/classifications.md`` ("Reference data").

Every run-time default reads them from here, never from the test-data folder
``../shared/data``:

>>> sorted(names())[:3]
['ISIC4', 'NACE_R2', 'NACE_R21']
>>> hierarchy("NACE_R2").level_of("C")
1
>>> int((nuts_regions("2016")["level"] == 2).sum())
332
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError

PACKAGE_FOLDER = "clusteratlas/classifications/data/reference"
NUTS_VERSIONS = ("2016", "2021", "2024")
HIERARCHIES = ("NACE_R2", "NACE_R21", "NAICS2012", "ISIC4")
CONCORDANCES = ("NACE_R2_R21", "NAICS2012_ISIC4", "NAICS2017_ISIC4", "NAICS2017_NAICS2012")


def reference_dir() -> Path:
    """The folder of the packaged reference files."""
    return Path(str(resources.files("clusteratlas.classifications") / "data" / "reference"))


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The parsed ``manifest.json`` (``description``, ``format``, ``lists``)."""
    return json.loads((reference_dir() / "manifest.json").read_text(encoding="utf-8"))


def names() -> list[str]:
    """Names of the packaged lists (``NACE_R2``, ``NUTS2021``, ``USCMP_NAICS2012`` …)."""
    return [e["name"] for e in manifest()["lists"]]


def entry(name: str) -> dict[str, Any]:
    """The manifest entry of one list; unknown names are an :class:`InputError`."""
    for e in manifest()["lists"]:
        if e["name"] == name:
            return e
    raise InputError(
        f"no packaged reference list {name!r} (known: {', '.join(names())})", parameter="name"
    )


def reference_file(name: str) -> Path:
    """Path of the packaged file of one list."""
    return reference_dir() / entry(name)["file"]


def dataset_record(name: str) -> dict[str, Any]:
    """The list as a provenance ``datasets`` item (source, URL, date, licence, sha256)."""
    e = entry(name)
    return {
        "dataset": f"reference:{name}",
        "source": e["publisher"],
        "title": e["title"],
        "url": e["url"],
        "extracted": e["date"],
        "licence": e["licence"],
        "attribution": e["attribution"],
        "location": f"{PACKAGE_FOLDER}/{e['file']}",
        "sha256": e["sha256"],
    }


def hierarchy(name: str) -> Any:
    """A packaged industry classification as a
    :class:`~clusteratlas.classifications.hierarchy.Hierarchy` (``NACE_R2``, ``NACE_R21``,
    ``NAICS2012``, ``ISIC4``), read with the same loader as the official file."""
    from clusteratlas.classifications import isic, nace, naics

    loaders = {
        "NACE_R2": nace.load_nace_rev2,
        "NACE_R21": nace.load_nace_rev21,
        "NAICS2012": naics.load_naics2012,
        "ISIC4": isic.load_isic4,
    }
    if name not in loaders:
        raise InputError(
            f"{name!r} is not a packaged classification (known: {', '.join(HIERARCHIES)})",
            parameter="name",
        )
    return loaders[name](reference_file(name))


def concordance(name: str) -> Any:
    """A packaged concordance as a
    :class:`~clusteratlas.classifications.concordance.Concordance` (``NACE_R2_R21``,
    ``NAICS2012_ISIC4``, ``NAICS2017_ISIC4``, ``NAICS2017_NAICS2012``)."""
    from clusteratlas.classifications import nace, naics

    path = reference_file(name)
    if name == "NACE_R2_R21":
        return nace.load_nace_rev2_to_rev21(path)
    if name == "NAICS2012_ISIC4":
        return naics.load_naics_to_isic4(path, naics.NAICS2012)
    if name == "NAICS2017_ISIC4":
        return naics.load_naics_to_isic4(path, naics.NAICS2017)
    if name == "NAICS2017_NAICS2012":
        return naics.load_naics2017_to_naics2012(path)
    raise InputError(
        f"{name!r} is not a packaged concordance (known: {', '.join(CONCORDANCES)})",
        parameter="name",
    )


def nuts_regions(version: str) -> pd.DataFrame:
    """One packaged NUTS version as the regions frame of
    :func:`clusteratlas.classifications.nuts.nuts_frame` (``system, version, code, level,
    parent, name, country, extra_regio``)."""
    from clusteratlas.classifications._io import read_codes_csv
    from clusteratlas.classifications.nuts import nuts_frame

    version = str(version).upper().removeprefix("NUTS")
    if version not in NUTS_VERSIONS:
        raise InputError(
            f"no packaged NUTS {version} list (packaged: {', '.join(NUTS_VERSIONS)})",
            parameter="version",
        )
    path = reference_file(f"NUTS{version}")
    f = read_codes_csv(path, ["code", "level", "name"])
    names_ = [n or None for n in f["name"]]
    levels = f["level"].astype(int).tolist()
    return nuts_frame(f["code"].tolist(), names_, version, levels=levels, source=str(path))
