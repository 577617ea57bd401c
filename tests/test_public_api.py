"""The public API re-exported from ``clusteratlas``: lazy, cheap to import, every name real."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import clusteratlas


def test_import_clusteratlas_loads_no_heavy_module():
    code = (
        "import sys, clusteratlas; "
        "print(','.join(m for m in ('pandas', 'numpy', 'ibis', 'duckdb', 'typer') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("name", sorted(clusteratlas._EXPORTS))
def test_every_public_name_resolves_to_its_module(name):
    module = clusteratlas._EXPORTS[name]
    assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
    value = getattr(clusteratlas, name)
    assert value is getattr(importlib.import_module(module), name)
    assert callable(value)
    assert name in dir(clusteratlas)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        clusteratlas.nope  # noqa: B018


def test_the_ten_lines_name_only_public_names():
    doc = clusteratlas.__doc__
    used = {part.split("(")[0] for part in doc.split("ca.")[1:]}
    assert used <= set(clusteratlas._EXPORTS), used - set(clusteratlas._EXPORTS)
