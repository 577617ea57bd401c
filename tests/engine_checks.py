"""Checks shared by the engine-parametrised tests."""

from __future__ import annotations

from typing import Any


def assert_same_tables(got: Any, want: Any, rtol: float = 1e-9) -> None:
    """Two result tables are the same: columns, rows in order, numbers equal to ``rtol`` (and
    1e-9 absolute), NaN where the other has NaN, every other column (codes, flags, ranks)
    identical."""
    import numpy as np

    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for col in want.columns:
        a, b = got[col].to_numpy(), want[col].to_numpy()
        if want[col].dtype.kind == "f" and got[col].dtype.kind in "fiu":
            np.testing.assert_allclose(a.astype(float), b, rtol=rtol, atol=1e-9, err_msg=col)
        else:
            assert [str(x) for x in a] == [str(x) for x in b], col
