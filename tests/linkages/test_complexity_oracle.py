"""ecomplexity (Harvard Growth Lab) as the oracle of RCA, presence, proximity, density, ECI, PCI.

Panels are of our own making (seeded lognormal economies with block structure, so that the
second eigenvalue is well separated and the eigenvector is determined up to sign).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from clusteratlas.linkages.complexity import complexity_year
from clusteratlas.linkages.matrix import year_matrices

ecomplexity = pytest.importorskip("ecomplexity")


def synthetic_panel(seed: int, n_r: int = 40, n_p: int = 25, years=(2019, 2020)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for year in years:
        size = np.exp(rng.normal(0, 1, n_r))[:, None]
        block = (np.arange(n_r)[:, None] * 3 // n_r) == (np.arange(n_p)[None, :] * 3 // n_p)
        level = np.exp(rng.normal(0, 0.8, (n_r, n_p)) + 1.5 * block + np.linspace(0, 1, n_p))
        x = np.round(100 * size * level)
        x[rng.random((n_r, n_p)) < 0.1] = 0  # some empty cells
        frames.append(
            pd.DataFrame(
                {
                    "region": np.repeat([f"R{i:02d}" for i in range(n_r)], n_p),
                    "industry": np.tile([f"P{j:02d}" for j in range(n_p)], n_r),
                    "year": year,
                    "employment": x.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def oracle(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = {"time": "year", "loc": "region", "prod": "industry", "val": "employment"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ecomplexity.ecomplexity(panel, cols, check_logsupermodularity=False, verbose=False)
        prox = ecomplexity.proximity(panel, cols)
    return out, prox


def ours(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cells, pairs = [], []
    for ym in year_matrices(panel):
        r = complexity_year(ym.values)
        n_r, n_p = ym.values.shape
        cells.append(
            pd.DataFrame(
                {
                    "year": ym.year,
                    "region": np.repeat(ym.regions, n_p),
                    "industry": np.tile(ym.units, n_r),
                    **{k: r[k].ravel() for k in ("rca", "m", "density", "cog")},
                    "eci": np.repeat(r["eci"], n_p),
                    "coi": np.repeat(r["coi"], n_p),
                    "pci": np.tile(r["pci"], n_r),
                }
            )
        )
        pairs.append(
            pd.DataFrame(
                {
                    "year": ym.year,
                    "industry_1": np.repeat(ym.units, n_p),
                    "industry_2": np.tile(ym.units, n_p),
                    "proximity": r["proximity"].ravel(),
                }
            )
        )
    return pd.concat(cells), pd.concat(pairs)


def assert_cells_equal(want: pd.DataFrame, got: pd.DataFrame, cells: int) -> None:
    """ecomplexity's cells (``want``) and ours (``got``): the same ``cells`` cells, every
    measure equal to 1e-9 and presence identical."""
    merged = want.merge(got, on=["year", "region", "industry"], suffixes=("_e", "_o"))
    assert len(merged) == len(want) == len(got) == cells
    for col in ("rca", "density", "eci", "pci", "coi", "cog"):
        np.testing.assert_allclose(
            merged[f"{col}_o"], merged[f"{col}_e"], rtol=1e-9, atol=1e-9, err_msg=col
        )
    np.testing.assert_array_equal(merged["m"], merged["mcp"])


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_equal_to_ecomplexity(seed: int) -> None:
    panel = synthetic_panel(seed)
    want, want_prox = oracle(panel)
    got, got_prox = ours(panel)
    assert_cells_equal(want, got, 2 * 40 * 25)
    mp = want_prox.merge(got_prox, on=["year", "industry_1", "industry_2"])
    assert len(mp) == 2 * 25 * 25
    np.testing.assert_allclose(mp["proximity_x"], mp["proximity_y"], rtol=1e-12)


def test_equal_to_ecomplexity_on_a_wide_panel() -> None:
    """150 industries: the Lanczos (deflated) eigensolver path, not LAPACK."""
    panel = synthetic_panel(11, n_r=80, n_p=150, years=(2020,))
    want, _ = oracle(panel)
    got, _ = ours(panel)
    merged = want.merge(got, on=["year", "region", "industry"], suffixes=("_e", "_o"))
    assert len(merged) == 80 * 150
    for col in ("rca", "density", "eci", "pci", "coi", "cog"):
        np.testing.assert_allclose(
            merged[f"{col}_o"], merged[f"{col}_e"], rtol=1e-8, atol=1e-8, err_msg=col
        )


def test_sign_convention_is_diversity() -> None:
    """The documented sign: ECI correlates positively with diversity in every year."""
    got, _ = ours(synthetic_panel(3))
    for _, g in got.groupby("year"):
        per_region = g.groupby("region").agg(eci=("eci", "first"), diversity=("m", "sum"))
        assert np.corrcoef(per_region.eci, per_region.diversity)[0, 1] > 0
