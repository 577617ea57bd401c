"""The framework tree: :class:`Node` and :class:`Framework` (what a framework *is*).

Reading one from YAML or a parent table is :mod:`clusteratlas.scoreboard.framework_parse`;
:mod:`clusteratlas.scoreboard.framework` is the public face of both (schema described there).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

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
        clone = copy.deepcopy(self)
        for code, w in weights.items():
            clone.nodes[code].weight = float(w)
        return clone

    def without_indicators(self, codes: Sequence[str]) -> Framework:
        """A copy without the given indicators; nodes left empty are removed too."""
        drop = set(codes)
        clone = copy.deepcopy(self)

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
