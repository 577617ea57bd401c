"""The worked examples in the classifications modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "clusteratlas.classifications.hierarchy",
    "clusteratlas.classifications.concordance",
    "clusteratlas.classifications.isic",
    "clusteratlas.classifications.naics",
    "clusteratlas.classifications.derive",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
