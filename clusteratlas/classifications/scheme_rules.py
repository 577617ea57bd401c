"""The rules every cluster scheme obeys, wherever it comes from: one validation for all.

A scheme is a table of member rows ``industry, cluster, cluster_name, cluster_type, weight,
classification``. It reaches the program through three doors — a scheme file
(:func:`~clusteratlas.classifications.scheme_file.read_scheme_file`), a DataFrame handed to
:func:`~clusteratlas.mapping.map_panel`, a scheme held in a store — and all three pass
:func:`validate_scheme`, so a scheme refused in one form is refused in every form.

Rules (each failure is one :class:`~clusteratlas.errors.InputError` naming the file and line,
or the parameter and row, and the column):

* the columns ``industry, cluster, cluster_type`` are present (``cluster_name`` too in a file;
  a DataFrame without it takes the cluster code as the name) and no required value is blank;
* ``cluster_type`` is one of :data:`CLUSTER_TYPES` (case-insensitive);
* ``weight`` (optional, blank = 1) is a number with ``0 < weight <= 1``;
* a ``(cluster, industry)`` pair appears once; a cluster keeps one name and one type;
* the weights of one industry over the *traded and local* clusters sum to at most 1, so that
  a region's clusters never hold more employment than the region. Emerging-industry clusters
  overlap traded ones (and each other) by design and are exempt;
* at least one member row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError

#: The cluster types, the one definition the package uses: *traded* clusters sell across
#: regions (their location is a choice, their LQ a specialisation), *local* clusters serve
#: the local market (present everywhere in proportion to population), *emerging* clusters
#: are cross-cutting groups of industries (digital, mobility ...) that overlap the others.
CLUSTER_TYPES = ("traded", "local", "emerging")
#: Types whose members partition employment: an industry's weights over them sum to <= 1.
PARTITION_TYPES = ("traded", "local")
#: Columns of a validated scheme frame, in this order.
FRAME_COLUMNS = ["industry", "cluster", "cluster_name", "cluster_type", "weight", "classification"]
DEFAULT_CLASSIFICATION = "user"
_TOLERANCE = 1e-9


def parse_weight(raw: Any, *, path: str | Path | None, line: int | None, column: str) -> float:
    """Parse a membership weight; blank (or missing) means 1; must satisfy ``0 < w <= 1``.

    Examples
    --------
    >>> parse_weight("", path=None, line=None, column="weight"), parse_weight("0.25", path=None,
    ...     line=None, column="weight")
    (1.0, 0.25)
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 1.0
    if isinstance(raw, float) and math.isnan(raw):
        return 1.0
    try:
        weight = float(raw)
    except (TypeError, ValueError):
        raise InputError(
            f"weight {raw!r} is not a number", file=path, line=line, column=column
        ) from None
    if math.isnan(weight) or weight <= 0 or weight > 1:
        raise InputError(
            f"weight {raw} is outside (0, 1]: a weight is the share of the industry that "
            "belongs to the cluster",
            file=path,
            line=line,
            column=column,
        )
    return weight


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def validate_scheme(
    frame: pd.DataFrame,
    *,
    file: str | Path | None = None,
    lines: Sequence[int] | None = None,
    parameter: str = "definitions",
    classification: str | None = None,
) -> pd.DataFrame:
    """Check a scheme against the rules of the module docstring and return it normalised.

    Parameters
    ----------
    frame:
        Member rows: ``industry, cluster, cluster_type`` and optionally ``cluster_name``,
        ``weight``, ``classification`` (other columns are kept as they are).
    file, lines:
        The file the rows came from and each row's physical line, to name in errors. Without
        ``file``, errors name ``parameter`` and the row (0-based position in ``frame``).
    parameter:
        The caller's parameter that holds the scheme (``definitions``, ``scheme`` ...).
    classification:
        Classification of rows without one (default ``'user'``).

    Returns
    -------
    pandas.DataFrame
        :data:`FRAME_COLUMNS` (text, ``cluster_type`` lower case, ``weight`` float) followed by
        any other columns of ``frame``; ``attrs`` are kept.

    Raises
    ------
    InputError
        On the first row that breaks a rule, in row order.

    Examples
    --------
    An industry in two traded clusters would count its jobs twice:

    >>> bad = pd.DataFrame({"industry": ["01", "01"], "cluster": ["A", "B"],
    ...                     "cluster_type": ["traded", "traded"]})
    >>> validate_scheme(bad)
    Traceback (most recent call last):
    ...
    clusteratlas.errors.InputError: column 'weight', parameter definitions: row 1: industry '01' has weights summing to 2 > 1 over traded and local clusters (only emerging clusters may overlap)
    """  # noqa: E501
    if lines is not None and len(lines) != len(frame):
        raise ValueError("lines must give one line per row")
    columns = [str(c) for c in frame.columns]
    required = ["industry", "cluster", "cluster_type"] + (["cluster_name"] if file else [])

    def fail(i: int | None, column: str | None, message: str) -> InputError:
        if file is not None:
            line = lines[i] if (lines is not None and i is not None) else None
            return InputError(message, file=file, line=line, column=column)
        prefix = f"row {i}: " if i is not None else ""
        return InputError(prefix + message, column=column, parameter=parameter)

    for col in required:
        if col not in columns:
            raise fail(None, col, "missing column in the scheme")
    if frame.empty:
        raise fail(None, None, "the scheme holds no cluster rows")
    n = len(frame)
    has_name = "cluster_name" in columns
    industry = [_text(v) for v in frame["industry"]]
    cluster = [_text(v) for v in frame["cluster"]]
    kind = [_text(v).lower() for v in frame["cluster_type"]]
    name = [_text(v) for v in frame["cluster_name"]] if has_name else list(cluster)
    raw_w = frame["weight"].tolist() if "weight" in columns else [None] * n
    default_cls = classification or DEFAULT_CLASSIFICATION
    cls = (
        [_text(v) or default_cls for v in frame["classification"]]
        if "classification" in columns
        else [default_cls] * n
    )
    weight: list[float] = []
    first_seen: dict[tuple[str, str], int] = {}
    meta: dict[str, tuple[str, str, int]] = {}
    totals: dict[tuple[str, str], float] = {}

    def where(i: int) -> str:
        return f"line {lines[i]}" if (file is not None and lines is not None) else f"row {i}"

    for i in range(n):
        for col, values in (
            ("industry", industry),
            ("cluster", cluster),
            ("cluster_name", name),
            ("cluster_type", kind),
        ):
            if not values[i]:
                raise fail(i, col, "empty value")
        if kind[i] not in CLUSTER_TYPES:
            shown = _text(frame["cluster_type"].iloc[i])
            allowed = ", ".join(CLUSTER_TYPES)
            raise fail(i, "cluster_type", f"cluster_type {shown!r} is not one of {allowed}")
        try:
            line = lines[i] if (file is not None and lines is not None) else None
            w = parse_weight(raw_w[i], path=file, line=line, column="weight")
        except InputError as exc:
            raise fail(i, "weight", exc.message) from None
        weight.append(w)
        key = (cluster[i], industry[i])
        if key in first_seen:
            raise fail(
                i,
                "industry",
                f"industry {industry[i]!r} is listed twice in cluster {cluster[i]!r} "
                f"(first on {where(first_seen[key])})",
            )
        first_seen[key] = i
        seen = meta.setdefault(cluster[i], (name[i], kind[i], i))
        if seen[0] != name[i]:
            raise fail(
                i,
                "cluster_name",
                f"cluster {cluster[i]!r} is named {name[i]!r} here but {seen[0]!r} on "
                f"{where(seen[2])}",
            )
        if seen[1] != kind[i]:
            raise fail(
                i,
                "cluster_type",
                f"cluster {cluster[i]!r} has type {kind[i]!r} here but {seen[1]!r} on "
                f"{where(seen[2])}",
            )
        if kind[i] not in PARTITION_TYPES:
            continue
        tkey = (cls[i], industry[i])
        totals[tkey] = totals.get(tkey, 0.0) + w
        if totals[tkey] > 1 + _TOLERANCE:
            raise fail(
                i,
                "weight",
                f"industry {industry[i]!r} has weights summing to {totals[tkey]:g} > 1 over "
                "traded and local clusters (only emerging clusters may overlap)",
            )
    out = pd.DataFrame(
        {
            "industry": industry,
            "cluster": cluster,
            "cluster_name": name,
            "cluster_type": kind,
            "weight": pd.Series(weight, dtype=float),
            "classification": cls,
        }
    )
    for col in columns:
        if col not in FRAME_COLUMNS:
            out[col] = frame[col].to_numpy()
    out.attrs.update(frame.attrs)
    return out
