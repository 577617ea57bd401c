"""Fixtures of the report tests: atlases built once per session, and PDF inspection.

- ``demo_atlas``: ``atlas build demo --small`` (synthetic, no shared data needed);
- ``us_atlas``: ``atlas build us-cmp --from ../shared/data`` (2 s);
- ``eu_atlas``: ``atlas build eu-open --from ../shared/data`` with 20 Monte Carlo draws and
  the peer profiles of the ten EOCIC pilot regions' members only, to keep it short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "reports"


@pytest.fixture(scope="session")
def demo_atlas(tmp_path_factory) -> Path:
    from tests.web.demo_atlas import small_demo_atlas

    return small_demo_atlas(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def us_atlas(shared_data, tmp_path_factory) -> Path:
    from clusteratlas.atlas.build import build_atlas

    path = tmp_path_factory.mktemp("us") / "us-atlas.duckdb"
    build_atlas("us-cmp", path, from_dir=shared_data)
    return path


@pytest.fixture(scope="session")
def eu_atlas(shared_data, tmp_path_factory) -> Path:
    from clusteratlas.atlas.build import build_atlas
    from clusteratlas.scoreboard.edition import EOCIC_PILOT

    members = sorted({m for ms in EOCIC_PILOT.values() for m in ms})
    path = tmp_path_factory.mktemp("eu") / "eu-atlas.duckdb"
    build_atlas("eu-open", path, from_dir=shared_data, options={"draws": 20, "profiles": members})
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``tests/artifacts/reports/`` (ignored by git): real-data reports kept for people."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
