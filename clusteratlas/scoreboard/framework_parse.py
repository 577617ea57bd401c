"""Reading frameworks: YAML files (with line numbers in every error) and parent tables.

See :mod:`clusteratlas.scoreboard.framework` for the schema.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework_tree import (
    _INDICATOR_KEYS,
    _NODE_KEYS,
    AGGREGATIONS,
    Framework,
    Node,
)
from clusteratlas.yamlfile import read_yaml_file, validate, with_lines

# Code and name are required (the JSON Schema says so); the model leaves their absence to
# framework_from_dict, whose message names the node path.
_CODE_NAME = {"required": ["code", "name"]}


class _Common(BaseModel):
    """Keys every node may have (unknown keys are kept as the node's ``extra``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_CODE_NAME)

    code: str | None = Field(None, description="Unique code of the node")
    name: str | None = Field(None, description="Name shown in reports")
    weight: float | None = Field(None, description="Weight relative to the siblings (> 0)")
    aggregation: str | None = Field(
        None,
        description="How the node's children are combined",
        json_schema_extra={"enum": [*AGGREGATIONS, "arith", "geom", "power"]},
    )
    p: float | None = Field(None, description="Power of the generalised mean")
    note: str | None = None
    covered: bool | None = Field(None, description="false: part of the concept, no data")
    description: str | None = None


class IndicatorModel(_Common):
    """An indicator (a leaf of the tree)."""

    direction: int | None = Field(None, description="1: higher is better; -1: lower is better")
    unit: str | None = None
    denominator: str | None = Field(None, description="Code of the denominator variable")
    source: dict[str, Any] | None = Field(None, description="Where the data come from")
    target: float | None = None
    goalposts: list[float] | None = Field(None, description="[low, high]")
    scale: float | None = None


class NodeModel(_Common):
    """A dimension or sub-dimension: either sub-dimensions or indicators."""

    subdimensions: list[NodeModel] | None = None
    indicators: list[IndicatorModel] | None = None


class FrameworkFile(_Common):
    """A scoreboard framework in YAML (index → dimensions → sub-dimensions → indicators)."""

    model_config = ConfigDict(
        extra="allow",
        title="Cluster Atlas scoreboard framework (YAML)",
        json_schema_extra={"required": ["name", "dimensions"]},
    )

    dimensions: list[NodeModel] = Field(description="The dimensions of the index")


def read_framework_data(path: str | Path, model: type[FrameworkFile] = FrameworkFile) -> Any:
    """The framework file as typed plain data with lines (for :func:`framework_from_dict`).

    Scalars are read as text and typed by ``model`` (so codes keep their spelling).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("framework file not found", file=path)
    raw = read_yaml_file(path)
    if raw is None:
        raise InputError("the framework file is empty", file=path)
    doc = validate(model, raw, file=path)
    return with_lines(doc.model_dump(exclude_unset=True, exclude_none=True), raw)


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML file.

    Raises
    ------
    InputError
        naming the file, the line and the node path for every structural problem
        (duplicate codes, weights ≤ 0, unknown aggregation, bad direction, empty nodes...).
    """
    return framework_from_dict(read_framework_data(path), file=Path(path))


def framework_from_dict(
    data: Any, *, file: str | Path | None = None, validate_children: bool = True
) -> Framework:
    """Build a :class:`Framework` from parsed YAML (or any equivalent plain data)."""
    if not isinstance(data, Mapping):
        raise InputError("a framework must be a mapping with 'name' and 'dimensions'", file=file)
    line = getattr(data, "line", None)
    dims = data.get("dimensions")
    if not isinstance(dims, list) or not dims:
        raise InputError("'dimensions' must be a non-empty list", file=file, line=line)
    root = Node(
        code=str(data.get("code", "INDEX")),
        name=str(data.get("name", "Index")),
        level="index",
        aggregation=_aggregation(data, "index", file),
        p=_p(data, "index", file),
        path="index",
        line=line,
        extra={
            k: v
            for k, v in data.items()
            if k not in {"name", "code", "dimensions", "aggregation", "p"}
        },
    )
    seen: dict[str, str] = {root.code: "index"}
    for i, d in enumerate(dims):
        root.children.append(
            _parse_node(
                d, "dimension", f"dimensions[{i}]", root.code, seen, file, validate_children
            )
        )
    return Framework(root.name, root, str(file) if file is not None else None)


def _where(path: str, data: Any) -> str:
    code = data.get("code") if isinstance(data, Mapping) else None
    return f"node {path}" + (f" ({code})" if code is not None else "")


def _aggregation(data: Mapping, path: str, file: Any) -> str | None:
    agg = data.get("aggregation")
    if agg is None:
        return None
    agg = str(agg).lower()
    aliases = {"arith": "arithmetic", "geom": "geometric", "power": "generalised"}
    agg = aliases.get(agg, agg)
    if agg not in AGGREGATIONS:
        raise InputError(
            f"{_where(path, data)}: aggregation must be one of {', '.join(AGGREGATIONS)}, "
            f"got {data.get('aggregation')!r}",
            file=file,
            line=getattr(data, "line", None),
        )
    return agg


def _p(data: Mapping, path: str, file: Any) -> float | None:
    if "p" not in data:
        return None
    return _number(data, "p", path, file)


def _number(data: Mapping, key: str, path: str, file: Any) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(
            f"{_where(path, data)}: {key} must be a finite number, got {value!r}",
            file=file,
            line=getattr(data, "line", None),
        )
    return float(value)


def _parse_node(
    data: Any,
    level: str,
    path: str,
    parent: str,
    seen: dict[str, str],
    file: Any,
    validate_children: bool,
) -> Node:
    line = getattr(data, "line", None)
    if not isinstance(data, Mapping):
        raise InputError(f"node {path} must be a mapping with code and name", file=file, line=line)
    for key in ("code", "name"):
        if data.get(key) in (None, ""):
            raise InputError(f"{_where(path, data)}: missing {key!r}", file=file, line=line)
    code = str(data["code"])
    where = _where(path, data)
    if code in seen:
        raise InputError(
            f"{where}: duplicate code {code!r} (also at {seen[code]})", file=file, line=line
        )
    seen[code] = path
    allowed = _INDICATOR_KEYS if level == "indicator" else _NODE_KEYS
    extra = {k: v for k, v in data.items() if k not in allowed | {"subdimensions", "indicators"}}
    node = Node(code=code, name=str(data["name"]), level=level, parent=parent, path=path, line=line)
    node.extra = extra
    if "weight" in data:
        node.weight = _number(data, "weight", path, file)
        if node.weight <= 0:
            raise InputError(
                f"{where}: weight must be > 0, got {data['weight']!r}", file=file, line=line
            )
    node.aggregation = _aggregation(data, path, file)
    node.p = _p(data, path, file)
    if node.aggregation == "generalised" and node.p is None:
        raise InputError(f"{where}: aggregation 'generalised' needs p", file=file, line=line)
    node.note = data.get("note")
    node.covered = bool(data.get("covered", True))
    if level == "indicator":
        _parse_indicator(node, data, path, file)
        return node
    subs, inds = data.get("subdimensions"), data.get("indicators")
    if subs is not None and inds is not None:
        raise InputError(
            f"{where}: give either 'subdimensions' or 'indicators', not both", file=file, line=line
        )
    if subs is not None and level != "dimension":
        raise InputError(
            f"{where}: a sub-dimension cannot have sub-dimensions", file=file, line=line
        )
    children, child_level, key = (
        (subs, "subdimension", "subdimensions")
        if subs is not None
        else (
            inds,
            "indicator",
            "indicators",
        )
    )
    if children is None or children == []:
        if node.covered and validate_children:
            raise InputError(
                f"{where}: has no indicators (mark it 'covered: false' with a note if no data "
                "exist for it)",
                file=file,
                line=line,
            )
        return node
    if not isinstance(children, list):
        raise InputError(f"{where}: {key!r} must be a list", file=file, line=line)
    for j, c in enumerate(children):
        child = _parse_node(
            c, child_level, f"{path}.{key}[{j}]", code, seen, file, validate_children
        )
        if not node.covered:
            child.covered = False
            for n in child.walk():
                n.covered = False
        node.children.append(child)
    return node


def _parse_indicator(node: Node, data: Mapping, path: str, file: Any) -> None:
    where, line = _where(path, data), getattr(data, "line", None)
    direction = data.get("direction", 1)
    if direction not in (1, -1) or isinstance(direction, bool):
        raise InputError(
            f"{where}: direction must be 1 or -1, got {direction!r}", file=file, line=line
        )
    node.direction = int(direction)
    node.unit = None if data.get("unit") is None else str(data["unit"])
    node.denominator = None if data.get("denominator") in (None, "") else str(data["denominator"])
    if "scale" in data:
        node.scale = _number(data, "scale", path, file)
    node.source = data.get("source")
    if data.get("target") is not None:
        node.target = _number(data, "target", path, file)
    gp = data.get("goalposts")
    if gp is not None:
        ok = isinstance(gp, list) and len(gp) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in gp)
        if not ok or gp[0] == gp[1]:
            raise InputError(
                f"{where}: goalposts must be two different numbers [low, high]",
                file=file,
                line=line,
            )
        node.goalposts = (float(gp[0]), float(gp[1]))


# -- parent tables (COINr-style iMeta) ------------------------------------------------------
def framework_from_parent_table(
    rows: Sequence[Mapping[str, Any]], *, name: str = "Index", file: str | Path | None = None
) -> Framework:
    """Build a framework from flat rows ``{code, name, parent, weight, ...}``.

    Exactly one row has no parent (the index); indicators are rows without children. Cycles,
    duplicate codes and unknown parents are errors naming the row (line = row number + 1, as
    in a CSV with a header). The tree must have 3 or 4 levels (index, dimension, [sub-dimension],
    indicator).
    """
    by_code: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, row in enumerate(rows, start=2):
        code = str(row.get("code", "")).strip()
        if not code:
            raise InputError("missing code", file=file, line=i, column="code")
        if code in by_code:
            raise InputError(
                f"duplicate code {code!r} (also on line {by_code[code][0]})", file=file, line=i
            )
        by_code[code] = (i, row)
    roots = [c for c, (_, r) in by_code.items() if not r.get("parent")]
    for code, (i, row) in by_code.items():
        parent = row.get("parent")
        if parent and parent not in by_code:
            raise InputError(
                f"{code!r}: unknown parent {parent!r}", file=file, line=i, column="parent"
            )
        chain, cur = [code], parent
        while cur:
            if cur in chain:
                cycle = " → ".join([*chain, cur])
                raise InputError(f"cycle in the framework: {cycle}", file=file, line=i)
            chain.append(cur)
            cur = by_code[cur][1].get("parent")
    if len(roots) != 1:
        raise InputError(f"need exactly one top node without parent, found {roots}", file=file)
    children: dict[str, list[str]] = {c: [] for c in by_code}
    for code, (_, row) in by_code.items():
        if row.get("parent"):
            children[row["parent"]].append(code)

    def height(code: str) -> int:
        return 0 if not children[code] else 1 + max(height(c) for c in children[code])

    def build(code: str) -> dict[str, Any]:
        row = dict(by_code[code][1])
        row.pop("parent", None)
        kids = children[code]
        if kids:
            key = "indicators" if all(not children[k] for k in kids) else "subdimensions"
            row[key] = [build(k) for k in kids]
        return {k: v for k, v in row.items() if v is not None}

    root = roots[0]
    if height(root) not in (2, 3):
        raise InputError(
            f"the tree under {root!r} has {height(root) + 1} levels; 3 or 4 are supported",
            file=file,
        )
    top = by_code[root][1]
    data = {
        "name": top.get("name", name),
        "code": root,
        "dimensions": [build(k) for k in children[root]],
    }
    if top.get("aggregation"):
        data["aggregation"] = top["aggregation"]
    return framework_from_dict(data, file=file)
