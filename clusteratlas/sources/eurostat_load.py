"""Eurostat tables into the store and back: load with provenance, rebuild the tidy table.

Loading uses the same conversion as ``clusteratlas ingest``
(:func:`clusteratlas.sources.eurostat_tsv.eurostat_observations`): ``geo`` → region,
``nace_r2`` → industry, ``unit`` (or the table's indicator dimension) → measure, every other
dimension → ``dims`` (``k=v;k=v``), annual periods only. The provenance row records the URL,
Eurostat's last-update stamp, the download time, the sha256 of the bytes, the attribution
"Source: Eurostat", and in ``notes`` the dimension names in their published order, so that
:func:`tidy_from_store` rebuilds exactly the table that was loaded (``clusteratlas data
show``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError, StoreError
from clusteratlas.sources.eurostat_api import ATTRIBUTION, LICENCE, EurostatData
from clusteratlas.sources.eurostat_tsv import (
    INDICATOR_DIMENSIONS,
    INDUSTRY_DIMENSIONS,
    eurostat_observations,
)
from clusteratlas.sources.ingest import UNKNOWN_NUTS
from clusteratlas.store.queries import dataset_load_notes, dataset_observations

_DIMS_NOTE = re.compile(r"dimensions ([A-Za-z0-9_,]+)")


@dataclass
class LoadReport:
    """What one Eurostat load put into the store."""

    dataset: str
    load_id: str
    rows: int  # observations written (= cells of annual periods)
    cells: int  # cells in the parsed table (all periods)
    missing: int  # ':' cells, stored as NULL
    flags: Counter = field(default_factory=Counter)  # flag string -> count
    region_system: str = UNKNOWN_NUTS
    classification: str = ""
    years: tuple[int, int] | None = None
    regions: int = 0
    last_update: str | None = None
    url: str = ""
    sha256: str = ""
    from_cache: bool = False
    title: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(self.flags.values())


def roles(dimensions: list[str]) -> tuple[str | None, str | None]:
    """(industry dimension, measure dimension) as the ingest conversion assigns them.

    >>> roles(["freq", "unit", "nace_r2", "geo"])
    ('nace_r2', 'unit')
    >>> roles(["freq", "na_item", "geo"])
    (None, 'na_item')
    """
    industry = next((d for d in dimensions if d in INDUSTRY_DIMENSIONS), None)
    if "unit" in dimensions:
        return industry, "unit"
    return industry, next((d for d in INDICATOR_DIMENSIONS if d in dimensions), None)


def detect_region_system(store: Any, codes: pd.Series) -> tuple[str, str | None]:
    """Best NUTS version for ``codes`` (``NUTS?`` when unknown) and a note on how it was found."""
    try:
        from clusteratlas.classifications.nuts_detect import detect_version
        from clusteratlas.classifications.nuts_lists import code_lists
    except ImportError:  # pragma: no cover - NUTS helpers absent
        return UNKNOWN_NUTS, None
    try:
        guess = detect_version(pd.unique(codes.astype(str)), code_lists(store))
    except Exception as exc:  # detection is a convenience: never fail a load for it
        return UNKNOWN_NUTS, f"NUTS version not detected ({type(exc).__name__})"
    if guess.best is None or guess.ambiguous:
        return UNKNOWN_NUTS, "NUTS version ambiguous; set --region-system"
    share = guess.shares.get(guess.best) or 0.0
    system = guess.best if guess.best.startswith("NUTS") else f"NUTS{guess.best}"
    return system, f"NUTS version detected: {system} ({share:.0%} of the region codes)"


def load_eurostat(
    store: Any, data: EurostatData, *, region_system: str | None = None
) -> LoadReport:
    """Load a fetched Eurostat table into ``store`` atomically (replacing that dataset)."""
    table = data.frame
    warnings: list[str] = []
    if "geo" not in table.columns:
        raise InputError(f"{data.dataset} has no 'geo' dimension; it is not a regional table",
                         file=data.url)  # fmt: skip
    note = None
    system = region_system
    if system is None:
        system, note = detect_region_system(store, table["geo"])
    obs, classification = eurostat_observations(
        table, dataset=data.dataset, region_system=system, label=data.url, warnings=warnings
    )
    if note:
        warnings.append(note)
    dims = list(table.attrs.get("dimensions") or [c for c in table.columns[:-3]])
    notes = f"Eurostat {data.fmt}; dimensions {','.join(dims)}"
    if data.title:
        notes += f"; title {data.title}"
    if data.filters:
        shown = " ".join(f"{k}={','.join(v)}" for k, v in sorted(data.filters.items()))
        notes += f"; filters {shown}"
    try:
        retrieved = datetime.fromisoformat(data.retrieved_at).replace(tzinfo=None)
    except ValueError:
        retrieved = None
    load_id = store.load_observations(
        obs,
        dataset=data.dataset,
        source="eurostat",
        location=data.url,
        retrieved_at=retrieved,
        last_update=data.last_update,
        sha256=data.sha256,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        region_system=system,
        classification=classification or None,
        notes=notes,
    )
    flags = Counter(f for f in obs["flag"].tolist() if f is not None and f == f)
    years = (int(obs["year"].min()), int(obs["year"].max())) if len(obs) else None
    return LoadReport(
        dataset=data.dataset,
        load_id=load_id,
        rows=len(obs),
        cells=len(table),
        missing=int(obs["value"].isna().sum()),
        flags=flags,
        region_system=system,
        classification=classification,
        years=years,
        regions=int(pd.unique(obs["region"].astype(str)).size),
        last_update=data.last_update,
        url=data.url,
        sha256=data.sha256,
        from_cache=data.from_cache,
        title=data.title,
        warnings=warnings,
    )


# -- back out of the store -------------------------------------------------------------------
def dataset_dimensions(store: Any, dataset: str) -> list[str]:
    """The dimension names, in published order, recorded when ``dataset`` was loaded."""
    notes = dataset_load_notes(store, dataset)
    if notes.empty:
        raise StoreError(f"dataset {dataset!r} is not in the store")
    for note in notes:
        m = _DIMS_NOTE.search(note or "")
        if m:
            return m.group(1).split(",")
    raise StoreError(
        f"dataset {dataset!r} was not loaded from a Eurostat table (no dimension names recorded)"
    )


def tidy_from_store(
    store: Any, dataset: str, where: Mapping[str, list[str]] | None = None
) -> pd.DataFrame:
    """Rebuild the tidy Eurostat table (one column per dimension, ``time``, ``value``,
    ``flag``) of ``dataset`` from the store, optionally keeping only ``where`` codes."""
    dims = dataset_dimensions(store, dataset)
    industry, measure = roles(dims)
    obs = dataset_observations(
        store,
        dataset,
        ["region", "industry", "year", "measure", "dims", "value", "flag"],
        ordered=True,
    )
    cols: dict[str, Any] = {}
    parsed = _split_dims(obs["dims"])
    for d in dims:
        if d == "geo":
            cols[d] = obs["region"]
        elif d == industry:
            cols[d] = obs["industry"]
        elif d == measure:
            cols[d] = obs["measure"]
        elif d == "freq":
            cols[d] = pd.Series("A", index=obs.index)  # only annual observations are stored
        else:
            cols[d] = parsed.get(d, pd.Series("", index=obs.index))
    frame = pd.DataFrame(cols)
    frame["time"] = obs["year"].astype(str)
    frame["value"] = obs["value"].astype(float)
    frame["flag"] = pd.Series([f if isinstance(f, str) else None for f in obs["flag"]],
                              dtype=object)  # fmt: skip
    for dim, codes in (where or {}).items():
        if dim not in frame.columns or dim in ("value", "flag"):
            raise InputError(
                f"no dimension {dim!r} in {dataset} (it has {', '.join([*dims, 'time'])})",
                parameter="where",
            )
        frame = frame[frame[dim].astype(str).str.upper().isin({c.upper() for c in codes})]
    frame = frame.reset_index(drop=True)
    frame.attrs["dimensions"] = dims
    return frame


def _split_dims(dims: pd.Series) -> dict[str, pd.Series]:
    """``'age=Y15-24;sex=T'`` strings → one Series per key (parsed once per distinct string)."""
    uniques, inverse = np.unique(dims.fillna("").to_numpy(dtype=str), return_inverse=True)
    parsed = [dict(p.split("=", 1) for p in u.split(";") if "=" in p) for u in uniques]
    keys = sorted({k for p in parsed for k in p})
    out = {}
    for k in keys:
        lookup = np.array([p.get(k, "") for p in parsed], dtype=object)
        out[k] = pd.Series(lookup[inverse], index=dims.index, dtype=object)
    return out
