"""Where things live: the default store and cache (and, for tests, a real-data folder)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "clusteratlas"


def default_store_path() -> Path:
    """The default DuckDB store, ``<user data dir>/clusteratlas/atlas.duckdb``.

    ``CLUSTERATLAS_STORE`` overrides it.
    """
    env = os.environ.get("CLUSTERATLAS_STORE")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME)) / "atlas.duckdb"


def default_cache_dir() -> Path:
    """The download cache, ``<user cache dir>/clusteratlas`` (``CLUSTERATLAS_CACHE`` overrides)."""
    env = os.environ.get("CLUSTERATLAS_CACHE")
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir(APP_NAME))


def shared_data_dir() -> Path | None:
    """The folder of real data snapshots named by ``CLUSTERATLAS_SHARED_DATA``, if it exists.

    Those snapshots are test input and a developer's convenience, never a run-time default:
    the code lists, concordances and schemes the program needs ship with the package
    (:mod:`clusteratlas.classifications.reference`). Nothing is guessed from the checkout's
    location; the test suite finds ``../shared/data`` itself (``tests/conftest.py``).
    """
    env = os.environ.get("CLUSTERATLAS_SHARED_DATA")
    if env:
        p = Path(env)
        return p if p.is_dir() else None
    return None
