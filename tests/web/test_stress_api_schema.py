"""Schemathesis over the stress-test API: generated bodies and tokens (valid and invalid)
never give a server error, and every answer matches the documented status codes."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi import FastAPI  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from clusteratlas.appdb import open_database  # noqa: E402
from clusteratlas.web import errors as error_pages  # noqa: E402
from clusteratlas.web.stress_api import stress_router  # noqa: E402


@pytest.fixture
def app(tmp_path):
    app = FastAPI()
    app.state.atlas = None
    app.state.db = open_database(tmp_path / "app.sqlite3")
    app.include_router(stress_router(app))
    error_pages.install(app)
    yield app
    app.state.db.dispose()


def test_stress_api_never_fails_on_generated_requests(app):
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            response = case.call()
            assert response.status_code < 500, (case.path, response.text)
            assert response.status_code in (200, 201, 404, 409, 422), response.status_code

        check()
    assert len(labels) == 8
