"""Redo a cluster-mapping result from its provenance sidecar.

:func:`regenerate_map` re-runs :func:`~clusteratlas.mapping.api.map_panel` with the recorded
panel, definitions and benchmark files (their sha256 checked first) and the recorded options
and thresholds, then, for a strength or trends table, the same derivation. It refuses, saying
why, what cannot be redone from the record alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.store.provenance import check_inputs, find_sidecar, read_provenance

#: map_panel keywords taken from the record's options (the rest are derived descriptions).
OPTIONS = ("year", "lq_base", "level", "total_industry")


def regenerate_map(sidecar: str | Path, **changes: Any) -> pd.DataFrame:
    """The result a ``map`` sidecar describes, computed again (``changes`` override options,
    e.g. ``lq_base="traded"``).

    Raises :class:`InputError` naming the sidecar when the record is not of ``map``, when an
    input was a data frame (nothing to re-read), when the result came from a store (the
    store's content is not pinned by the record: run ``map_store`` again with the recorded
    options), or when an input file is gone or changed.
    """
    from clusteratlas.mapping.api import map_panel
    from clusteratlas.mapping.results import cluster_strength, trends

    side = find_sidecar(sidecar)
    record = read_provenance(side)
    if record.get("command") != "map":
        raise InputError(f"this is the record of {record.get('command')!r}, not of map",
                         file=side)  # fmt: skip
    options = record.get("options", {})
    if options.get("store"):
        raise InputError(
            f"made by map_store from {options['store']}: the store's content is not pinned by "
            "the record; run map_store again with the recorded options",
            file=side,
        )
    inputs = {i.get("role"): i for i in record.get("inputs", [])}
    for role, item in inputs.items():
        if "path" not in item:
            raise InputError(f"input {role} was a data frame: it cannot be re-read", file=side)
    for role in ("panel", "definitions"):
        if role not in inputs:
            raise InputError(f"the record names no {role} file", file=side)
    check_inputs(record, origin=side)
    kwargs = {k: options.get(k) for k in OPTIONS if k in options}
    kwargs.update(changes)
    year = kwargs.get("year")
    if isinstance(year, list):
        kwargs["year"] = [int(y) for y in year]
    result = map_panel(
        inputs["panel"]["path"],
        inputs["definitions"]["path"],
        benchmark=inputs["benchmark"]["path"] if "benchmark" in inputs else None,
        thresholds=record.get("thresholds"),
        **kwargs,
    )
    table = record.get("table")
    if table == "strength":
        return cluster_strength(result)
    if table == "trends":
        start, end = record["trends"]
        return trends(result, int(start), int(end))
    return result
