"""Fixtures for source tests: a fake HTTP server (see ``tests/fakeserver.py``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakeserver import FakeServer


@pytest.fixture()
def fake_server() -> Iterator[FakeServer]:
    """A started :class:`FakeServer` on a random port of 127.0.0.1 (no routes yet)."""
    server = FakeServer().start()
    try:
        yield server
    finally:
        server.stop()
