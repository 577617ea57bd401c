"""Panels for cluster mapping: checks on in-memory panels, and panels taken from the store.

A *panel* is a region × industry × year table with the additive measures ``employment``,
``establishments`` and ``payroll`` (NULL where unknown).

From the store (:func:`store_panel`), the panel is the observations whose classification is
the scheme's, restricted to the scheme's industries (store tables often hold aggregates beside
their parts — Eurostat's ``TOTAL`` beside the sections — which would be counted twice).
Measures are picked by a small *recipe*:

* ``measures``: ``{"employment": ("THS", 1000.0)}`` — the target measure comes from the
  store measure ``THS`` times 1000 (CLI: ``--measure employment=THS*1000``). Targets default to
  store measures of the same name (``employment``, ``establishments``, ``payroll``);
* ``where``: ``{"age": "Y15-64"}`` — keep observations whose ``dims`` hold ``age=Y15-64``
  (CLI: ``--where age=Y15-64``). Exactly one combination of dimensions must remain;
* ``dataset``: the dataset code, required when several datasets could answer.

Example, Eurostat employment by NUTS 2 and NACE section (thousands of persons)::

    clusteratlas map --scheme sections --dataset lfst_r_lfe2en2 --where age=Y15-64 \\
        --measure employment=THS*1000 --total-industry TOTAL --out sections.csv
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.mapping.aggregate import MEASURES

KEY_COLUMNS = ("region", "industry", "year")


def parse_where(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["age=Y15-64", "sex=T"]`` -> ``{"age": "Y15-64", "sex": "T"}``.

    Examples
    --------
    >>> parse_where(["age=Y15-64"])
    {'age': 'Y15-64'}
    """
    if items is None:
        return {}
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"expected DIM=VALUE, got {item!r}", parameter="where")
        out[key.strip()] = value.strip()
    return out


def parse_measures(
    items: Iterable[str] | Mapping[str, Any] | None,
) -> dict[str, tuple[str, float]]:
    """Measure recipe: target -> (store measure, factor).

    Accepts CLI strings ``"employment=THS*1000"`` or a mapping ``{"employment": "THS*1000"}``
    / ``{"employment": ("THS", 1000)}``. Targets not given map to themselves with factor 1.

    Examples
    --------
    >>> parse_measures(["employment=THS*1000"])["employment"]
    ('THS', 1000.0)
    """
    recipe = {m: (m, 1.0) for m in MEASURES}
    if items is None:
        return recipe
    pairs = (
        list(items.items())
        if isinstance(items, Mapping)
        else [i.partition("=")[::2] for i in items]
    )
    for target, spec in pairs:
        target = str(target).strip()
        if target not in MEASURES:
            raise InputError(
                f"unknown target measure {target!r} (use {', '.join(MEASURES)}=SOURCE[*FACTOR])",
                parameter="measures",
            )
        if isinstance(spec, tuple):
            source, factor = str(spec[0]), float(spec[1])
        else:
            source, _, factor_text = str(spec).partition("*")
            try:
                factor = float(factor_text) if factor_text.strip() else 1.0
            except ValueError:
                raise InputError(
                    f"factor must be a number, got {factor_text!r}", parameter="measures"
                ) from None
        source = source.strip()
        if not source or not np.isfinite(factor) or factor <= 0:
            raise InputError(
                f"expected {target}=SOURCE[*FACTOR] with a positive factor, got {spec!r}",
                parameter="measures",
            )
        recipe[target] = (source, factor)
    return recipe


def check_panel_frame(
    panel: pd.DataFrame,
    definitions: pd.DataFrame | None,
    *,
    file: str | None = None,
    definitions_file: str | None = None,
    total_industry: str | None = None,
) -> None:
    """Check an in-memory panel against the definitions.

    Raises :class:`InputError` for missing key or employment columns, negative or infinite
    measures, and industry codes that are not in the definitions (naming the first one and
    the panel file; not checked when ``definitions`` is ``None``).
    """
    where = {"file": file} if file else {"parameter": "panel"}
    for col in (*KEY_COLUMNS, "employment"):
        if col not in panel.columns:
            raise InputError("missing column in the panel", column=col, **where)
    for col in (*MEASURES, "employment_reported"):
        if col not in panel.columns:
            continue
        values = pd.to_numeric(panel[col], errors="coerce").to_numpy(dtype=float)
        bad = (values < 0) | np.isinf(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{col} must be a non-negative number, found {values[i]:g} in row {i + 1}",
                column=col,
                **where,
            )
    if definitions is None:
        return
    codes = panel["industry"].astype(str).unique().tolist()
    unknown = unknown_industries(codes, definitions, total_industry)
    if unknown:
        raise unknown_industry_error(unknown, file=file, definitions_file=definitions_file)


def unknown_industries(
    industries: Iterable[str], definitions: pd.DataFrame, total_industry: str | None
) -> list[str]:
    """Industry codes not in the definitions (nor the ``total_industry``), sorted."""
    known = set(definitions["industry"].astype(str))
    if total_industry is not None:
        known.add(str(total_industry))
    return sorted(set(map(str, industries)) - known)


def unknown_industry_error(
    unknown: list[str], *, file: str | None, definitions_file: str | None
) -> InputError:
    """The error for panel industry codes missing from the definitions (names the first)."""
    where = {"file": file} if file else {"parameter": "panel"}
    more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
    against = f" {definitions_file}" if definitions_file else ""
    return InputError(
        f"industry code {unknown[0]!r} is not in the cluster definitions{against}{more}",
        column="industry",
        **where,
    )


@dataclass
class StorePanel:
    """A panel taken from the store, with what is needed to describe where it came from."""

    panel: ibis.Table
    definitions: pd.DataFrame
    classification: str
    dataset: str
    dims: str
    measures: dict[str, tuple[str, float]]
    region_systems: list[str] = field(default_factory=list)
    levels: pd.DataFrame | None = None  # region -> level, from the store's regions table


def store_region_levels(con: Any, panel: ibis.Table) -> pd.DataFrame | None:
    """Levels of the panel's regions from the store's ``regions`` table, if it knows them all.

    A region of system ``S`` matches a ``regions`` row whose ``system`` or
    ``system || version`` is ``S`` (``NUTS`` + ``2021`` = ``NUTS2021``; ``demo``). Returns a
    frame ``region, level``, or ``None`` when some region (e.g. an aggregate like ``EU28``)
    has no level there.
    """
    used = panel.select("region", "region_system").distinct().to_pandas()
    if used.empty:
        return None
    regions = con.table("regions").select("system", "version", "code", "level").to_pandas()
    regions = regions[regions["level"].notna()]
    if regions.empty:
        return None
    keyed = pd.concat(
        [
            regions.assign(key=regions.system.astype(str)),
            regions.assign(key=regions.system.astype(str) + regions.version.astype(str)),
        ]
    ).drop_duplicates(["key", "code"])
    merged = used.merge(
        keyed, left_on=["region_system", "region"], right_on=["key", "code"], how="left"
    )
    if merged["level"].isna().any():
        return None
    levels = merged.groupby("region")["level"].agg(["min", "max"])
    if (levels["min"] != levels["max"]).any():  # one code, two levels: ambiguous
        return None
    return pd.DataFrame({"region": levels.index, "level": levels["min"].astype("int64").values})


def _scheme_frame(con: Any, scheme: str) -> pd.DataFrame:
    schemes = con.table("schemes")
    frame = schemes.filter(schemes.scheme == scheme).to_pandas()
    if frame.empty:
        names = sorted(schemes.select("scheme").distinct().to_pandas()["scheme"])
        have = ", ".join(names) if names else "none; load one with 'clusteratlas schemes load'"
        raise InputError(f"no scheme {scheme!r} in the store (schemes: {have})", parameter="scheme")
    from clusteratlas.classifications import validate_scheme

    try:
        return validate_scheme(frame.drop(columns=["scheme"], errors="ignore"), parameter="scheme")
    except InputError as exc:
        raise InputError(
            f"store scheme {scheme!r}: {exc.message}", column=exc.column, parameter="scheme"
        ) from None


def _dims_match(dims: str, where: dict[str, str]) -> bool:
    parts = dict(p.split("=", 1) for p in dims.split(";") if "=" in p)
    return all(parts.get(k) == v for k, v in where.items())


def store_panel(
    con: Any,
    scheme: str,
    *,
    dataset: str | None = None,
    where: Mapping[str, str] | Iterable[str] | None = None,
    measures: Mapping[str, Any] | Iterable[str] | None = None,
    total_industry: str | None = None,
) -> StorePanel:
    """The panel of a store scheme, as an Ibis table on the store's backend ``con``.

    See the module docstring for the recipe. Raises :class:`InputError` naming the parameter
    (``scheme``, ``dataset``, ``where``, ``measures``) when the store cannot answer. The
    scheme passes :func:`~clusteratlas.classifications.validate_scheme`, the rules of a
    scheme file.
    """
    defs = _scheme_frame(con, scheme)
    classes = sorted(defs["classification"].astype(str).unique())
    if len(classes) != 1:
        raise InputError(
            f"scheme {scheme!r} mixes classifications {classes}; split it", parameter="scheme"
        )
    classification = classes[0]
    filters = parse_where(where)
    recipe = parse_measures(measures)
    obs = con.table("observations")
    obs = obs.filter(obs.classification == classification)
    if dataset is not None:
        obs = obs.filter(obs.dataset == dataset)
    found = obs.select("dataset", "measure", "dims", "region_system").distinct().to_pandas()
    if found.empty:
        what = f"dataset {dataset!r} with " if dataset else ""
        raise InputError(
            f"no observations in the store for {what}classification {classification!r} "
            f"(scheme {scheme!r})",
            parameter="dataset" if dataset else "scheme",
        )
    emp_source = recipe["employment"][0]
    candidates = sorted(found.loc[found.measure == emp_source, "dataset"].unique())
    if not candidates:
        listing = "; ".join(
            f"{ds}: {', '.join(sorted(g.measure.unique()))}" for ds, g in found.groupby("dataset")
        )
        raise InputError(
            f"no {emp_source!r} measure for classification {classification!r} (measures: "
            f"{listing}); say which one is employment, e.g. employment=THS*1000",
            parameter="measures",
        )
    if len(candidates) > 1:
        raise InputError(
            f"several datasets hold {emp_source!r} for {classification!r}: "
            f"{', '.join(candidates)}; choose one",
            parameter="dataset",
        )
    chosen = candidates[0]
    sources = {src for src, _ in recipe.values()}
    rows = found[(found.dataset == chosen) & found.measure.isin(sources)]
    dims = sorted(d for d in rows.dims.unique() if _dims_match(d, filters))
    if len(dims) != 1:
        options = sorted(rows.dims.unique())
        shown = ", ".join(repr(d) for d in options[:6]) + (" ..." if len(options) > 6 else "")
        problem = "no" if not dims else "several"
        raise InputError(
            f"{problem} combinations of dimensions of {chosen!r} match; available: {shown} "
            "(narrow it down with a KEY=VALUE filter)",
            parameter="where",
        )
    picked = obs.filter((obs.dataset == chosen) & (obs.dims == dims[0]))
    industries = sorted(defs["industry"].astype(str).unique())
    if total_industry is not None:
        industries.append(str(total_industry))
    picked = picked.filter(picked.industry.isin(industries) & picked.measure.isin(list(sources)))
    aggs = {
        target: (picked.value * factor).max(where=picked.measure == source)
        for target, (source, factor) in recipe.items()
    }
    panel = picked.group_by("region", "industry", "year").agg(**aggs)
    levels = store_region_levels(con, picked)
    systems = sorted(found.loc[found.dataset == chosen, "region_system"].unique())
    return StorePanel(
        panel=panel,
        definitions=defs[["industry", "cluster", "cluster_name", "cluster_type", "weight"]],
        classification=classification,
        dataset=chosen,
        dims=dims[0],
        measures=recipe,
        region_systems=systems,
        levels=levels,
    )
