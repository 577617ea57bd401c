"""Co-location, cluster aggregation, link combination, user link files, network rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusteratlas.errors import InputError
from clusteratlas.linkages.colocation import (
    cluster_relatedness,
    colocation,
    combine_links,
    read_links_file,
)
from clusteratlas.linkages.network import (
    industry_link_share,
    pairs_frame,
    percentile_rank,
    related_network,
)
from clusteratlas.linkages.proximity import density, proximity


def test_colocation_by_hand() -> None:
    # log1p of [0, e-1, e^2-1] = [0, 1, 2] and [e^2-1, e-1, 0] = [2, 1, 0]: correlation -1
    e = np.e
    x = np.array([[0.0, e**2 - 1], [e - 1, e - 1], [e**2 - 1, 0.0]])
    assert np.allclose(colocation(x), [[1, -1], [-1, 1]])


def test_log_nonzero_uses_common_regions_only() -> None:
    # a, b present together in rows 0-2 (perfectly correlated logs); row 3 has b only
    x = np.array([[1.0, 10.0], [10.0, 100.0], [100.0, 1000.0], [0.0, 5000.0]])
    assert colocation(x, transform="log_nonzero")[0, 1] == pytest.approx(1.0)
    assert colocation(x, transform="log")[0, 1] < 0.99


def test_bad_transform_names_parameter() -> None:
    with pytest.raises(InputError, match="--transform"):
        colocation(np.ones((3, 2)), transform="cubic")


def test_cluster_relatedness_by_hand() -> None:
    rel = np.array([[1, 0.8, 0.1, 0.3], [0.8, 1, 0.3, 0.5], [0.1, 0.3, 1, 0.6], [0.3, 0.5, 0.6, 1]])
    defs = pd.DataFrame({"industry": list("ijkl"), "cluster": ["A", "A", "B", "B"]})
    bcr, names = cluster_relatedness(rel, np.array(list("ijkl")), defs)
    # A-B: mean of (i,k)=.1 (i,l)=.3 (j,k)=.3 (j,l)=.5 = 0.3; WCR A = 0.8, B = 0.6
    assert names.tolist() == ["A", "B"]
    assert np.allclose(bcr, [[0.8, 0.3], [0.3, 0.6]])


def test_combine_links_equal_weights_is_mean_of_zscores() -> None:
    a = np.array([[1, 0.1, 0.5], [0.1, 1, 0.9], [0.5, 0.9, 1.0]])
    b = np.array([[1, 3.0, 1.0], [3.0, 1, 2.0], [1.0, 2.0, 1.0]])
    za = (np.array([0.1, 0.5, 0.9]) - 0.5) / np.std([0.1, 0.5, 0.9])
    zb = (np.array([3.0, 1.0, 2.0]) - 2.0) / np.std([3.0, 1.0, 2.0])
    got = combine_links({"colocation": a, "io": b})
    assert np.allclose(got[[0, 0, 1], [1, 2, 2]], (za + zb) / 2)
    with pytest.raises(InputError, match="--weight"):
        combine_links({"colocation": a}, {"occ": 1.0})


def test_read_links_file(tmp_path) -> None:
    f = tmp_path / "io.csv"
    f.write_text("a,b,value\nx,y,0.2\ny,x,0.5\nx,z,0.1\n")
    m = read_links_file(f, np.array(["x", "y", "z"]))
    assert m[0, 1] == m[1, 0] == 0.5  # max of the two directions
    assert np.isnan(m[1, 2])
    f.write_text("a,b,value\nx,q,0.2\n")
    with pytest.raises(InputError, match="line 2"):
        read_links_file(f, np.array(["x", "y"]))


def test_percentile_convention_of_cmp() -> None:
    # 1,275 pairs: ceil(0.1 * 1275) = 128 reach the 90th percentile (as in the CMP file)
    pc = percentile_rank(np.arange(1275.0))
    assert (pc >= 90).sum() == 128
    assert pc.min() == 0 and pc.max() == 99


def test_network_keeps_two_weak_links_for_isolated_units() -> None:
    labels = np.array(list("abcde"))
    rel = np.array(
        [
            [1, 0.9, 0.1, 0.2, 0.3],
            [0.9, 1, 0.15, 0.25, 0.35],
            [0.1, 0.15, 1, 0.6, 0.5],
            [0.2, 0.25, 0.6, 1, 0.55],
            [0.3, 0.35, 0.5, 0.55, 1],
        ]
    )
    net = related_network(pairs_frame(rel, labels))
    strong = net[net.link == "strong"]
    # 10 pairs: ranks 9 and 10 have floor(100 rank / 10) >= 90
    assert list(zip(strong.a, strong.b, strict=True)) == [("a", "b"), ("c", "d")]
    weak = net[net.link == "weak"]
    # only e lacks a strong link; its two most related pairs above the median are kept
    assert sorted(zip(weak.a, weak.b, strict=True)) == [("c", "e"), ("d", "e")]


@settings(max_examples=40, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(2, 8), st.integers(2, 6)), elements=st.integers(0, 1)))
def test_proximity_and_density_properties(m) -> None:
    phi = proximity(m)
    assert np.allclose(phi, phi.T)
    assert ((phi >= 0) & (phi <= 1)).all()
    assert np.allclose(np.diag(phi), 1.0)
    d = density(m, phi)
    assert np.nanmin(d) >= -1e-12 and np.nanmax(d) <= 1 + 1e-12
    # a region present in every industry has density 1 everywhere
    full = np.ones((1, m.shape[1]))
    assert np.allclose(density(full, phi), 1.0)


def test_industry_link_share_and_i20_rule() -> None:
    """Clusters A = {i, j}, B = {k, l}, C = {m}: the top decile of the 10 industry pairs is the
    single pair (i, k); so half of A's and half of B's industries link A-B, none link to C."""
    units = np.array(list("ijklm"))
    rel = np.full((5, 5), 0.1)
    rel[0, 2] = rel[2, 0] = 0.9
    rel[3, 4] = rel[4, 3] = 0.5
    np.fill_diagonal(rel, 1.0)
    defs = pd.DataFrame({"industry": list("ijklm"), "cluster": ["A", "A", "B", "B", "C"]})
    share, names = industry_link_share(rel, units, defs, pct=90)
    assert names.tolist() == ["A", "B", "C"]
    assert share[0, 1] == 0.5 and share[1, 0] == 0.5
    assert share[0, 2] == 0 and share[2, 0] == 0
    pairs = pd.DataFrame(
        {"a": ["A", "A", "B"], "b": ["B", "C", "C"], "relatedness": [0.3, 0.2, 0.1],
         "percentile": [99, 95, 10]}
    )  # fmt: skip
    ind = pd.DataFrame(
        {"a": ["A", "A"], "b": ["B", "C"], "share_ab": [share[0, 1], 0.0],
         "share_ba": [share[1, 0], 0.0]}
    )  # fmt: skip
    net = related_network(pairs, industry_share=ind).set_index(["a", "b"])["link"]
    assert net[("A", "B")] == "strong"  # both shares >= 20 %
    assert net[("A", "C")] != "strong"  # high percentile but no industry links
