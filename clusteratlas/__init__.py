"""Cluster Atlas: an open, reproducible observatory for industrial clusters and industrial change.

The public API in ten lines (each name is imported on first use, so ``import clusteratlas``
stays cheap; see ``docs/api.md``)::

    import clusteratlas as ca
    panel = ca.fetch_eurostat("lfst_r_lfe2en2", where={"geo": ["AT11"]})  # tidy + provenance
    result = ca.map_panel(panel_frame, clusters_frame)      # or ca.map_store(store, ...)
    strength = ca.cluster_strength(result)                  # region cluster strength
    change = ca.trends(result, 2015, 2020)                  # growth, LQ change, shift-share
    ca.write_result(result, "clusters.csv")                 # + clusters.csv.provenance.json
    record = ca.read_provenance("clusters.csv")             # where the numbers came from
    board = ca.score("framework.yaml", "data.csv", impute="mean", treat="coinr")
    board.scores                                            # region, year, node, level, score, rank
    board.strengths("ES13", peers=["ES11", "ES12"])         # strengths and bottlenecks

Layers (imports only go down): store & reference data (``store``, ``classifications``) →
``sources`` → ``transform`` → analytics (``mapping``, ``scoreboard``) → outputs (``cli``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it (imported lazily, PEP 562)
_EXPORTS: dict[str, str] = {
    "map_panel": "clusteratlas.mapping.api",
    "map_store": "clusteratlas.mapping.api",
    "cluster_strength": "clusteratlas.mapping",
    "trends": "clusteratlas.mapping",
    "write_result": "clusteratlas.mapping.output",
    "read_provenance": "clusteratlas.store.provenance",
    "fetch_eurostat": "clusteratlas.sources.eurostat_fetch",
    "score": "clusteratlas.scoreboard.api",
    "ScoreboardResult": "clusteratlas.scoreboard.api",
    "Store": "clusteratlas.store",
    "InputError": "clusteratlas.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clusteratlas' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
