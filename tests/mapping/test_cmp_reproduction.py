"""The U.S. Cluster Mapping Project's published 2016 numbers, reproduced from their inputs.

Inputs per region × cluster: ``emp_tl`` (employment), ``est_tl`` (establishments), ``ap_tl``
(annual payroll, $000) and ``emp_reported_tl``. The definitions are the identity (each cluster
is its own single "industry") with the CMP's cluster types. The benchmark is the US total of
each cluster, ``emp_tl / cluster_emp_per_tf`` (every non-zero row gives it; we check that they
agree and take the largest row's, rounded to a whole job), taken from the *other* file: the
states' numbers are checked against US totals implied by the MSA file and the reverse, so the
published ``cluster_emp_per_tf`` of a file is never compared with a benchmark solved from that
same column. (The two files' US totals agree to 5e-8.) The LQ uses the CMP convention
(``lq_base="traded"``: traded clusters within the traded universe, local within the local).

Published values carry 8 significant digits, so relative errors of ~1e-7 are rounding.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from clusteratlas.mapping import build_cluster_table, map_panel

pytestmark = pytest.mark.shared

FILES = {
    "state": ("us/uscmp_state_clusters_2016.csv.gz", 512, 209),
    "msa": ("us/uscmp_msa_clusters_2016.csv.gz", 5887, 2531),
}


def cmp_inputs(path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d = pd.read_csv(path, dtype={"region_code_t": str}, low_memory=False)
    d["cluster"] = d["cluster_code_t"].astype(str)
    panel = pd.DataFrame(
        {
            "region": d.region_code_t,
            "industry": d.cluster,
            "year": d.year_t,
            "employment": d.emp_tl.astype(float),
            "establishments": d.est_tl.astype(float),
            "payroll": d.ap_tl * 1000.0,
            "employment_reported": d.emp_reported_tl.astype(float),
        }
    )
    first = d.drop_duplicates("cluster")
    assert ((first.cluster_type == "traded") == first.traded_b).all()
    defs = pd.DataFrame(
        {
            "industry": first.cluster,
            "cluster": first.cluster,
            "cluster_name": first.cluster_name_t,
            "cluster_type": first.cluster_type,
        }
    )
    nz = d[d.cluster_emp_per_tf > 0].assign(us=lambda x: x.emp_tl / x.cluster_emp_per_tf)
    spread = nz.groupby("cluster").us.agg(lambda s: (s.max() - s.min()) / s.median())
    assert spread.max() < 1e-6, "US totals implied by different rows disagree"
    largest = nz.sort_values("emp_tl").groupby("cluster").tail(1)
    bench = pd.DataFrame(
        {"cluster": largest.cluster, "year": largest.year_t, "employment": largest.us.round()}
    )
    return d, panel, defs, bench


#: The file whose implied US totals benchmark each file.
OTHER = {"state": "msa", "msa": "state"}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_cmp_lq_shares_wage_and_strong(kind, shared_file):
    relative, n_strong, n_strong10 = FILES[kind]
    d, panel, defs, _ = cmp_inputs(shared_file(relative))
    bench = cmp_inputs(shared_file(FILES[OTHER[kind]][0]))[3]  # US totals of the other file
    out = build_cluster_table(
        ibis.memtable(panel),
        ibis.memtable(defs),
        lq_base="traded",
        benchmark=ibis.memtable(bench),
    ).to_pandas()
    m = out.merge(d, left_on=["region", "cluster"], right_on=["region_code_t", "cluster"])
    assert len(m) == len(d) == len(out)

    nonzero = m.emp_tl > 0
    # the benchmark share by hand: the cell's employment over the US total of its cluster
    us = m.cluster.map(dict(zip(bench.cluster, bench.employment, strict=True)))
    np.testing.assert_allclose(m["benchmark_share"], m.emp_tl / us, rtol=1e-12)
    for ours, published in [
        ("lq", "lq_tf"),
        ("region_share", "region_emp_per_tf"),
        ("benchmark_share", "cluster_emp_per_tf"),
    ]:
        rel = (m.loc[nonzero, ours] / m.loc[nonzero, published] - 1).abs()
        assert rel.max() <= 1e-6, (ours, rel.max())
    assert (m.loc[~nonzero, "lq"] == 0).all()

    # CMP wage: ap * 1000 / emp_reported
    reported = m.emp_reported_tl > 0
    rel = (m.loc[reported, "wage"] / m.loc[reported, "private_wage_tf"] - 1).abs()
    assert rel.max() <= 1e-6

    for ours, published, expected in [
        ("strong", "strong_b", n_strong),
        ("strong10", "strong10_b", n_strong10),
    ]:
        flag = m[published].astype(str).str.upper()
        known = flag.isin(["TRUE", "FALSE"])
        assert (flag == "TRUE").sum() == expected
        assert (m.loc[known, ours] == (flag[known] == "TRUE")).all(), ours
        assert not m.loc[~known, ours].any()  # NA cells (local clusters...) are never strong


def test_cmp_states_through_map_panel_with_benchmark_file(shared_file, tmp_path):
    _, panel, defs, bench = cmp_inputs(shared_file(FILES["state"][0]))
    bench_file = tmp_path / "us_totals.csv"
    bench.to_csv(bench_file, index=False)
    out = map_panel(panel, defs, lq_base="traded", benchmark=bench_file)
    assert int(out.strong.sum()) == 512
    record = out.attrs["provenance"]
    roles = {i["role"]: i for i in record["inputs"]}
    assert roles["benchmark"]["path"] == str(bench_file)
    assert len(roles["benchmark"]["sha256"]) == 64
    # the panel and definitions were data frames: recorded with their row counts
    assert roles["panel"] == {"role": "panel", "kind": "data frame", "rows": len(panel)}
    assert np.isclose(record["thresholds"]["strong_lq_quantile"], 0.75)
