"""Co-location relatedness from the CMP's MSA table against the CMP's published values.

:func:`cmp_comparison` recomputes the relatedness of the 51 traded U.S. benchmark clusters from
MSA employment alone (``emp_tl`` of the CMP's 2016 MSA × cluster table) with each co-location
variant of :func:`~clusteratlas.linkages.colocation.colocation`, and compares it with the
CMP's published pair file (``cr_lcemp``, the DPS co-location of employment averaged over
industry pairs; and the ``rel_*`` network flags). The figures are reported in
``docs/linkages.md`` and asserted in ``tests/linkages/test_cmp_related.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats

from clusteratlas.engine import as_backend
from clusteratlas.errors import InputError
from clusteratlas.linkages.colocation import colocation
from clusteratlas.linkages.network import agreement, pairs_frame, related_network

VARIANTS = (
    ("log", "pearson"),
    ("level", "pearson"),
    ("log_nonzero", "pearson"),
    ("level", "spearman"),
    ("share", "pearson"),
    ("lq", "pearson"),
)


def msa_traded_matrix(msa_csv: str | Path, backend: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """MSA × traded-cluster employment matrix (``emp_tl``) and the cluster codes.

    The engine of ``backend`` (an Ibis backend, a SparkSession or an engine name; default
    ``$CLUSTERATLAS_ENGINE``, else DuckDB) reads the table, keeps the traded rows and sums
    ``emp_tl`` per MSA × cluster; only that sum (917 × 51 cells) is collected.
    """
    con = as_backend(backend)
    cols = ["region_code_t", "cluster_code_t", "emp_tl", "traded_b"]
    try:
        if con.name == "duckdb":
            raw = con.read_csv(str(msa_csv), header=True, all_varchar=True)
        else:
            raw = con.read_csv(str(msa_csv), header=True, inferSchema=False)
        absent = [c for c in cols if c not in raw.columns]
        if absent:
            raise ValueError(f"no column {', '.join(absent)}")
        d = raw.filter(raw.traded_b.lower() == "true")
        d = d.group_by(region=d.region_code_t, cluster=d.cluster_code_t).agg(
            emp=d.emp_tl.strip().nullif("").cast("float64").sum()
        )
        long = con.to_pandas(d)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read the CMP MSA table: {first}", file=msa_csv) from None
    e = long.pivot(index="region", columns="cluster", values="emp")
    e = e.dropna(how="all").dropna(axis=1, how="all").fillna(0.0)
    order = sorted(e.columns, key=int)
    return e[order].to_numpy(dtype=float), np.array(order)


def cmp_comparison(
    msa_csv: str | Path, related_csv: str | Path, *, backend: Any = None
) -> dict[str, Any]:
    """Spearman/Pearson agreement of every co-location variant with ``cr_lcemp`` over the 1,275
    pairs, and the network built from the default variant beside the CMP's flags.

    Returns a JSON-able dict: ``pairs``, ``variants`` (list of ``transform, method, spearman,
    pearson``) and ``network`` (agreement of our strong links with CMP's ``rel_all_90_v3``,
    with CMP's strong rule ``rel_all_90_v3 ∧ rel_i20_all_min_90_v3`` and with the top decile
    of ``cr_lcemp`` itself). ``backend``: where the MSA table is read and summed
    (:func:`msa_traded_matrix`).
    """
    x, codes = msa_traded_matrix(msa_csv, backend)
    pub = pd.read_csv(related_csv, dtype={"clustera": str, "clusterb": str})
    pub = pub[pub["clustera"].astype(int) < pub["clusterb"].astype(int)]
    pub = pub.rename(columns={"clustera": "a", "clusterb": "b"})
    variants = []
    frames = {}
    for transform, method in VARIANTS:
        rel = colocation(x, transform=transform, method=method)
        p = pairs_frame(rel, codes).merge(pub, on=["a", "b"], validate="one_to_one")
        frames[(transform, method)] = p
        ok = np.isfinite(p["relatedness"])
        variants.append(
            {
                "transform": transform,
                "method": method,
                "pairs": int(ok.sum()),
                "spearman": float(scipy.stats.spearmanr(p.relatedness[ok], p.cr_lcemp[ok])[0]),
                "pearson": float(scipy.stats.pearsonr(p.relatedness[ok], p.cr_lcemp[ok])[0]),
            }
        )
    p = frames[("log", "pearson")]
    net = related_network(p)
    ours = (net["link"] == "strong").to_numpy()
    cmp_strong = ((p.rel_all_90_v3 == 1) & (p.rel_i20_all_min_90_v3 == 1)).to_numpy()
    return {
        "regions": int(x.shape[0]),
        "clusters": int(x.shape[1]),
        "pairs": len(p),
        "variants": variants,
        "network": {
            "vs_cmp_top_decile_colocation": agreement(ours, (p.cr_lcemp_pc >= 90).to_numpy()),
            "vs_cmp_rel_all_90": agreement(ours, (p.rel_all_90_v3 == 1).to_numpy()),
            "vs_cmp_strongly_related": agreement(ours, cmp_strong),
            "ours_weak_kept": int((net["link"] == "weak").sum()),
        },
    }
