"""Demoland: a synthetic but realistic cluster atlas that needs no downloads.

``clusteratlas demo`` builds it; ``docs/demo.md`` describes it. Everything here is labelled
SYNTHETIC: the dataset ``demoland-synthetic``, provenance source ``demo`` and the attribution
line :data:`ATTRIBUTION`.

* :mod:`.geography` and :mod:`.outline` — the island, its nested regions and their polygons;
* :mod:`.names` — fictional place names;
* :mod:`.sectors`, :mod:`.economy` — the synthetic employment, establishments and payroll;
* :mod:`.store_frames`, :mod:`.atlas` — frames in the store's layout and the atomic load;
* :mod:`.summary` — small views of a cluster table for the console report.
"""

from clusteratlas.sources.demo.atlas import (
    CLUSTERS_NAME,
    GEOJSON_NAME,
    DemoData,
    DemoOptions,
    generate_demo,
    geojson,
    load_demo,
    write_regions_geojson,
)
from clusteratlas.sources.demo.geography import COUNTRY_CODE
from clusteratlas.sources.demo.store_frames import (
    ATTRIBUTION,
    CLASSIFICATION,
    DATASET,
    REGION_SYSTEM,
    REGION_VERSION,
    SOURCE,
)

__all__ = [
    "ATTRIBUTION",
    "CLASSIFICATION",
    "CLUSTERS_NAME",
    "COUNTRY_CODE",
    "DATASET",
    "GEOJSON_NAME",
    "REGION_SYSTEM",
    "REGION_VERSION",
    "SOURCE",
    "DemoData",
    "DemoOptions",
    "generate_demo",
    "geojson",
    "load_demo",
    "write_regions_geojson",
]
