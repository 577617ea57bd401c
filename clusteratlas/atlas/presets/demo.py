"""The ``demo`` preset: Demoland, the synthetic atlas ``make demo`` builds, for the web.

Same generator, seed and defaults as ``clusteratlas demo`` (``docs/demo.md``): the
``eu-nace2`` scheme, 80 level-3 regions, 15 years ending in 2024, mapped at every NUTS-like
level. Everything is marked SYNTHETIC (``info.synthetic`` is true).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clusteratlas.atlas.steps import Steps
from clusteratlas.store import Store

SCHEME = "eu-nace2"
DEFAULTS = {"seed": 2024, "years": 15, "regions": 80}
SMALL = {"regions": 16, "years": 5}


def build(
    store: Store,
    steps: Steps,
    *,
    from_dir: str | Path | None = None,
    seed: int = DEFAULTS["seed"],
    years: int = DEFAULTS["years"],
    regions: int = DEFAULTS["regions"],
    small: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Generate, load and map Demoland into ``store`` (``from_dir`` is not used)."""
    from clusteratlas.atlas.geometry import region_rows, simplify_features
    from clusteratlas.atlas.results import save_mapping
    from clusteratlas.classifications.schemes import get_scheme, load_scheme_into_store
    from clusteratlas.mapping import map_store
    from clusteratlas.sources.demo import (
        ATTRIBUTION,
        DATASET,
        REGION_SYSTEM,
        DemoOptions,
        generate_demo,
        geojson,
        load_demo,
    )
    from clusteratlas.store.atlas import save_regions

    if small:
        regions, years = SMALL["regions"], SMALL["years"]
    options = DemoOptions(seed=seed, years=years, regions=regions)
    options.validate()
    steps.run(f"cluster scheme {SCHEME}", lambda: load_scheme_into_store(store, SCHEME))
    scheme = get_scheme(SCHEME)
    data = steps.run(
        "generating Demoland (SYNTHETIC)",
        lambda: generate_demo(options, scheme),
        lambda d: (
            f"{len(d.geography.regions)} regions, {options.year_list[0]}–{options.year_list[-1]}"
        ),
    )
    steps.run("loading observations", lambda: load_demo(store, data))
    result = steps.run(
        "mapping clusters",
        lambda: map_store(store, SCHEME, dataset=DATASET, level="nuts"),
        lambda r: f"{len(r):,} region × cluster × year cells",
    )
    provenance = dict(result.attrs.get("provenance", {}))
    provenance.update(synthetic=True, attribution=[ATTRIBUTION])
    steps.run(
        "saving cluster table, strength and trends",
        lambda: save_mapping(
            store, result, scheme=SCHEME, region_system=REGION_SYSTEM, provenance=provenance
        ),
    )
    geo = steps.run(
        "simplifying region polygons",
        lambda: simplify_features(geojson(data)["features"], REGION_SYSTEM, tolerance=0.02),
        lambda g: f"{len(g)} polygons",
    )
    regs = data.geography.regions.assign(system=REGION_SYSTEM)
    regs = region_rows(regs[["system", "code", "name", "level", "parent", "country"]], geo)
    steps.run("saving regions and geometries", lambda: save_regions(store.con, regs, geo))
    counts = {
        "regions": len(regs),
        "regions_without_geometry": int((~regs["has_geometry"]).sum()),
        "clusters": int(result["cluster"].nunique()),
        "years": sorted(int(y) for y in result["year"].unique()),
        "cells": len(result),
    }
    info = {
        "title": "Demoland (SYNTHETIC)",
        "synthetic": True,
        "default_scheme": SCHEME,
        "default_system": REGION_SYSTEM,
        "sources": [
            {
                "source": "demo",
                "dataset": DATASET,
                "extraction_date": None,
                "region_system": REGION_SYSTEM,
                "classification": "NACE_R2",
                "notes": f"seed {seed}, {regions} level-3 regions, {years} years",
            }
        ],
        "attribution": [ATTRIBUTION],
    }
    return counts, info
