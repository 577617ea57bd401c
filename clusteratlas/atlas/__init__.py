"""The application layer: atlases of precomputed results and the service that reads them.

* :mod:`.service` — :class:`Atlas`, the read-only view every page and API route uses;
* :mod:`.build` — ``clusteratlas atlas build PRESET``: the ``demo``, ``us-cmp`` and
  ``eu-open`` presets (``docs/atlas.md``).
"""

from clusteratlas.atlas.service import Atlas, open_atlas

__all__ = ["Atlas", "open_atlas"]
