"""Co-location relatedness of the 51 traded clusters from the CMP MSA table vs the CMP's own.

Expected figures: 917 MSAs with traded employment and 51 traded clusters (PROVENANCE.md:
917 MSAs × 67 clusters, 51 traded); 51·50/2 = 1,275 unordered pairs; the CMP's percentiles put
ceil(0.1 · 1,275) = 128 pairs at ≥ 90 and its strong rule flags 89 pairs (counted in the
published file).
"""

from __future__ import annotations

import numpy as np
import pytest

from clusteratlas.linkages.validation import cmp_comparison

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def figures(request, shared_data):
    """The comparison, with the MSA table read and summed by each engine (once per engine)."""
    msa = shared_data / "us" / "uscmp_msa_clusters_2016.csv.gz"
    rel = shared_data / "clusters" / "uscmp_related_clusters.csv"
    for p in (msa, rel):
        if not p.exists():
            pytest.skip(f"{p} missing")
    backend = "duckdb" if request.param == "duckdb" else request.getfixturevalue("spark_backend")
    return cmp_comparison(msa, rel, backend=backend)


def test_shape(figures) -> None:
    assert figures["regions"] == 917
    assert figures["clusters"] == 51
    assert figures["pairs"] == 1275


def test_default_variant_matches_cmp_cr_lcemp(figures) -> None:
    default = figures["variants"][0]
    assert (default["transform"], default["method"]) == ("log", "pearson")
    assert default["pairs"] == 1275
    assert default["spearman"] >= 0.85


def test_level_correlation_also_matches_but_shares_do_not(figures) -> None:
    """DPS correlate employment levels (size kept); shares/LQs remove size and lose the match."""
    by = {(v["transform"], v["method"]): v["spearman"] for v in figures["variants"]}
    assert by[("level", "pearson")] >= 0.85
    assert by[("share", "pearson")] < 0.5
    assert np.isclose(by[("share", "pearson")], by[("lq", "pearson")])  # LQ = share / const


def test_network_beside_cmp(figures) -> None:
    net = figures["network"]
    top = net["vs_cmp_top_decile_colocation"]
    assert top["ours"] == top["theirs"] == 128
    assert net["vs_cmp_strongly_related"]["theirs"] == 89
    # far better than chance: under independence kappa would be about 0
    assert top["kappa"] > 0.5
    assert net["vs_cmp_strongly_related"]["kappa"] > 0.25


def test_same_figures_as_duckdb(figures, shared_data) -> None:
    """Whichever engine read the MSA table, the figures are DuckDB's (to 1e-9)."""
    want = cmp_comparison(
        shared_data / "us" / "uscmp_msa_clusters_2016.csv.gz",
        shared_data / "clusters" / "uscmp_related_clusters.csv",
        backend="duckdb",
    )
    assert figures["network"] == want["network"]
    for got, ref in zip(figures["variants"], want["variants"], strict=True):
        assert (got["transform"], got["method"], got["pairs"]) == (
            ref["transform"],
            ref["method"],
            ref["pairs"],
        )
        assert got["spearman"] == pytest.approx(ref["spearman"], rel=1e-9, abs=1e-9)
        assert got["pearson"] == pytest.approx(ref["pearson"], rel=1e-9, abs=1e-9)
