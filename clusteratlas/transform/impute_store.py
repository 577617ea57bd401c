"""Gap-filling of a stored dataset: writes ``<dataset>-imputed`` in one transaction.

The source flag of every filled cell is kept, and a note is appended:
``c|imputed=eco-parent-split:10`` or ``B|imputed=cbp-midpoint:B`` (see
:mod:`~clusteratlas.store.flags`). The provenance row names the original dataset,
the method and the number of cells filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.store.flags import annotate_series
from clusteratlas.store.queries import dataset_observations
from clusteratlas.transform.derived import load_derived
from clusteratlas.transform.suppressed import METHODS, eurostat_nace_parents, impute_frame

KEYS = ["region", "year", "measure", "dims"]


@dataclass
class ImputeResult:
    """What :func:`impute_dataset` did."""

    dataset: str
    new_dataset: str
    method: str
    rows: int
    filled: int
    still_missing: int
    load_id: str


def _parents(store: Any, classification: str) -> dict[str, str | None]:
    from clusteratlas.classifications.loading import hierarchy_from_store

    h = hierarchy_from_store(store, classification)
    if h is None:
        raise InputError(
            f"the store has no {classification!r} hierarchy; load it first with "
            "'clusteratlas classifications load'",
            parameter="--method",
        )
    frame = h.to_frame()
    return {
        str(c): (None if p is None or pd.isna(p) else str(p))
        for c, p in zip(frame["code"], frame["parent"], strict=True)
    }


def _align(parents: Mapping[str, str | None], codes) -> Mapping[str, str | None]:
    """Use the hierarchy in the data's own coding (dotted NACE or Eurostat's 'C101')."""
    codes = [c for c in codes if c]
    hits = sum(c in parents for c in codes)
    if codes and hits >= len(codes) / 2:
        return parents
    es = eurostat_nace_parents(parents)
    if sum(c in es for c in codes) > hits:
        return es
    if hits == 0:
        raise InputError(
            f"none of the dataset's industry codes (e.g. {codes[:3]}) is in the hierarchy",
            parameter="--dataset",
        )
    return parents


def impute_dataset(
    store: Any,
    dataset: str,
    method: str,
    *,
    new_dataset: str | None = None,
    parents: Mapping[str, str | None] | None = None,
) -> ImputeResult:
    """Fill a stored dataset's gaps with ``method`` (``eco``, ``cbp`` or ``none``).

    ``eco`` uses the hierarchy of the dataset's classification held in the store's
    ``industries`` table (or ``parents`` if given) and splits within each region, year,
    measure and ``dims``. ``cbp`` fills employment rows flagged with a CBP size class.
    """
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r} (expected {', '.join(METHODS)})", parameter="--method"
        )
    df = dataset_observations(store, dataset)
    if df.empty:
        known = ", ".join(store.datasets()["dataset"].tolist()) or "none"
        raise InputError(
            f"no dataset {dataset!r} in the store (have: {known})", parameter="--dataset"
        )
    if method == "eco" and parents is None:
        classes = sorted(c for c in df["classification"].dropna().unique() if c)
        if len(classes) != 1:
            raise InputError(
                f"dataset {dataset!r} has classifications {classes}; the eco method needs one",
                parameter="--dataset",
            )
        parents = _parents(store, classes[0])
    if method == "eco":
        parents = _align(parents, df["industry"].astype(str).unique())
    out = impute_frame(df.drop(columns=["load_id"]), method, parents=parents, keys=KEYS)
    notes = ("imputed=" + out["imputed"].astype("string")).astype(object)
    out["flag"] = annotate_series(out["flag"], notes.where(out["imputed"].notna(), None))
    target = new_dataset or f"{dataset}-imputed"
    out["dataset"] = target
    filled = int(out["imputed"].notna().sum())
    missing = int(out["value"].isna().sum())
    load_id = load_derived(
        store,
        out,
        dataset=dataset,
        target=target,
        location=f"store dataset {dataset}",
        notes=f"gap-filling method {method!r}: {filled} cells filled (flag note 'imputed='), "
        f"{missing} still missing; original flags kept",
    )
    return ImputeResult(dataset, target, method, len(out), filled, missing, load_id)


def summary(result: ImputeResult) -> pd.DataFrame:
    """A one-row frame for display."""
    return pd.DataFrame([result.__dict__])
