"""Application-database fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``CLUSTERATLAS_TEST_PG_URL`` (``.ci/run`` starts a throwaway server
with ``.ci/postgres.sh`` and sets it). Without it the PostgreSQL cases skip, unless
``CLUSTERATLAS_REQUIRE_PG=1`` (set by ``.ci/run``), when they fail. Each test gets a fresh
database of its own, so tests may run in parallel.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clusteratlas.appdb import open_database


def _pg_admin_url() -> str | None:
    url = os.environ.get("CLUSTERATLAS_TEST_PG_URL")
    if not url:
        if os.environ.get("CLUSTERATLAS_REQUIRE_PG") == "1":
            pytest.fail("CLUSTERATLAS_TEST_PG_URL is not set but CLUSTERATLAS_REQUIRE_PG=1")
        pytest.skip("no PostgreSQL: set CLUSTERATLAS_TEST_PG_URL (see .ci/postgres.sh)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite3'}"
        return
    admin_url = _pg_admin_url()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    yield database
    database.dispose()
