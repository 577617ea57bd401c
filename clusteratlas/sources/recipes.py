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
from typing import Any

import yaml

from clusteratlas.errors import ClusterAtlasError, InputError
from clusteratlas.sources.eurostat_api import FORMATS, EurostatAPI, check_dataset_code
from clusteratlas.sources.eurostat_load import LoadReport, load_eurostat

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


def _text(path: Path | None) -> tuple[str, str]:
    if path is not None:
        return Path(path).read_text(encoding="utf-8"), str(path)
    ref = resources.files("clusteratlas.sources").joinpath(RECIPE_FILE)
    return ref.read_text(encoding="utf-8"), str(ref)


def load_recipes(path: Path | None = None) -> dict[str, Recipe]:
    """Read and validate the recipe file (the packaged one by default)."""
    text, label = _text(path)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({exc})", file=label,
                         line=mark.line + 1 if mark else None) from None  # fmt: skip
    if not isinstance(doc, dict) or not isinstance(doc.get("recipes"), dict):
        raise InputError("expected a mapping with a 'recipes' key", file=label)
    out = {}
    for name, body in doc["recipes"].items():
        where = f"recipes.{name}"
        if not isinstance(body, dict) or not isinstance(body.get("datasets"), list):
            raise InputError("a recipe needs a 'datasets' list", file=label, parameter=where)
        items = tuple(
            _item(entry, label, f"{where}.datasets[{i}]")
            for i, entry in enumerate(body["datasets"])
        )
        out[name] = Recipe(name, str(body.get("title", "")), str(body.get("description", "")),
                           items)  # fmt: skip
    return out


def _item(entry: Any, label: str, where: str) -> RecipeItem:
    if not isinstance(entry, dict) or "code" not in entry:
        raise InputError("a dataset entry needs a 'code'", file=label, parameter=where)
    unknown = set(entry) - {"code", "title", "format", "filters", "region_system", "indicators",
                            "roles"}  # fmt: skip
    if unknown:
        raise InputError(f"unknown keys {sorted(unknown)}", file=label, parameter=where)
    fmt = str(entry.get("format", "tsv"))
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {FORMATS}", file=label,
                         parameter=f"{where}.format")  # fmt: skip
    filters = entry.get("filters") or {}
    if not isinstance(filters, dict) or not all(isinstance(v, list) for v in filters.values()):
        raise InputError("filters must map a dimension to a list of codes", file=label,
                         parameter=f"{where}.filters")  # fmt: skip
    roles = {str(k): str(v) for k, v in (entry.get("roles") or {}).items()}
    bad = [v for v in roles.values() if v not in ROLES]
    if bad:
        raise InputError(f"unknown role {bad[0]!r} (expected one of {ROLES})", file=label,
                         parameter=f"{where}.roles")  # fmt: skip
    return RecipeItem(
        code=check_dataset_code(str(entry["code"])),
        title=str(entry.get("title", "")),
        format=fmt,
        filters={str(k).lower(): [str(c) for c in v] for k, v in filters.items()},
        region_system=entry.get("region_system"),
        indicators={str(k): str(v) for k, v in (entry.get("indicators") or {}).items()},
        roles=roles,
    )


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
