"""The scoreboard's conceptual framework, held as data.

A framework is a tree ``index → dimensions → sub-dimensions → indicators`` read from a YAML
file (or built from a parent table, e.g. COINr's ``iMeta``). Every node has a ``code``, a
``name``, an optional ``weight`` (default 1, relative to its siblings) and an optional
``aggregation`` (how *its children* are combined: ``arithmetic``, ``geometric``, ``harmonic``,
``generalised`` with ``p``, ``copeland``). Indicators add ``direction`` (1 or -1), ``unit``,
``denominator``, ``source`` and, for some normalisations, ``target`` or ``goalposts``.

A dimension may be marked ``covered: false`` (with a ``note``): it is part of the concept but
has no data; it is reported as NOT COVERED and never scored.

Minimal YAML::

    name: Example
    dimensions:
      - code: D1
        name: Knowledge base
        subdimensions:
          - code: D1.1
            name: Education
            indicators:
              - {code: I1, name: Tertiary attainment, direction: 1}
              - {code: I2, name: Early leavers, direction: -1, weight: 2}

Every problem is an :class:`~clusteratlas.errors.InputError` naming the file, the YAML line
and the node path (``dimensions[0].subdimensions[0].indicators[1] (I2)``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clusteratlas.errors import InputError

LEVELS = ("index", "dimension", "subdimension", "indicator")
AGGREGATIONS = ("arithmetic", "geometric", "harmonic", "generalised", "copeland")
_NODE_KEYS = {"code", "name", "weight", "aggregation", "p", "note", "covered", "description"}
_INDICATOR_KEYS = _NODE_KEYS | {
    "direction",
    "unit",
    "denominator",
    "source",
    "target",
    "goalposts",
    "scale",
}


@dataclass
class Node:
    """One node of the framework tree (the index, a dimension, a sub-dimension or an indicator)."""

    code: str
    name: str
    level: str
    weight: float = 1.0
    aggregation: str | None = None
    p: float | None = None
    children: list[Node] = field(default_factory=list)
    parent: str | None = None
    direction: int = 1
    unit: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    source: Any = None
    target: float | None = None
    goalposts: tuple[float, float] | None = None
    covered: bool = True
    note: str | None = None
    path: str = ""
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_indicator(self) -> bool:
        return self.level == "indicator"

    def walk(self) -> Iterator[Node]:
        """This node, then its descendants depth-first in file order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        """The node as plain data (the YAML schema), children included."""
        out: dict[str, Any] = {"code": self.code, "name": self.name}
        if self.weight != 1.0:
            out["weight"] = self.weight
        if self.aggregation is not None:
            out["aggregation"] = self.aggregation
        if self.p is not None:
            out["p"] = self.p
        if not self.covered:
            out["covered"] = False
        if self.note:
            out["note"] = self.note
        if self.is_indicator:
            out["direction"] = self.direction
            for key in ("unit", "denominator", "source", "target"):
                if getattr(self, key) is not None:
                    out[key] = getattr(self, key)
            if self.scale != 1.0:
                out["scale"] = self.scale
            if self.goalposts is not None:
                out["goalposts"] = list(self.goalposts)
        out.update(self.extra)
        if self.children:
            key = "indicators" if self.children[0].is_indicator else "subdimensions"
            out[key] = [c.to_dict() for c in self.children]
        return out


@dataclass
class Framework:
    """A validated framework tree with look-ups by code."""

    name: str
    root: Node
    file: str | None = None

    def __post_init__(self) -> None:
        self.nodes: dict[str, Node] = {n.code: n for n in self.root.walk()}

    @property
    def indicators(self) -> list[Node]:
        """Indicator nodes in file order."""
        return [n for n in self.root.walk() if n.is_indicator]

    @property
    def indicator_codes(self) -> list[str]:
        return [n.code for n in self.indicators]

    def covered_nodes(self) -> list[Node]:
        """All nodes that take part in scoring (not-covered dimensions left out)."""
        return [n for n in self.root.walk() if n.covered]

    def aggregates_bottom_up(self) -> list[Node]:
        """Non-indicator covered nodes, deepest first (the order of aggregation)."""
        depth = {n.code: _depth(self, n) for n in self.root.walk()}
        nodes = [n for n in self.covered_nodes() if not n.is_indicator and n.children]
        return sorted(nodes, key=lambda n: -depth[n.code])

    def parent_of(self, code: str) -> Node | None:
        parent = self.nodes[code].parent
        return self.nodes[parent] if parent is not None else None

    def lineage(self, code: str) -> list[str]:
        """Codes from ``code`` up to the index, e.g. ``['I1', 'D1.1', 'D1', 'INDEX']``."""
        out = [code]
        while (p := self.nodes[out[-1]].parent) is not None:
            out.append(p)
        return out

    def indicators_under(self, code: str) -> list[str]:
        return [n.code for n in self.nodes[code].walk() if n.is_indicator and n.covered]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "code": self.root.code}
        if self.root.aggregation is not None:
            data["aggregation"] = self.root.aggregation
        if self.root.p is not None:
            data["p"] = self.root.p
        data.update(self.root.extra)
        data["dimensions"] = [d.to_dict() for d in self.root.children]
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)

    def digest(self) -> str:
        """sha256 of the canonical JSON of the framework (for provenance)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """A copy with some node weights replaced (codes → new weight)."""
        clone = framework_from_dict(self.to_dict(), file=self.file)
        for code, w in weights.items():
            clone.nodes[code].weight = float(w)
        return clone

    def without_indicators(self, codes: Sequence[str]) -> Framework:
        """A copy without the given indicators; nodes left empty are removed too."""
        drop = set(codes)
        clone = framework_from_dict(self.to_dict(), file=self.file, validate_children=False)

        def prune(node: Node) -> bool:
            if node.is_indicator:
                return node.code not in drop
            had = bool(node.children)
            node.children = [c for c in node.children if prune(c)]
            return bool(node.children) or not had

        prune(clone.root)
        return Framework(clone.name, clone.root, clone.file)


def _depth(fw: Framework, node: Node) -> int:
    return len(fw.lineage(node.code)) - 1


# -- YAML with line numbers -----------------------------------------------------------------
class _LineDict(dict):
    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    pairs = loader.construct_pairs(node, deep=True)
    out = _LineDict()
    for key_node, (key, value) in zip(node.value, pairs, strict=True):
        if key in out:
            raise InputError(
                f"key {key!r} appears twice in one mapping", line=key_node[0].start_mark.line + 1
            )
        out[key] = value
    out.line = node.start_mark.line + 1
    return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML file.

    Raises
    ------
    InputError
        naming the file, the line and the node path for every structural problem
        (duplicate codes, weights ≤ 0, unknown aggregation, bad direction, empty nodes...).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("framework file not found", file=path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except InputError as exc:
        raise InputError(exc.message, file=path, line=exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", exc)
        raise InputError(f"not valid YAML ({problem})", file=path, line=line) from None
    except UnicodeDecodeError:
        raise InputError("framework file is not UTF-8 text", file=path) from None
    return framework_from_dict(data, file=path)


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
