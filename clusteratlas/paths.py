"""Where things live: the default store and cache, and the shared real-data folder."""

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
    """The folder of real data snapshots (``../shared/data`` beside the checkout), if present.

    ``CLUSTERATLAS_SHARED_DATA`` overrides the location.
    """
    env = os.environ.get("CLUSTERATLAS_SHARED_DATA")
    if env:
        p = Path(env)
        return p if p.is_dir() else None
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None
