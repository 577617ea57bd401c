"""Build the synthetic Demoland atlas: map, economy, store load.

:func:`generate_demo` is pure (a deterministic function of the options and the cluster scheme);
:func:`load_demo` writes it into a store in one transaction, replacing any earlier demo data, so
re-running the demo is idempotent and an interrupted run leaves the store as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.demo.economy import (
    Economy,
    EconomyConfig,
    simulate_economy,
    tidy_panel,
)
from clusteratlas.sources.demo.geography import Geography, build_geography
from clusteratlas.sources.demo.outline import region_features, write_geojson
from clusteratlas.sources.demo.store_frames import (
    ATTRIBUTION,
    CLASSIFICATION,
    DATASET,
    LICENCE,
    REGION_SYSTEM,
    SOURCE,
    industries_from_scheme,
    observations_frame,
    regions_frame,
)
from clusteratlas.store import Store
from clusteratlas.store.queries import delete_dataset, delete_regions
from clusteratlas.store.schema import REGION_COLUMNS

GEOJSON_NAME = f"{DATASET}-regions.geojson"
CLUSTERS_NAME = f"{DATASET}-clusters.csv"
MAX_YEARS = 40
MIN_REGIONS, MAX_REGIONS = 4, 400


@dataclass(frozen=True)
class DemoOptions:
    """What to generate.

    ``regions`` is the number of level-3 regions; levels 2 and 1 get about a quarter and a
    twentieth of that (at least 2 and 1). ``years`` consecutive years end in ``last_year``.
    Observations cover levels 0-2, as Eurostat's regional business statistics do; with
    ``with_level3`` level 3 too (about four times the rows, and small cells are often
    confidential there).
    """

    seed: int = 2024
    years: int = 15
    last_year: int = 2024
    regions: int = 80
    with_level3: bool = False

    @property
    def data_levels(self) -> tuple[int, ...]:
        return (0, 1, 2, 3) if self.with_level3 else (0, 1, 2)

    def validate(self) -> None:
        if not 2 <= self.years <= MAX_YEARS:
            raise InputError(f"must be between 2 and {MAX_YEARS}", parameter="years")
        if not MIN_REGIONS <= self.regions <= MAX_REGIONS:
            raise InputError(
                f"must be between {MIN_REGIONS} and {MAX_REGIONS}", parameter="regions"
            )
        if self.seed < 0:
            raise InputError("must be a non-negative integer", parameter="seed")

    @property
    def level_counts(self) -> tuple[int, int, int]:
        n3 = self.regions
        n2 = max(2, round(n3 / 4))
        n1 = max(1, min(n2, round(n3 / 20)))
        return n1, n2, n3

    @property
    def year_list(self) -> list[int]:
        return list(range(self.last_year - self.years + 1, self.last_year + 1))


@dataclass
class DemoData:
    """Everything generated, before any store or file is touched."""

    options: DemoOptions
    geography: Geography
    economy: Economy
    panel: pd.DataFrame  # tidy, options.data_levels, confidentiality applied
    industries: pd.DataFrame

    def confidential_share(self, level: int | None = None) -> float:
        """Share of non-empty cells whose employment is confidential (at one level or all)."""
        p = self.panel if level is None else self.panel[self.panel["level"] == level]
        return float(p["confidential"].mean()) if len(p) else 0.0


def generate_demo(options: DemoOptions, scheme: pd.DataFrame) -> DemoData:
    """Generate Demoland (map + economy) for the industries of ``scheme``.

    Parameters
    ----------
    options:
        Seed, number of years and regions.
    scheme:
        A cluster scheme frame (``industry, cluster, cluster_type``, optional ``weight``); its
        traded and local member industries become Demoland's industries.
    """
    options.validate()
    industries = industries_from_scheme(scheme)
    if industries.empty:
        raise InputError("the cluster scheme has no traded or local industries")
    geo_seed, eco_seed = np.random.SeedSequence(options.seed).spawn(2)
    n1, n2, n3 = options.level_counts
    geo = build_geography(np.random.default_rng(geo_seed), n1, n2, n3)
    economy = simulate_economy(
        np.random.default_rng(eco_seed), geo, industries, options.year_list, EconomyConfig()
    )
    panel = tidy_panel(economy, geo, levels=options.data_levels)
    return DemoData(options, geo, economy, panel, industries)


def geojson(data: DemoData) -> dict[str, Any]:
    """The regions as a GeoJSON FeatureCollection, every feature marked synthetic."""
    props = {"synthetic": True, "dataset": DATASET, "attribution": ATTRIBUTION}
    return {
        "type": "FeatureCollection",
        "name": f"{DATASET}-regions",
        "attribution": ATTRIBUTION,
        "synthetic": True,
        "features": region_features(data.geography, props),
    }


def write_regions_geojson(data: DemoData, out_dir: str | Path) -> Path:
    """Write ``<out_dir>/demoland-synthetic-regions.geojson`` atomically."""
    return write_geojson(Path(out_dir) / GEOJSON_NAME, geojson(data))


def _fingerprint(data: DemoData) -> str:
    """sha256 of the generated observations (identifies one synthetic build)."""
    h = hashlib.sha256()
    p = data.panel
    for col in ("region", "industry", "year", "employment", "establishments", "payroll"):
        h.update(pd.util.hash_pandas_object(p[col], index=False).to_numpy().tobytes())
    return h.hexdigest()


def load_demo(store: Store, data: DemoData, location: str | None = None) -> str:
    """Replace the demo regions, observations and their provenance in one transaction.

    Returns the load id. Nothing outside the demo dataset and the ``demo`` region system is
    touched; on any error the store is left unchanged.
    """
    obs = observations_frame(data.panel)
    regions = regions_frame(data.geography)
    o = data.options
    notes = (
        f"SYNTHETIC: seed {o.seed}, {o.years} years {o.year_list[0]}-{o.year_list[-1]}, "
        f"{o.regions} level-3 regions; data for levels {min(o.data_levels)}-"
        f"{max(o.data_levels)} (codes XD...); payroll in EUR; "
        "employment and payroll confidential (flag c) where fewer than 3 establishments"
    )
    with store.transaction() as con:
        delete_dataset(con, DATASET, provenance=True)
        delete_regions(con, REGION_SYSTEM)
        store.insert_frame(con, "regions", regions, REGION_COLUMNS)
        load_id = store.new_load(
            con,
            dataset=DATASET,
            source=SOURCE,
            location=location or f"clusteratlas demo --seed {o.seed}",
            sha256=_fingerprint(data),
            licence=LICENCE,
            attribution=ATTRIBUTION,
            region_system=REGION_SYSTEM,
            classification=CLASSIFICATION,
            rows=len(obs),
            notes=notes,
        )
        obs["load_id"] = load_id
        store.insert_observations(con, obs)
    return load_id
