"""The worked examples in the linkages docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import clusteratlas.linkages as pkg

MODULES = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
