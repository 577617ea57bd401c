"""NUTS version detection and conversion of whole datasets in a store.

:func:`convert_dataset` reads one dataset's observations, converts them with
:func:`~clusteratlas.transform.nuts_versions.convert_frame` and writes the result as a new
dataset (or replaces the old one) in **one transaction**, with a provenance row that names the
original dataset, the change tables used and a summary of the change report. Notes on changed
values are appended to ``flag`` (``'e|nuts=merge:NO021+NO022'``, see
:mod:`~clusteratlas.store.flags`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.classifications.nuts_detect import VersionGuess, detect_version
from clusteratlas.classifications.nuts_lists import code_lists
from clusteratlas.errors import InputError
from clusteratlas.store.flags import annotate_series
from clusteratlas.store.queries import dataset_observations, dataset_regions
from clusteratlas.transform.derived import load_derived
from clusteratlas.transform.nuts_changes import (
    ChangeTable,
    describe,
    find_path,
    read_change_tables,
)
from clusteratlas.transform.nuts_official import official_change_table
from clusteratlas.transform.nuts_versions import (
    ADDITIVE_MEASURES,
    FLAGGED_ACTIONS,
    convert_frame,
)


def available_tables(
    changes_files: Sequence[str | Path] = (), data_dir: Path | None = None
) -> list[ChangeTable]:
    """The user's change-table files (our format) and the official 2016→2021 table if present.

    A user file for a version pair replaces the built-in table for the same pair.
    """
    tables: list[ChangeTable] = []
    for f in changes_files:
        tables.extend(read_change_tables(f))
    pairs = {frozenset((t.from_version, t.to_version)) for t in tables}
    official = official_change_table(data_dir)
    if official is not None and frozenset(("2016", "2021")) not in pairs:
        tables.append(official)
    return tables


def _observations(store: Any, dataset: str) -> pd.DataFrame:
    df = dataset_observations(store, dataset)
    if df.empty:
        known = ", ".join(store.datasets()["dataset"].tolist()) or "none"
        raise InputError(
            f"no dataset {dataset!r} in the store (have: {known})", parameter="--dataset"
        )
    return df


def detect_dataset(store: Any, dataset: str, data_dir: Path | None = None) -> VersionGuess:
    """Detect the NUTS version of a stored dataset's region codes."""
    codes = dataset_regions(store, dataset)
    if codes.empty:
        _observations(store, dataset)
    return detect_version(codes, code_lists(store, data_dir))


def _from_version(store: Any, dataset: str, df: pd.DataFrame, data_dir: Path | None) -> str:
    systems = sorted(df["region_system"].dropna().unique())
    nuts = [s for s in systems if s.startswith("NUTS") and s[4:].isdigit()]
    if len(nuts) == 1 and len(systems) == 1:
        return nuts[0][4:]
    guess = detect_version(df["region"], code_lists(store, data_dir))
    if guess.best is None or guess.ambiguous:
        raise InputError(
            f"cannot tell the NUTS version of {dataset!r} (region_system {systems}); "
            "give it with --from",
            parameter="--from",
        )
    return guess.best


@dataclass
class StoreConversion:
    """What :func:`convert_dataset` did."""

    dataset: str
    new_dataset: str
    from_version: str
    to_version: str
    rows: int
    report: pd.DataFrame
    counts: dict[str, int]
    load_id: str
    tables: str


def convert_dataset(
    store: Any,
    dataset: str,
    to_version: str,
    *,
    from_version: str | None = None,
    changes_files: Sequence[str | Path] = (),
    additive: Collection[str] | None = None,
    new_dataset: str | None = None,
    rebuild: bool = True,
    data_dir: Path | None = None,
) -> StoreConversion:
    """Convert a stored dataset to NUTS ``to_version`` and store the result atomically.

    Parameters
    ----------
    from_version:
        The dataset's version; default from its ``region_system`` (``NUTS2016`` → 2016) or,
        failing that, detected from its codes.
    changes_files:
        Change tables in our CSV format (:mod:`~clusteratlas.transform.nuts_changes`); the
        official 2016→2021 table from shared data is used for that pair otherwise.
    additive:
        Measures that may be summed over merged regions (default :data:`ADDITIVE_MEASURES`).
    new_dataset:
        Name of the result (default ``<dataset>-nuts<to_version>``); the same name as
        ``dataset`` replaces it in place.
    """
    to_version = str(to_version)
    df = _observations(store, dataset)
    src_version = str(from_version) if from_version else _from_version(store, dataset, df, data_dir)
    chain = find_path(available_tables(changes_files, data_dir), src_version, to_version)
    measures = ADDITIVE_MEASURES if additive is None else frozenset(additive)
    conv = convert_frame(df.drop(columns=["load_id"]), chain, additive=measures, rebuild=rebuild)
    out = conv.frame
    notes = ("nuts=" + out["nuts_action"] + ":" + out["nuts_from"]).where(
        out["nuts_action"].isin(FLAGGED_ACTIONS)
    )
    out["flag"] = annotate_series(out["flag"], notes)
    target = new_dataset or f"{dataset}-nuts{to_version}"
    out["dataset"] = target
    out["region_system"] = f"NUTS{to_version}"
    counts = conv.counts()
    steps = " then ".join(t.label for t in chain) or "no change"
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    load_id = load_derived(
        store,
        out,
        dataset=dataset,
        target=target,
        location=f"store dataset {dataset} (NUTS {src_version})",
        region_system=f"NUTS{to_version}",
        notes=f"NUTS conversion {steps} ({'; '.join(t.source for t in chain)}): rows by action: "
        f"{summary}. Merges summed only for additive measures; splits and partial changes "
        "left NULL (never apportioned).",
    )
    return StoreConversion(
        dataset,
        target,
        src_version,
        to_version,
        len(out),
        conv.report,
        counts,
        load_id,
        describe(chain),
    )
