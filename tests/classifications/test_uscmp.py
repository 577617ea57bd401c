"""The US CMP scheme from the definitions file, and the packaged code–name list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clusteratlas.classifications.uscmp import cmp_clusters, load_uscmp_definitions
from clusteratlas.errors import InputError

HEADER = "naics,traded_local,cluster_name,subcluster_name,emsi_nonstandard_code,naics_description\n"


def test_packaged_cluster_list() -> None:
    c = cmp_clusters()
    assert len(c) == 67
    codes = c["cluster"].astype(int)
    assert sorted(codes[c["cluster_type"] == "traded"]) == list(range(1, 52))
    assert sorted(codes[c["cluster_type"] == "local"]) == list(range(101, 117))


def test_names_match_the_cmp_api_extract(shared_file) -> None:
    api = pd.read_csv(shared_file("us/uscmp_state_clusters_2016.csv.gz"), dtype=str)
    pairs = set(zip(api["cluster_code_t"], api["cluster_name_t"], strict=True))
    ours = set(zip(cmp_clusters()["cluster"], cmp_clusters()["cluster_name"], strict=True))
    assert ours == pairs


def test_real_definitions(shared_file) -> None:
    d = load_uscmp_definitions(shared_file("clusters/uscmp_cluster_definitions_naics2012.csv"))
    assert len(d) == 954
    assert d.groupby("cluster_type")["cluster"].nunique().to_dict() == {"local": 16, "traded": 51}
    assert d["cluster_type"].value_counts().to_dict() == {"traded": 660, "local": 294}
    assert len(d.attrs["dropped_nonstandard"]) == 37
    assert d.attrs["dropped_unassigned"] == ["814110"]
    assert not d["industry"].duplicated().any()
    row = d.set_index("industry").loc["336411"]
    assert (row["cluster"], row["cluster_name"]) == ("1", "Aerospace Vehicles and Defense")


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "defs.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_errors_name_line_and_column(tmp_path: Path) -> None:
    cases = [
        ("336411,Traded,Rocket Science,x,FALSE,d\n", "cluster_name"),
        ("336411,Local,Automotive,x,FALSE,d\n", "traded_local"),
        ("33641,Traded,Automotive,x,FALSE,d\n", "naics"),
        ("336411,Traded,Automotive,x,MAYBE,d\n", "emsi_nonstandard_code"),
        ("336411,Traded,Automotive,x,FALSE,d\n336411,Traded,Apparel,x,FALSE,d\n", "naics"),
    ]
    for body, column in cases:
        with pytest.raises(InputError) as info:
            load_uscmp_definitions(write(tmp_path, body))
        assert info.value.column == column
        assert info.value.line is not None and info.value.line >= 2
