"""The worked examples in the docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "aggregate",
    "denominate",
    "impute",
    "montecarlo",
    "reading",
    "edition",
    "normalise",
    "results",
    "screen",
    "sensitivity",
    "treat",
    "weights",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"clusteratlas.scoreboard.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
