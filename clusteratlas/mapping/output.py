"""Writing results: CSV or Parquet written atomically, with a provenance sidecar.

Every result file ``X.ext`` is accompanied by ``X.ext.provenance.json``, the one provenance
record of the project (:mod:`clusteratlas.store.provenance`; schema in
``docs/provenance.schema.json``, explained in ``docs/provenance.md``)::

    {
      "schema": "clusteratlas-provenance/1",
      "tool": "clusteratlas", "version": "0.1.0", "command": "map",
      "created_at": "2026-05-01T12:00:00+00:00",
      "inputs": [{"role": "panel", "path": "...", "sha256": "..."}, ...],
      "options": {"lq_base": "traded", "year": null, "level": "nuts", ...},
      "datasets": [{"dataset": "...", "source": "...", "extracted": "...", ...}],
      "classifications": ["NACE_R2"], "nuts_versions": ["2021"],
      "attribution": ["Source: Eurostat", ...],
      "thresholds": {"star_lq": 2.0, ...},
      "output": {"path": "...", "format": "csv", "sha256": "...", "rows": 3350,
                 "columns": ["region", "cluster", ...]}
    }

Both files are written to a temporary name in the same folder and moved into place with
:func:`os.replace`, so a crash never leaves a half-written result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.store import provenance as prov

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: str | Path, parameter: str = "path") -> str:
    """``'csv'`` or ``'parquet'`` from the extension; anything else is an :class:`InputError`."""
    fmt = prov.output_format(path, parameter)
    if fmt not in OUTPUT_FORMATS.values():
        from clusteratlas.errors import InputError

        known = ", ".join(OUTPUT_FORMATS)
        raise InputError(f"unknown output extension of {path} (use one of {known})",
                         parameter=parameter)  # fmt: skip
    return fmt


def write_result(
    frame: pd.DataFrame, path: str | Path, provenance: dict[str, Any] | None = None
) -> Path:
    """Write ``frame`` to ``path`` (CSV or Parquet by extension) and its provenance sidecar
    ``path.provenance.json``; returns the sidecar's path.

    The record is the frame's own (``frame.attrs["provenance"]``, set by
    :func:`~clusteratlas.mapping.api.map_panel` and the functions built on it), with
    ``provenance`` laid over it when given: lists such as ``inputs`` and ``datasets`` are
    united, so no input is ever dropped. Both files are first written under temporary names
    beside their targets; only when both are complete are they moved into place.
    """
    output_format(path)
    record = prov.merge_records(frame.attrs.get("provenance"), provenance)
    return prov.write_output(frame, path, record)
