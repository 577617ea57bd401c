"""Saving mapping results into the atlas tables: cluster table, strength and trends.

Used by every preset of ``clusteratlas atlas build`` and by ``clusteratlas map --save``. The
cluster table comes from :func:`clusteratlas.mapping.api.map_store` / ``map_panel``; region
cluster strength (:func:`~clusteratlas.mapping.strength.region_cluster_strength`) and trends
(:func:`~clusteratlas.mapping.growth.trends`, first to last year) are derived here from it, so
the three share one provenance record.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusteratlas.store import Store


def derived_tables(result: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Region cluster strength (every year) and trends (first to last year, if ≥ 2 years)."""
    import ibis

    from clusteratlas.engine import connect
    from clusteratlas.mapping.growth import trends_table
    from clusteratlas.mapping.strength import region_cluster_strength

    backend = connect()
    frame = result.copy(deep=False)
    frame.attrs = {}  # the provenance record stays with the result, not in the engine
    table = ibis.memtable(frame)
    out = {"strength": backend.to_pandas(region_cluster_strength(table))}
    years = sorted(int(y) for y in result["year"].unique())
    if len(years) >= 2:
        out["trends"] = backend.to_pandas(trends_table(table, years[0], years[-1]))
    else:
        out["trends"] = pd.DataFrame()
    return out


def save_mapping(
    store: Store,
    result: pd.DataFrame,
    *,
    scheme: str,
    region_system: str,
    provenance: dict[str, Any] | None = None,
    flags: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Write the cluster table, its strength and trends for ``scheme`` × ``region_system``.

    One transaction replaces the three results (earlier ones of the same key are dropped);
    ``flags`` (``region, cluster, year, flags``) adds the source flags behind each cell.
    Regions of the table that the atlas does not list yet are added (names from the store's
    ``regions`` table, ``has_geometry`` false). Returns the result ids by kind.
    """
    from clusteratlas.store.atlas import fill_regions, save_result

    prov = dict(provenance if provenance is not None else result.attrs.get("provenance", {}))
    prov.setdefault("scheme", scheme)
    prov["region_system"] = region_system
    table = result
    if flags is not None and len(flags):
        table = result.merge(flags, on=["region", "cluster", "year"], how="left")
    derived = derived_tables(result)
    ids = {}
    with store.transaction() as con:
        ids["clusters"] = save_result(
            con, "clusters", table, scheme=scheme, region_system=region_system, provenance=prov
        )
        for kind in ("strength", "trends"):
            ids[kind] = save_result(
                con,
                kind,
                derived[kind],
                scheme=scheme,
                region_system=region_system,
                provenance={**prov, "table": kind, "derived_from": ids["clusters"]},
            )
        fill_regions(con, region_system)
    return ids
