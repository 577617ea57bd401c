"""Industry and region classifications, concordances and cluster schemes.

* :mod:`~clusteratlas.classifications.hierarchy`: the generic :class:`Hierarchy` (parents,
  children, levels, roll-up).
* :mod:`.nace`, :mod:`.naics`, :mod:`.isic`, :mod:`.nuts`: loaders of the official code lists.
* :mod:`.concordance`: many-to-many code links between classifications.
* :mod:`.scheme_rules`: :func:`validate_scheme`, the one set of rules every cluster scheme
  obeys (files, DataFrames, store schemes), and :data:`CLUSTER_TYPES`.
* :mod:`.scheme_file`: :func:`read_scheme_file`, the reader of users' cluster definitions.
* :mod:`.uscmp`, :mod:`.derive`, :mod:`.schemes`: the US CMP scheme, the European scheme we
  derive from it, and the registry of built-in schemes.

Names are imported lazily so that ``import clusteratlas.classifications`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "read_scheme_file": "scheme_file",
    "CLUSTER_TYPES": "scheme_rules",
    "validate_scheme": "scheme_rules",
    "Hierarchy": "hierarchy",
    "Concordance": "concordance",
    "load_nace_rev2": "nace",
    "load_nace_rev21": "nace",
    "load_nace_rev2_to_rev21": "nace",
    "load_naics2012": "naics",
    "load_isic4": "isic",
    "load_nuts": "nuts",
    "load_uscmp_definitions": "uscmp",
    "derive_eu_scheme": "derive",
    "available_schemes": "schemes",
    "get_scheme": "schemes",
    "load_scheme_into_store": "schemes",
    "load_all": "loading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
