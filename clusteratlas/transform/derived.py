"""Storing a dataset derived from a stored one (gap-filled, converted to another NUTS version).

The new dataset inherits the provenance of the one it came from (source, last update, licence,
attribution, classification) and says in ``location`` and ``notes`` how it was derived.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusteratlas.store import OBSERVATION_COLUMNS


def load_derived(
    store: Any,
    frame: pd.DataFrame,
    *,
    dataset: str,
    target: str,
    location: str,
    notes: str,
    region_system: str | None = None,
) -> str:
    """Load ``frame`` as dataset ``target`` derived from ``dataset``; returns the load id.

    ``region_system`` replaces the original's (a NUTS conversion); by default it is kept.
    """
    prov = store.provenance(dataset)
    last = prov.iloc[-1].to_dict() if len(prov) else {}
    return store.load_observations(
        frame[[c for c in OBSERVATION_COLUMNS if c != "load_id"]],
        dataset=target,
        source=str(last.get("source") or frame["source"].iloc[0]),
        location=location,
        last_update=last.get("last_update"),
        licence=last.get("licence"),
        attribution=last.get("attribution"),
        region_system=region_system or last.get("region_system"),
        classification=last.get("classification"),
        notes=notes,
    )
