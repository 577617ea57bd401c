"""Built-in cluster schemes and loading schemes into a store.

Built-in schemes:

``eu-nace2``
    The 51 traded and 16 local CMP clusters on NACE Rev. 2 classes, derived by
    ``clusteratlas schemes derive`` and shipped with the package
    (``data/eu_nace2_clusters.csv``; see ``docs/schemes.md`` for the rule).
``uscmp-naics2012``
    The US Cluster Mapping Project's own scheme on 6-digit NAICS 2012, read from the
    reference data shipped with the package (``USCMP_NAICS2012`` in
    :mod:`clusteratlas.classifications.reference`), or, given ``shared_dir``, from the
    official ``clusters/uscmp_cluster_definitions_naics2012.csv`` under it.

Any other name is read as a path to a user's scheme file (:func:`read_scheme_file`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.classifications import reference, uscmp
from clusteratlas.classifications.scheme_file import FRAME_COLUMNS, read_scheme_file
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file

EU_NACE2_FILE = "eu_nace2_clusters.csv"


@dataclass(frozen=True)
class SchemeInfo:
    """A built-in scheme: its name, classification, description and where it comes from."""

    name: str
    classification: str
    description: str
    source: str


BUILT_IN: dict[str, SchemeInfo] = {
    "eu-nace2": SchemeInfo(
        "eu-nace2",
        "NACE_R2",
        "51 traded + 16 local CMP clusters on NACE Rev. 2 classes, derived by Cluster Atlas",
        f"packaged file clusteratlas/classifications/data/{EU_NACE2_FILE}",
    ),
    uscmp.SCHEME: SchemeInfo(
        uscmp.SCHEME,
        uscmp.CLASSIFICATION,
        "US Cluster Mapping Project: 51 traded + 16 local clusters on 6-digit NAICS 2012",
        f"packaged file {reference.PACKAGE_FOLDER}/{uscmp.DEFINITIONS_FILE}.gz",
    ),
}


def available_schemes() -> pd.DataFrame:
    """The built-in schemes (``name, classification, description, source``)."""
    return pd.DataFrame([vars(s) for s in BUILT_IN.values()])


def eu_nace2_path() -> Path:
    """Path of the packaged derived European scheme."""
    return Path(str(resources.files("clusteratlas.classifications") / "data" / EU_NACE2_FILE))


def _from_store(store: Any, name: str) -> pd.DataFrame | None:
    from clusteratlas.store.queries import scheme_rows

    frame = scheme_rows(
        store,
        name,
        ["industry", "cluster", "cluster_name", "cluster_type", "weight", "classification"],
    )
    if frame.empty:
        return None
    frame.attrs.update(scheme=name, source=f"store {getattr(store, 'path', '')}")
    return frame


def get_scheme(
    name: str,
    *,
    shared_dir: str | Path | None = None,
    store: Any = None,
    keep_extra: bool = False,
) -> pd.DataFrame:
    """A scheme as a frame with :data:`~clusteratlas.classifications.scheme_file.FRAME_COLUMNS`.

    Parameters
    ----------
    name:
        ``'eu-nace2'``, ``'uscmp-naics2012'``, the name of a scheme in ``store``, or a path
        to a scheme file (CSV or YAML).
    shared_dir:
        A folder of official files to read ``uscmp-naics2012`` from (default: the packaged
        reference data).
    store:
        A :class:`~clusteratlas.store.Store`; schemes loaded into it are found by name.
    keep_extra:
        Keep extra columns (``rule``, ``link_share`` of ``eu-nace2``; ``subcluster_name``,
        ``industry_title`` of the CMP scheme).
    """
    if name == "eu-nace2":
        frame = read_scheme_file(eu_nace2_path(), classification="NACE_R2", keep_extra=keep_extra)
        frame.attrs["scheme"] = name
        return frame
    if name == uscmp.SCHEME:
        if shared_dir is None:
            path = reference.reference_file("USCMP_NAICS2012")
        else:
            path = Path(shared_dir) / "clusters" / uscmp.DEFINITIONS_FILE
            if not path.is_file():
                if store is not None and (found := _from_store(store, name)) is not None:
                    return found
                raise InputError(
                    f"{path} is missing; leave out --shared to use the packaged definitions",
                    parameter="shared_dir",
                )
        frame = uscmp.load_uscmp_definitions(path)
        frame.attrs["sha256"] = sha256_file(path)
        return frame if keep_extra else frame[FRAME_COLUMNS]
    if store is not None and (found := _from_store(store, name)) is not None:
        return found
    path = Path(name)
    if path.suffix.lower() in (".csv", ".yaml", ".yml", ".txt", ".tsv") or path.exists():
        return read_scheme_file(path, keep_extra=keep_extra)
    known = ", ".join(BUILT_IN)
    raise InputError(
        f"unknown scheme {name!r} (built in: {known}; or give a file)", parameter="scheme"
    )


def load_scheme_into_store(
    store: Any,
    name_or_path: str | Path,
    *,
    scheme_name: str | None = None,
    shared_dir: str | Path | None = None,
) -> tuple[str, int]:
    """Load a built-in scheme or a scheme file into ``store`` (replacing a scheme of the same
    name) and record a provenance row.

    Returns ``(scheme name, rows loaded)``. The scheme name is ``scheme_name``, else the
    built-in name, else the YAML ``scheme:`` or the file stem.
    """
    frame = get_scheme(str(name_or_path), shared_dir=shared_dir)
    name = scheme_name or (
        str(name_or_path) if str(name_or_path) in BUILT_IN else frame.attrs.get("scheme")
    )
    if not name:
        raise InputError("the scheme needs a name", parameter="scheme_name")
    classes = sorted(frame["classification"].unique())
    rows = store.load_scheme(frame[FRAME_COLUMNS], name)
    source = frame.attrs.get("source", str(name_or_path))
    with store.transaction() as con:
        store.new_load(
            con,
            dataset=f"scheme:{name}",
            source="scheme",
            location=source,
            sha256=frame.attrs.get("sha256"),
            classification=",".join(classes),
            rows=rows,
            notes=f"cluster scheme {name}: {frame['cluster'].nunique()} clusters",
        )
    return name, rows
