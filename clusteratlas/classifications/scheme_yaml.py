"""The YAML form of a cluster-scheme file.

::

    scheme: hightech-manufacturing        # optional; default: the file stem
    classification: NACE_R2               # optional; default: 'user'
    clusters:
      - code: HT
        name: High-technology manufacturing
        type: traded                      # traded | local | emerging
        industries: ["21", "26", {code: "20.59", weight: 0.5}]

The file is read by the one YAML reader (:mod:`clusteratlas.yamlfile`): every value is kept
as text with its line, so codes keep their spelling (a plain YAML loader would turn ``011``
into the octal number 9 and ``01.10`` into the float 1.1), then typed by :class:`SchemeFile`
(JSON Schema: ``docs/schemas/scheme.schema.json``). Every error names the file, the line and
the field (``clusters[0].industries[2].weight``). The rules that span rows (an industry in two
traded clusters, weights summing over 1 ...) are checked afterwards by the caller.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clusteratlas.classifications.scheme_rules import CLUSTER_TYPES, parse_weight
from clusteratlas.errors import InputError
from clusteratlas.yamlfile import line_of, read_yaml, validate


class IndustryEntry(BaseModel):
    """An industry with a membership weight: ``{code: "20.59", weight: 0.5}``."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, description="Industry code, exactly as written")
    # the range is checked by parse_weight (one rule for CSV and YAML); the schema states it
    weight: float | None = Field(
        None,
        description="Share of the industry that belongs to the cluster, 0 < weight <= 1 "
        "(default 1)",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    )


class ClusterEntry(BaseModel):
    """One cluster and its member industries."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, description="Cluster code")
    name: str = Field(min_length=1, description="Cluster name")
    type: str = Field(
        description="traded | local | emerging (case-insensitive)",
        json_schema_extra={"enum": list(CLUSTER_TYPES)},
    )
    industries: list[str | IndustryEntry] = Field(
        min_length=1, description='Industry codes ("21") or {code, weight} mappings'
    )
    description: str | None = None
    classification: str | None = Field(None, description="Overrides the file's classification")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in CLUSTER_TYPES:
            raise ValueError(f"cluster type {value!r} is not one of {', '.join(CLUSTER_TYPES)}")
        return value


class SchemeFile(BaseModel):
    """A cluster-scheme file in YAML."""

    model_config = ConfigDict(extra="forbid", title="Cluster Atlas cluster scheme (YAML)")

    scheme: str | None = Field(None, description="Scheme name (default: the file stem)")
    classification: str | None = Field(
        None, description="Classification of the industry codes, e.g. NACE_R2 (default: user)"
    )
    clusters: list[ClusterEntry] = Field(description="The clusters")


def parse_yaml_scheme(
    text: str, path: Path, default_classification: str
) -> tuple[str, list[dict[str, Any]]]:
    """Parse YAML scheme text into ``(scheme name, member rows)``.

    Each row is a dict with the fields of a scheme row plus ``line`` and ``extra``; the caller
    (:func:`~clusteratlas.classifications.scheme_file.read_scheme_file`) checks rules that
    span rows.

    >>> text = "clusters:\\n  - {code: A, name: Agri, type: Traded, industries: [01.10, '011']}\\n"
    >>> name, rows = parse_yaml_scheme(text, Path("agri.yaml"), "NACE_R2")
    >>> name, [(r["industry"], r["cluster_type"], r["line"]) for r in rows]
    ('agri', [('01.10', 'traded', 2), ('011', 'traded', 2)])
    """
    raw = read_yaml(text, file=path)
    if raw is None:
        raise InputError("the scheme file is empty", file=path)
    doc = validate(SchemeFile, raw, file=path)
    scheme = (doc.scheme or "").strip() or path.stem
    cls_default = (doc.classification or "").strip() or default_classification
    rows: list[dict[str, Any]] = []
    for i, cluster in enumerate(doc.clusters):
        code, name = cluster.code.strip(), cluster.name.strip()
        for key, value in (("code", code), ("name", name)):
            if not value:
                raise InputError(
                    "empty value", file=path, line=line_of(raw, ["clusters", i, key]), column=key
                )
        cls = (cluster.classification or "").strip() or cls_default
        for j, member in enumerate(cluster.industries):
            at = ["clusters", i, "industries", j]
            line = line_of(raw, at)
            if isinstance(member, str):
                industry, weight = member.strip(), 1.0
            else:
                industry = member.code.strip()
                weight = parse_weight(
                    member.weight,
                    path=path,
                    line=line_of(raw, [*at, "weight"]),
                    column="weight",
                )
            if not industry:
                raise InputError("empty industry code", file=path, line=line, column="code")
            rows.append(
                {
                    "industry": industry,
                    "cluster": code,
                    "cluster_name": name,
                    "cluster_type": cluster.type,
                    "weight": weight,
                    "classification": cls,
                    "line": line,
                    "extra": {},
                }
            )
    return scheme, rows
