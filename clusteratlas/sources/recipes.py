"""Download recipes: named lists of Eurostat tables, kept as data (``eurostat_recipes.yaml``).

``clusteratlas fetch eurostat-clusters`` and ``fetch eurostat-scoreboard`` run the recipes of
those names: every table is fetched (through the cache) and loaded into the store, each in its
own transaction, so one unavailable table does not undo the others; the run reports which
tables were loaded and which failed and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clusteratlas.errors import ClusterAtlasError, InputError
from clusteratlas.sources.eurostat_api import FORMATS, EurostatAPI, check_dataset_code
from clusteratlas.sources.eurostat_load import LoadReport, load_eurostat
from clusteratlas.yamlfile import line_of, read_yaml, validate

RECIPE_FILE = "eurostat_recipes.yaml"
ROLES = ("employment", "establishments", "payroll")


@dataclass(frozen=True)
class RecipeItem:
    code: str
    title: str = ""
    format: str = "tsv"
    filters: dict[str, list[str]] = field(default_factory=dict)
    region_system: str | None = None
    indicators: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    description: str
    datasets: tuple[RecipeItem, ...]


class RecipeEntry(BaseModel):
    """One table of a recipe."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Eurostat dataset code (lowercase)")
    title: str = Field("", description="What the table is (Eurostat's title, shortened)")
    format: Literal[FORMATS] = Field("tsv", description="Download format")  # type: ignore[valid-type]
    filters: dict[str, list[str]] = Field(
        default_factory=dict, description="Dimension -> codes kept (Eurostat's names, any case)"
    )
    region_system: str | None = Field(None, description="NUTS version of the geo codes")
    indicators: dict[str, str] = Field(default_factory=dict, description="Code -> meaning")
    roles: dict[str, Literal[ROLES]] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Code -> cluster-mapping measure"
    )


class RecipeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    description: str = ""
    datasets: list[RecipeEntry]


class RecipesFile(BaseModel):
    """The recipe file (``eurostat_recipes.yaml``)."""

    model_config = ConfigDict(extra="forbid", title="Cluster Atlas Eurostat download recipes")

    version: int = Field(1, description="Version of this file format")
    recipes: dict[str, RecipeModel]


def _text(path: Path | None) -> tuple[str, str]:
    if path is not None:
        return Path(path).read_text(encoding="utf-8"), str(path)
    ref = resources.files("clusteratlas.sources").joinpath(RECIPE_FILE)
    return ref.read_text(encoding="utf-8"), str(ref)


def load_recipes(path: Path | None = None) -> dict[str, Recipe]:
    """Read and validate the recipe file (the packaged one by default).

    Read by the one YAML reader (:mod:`clusteratlas.yamlfile`), typed by :class:`RecipesFile`
    (JSON Schema ``docs/schemas/recipes.schema.json``); errors name file, line and field.

    >>> sorted(load_recipes())
    ['eurostat-clusters', 'eurostat-scoreboard']
    """
    text, label = _text(path)
    raw = read_yaml(text, file=label)
    if raw is None:
        raise InputError("expected a mapping with a 'recipes' key", file=label)
    doc = validate(RecipesFile, raw, file=label)
    out = {}
    for name, body in doc.recipes.items():
        items = []
        for i, entry in enumerate(body.datasets):
            at = ["recipes", name, "datasets", i, "code"]
            try:
                code = check_dataset_code(entry.code)
            except InputError as exc:
                raise InputError(exc.message, file=label, line=line_of(raw, at),
                                 column="code") from None  # fmt: skip
            items.append(
                RecipeItem(
                    code=code,
                    title=entry.title,
                    format=entry.format,
                    filters={k.lower(): list(v) for k, v in entry.filters.items()},
                    region_system=entry.region_system,
                    indicators=dict(entry.indicators),
                    roles=dict(entry.roles),
                )
            )
        out[name] = Recipe(name, body.title, body.description, tuple(items))
    return out


@dataclass
class RecipeRun:
    """The outcome of running a recipe: loads that succeeded, tables that failed."""

    recipe: Recipe
    loaded: list[LoadReport] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (dataset, error message)


def run_recipe(
    recipe: Recipe,
    api: EurostatAPI,
    store: Any,
    *,
    region_system: str | None = None,
    on_dataset: Callable[[RecipeItem], None] | None = None,
) -> RecipeRun:
    """Fetch and load every table of ``recipe``; each table is loaded atomically on its own."""
    run = RecipeRun(recipe)
    for item in recipe.datasets:
        if on_dataset:
            on_dataset(item)
        try:
            data = api.fetch(item.code, fmt=item.format, filters=item.filters)
            if not data.title and item.title:
                data.title = item.title
            report = load_eurostat(store, data, region_system=region_system or item.region_system)
        except ClusterAtlasError as exc:
            run.failed.append((item.code, str(exc)))
            continue
        run.loaded.append(report)
    return run
