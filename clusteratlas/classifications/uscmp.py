"""The U.S. Cluster Mapping Project (CMP) benchmark cluster scheme on 6-digit NAICS 2012.

Delgado, Porter and Stern (2016), "Defining clusters of related industries", *Journal of
Economic Geography* 16(1): 1–38, define 51 *traded* clusters (industries that sell across
regions and concentrate in a few places) and 16 *local* clusters (industries serving their
own region, present everywhere in proportion to population). The CMP
(https://clustermapping.us) publishes them with numeric codes 1–51 and 101–116; the packaged
``data/uscmp_clusters.csv`` records those 67 code–name pairs.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pandas as pd

from clusteratlas.classifications._io import read_codes_csv
from clusteratlas.classifications.scheme_rules import validate_scheme
from clusteratlas.errors import InputError

SCHEME = "uscmp-naics2012"
CLASSIFICATION = "NAICS2012"
DEFINITIONS_FILE = "uscmp_cluster_definitions_naics2012.csv"
CLUSTERS_DATA = "uscmp_clusters.csv"
SCHEME_COLUMNS = ["industry", "cluster", "cluster_name", "cluster_type", "weight", "classification"]


def cmp_clusters() -> pd.DataFrame:
    """The 67 CMP clusters: ``cluster`` (code as text), ``cluster_name``, ``cluster_type``."""
    text = resources.files("clusteratlas.classifications").joinpath("data", CLUSTERS_DATA)
    lines = [ln for ln in text.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return pd.DataFrame(list(csv.DictReader(lines)))


def load_uscmp_definitions(path: str | Path) -> pd.DataFrame:
    """Read the CMP NAICS 2012 → cluster definitions into a scheme frame.

    The file (an Emsi crosswalk of the CMP definitions; columns ``naics, traded_local,
    cluster_name, subcluster_name, emsi_nonstandard_code, naics_description``) also carries
    Emsi's own codes (``emsi_nonstandard_code=TRUE``: government 90xxxx, 111000 …): they are
    dropped, as is any row without a cluster (814110 Private Households). Every name must be
    one of the 67 CMP clusters and each code's type must agree with ``traded_local``.

    Returns
    -------
    pandas.DataFrame
        Columns ``industry, cluster, cluster_name, cluster_type, weight, classification``
        plus ``subcluster_name`` and ``industry_title``; weight 1, classification
        ``NAICS2012``. ``attrs`` hold ``dropped_nonstandard`` and ``dropped_unassigned``
        (lists of NAICS codes) and ``source``.

    Notes
    -----
    Four codes in the file are NAICS **2017** codes (211130, 212230, 335220, 454110) that
    replaced 2012 codes; they are kept as written. Bridges to ISIC use the 2017 concordance
    for them (see :mod:`clusteratlas.classifications.derive`).
    """
    path = Path(path)
    frame = read_codes_csv(path, ["naics", "traded_local", "cluster_name", "emsi_nonstandard_code"])
    frame["line"] = range(2, len(frame) + 2)
    flag = frame["emsi_nonstandard_code"].str.upper()
    bad_flag = frame[~flag.isin(["TRUE", "FALSE"])]
    if len(bad_flag):
        raise InputError(
            "expected TRUE or FALSE",
            file=path,
            line=int(bad_flag["line"].iloc[0]),
            column="emsi_nonstandard_code",
        )
    nonstandard = frame[flag == "TRUE"]
    frame = frame[flag == "FALSE"]
    missing = frame["cluster_name"].isin(["", "NA"])  # the file writes R's NA
    unassigned = frame[missing]
    frame = frame[~missing]
    known = cmp_clusters()
    code_of = dict(zip(known["cluster_name"], known["cluster"], strict=True))
    type_of = dict(zip(known["cluster_name"], known["cluster_type"], strict=True))
    for row in frame.itertuples():
        if row.cluster_name not in code_of:
            raise InputError(
                f"{row.cluster_name!r} is not one of the 67 CMP clusters",
                file=path,
                line=row.line,
                column="cluster_name",
            )
        if row.traded_local.lower() != type_of[row.cluster_name]:
            raise InputError(
                f"{row.cluster_name!r} is a {type_of[row.cluster_name]} cluster, not "
                f"{row.traded_local!r}",
                file=path,
                line=row.line,
                column="traded_local",
            )
        if not (row.naics.isdigit() and len(row.naics) == 6):
            raise InputError(
                f"{row.naics!r} is not a 6-digit NAICS code",
                file=path,
                line=row.line,
                column="naics",
            )
    dup = frame[frame["naics"].duplicated(keep=False)]
    if len(dup):
        raise InputError(
            f"NAICS {dup['naics'].iloc[0]} is in more than one cluster",
            file=path,
            line=int(dup["line"].iloc[-1]),
            column="naics",
        )
    out = pd.DataFrame(
        {
            "industry": frame["naics"].to_numpy(),
            "cluster": frame["cluster_name"].map(code_of).to_numpy(),
            "cluster_name": frame["cluster_name"].to_numpy(),
            "cluster_type": frame["cluster_name"].map(type_of).to_numpy(),
            "weight": 1.0,
            "classification": CLASSIFICATION,
            "subcluster_name": frame.get("subcluster_name", "").to_numpy(),
            "industry_title": frame.get("naics_description", "").to_numpy(),
        }
    )
    out = out.sort_values(
        ["cluster", "industry"], key=lambda s: s.astype(int) if s.name == "cluster" else s
    ).reset_index(drop=True)
    out = validate_scheme(out, file=path, lines=None)  # the rules every scheme obeys
    out.attrs.update(
        scheme=SCHEME,
        source=str(path),
        dropped_nonstandard=nonstandard["naics"].tolist(),
        dropped_unassigned=unassigned["naics"].tolist(),
    )
    return out
