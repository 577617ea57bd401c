"""JSON-stat 2.0 datasets (Eurostat's statistics API) as the tidy Eurostat table.

A JSON-stat dataset is a dense cube described by ``id`` (dimension ids in order), ``size``
(categories per dimension), ``dimension`` (per id: ``category.index`` as a list of codes or a
``{code: position}`` object, and ``category.label``) and ``value`` — a list in row-major order
(the last dimension varies fastest) or a sparse ``{"position": value}`` object. ``status``
(a string for all cells, a list, or a sparse object) carries Eurostat's flags. Specification:
https://json-stat.org/format/ (JSON-stat 2.0). Eurostat's statistics API answers with this
format: https://ec.europa.eu/eurostat/web/user-guides/data-browser/api-data-access/
api-detailed-guidelines/api-statistics

:func:`read_jsonstat` returns the same columns as the bulk TSV reader: one lowercase column per
non-time dimension (in ``id`` order), ``time``, ``value`` (NaN when missing, never 0) and
``flag``. Eurostat omits empty cells from the sparse ``value``/``status`` objects; a cell with
neither a value nor a status is not an observation and is left out. A status of ``":"`` (used
by some publishers for "not available") means a missing value without a flag.

Tests build their responses from the published specification: no recorded Eurostat JSON-stat
answer was available when this reader was written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import FetchError, InputError

TIME_IDS = ("time", "time_period")


def _load(source: bytes | str | Path | Mapping[str, Any], name: str | None) -> tuple[dict, str]:
    if isinstance(source, Mapping):
        return dict(source), name or "<json-stat>"
    if isinstance(source, Path):
        label = name or str(source)
        text = source.read_bytes()
    else:
        label = name or "<json-stat>"
        text = source.encode("utf-8") if isinstance(source, str) else source
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON ({exc})", file=label) from None
    if not isinstance(doc, dict):
        raise InputError("not a JSON-stat document (top level is not an object)", file=label)
    return doc, label


def api_error(doc: Mapping[str, Any]) -> str | None:
    """The error text of a Eurostat statistics-API error answer, or ``None``.

    Eurostat answers a bad query with ``{"error": [{"status": 400, "id": 100, "label": ...}]}``
    (or a single object instead of the list).

    >>> api_error({"error": [{"status": 400, "id": 100, "label": "Unknown dataset"}]})
    'HTTP 400, error 100: Unknown dataset'
    """
    err = doc.get("error")
    if not err:
        return None
    items = err if isinstance(err, list) else [err]
    parts = []
    for e in items:
        if isinstance(e, Mapping):
            parts.append(
                f"HTTP {e.get('status', '?')}, error {e.get('id', '?')}: {e.get('label', '')}"
            )
        else:
            parts.append(str(e))
    return "; ".join(parts)


def category_codes(dim: Mapping[str, Any], dim_id: str, size: int, label: str) -> list[str]:
    """Codes of one dimension in cube order (``category.index`` list/object, or the labels)."""
    cat = dim.get("category")
    if not isinstance(cat, Mapping):
        raise InputError("dimension has no 'category'", file=label, column=dim_id)
    index = cat.get("index")
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, Mapping):
        codes = [""] * len(index)
        for code, pos in index.items():
            if not isinstance(pos, int) or not 0 <= pos < len(index) or codes[pos]:
                raise InputError(
                    f"category.index gives {code!r} a bad position {pos!r}", file=label,
                    column=dim_id,
                )  # fmt: skip
            codes[pos] = str(code)
    elif index is None and isinstance(cat.get("label"), Mapping) and len(cat["label"]) == 1:
        codes = [str(next(iter(cat["label"])))]  # spec: index may be omitted for one category
    else:
        raise InputError("category.index is missing", file=label, column=dim_id)
    if len(codes) != size:
        raise InputError(
            f"size says {size} categories but category.index has {len(codes)}",
            file=label,
            column=dim_id,
        )
    return codes


def _positions(obj: Any, n: int, what: str, label: str) -> tuple[np.ndarray, list[Any]]:
    """(positions, items) of a JSON-stat value/status given as list, sparse object or scalar."""
    if isinstance(obj, list):
        if len(obj) != n:
            raise InputError(f"'{what}' has {len(obj)} items, the cube has {n} cells", file=label)
        return np.arange(n), obj
    if isinstance(obj, Mapping):
        try:
            pos = np.fromiter((int(k) for k in obj), dtype=np.int64, count=len(obj))
        except ValueError:
            raise InputError(f"'{what}' has a non-numeric key", file=label) from None
        if len(pos) and (pos.min() < 0 or pos.max() >= n):
            raise InputError(f"'{what}' has a position outside the cube of {n} cells", file=label)
        return pos, list(obj.values())
    raise InputError(f"'{what}' must be a list or an object", file=label)


def read_jsonstat(
    source: bytes | str | Path | Mapping[str, Any], *, name: str | None = None
) -> pd.DataFrame:
    """Read a JSON-stat 2.0 dataset into the tidy Eurostat table.

    Parameters
    ----------
    source:
        The response bytes/text, a path, or an already parsed ``dict``.
    name:
        How to name the document in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns: the non-time dimensions (lowercase ids, in ``id`` order), ``time``, ``value``
        (float64, NaN when missing) and ``flag`` (str or None); one row per cell that has a
        value or a status. ``attrs``: ``updated``, ``label``, ``dimensions``, ``source``,
        ``format='json-stat'``, ``cells`` (cube size).

    Raises
    ------
    FetchError
        For a Eurostat error answer (``{"error": ...}``).
    InputError
        For anything that is not a valid JSON-stat 2.0 dataset (naming the dimension).

    Examples
    --------
    >>> doc = {"version": "2.0", "class": "dataset", "id": ["geo", "time"], "size": [2, 2],
    ...        "dimension": {"geo": {"category": {"index": ["AT", "BE"]}},
    ...                      "time": {"category": {"index": {"2014": 0, "2015": 1}}}},
    ...        "value": {"0": 1.5, "3": 2.0}, "status": {"0": "e", "2": "c"}}
    >>> read_jsonstat(doc).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'geo': ['AT', 'BE', 'BE'], 'time': ['2014', '2014', '2015'], 'value': [1.5, nan, 2.0],
     'flag': ['e', 'c', None]}
    """
    doc, label = _load(source, name)
    err = api_error(doc)
    if err:
        raise FetchError(f"{label}: Eurostat answered with an error: {err}")
    if doc.get("class", "dataset") != "dataset":
        raise InputError(f"JSON-stat class {doc.get('class')!r} is not 'dataset'", file=label)
    ids, sizes, dims = doc.get("id"), doc.get("size"), doc.get("dimension")
    if not isinstance(ids, list) or not isinstance(sizes, list) or not isinstance(dims, Mapping):
        raise InputError(
            "not a JSON-stat 2.0 dataset (needs 'id', 'size', 'dimension')", file=label
        )
    if len(ids) != len(sizes):
        raise InputError(f"'id' has {len(ids)} dimensions but 'size' has {len(sizes)}", file=label)
    codes = []
    for dim_id, size in zip(ids, sizes, strict=True):
        if dim_id not in dims:
            raise InputError("dimension listed in 'id' is missing", file=label, column=dim_id)
        codes.append(category_codes(dims[dim_id], dim_id, int(size), label))
    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 0

    values = np.full(n, np.nan)
    has = np.zeros(n, dtype=bool)
    if "value" not in doc:
        raise InputError("no 'value' in the dataset", file=label)
    vpos, vitems = _positions(doc["value"], n, "value", label)
    try:
        vals = np.array([np.nan if v is None else float(v) for v in vitems], dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            "'value' holds something that is not a number or null", file=label
        ) from None
    values[vpos] = vals
    has[vpos[~np.isnan(vals)]] = True

    flags = np.full(n, None, dtype=object)
    status = doc.get("status")
    if isinstance(status, str):
        flags[:] = status
    elif status is not None:
        spos, sitems = _positions(status, n, "status", label)
        flags[spos] = np.array([None if s in (None, "") else str(s) for s in sitems], dtype=object)
    has |= pd.notna(flags)
    flags[flags == ":"] = None

    keep = np.flatnonzero(has)
    coords = np.unravel_index(keep, sizes) if sizes else ()
    time_id = _time_dimension(doc, ids)
    frame: dict[str, Any] = {}
    for k, dim_id in enumerate(ids):
        if dim_id == time_id:
            continue
        frame[str(dim_id).lower()] = pd.Categorical.from_codes(coords[k], categories=codes[k])
    if time_id is None:
        raise InputError("no time dimension (expected 'time' or role.time)", file=label)
    t = ids.index(time_id)
    frame["time"] = np.asarray(codes[t], dtype=object)[coords[t]]
    frame["value"] = values[keep]
    out = pd.DataFrame(frame)
    out["flag"] = pd.Series(flags[keep], dtype=object)  # keep None (pandas 3 would infer str)
    out.attrs.update(
        format="json-stat",
        updated=doc.get("updated"),
        label=doc.get("label"),
        source=doc.get("source"),
        dimensions=[str(i).lower() for i in ids if i != time_id],
        cells=n,
        file=label,
    )
    return out


def _time_dimension(doc: Mapping[str, Any], ids: list[str]) -> str | None:
    role = doc.get("role")
    if isinstance(role, Mapping) and isinstance(role.get("time"), list) and role["time"]:
        return str(role["time"][0])
    for i in ids:
        if str(i).lower() in TIME_IDS:
            return i
    return None


def build_jsonstat(
    tidy: pd.DataFrame,
    *,
    dims: list[str],
    updated: str | None = None,
    label: str = "",
    sparse: bool = True,
) -> dict[str, Any]:
    """Build a JSON-stat 2.0 dataset from a tidy frame (the inverse of :func:`read_jsonstat`).

    Used by tests and the fake server to produce spec-conformant answers from real bulk data.
    Categories keep their order of first appearance; missing values without a flag get the
    status ``":"`` so that they survive the round trip.
    """
    ids = [*dims, "time"]
    cats = {d: list(pd.unique(tidy[d].astype(str))) for d in ids}
    sizes = [len(cats[d]) for d in ids]
    pos = np.zeros(len(tidy), dtype=np.int64)
    for d, size in zip(ids, sizes, strict=True):
        lookup = {c: i for i, c in enumerate(cats[d])}
        pos = pos * size + tidy[d].astype(str).map(lookup).to_numpy(dtype=np.int64)
    val = tidy["value"].to_numpy(dtype=float)
    flag = tidy["flag"].to_numpy(dtype=object)
    status = {}
    value: dict[str, float] | list[float | None]
    if sparse:
        value = {str(p): float(v) for p, v in zip(pos, val, strict=True) if not np.isnan(v)}
    else:
        dense: list[float | None] = [None] * int(np.prod(sizes))
        for p, v in zip(pos, val, strict=True):
            dense[p] = None if np.isnan(v) else float(v)
        value = dense
    for p, v, f in zip(pos, val, flag, strict=True):
        if f is not None and f == f:
            status[str(p)] = str(f)
        elif np.isnan(v):
            status[str(p)] = ":"
    return {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "ESTAT",
        "updated": updated,
        "id": ids,
        "size": sizes,
        "dimension": {
            d: {
                "label": d,
                "category": {
                    "index": {c: i for i, c in enumerate(cats[d])},
                    "label": {c: c for c in cats[d]},
                },
            }
            for d in ids
        },
        "role": {"time": ["time"], **({"geo": ["geo"]} if "geo" in dims else {})},
        "value": value,
        "status": status,
        "extension": {"status": {"label": {":": "not available"}}},
    }
