"""Atlas presets: each builds one kind of atlas into an open (new, empty) store.

A preset is ``build(store, steps, *, from_dir=None, **options) -> (counts, info)``: it loads
its inputs, maps clusters, saves results, regions and geometries into the atlas tables, and
returns counts (for the build report) and atlas facts (title, sources, attribution ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

_MODULES = {
    "demo": "clusteratlas.atlas.presets.demo",
    "us-cmp": "clusteratlas.atlas.presets.us_cmp",
    "eu-open": "clusteratlas.atlas.presets.eu_open",
}


def get(name: str) -> Callable[..., tuple[dict[str, Any], dict[str, Any]]]:
    """The ``build`` function of preset ``name``."""
    return importlib.import_module(_MODULES[name]).build
