"""The open-data edition's framework file (``data/open_data_edition.yaml``), typed.

It is a scoreboard framework (:class:`~clusteratlas.scoreboard.framework_parse.FrameworkFile`)
with four more top-level keys and a typed ``source`` on every indicator, which says which
reader of :mod:`clusteratlas.sources.open_data` loads it from which file. Read by the one YAML
reader (:mod:`clusteratlas.yamlfile`); JSON Schema: ``docs/schemas/edition.schema.json``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clusteratlas.scoreboard.framework_parse import FrameworkFile, IndicatorModel, NodeModel
from clusteratlas.yamlfile import read_yaml, validate, with_lines

FRAMEWORK_FILE = "open_data_edition.yaml"


class EditionSource(BaseModel):
    """Where an indicator of the edition comes from."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field(description="Who publishes the data, e.g. Eurostat")
    reader: Literal["eurito", "ballatore", "eurostat_tsv", "clusters"] = Field(
        description="Reader of clusteratlas.sources.open_data that loads the file"
    )
    dataset: str | None = Field(None, description="The publisher's dataset code")
    file: str | None = Field(None, description="Snapshot file, relative to the data folder")
    key: str | None = Field(None, description="Indicator/variable code in a long table")
    filters: dict[str, str] | None = Field(None, description="Dimension -> code kept (TSV)")
    nuts_version: str | None = Field(None, description="NUTS version of the file's codes")
    denominator_dataset: str | None = None


class EditionIndicator(IndicatorModel):
    source: EditionSource  # type: ignore[assignment]


class EditionSubdimension(NodeModel):
    subdimensions: None = None  # type: ignore[assignment]
    indicators: list[EditionIndicator] | None = None  # type: ignore[assignment]


class EditionDimension(NodeModel):
    subdimensions: list[EditionSubdimension] | None = None  # type: ignore[assignment]
    indicators: list[EditionIndicator] | None = None  # type: ignore[assignment]


class EditionFile(FrameworkFile):
    """The open-data edition: a framework plus the edition's NUTS version, level and years."""

    model_config = ConfigDict(
        extra="allow",
        title="Cluster Atlas scoreboard open-data edition (YAML)",
        json_schema_extra={"required": ["name", "dimensions"]},
    )

    nuts_version: str = Field("2016", description="NUTS version all regions are put on")
    nuts_level: int = Field(2, description="NUTS level of the regions")
    edition_year: int = Field(description="Year of the edition")
    max_age: int = Field(description="Oldest value used: edition_year - max_age")
    dimensions: list[EditionDimension]  # type: ignore[assignment]


def edition_framework_dict(text: str | None = None) -> dict[str, Any]:
    """The packaged edition file (or ``text``) as typed plain data (codes kept as written).

    >>> fwd = edition_framework_dict()
    >>> fwd["nuts_version"], fwd["edition_year"], fwd["dimensions"][0]["code"]
    ('2016', 2017, 'IC1')
    """
    label = f"clusteratlas/scoreboard/data/{FRAMEWORK_FILE}"
    if text is None:
        ref = resources.files("clusteratlas.scoreboard").joinpath("data", FRAMEWORK_FILE)
        text = ref.read_text("utf-8")
    raw = read_yaml(text, file=label)
    doc = validate(EditionFile, raw, file=label)
    return dict(with_lines(doc.model_dump(exclude_unset=True, exclude_none=True), raw))
