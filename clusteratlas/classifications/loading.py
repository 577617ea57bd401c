"""Load the industry classifications and NUTS code lists into a store.

By default :func:`load_all` loads the lists shipped with the package
(:mod:`clusteratlas.classifications.reference`). Given a folder laid out like the project's
shared data (``classifications/`` and ``nuts/``), it reads the official files there instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.classifications import isic, nace, naics, nuts, reference
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.store.schema import INDUSTRY_COLUMNS, REGION_COLUMNS


@dataclass(frozen=True)
class Step:
    """One code list to load: a name, the files it needs, and how to read them."""

    name: str
    kind: str  # 'industries' | 'regions'
    files: tuple[str, ...]  # relative to the shared folder; any one present is enough
    read: Callable[[Path], pd.DataFrame]
    combine: bool = False  # True: every present file is read (else the first one)


def _industries(loader: Callable[[Path], Any]) -> Callable[[Path], pd.DataFrame]:
    return lambda path: loader(path).to_frame()


def _nuts(version: str) -> Callable[[Path], pd.DataFrame]:
    return lambda path: nuts.load_nuts(version, path.parent)


STEPS: tuple[Step, ...] = (
    Step("NACE_R2", "industries", (f"classifications/{nace.NACE_R2_FILE}",),
         _industries(nace.load_nace_rev2)),
    Step("NACE_R21", "industries", (f"classifications/{nace.NACE_R21_FILE}",),
         _industries(nace.load_nace_rev21)),
    Step("NAICS2012", "industries", (f"classifications/{naics.NAICS2012_FILE}",),
         _industries(naics.load_naics2012)),
    Step("ISIC4", "industries", (f"classifications/{isic.ISIC4_FILE}",),
         _industries(isic.load_isic4)),
    Step("NUTS2016", "regions", (f"nuts/{nuts.NUTS2016_GEOJSON}",), _nuts("2016")),
    Step("NUTS2021", "regions", (f"nuts/{nuts.NUTS2021_OFFICIAL}", f"nuts/{nuts.NUTS2021_GISCO}"),
         _nuts("2021")),
    Step("NUTS2024", "regions", (f"nuts/{nuts.NUTS2024_CODELIST}", f"nuts/{nuts.NUTS2024_GEOJSON}"),
         _nuts("2024"), combine=True),
)  # fmt: skip


def load_all(
    store: Any,
    shared_dir: str | Path | None = None,
    *,
    on_step: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Load every code list into ``store``: the packaged ones, or those found under
    ``shared_dir``.

    Industries go to ``industries`` (NACE_R2, NACE_R21, NAICS2012, ISIC4), NUTS 2016/2021/
    2024 to ``regions`` (system ``'NUTS'``). Each list is loaded atomically with a
    provenance row (file, SHA-256, rows; for packaged lists also the publisher, licence and
    attribution of the manifest). From a folder, lists whose files are absent are skipped
    and reported.

    Parameters
    ----------
    shared_dir:
        ``None`` (default): the reference data shipped with the package. Otherwise a folder
        holding the official files (``classifications/``, ``nuts/``).
    on_step:
        Called as ``on_step(name, index, total)`` before each list (for progress bars).

    Returns
    -------
    dict
        ``{'loaded': {name: rows}, 'missing': {name: [files]}, 'source': folder or
        'packaged'}``.
    """
    if shared_dir is None:
        return _load_packaged(store, on_step)
    folder = Path(shared_dir)
    if not folder.is_dir():
        raise InputError("no such folder of code lists", file=folder)
    loaded: dict[str, int] = {}
    missing: dict[str, list[str]] = {}
    for i, step in enumerate(STEPS):
        if on_step is not None:
            on_step(step.name, i, len(STEPS))
        present = [folder / f for f in step.files if (folder / f).is_file()]
        if not present:
            missing[step.name] = list(step.files)
            continue
        used = present if step.combine else present[:1]
        loaded[step.name] = _load_one(
            store,
            step.name,
            step.kind,
            step.read(present[0]),
            location="; ".join(str(p) for p in used),
            sha256="; ".join(sha256_file(p) for p in used),
        )
    if not loaded:
        raise InputError(
            "no classification or NUTS file found (expected classifications/ and nuts/ "
            "sub-folders)",
            file=folder,
        )
    return {"loaded": loaded, "missing": missing, "source": str(folder)}


def _load_packaged(store: Any, on_step: Callable[[str, int, int], None] | None) -> dict:
    loaded: dict[str, int] = {}
    for i, step in enumerate(STEPS):
        if on_step is not None:
            on_step(step.name, i, len(STEPS))
        if step.kind == "industries":
            frame = reference.hierarchy(step.name).to_frame()
        else:
            frame = reference.nuts_regions(step.name.removeprefix("NUTS"))
        meta = reference.dataset_record(step.name)
        loaded[step.name] = _load_one(
            store,
            step.name,
            step.kind,
            frame,
            location=meta["location"],
            sha256=meta["sha256"],
            licence=meta["licence"],
            attribution=meta["attribution"],
            source=meta["source"],
            last_update=meta["extracted"],
        )
    return {"loaded": loaded, "missing": {}, "source": "packaged"}


def _load_one(
    store: Any, name: str, kind: str, frame: pd.DataFrame, *, source: str = "file", **meta: Any
) -> int:
    if kind == "industries":
        rows = store.load_industries(frame[INDUSTRY_COLUMNS])
        prov = {"classification": name}
    else:
        rows = store.load_regions(frame[REGION_COLUMNS])
        prov = {"region_system": name}
    with store.transaction() as con:
        store.new_load(
            con,
            dataset=f"codes:{name}",
            source=source,
            rows=rows,
            notes=f"{kind} code list {name}",
            **prov,
            **meta,
        )
    return rows


def hierarchy_from_store(store: Any, classification: str) -> Any:
    """The :class:`~clusteratlas.classifications.hierarchy.Hierarchy` of a classification
    loaded into ``store`` (``None`` if the store does not hold it)."""
    from clusteratlas.classifications.hierarchy import Hierarchy
    from clusteratlas.store.queries import industries

    frame = industries(store, classification)
    if frame.empty:
        return None
    return Hierarchy.from_frame(classification, frame, source=f"store {store.path}")
