"""The one provenance record of every file the project writes, and its sidecar.

Every output ``X.ext`` (cluster tables, strength and trend tables, scoreboard scores, derived
schemes …) is written with a sidecar ``X.ext.provenance.json`` holding one JSON object, the
*provenance record*, documented by ``docs/provenance.schema.json`` and ``docs/provenance.md``.
The web API serves exactly this record. Its keys:

``schema``
    ``"clusteratlas-provenance/1"``.
``tool``, ``version``, ``command``, ``created_at``
    Always: ``"clusteratlas"``, the package version, what made it (``map``, ``score`` …), UTC.
``inputs``
    A list of ``{"role", "path", "sha256", ...}``: every file read (``sha256`` of its bytes),
    or ``{"role", "kind": "data frame", "rows"}`` for data given in memory.
``options``
    The parameters the result depends on (enough to redo it).
``datasets``
    Stored or packaged data used: ``{"dataset", "source", "extracted", "licence",
    "attribution", ...}`` (``extracted`` is the retrieval or publication date).
``classifications``, ``nuts_versions``
    Industry classifications (``NACE_R2``, ``NAICS2012`` …) and NUTS versions (``2016`` …).
``attribution``
    The lines to print under any use of the numbers.
``output``
    Written by :func:`write_output`: ``{"path", "format", "sha256", "rows", "columns"}``.

Command-specific sections (``thresholds`` of the mapping; ``pipeline``, ``log``,
``treatment`` of the scoreboard …) sit beside them.

Older sidecars are still read by :func:`read_provenance`: the scoreboard's ``X.provenance.json``
(inputs as a dict, no version) is found for ``X.csv`` and normalised to this form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import publish, sha256_file, temp_beside

SCHEMA = "clusteratlas-provenance/1"
SUFFIX = ".provenance.json"
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}
CORE_KEYS = (
    "schema", "tool", "version", "command", "created_at", "inputs", "options", "datasets",
    "classifications", "nuts_versions", "attribution",
)  # fmt: skip


def package_version() -> str:
    """The installed clusteratlas version (the package attribute when not installed)."""
    try:
        from importlib.metadata import version

        return version("clusteratlas")
    except Exception:  # running from a source tree that is not installed
        import clusteratlas

        return str(getattr(clusteratlas, "__version__", "unknown"))


def sidecar_path(output: str | Path) -> Path:
    """The sidecar of an output file: ``X.ext`` → ``X.ext.provenance.json``.

    >>> sidecar_path("out/scores.csv").as_posix()
    'out/scores.csv.provenance.json'
    """
    output = Path(output)
    return output.with_name(output.name + SUFFIX)


def legacy_sidecar_paths(output: str | Path) -> list[Path]:
    """Sidecar names of earlier releases: the scoreboard's ``X.provenance.json`` for ``X.csv``.

    >>> [p.name for p in legacy_sidecar_paths("scores.csv")]
    ['scores.provenance.json']
    """
    output = Path(output)
    return [output.with_name(output.stem + SUFFIX)] if output.suffix else []


def input_file(role: str, path: str | Path, **extra: Any) -> dict[str, Any]:
    """An ``inputs`` item for a file read: role, path and the sha256 of its bytes."""
    return {"role": role, "path": str(path), "sha256": sha256_file(path), **extra}


def input_frame(role: str, frame: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    """An ``inputs`` item for data given in memory (no file: it cannot be re-read)."""
    return {"role": role, "kind": "data frame", "rows": len(frame), **extra}


def build_record(
    command: str,
    *,
    inputs: Iterable[Mapping[str, Any]] = (),
    options: Mapping[str, Any] | None = None,
    datasets: Iterable[Mapping[str, Any]] = (),
    classifications: Iterable[str] = (),
    nuts_versions: Iterable[str] = (),
    attribution: Iterable[str] = (),
    **sections: Any,
) -> dict[str, Any]:
    """The provenance record of a result (see the module docstring for the keys).

    ``attribution`` is completed with the attribution lines of ``datasets``; duplicates are
    dropped, order kept. ``sections`` are command-specific (``thresholds=``, ``pipeline=`` …).

    >>> r = build_record("map", options={"lq_base": "traded"}, classifications=["NACE_R2"])
    >>> r["schema"], r["command"], r["inputs"], r["classifications"]
    ('clusteratlas-provenance/1', 'map', [], ['NACE_R2'])
    """
    datasets = [_dataset(d) for d in datasets]
    lines = [*attribution, *(str(d["attribution"]) for d in datasets if d.get("attribution"))]
    clash = set(sections) & set(CORE_KEYS)
    if clash:
        raise InputError(f"section names {sorted(clash)} are core keys", parameter="sections")
    return {
        "schema": SCHEMA,
        "tool": "clusteratlas",
        "version": package_version(),
        "command": command,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": [dict(i) for i in inputs],
        "options": dict(options or {}),
        "datasets": datasets,
        "classifications": _unique(str(c) for c in classifications if c),
        "nuts_versions": _unique(str(v).upper().removeprefix("NUTS") for v in nuts_versions if v),
        "attribution": _unique(str(a) for a in lines if a),
        **sections,
    }


def store_datasets(store: Any, dataset: str) -> list[dict[str, Any]]:
    """The ``datasets`` items of a stored dataset: its provenance rows (one per load), with
    missing values as ``None`` and an ``extracted`` date."""
    rows = store.provenance(dataset)
    rows = rows.astype(object).where(rows.notna(), None)  # NaT/NaN -> null in JSON
    return [_dataset(r) for r in rows.drop(columns=["load_id"], errors="ignore").to_dict("records")]


def merge_records(base: Mapping[str, Any] | None, extra: Mapping[str, Any] | None) -> dict:
    """``extra`` laid over ``base``; list-valued core keys (inputs, datasets, attribution …)
    are united, so that no input of either is lost."""
    out = dict(base or {})
    for key, value in (extra or {}).items():
        if key in ("inputs", "datasets") and key in out:
            seen = {json.dumps(v, sort_keys=True, default=str) for v in out[key]}
            out[key] = [*out[key]] + [
                v for v in value if json.dumps(v, sort_keys=True, default=str) not in seen
            ]
        elif key in ("classifications", "nuts_versions", "attribution") and key in out:
            out[key] = _unique([*out[key], *value])
        elif key == "options" and key in out:
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def output_format(path: str | Path, parameter: str = "path") -> str:
    """``'csv'``, ``'parquet'`` or ``'json'`` from the extension; else an :class:`InputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise InputError(
            f"unknown output extension {suffix or '(none)'!r} of {path} (use one of {known})",
            parameter=parameter,
        )
    return FORMATS[suffix]


def write_output(
    frame: pd.DataFrame,
    path: str | Path,
    record: Mapping[str, Any],
    *,
    fmt: str | None = None,
    float_format: str | None = None,
) -> Path:
    """Write ``frame`` (CSV, Parquet or JSON records: ``fmt``, else by extension) and its
    sidecar.

    Both are first written under temporary names beside their targets and moved into place
    only when both are complete: a failure leaves neither half-written. The record gets its
    ``output`` section (path, format, sha256 of the file written, rows, columns) and, if it
    lacks them, the core keys of :func:`build_record`. Returns the sidecar's path.
    """
    path = Path(path)
    if fmt is None:
        fmt = output_format(path)
    elif fmt not in FORMATS.values():
        raise InputError(f"unknown output format {fmt!r} (csv, parquet or json)",
                         parameter="fmt")  # fmt: skip
    sidecar = sidecar_path(path)
    tmp_out, tmp_side = temp_beside(path), temp_beside(sidecar)
    frame = frame.copy(deep=False)
    frame.attrs = {}  # the record goes to the sidecar, not into Parquet's metadata
    try:
        if fmt == "csv":
            frame.to_csv(tmp_out, index=False, float_format=float_format)
        elif fmt == "parquet":
            frame.to_parquet(tmp_out, index=False)
        else:
            frame.to_json(tmp_out, orient="records", indent=1, force_ascii=False)
        full = merge_records(build_record(str(record.get("command", "write"))), record)
        full["output"] = {
            "path": str(path),
            "format": fmt,
            "sha256": sha256_file(tmp_out),
            "rows": len(frame),
            "columns": [str(c) for c in frame.columns],
        }
        text = json.dumps(full, indent=2, default=_json_default, ensure_ascii=False) + "\n"
        tmp_side.write_text(text, encoding="utf-8")
        publish(tmp_out, path)
        publish(tmp_side, sidecar)
    finally:
        tmp_out.unlink(missing_ok=True)
        tmp_side.unlink(missing_ok=True)
    return sidecar


def find_sidecar(path: str | Path) -> Path:
    """The sidecar of ``path`` (an output file or a sidecar itself); old names accepted."""
    path = Path(path)
    if path.name.endswith(SUFFIX):
        if path.is_file():
            return path
        raise InputError("no such provenance file", file=path)
    for candidate in (sidecar_path(path), *legacy_sidecar_paths(path)):
        if candidate.is_file():
            return candidate
    raise InputError(
        f"no provenance sidecar ({sidecar_path(path).name}) beside this file", file=path
    )


def read_provenance(path: str | Path) -> dict[str, Any]:
    """The provenance record of an output file (or of a sidecar given directly).

    Records of earlier releases are normalised: the scoreboard's ``inputs`` dict becomes a
    list with ``role`` keys, a missing ``version`` becomes ``None``, missing core lists
    become empty; ``legacy`` then names the sidecar format read.
    """
    side = find_sidecar(path)
    try:
        record = json.loads(side.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a provenance JSON file ({exc})", file=side) from exc
    if not isinstance(record, dict):
        raise InputError("a provenance file holds one JSON object", file=side)
    return normalise(record)


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record of any release in the current form (see :func:`read_provenance`)."""
    out = dict(record)
    if out.get("schema") == SCHEMA:
        return out
    legacy = "scoreboard sidecar (X.provenance.json)" if "pipeline" in out else "sidecar v0"
    inputs = out.get("inputs", [])
    if isinstance(inputs, Mapping):
        inputs = [{"role": role, **dict(info)} for role, info in inputs.items()]
    tool = str(out.get("tool", "clusteratlas"))
    command = out.get("command") or ("score" if "pipeline" in out else tool.partition(" ")[2])
    out.update(
        schema=SCHEMA,
        tool="clusteratlas",
        version=out.get("version"),
        command=command or "unknown",
        created_at=out.get("created_at", out.get("created")),
        inputs=list(inputs),
        legacy=legacy,
    )
    out.pop("created", None)
    for key in ("datasets", "classifications", "nuts_versions", "attribution"):
        out.setdefault(key, [])
    out.setdefault("options", {})
    return out


def check_inputs(record: Mapping[str, Any], *, origin: str | Path | None = None) -> None:
    """Raise :class:`InputError` unless every file input is still there, unchanged.

    The message names the input's role and path and whether it is gone or changed.
    """
    for item in record.get("inputs", []):
        if "path" not in item:
            continue
        p = Path(item["path"])
        role = item.get("role", "input")
        if not p.is_file():
            raise InputError(f"input {role} is gone: {p}", file=origin)
        if item.get("sha256") and sha256_file(p) != item["sha256"]:
            raise InputError(f"input {role} changed since the run (sha256 differs): {p}",
                             file=origin)  # fmt: skip


def _dataset(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``datasets`` item with its ``extracted`` date (from a store row's ``retrieved_at``
    or the source's ``last_update`` when not given)."""
    out = dict(item)
    if not out.get("extracted"):
        when = out.get("retrieved_at") or out.get("last_update") or out.get("ingested_at")
        out["extracted"] = when.isoformat() if hasattr(when, "isoformat") else when
    return out


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)
