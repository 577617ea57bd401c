"""Writing results: CSV or Parquet written atomically, with a provenance sidecar.

Every result file ``OUT`` is accompanied by ``OUT.provenance.json``::

    {
      "tool": "clusteratlas", "version": "0.1.0", "command": "map",
      "created_at": "2026-05-01T12:00:00+00:00",
      "inputs": [{"role": "panel", "path": "...", "sha256": "..."}, ...],
      "options": {"lq_base": "traded", "year": null, "level": "nuts", ...},
      "thresholds": {"star_lq": 2.0, ...},
      "datasets": [{"dataset": "...", "source": "...", "attribution": "...", ...}],
      "attribution": ["Source: Eurostat", ...],
      "rows": 3350, "columns": ["region", "cluster", ...]
    }

Both files are written to a temporary name in the same folder and moved into place with
:func:`os.replace`, so a crash never leaves a half-written result.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import publish, sha256_file, temp_beside

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: str | Path, parameter: str = "--out") -> str:
    """``'csv'`` or ``'parquet'`` from the extension; anything else is an :class:`InputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        known = ", ".join(OUTPUT_FORMATS)
        raise InputError(
            f"unknown output extension {suffix or '(none)'!r} of {path} (use one of {known})",
            parameter=parameter,
        )
    return OUTPUT_FORMATS[suffix]


def write_result(
    frame: pd.DataFrame, path: str | Path, provenance: dict[str, Any] | None = None
) -> Path:
    """Write ``frame`` to ``path`` (CSV or Parquet by extension) and its provenance sidecar.

    Both files are first written under temporary names beside their targets; only when both
    are complete are they moved into place. Returns the sidecar's path.
    """
    path = Path(path)
    fmt = output_format(path)
    sidecar = path.with_name(path.name + ".provenance.json")
    tmp_out, tmp_side = temp_beside(path), temp_beside(sidecar)
    try:
        if fmt == "csv":
            frame.to_csv(tmp_out, index=False)
        else:
            frame.to_parquet(tmp_out, index=False)
        record = dict(provenance or {})
        record.setdefault("created_at", datetime.now(UTC).isoformat(timespec="seconds"))
        record["output"] = {"path": str(path), "format": fmt, "sha256": sha256_file(tmp_out)}
        record["rows"] = len(frame)
        record["columns"] = [str(c) for c in frame.columns]
        tmp_side.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
        publish(tmp_out, path)
        publish(tmp_side, sidecar)
    finally:
        tmp_out.unlink(missing_ok=True)
        tmp_side.unlink(missing_ok=True)
    return sidecar
