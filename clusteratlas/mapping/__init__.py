"""Cluster mapping: indicators of region × cluster × year, as engine-agnostic Ibis expressions.

* :mod:`.aggregate` — industries into clusters (weighted, NULL-aware);
* :mod:`.location_quotient`, :mod:`.shares`, :mod:`.wages` — the basic indicators;
* :mod:`.strength` — stars (ECO), strong clusters (CMP), region cluster strength;
* :mod:`.growth` — CAGR, change in LQ, shift-share, the trends table (Ibis);
* :mod:`.build` — :func:`build_cluster_table`, the whole table as one expression;
* :mod:`.panel`, :mod:`.benchmark`, :mod:`.levels` — inputs: panels, benchmarks, region levels;
* :mod:`.api` — :func:`map_panel`, :func:`map_store` (pandas results with provenance);
* :mod:`.results` — :func:`cluster_strength`, :func:`trends`: summaries of a result, pandas;
* :mod:`.output` — atomic CSV/Parquet writing with a provenance sidecar.

``docs/methodology.md`` defines every indicator.
"""

from clusteratlas.mapping.aggregate import aggregate_to_clusters, weighted_value
from clusteratlas.mapping.api import map_panel, map_store
from clusteratlas.mapping.benchmark import read_benchmark_file
from clusteratlas.mapping.build import CLUSTER_COLUMNS, build_cluster_table
from clusteratlas.mapping.engine_output import map_panel_to_parquet
from clusteratlas.mapping.growth import cagr, growth_rate, lq_change, shift_share, trends_table
from clusteratlas.mapping.location_quotient import location_quotient
from clusteratlas.mapping.output import write_result
from clusteratlas.mapping.results import cluster_strength, trends
from clusteratlas.mapping.shares import benchmark_share, region_share
from clusteratlas.mapping.strength import (
    Thresholds,
    is_strong,
    percentile_linear,
    region_cluster_strength,
    star_count,
    star_productivity,
    star_size,
    star_specialisation,
    strong_employment_share,
)
from clusteratlas.mapping.wages import wage

__all__ = [
    "CLUSTER_COLUMNS",
    "Thresholds",
    "aggregate_to_clusters",
    "benchmark_share",
    "build_cluster_table",
    "cagr",
    "cluster_strength",
    "growth_rate",
    "is_strong",
    "location_quotient",
    "lq_change",
    "map_panel",
    "map_panel_to_parquet",
    "map_store",
    "percentile_linear",
    "read_benchmark_file",
    "region_cluster_strength",
    "region_share",
    "shift_share",
    "star_count",
    "star_productivity",
    "star_size",
    "star_specialisation",
    "strong_employment_share",
    "trends",
    "trends_table",
    "wage",
    "weighted_value",
    "write_result",
]
