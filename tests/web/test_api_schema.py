"""Property-based contract test: schemathesis over /openapi.json of the API router.

Every operation is called with generated parameters, valid (positive mode) and invalid
(negative mode: wrong types, out-of-range numbers, bad patterns); no response may be a server
error, and every response must match the documented schema (status codes, content type,
body). Bounded: a few examples per operation so the suite stays fast.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from tests.web.demo_atlas import small_demo_atlas  # noqa: E402
from tests.web.test_api import api_app  # noqa: E402

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return api_app(small_demo_atlas(tmp_path_factory.mktemp("atlas")))


def test_api_conforms_to_its_openapi(app):
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checked = []
    for result, mode in [(r, m) for r in schema.get_all_operations() for m in GenerationMode]:
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            response = case.call()
            assert response.status_code < 500, (case.path, response.text)
            case.validate_response(response)

        try:
            check()
        except Unsatisfiable:
            # negative mode on an operation without parameters: no invalid request exists
            assert (
                mode is GenerationMode.NEGATIVE
                and not operation.query
                and not (operation.path_parameters)
            ), operation.label
            continue
        checked.append((operation.label, mode))
    paths = app.openapi()["paths"]
    # every path has one GET, tried with valid parameters, and with invalid ones where any
    assert {label for label, _ in checked} == {f"GET {p}" for p in paths}
    assert sum(m is GenerationMode.NEGATIVE for _, m in checked) == len(paths) - 1  # /api/info
