"""The YAML form of a cluster-scheme file.

::

    scheme: hightech-manufacturing        # optional; default: the file stem
    classification: NACE_R2               # optional; default: 'user'
    clusters:
      - code: HT
        name: High-technology manufacturing
        type: traded                      # traded | local | emerging
        industries: ["21", "26", {code: "20.59", weight: 0.5}]

The document is walked as YAML *nodes* (not loaded as Python values) for two reasons: every
error can name its line, and codes keep their spelling — a plain YAML loader would turn
``011`` into the octal number 9 and ``01.10`` into the float 1.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clusteratlas.errors import InputError

_CLUSTER_KEYS = {"code", "name", "type", "industries", "description", "classification"}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, path: Path, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{what} must be a mapping (key: value)", file=path, line=_line(node))
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise InputError(f"{what} has a non-text key", file=path, line=_line(key))
        if key.value in out:
            raise InputError("key appears twice", file=path, line=_line(key), column=key.value)
        out[key.value] = value
    return out


def _scalar(node: yaml.Node, path: Path, column: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("expected a single value", file=path, line=_line(node), column=column)
    return str(node.value).strip()


def parse_yaml_scheme(
    text: str, path: Path, default_classification: str
) -> tuple[str, list[dict[str, Any]]]:
    """Parse YAML scheme text into ``(scheme name, member rows)``.

    Each row is a dict with the fields of a scheme row plus ``line`` and ``extra``; the caller
    (:func:`~clusteratlas.classifications.scheme_file.read_scheme_file`) checks rules that
    span rows.
    """
    from clusteratlas.classifications.scheme_file import CLUSTER_TYPES, parse_weight

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"not valid YAML ({problem})", file=path, line=line) from None
    if root is None:
        raise InputError("the scheme file is empty", file=path)
    top = _mapping(root, path, "the document")
    if "clusters" not in top:
        raise InputError("missing key", file=path, line=_line(root), column="clusters")
    scheme = _scalar(top["scheme"], path, "scheme") if "scheme" in top else path.stem
    cls_default = (
        _scalar(top["classification"], path, "classification")
        if "classification" in top
        else default_classification
    )
    clusters = top["clusters"]
    if not isinstance(clusters, yaml.SequenceNode):
        raise InputError(
            "must be a list of clusters", file=path, line=_line(clusters), column="clusters"
        )
    rows: list[dict[str, Any]] = []
    for cnode in clusters.value:
        cmap = _mapping(cnode, path, "a cluster")
        for key in ("code", "name", "type", "industries"):
            if key not in cmap:
                raise InputError("missing key", file=path, line=_line(cnode), column=key)
        unknown = sorted(set(cmap) - _CLUSTER_KEYS)
        if unknown:
            raise InputError(
                f"unknown key (allowed: {', '.join(sorted(_CLUSTER_KEYS))})",
                file=path,
                line=_line(cmap[unknown[0]]),
                column=unknown[0],
            )
        code = _scalar(cmap["code"], path, "code")
        name = _scalar(cmap["name"], path, "name")
        ctype = _scalar(cmap["type"], path, "type").lower()
        for key, value in (("code", code), ("name", name)):
            if not value:
                raise InputError("empty value", file=path, line=_line(cmap[key]), column=key)
        if ctype not in CLUSTER_TYPES:
            raise InputError(
                f"cluster type {ctype!r} is not one of {', '.join(CLUSTER_TYPES)}",
                file=path,
                line=_line(cmap["type"]),
                column="type",
            )
        cls = (
            _scalar(cmap["classification"], path, "classification")
            if "classification" in cmap
            else cls_default
        )
        members = cmap["industries"]
        if not isinstance(members, yaml.SequenceNode) or not members.value:
            raise InputError(
                "must be a non-empty list of codes or {code, weight} mappings",
                file=path,
                line=_line(members),
                column="industries",
            )
        for mnode in members.value:
            if isinstance(mnode, yaml.ScalarNode):
                industry, weight = str(mnode.value).strip(), 1.0
            else:
                mmap = _mapping(mnode, path, "an industry entry")
                if "code" not in mmap:
                    raise InputError("missing key", file=path, line=_line(mnode), column="code")
                industry = _scalar(mmap["code"], path, "code")
                weight = (
                    parse_weight(
                        _scalar(mmap["weight"], path, "weight"),
                        path=path,
                        line=_line(mmap["weight"]),
                        column="weight",
                    )
                    if "weight" in mmap
                    else 1.0
                )
            if not industry:
                raise InputError("empty industry code", file=path, line=_line(mnode), column="code")
            rows.append(
                {
                    "industry": industry,
                    "cluster": code,
                    "cluster_name": name,
                    "cluster_type": ctype,
                    "weight": weight,
                    "classification": cls,
                    "line": _line(mnode),
                    "extra": {},
                }
            )
    return scheme, rows
