"""Cluster Atlas: an open, reproducible observatory for industrial clusters and industrial change.

Data flow one way: sources → store → analytics → outputs.

- ``clusteratlas.sources``: readers for Eurostat, GISCO, Census, users' files and the demo.
- ``clusteratlas.store``: the embedded DuckDB store (observations, regions, industries,
  cluster schemes, provenance).
- ``clusteratlas.classifications``: NACE, NAICS, ISIC, NUTS and cluster schemes.
- ``clusteratlas.mapping``: cluster mapping indicators (Ibis expressions, engine-agnostic).
- ``clusteratlas.scoreboard``: the composite-indicator engine.
- ``clusteratlas.cli``: the ``clusteratlas`` command.
"""

__version__ = "0.1.0"
