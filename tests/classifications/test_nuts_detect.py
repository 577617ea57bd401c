"""Detecting the NUTS version of a set of codes."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from clusteratlas.classifications.nuts_detect import detect_version
from clusteratlas.classifications.nuts_lists import CodeList, shared_code_lists

LV = frozenset({0, 1, 2})


def test_hand_example_markers_and_unmatched():
    lists = {
        "2016": CodeList("2016", frozenset({"HR", "HR0", "HR03", "HR04"}), LV, "t"),
        "2021": CodeList("2021", frozenset({"HR", "HR0", "HR02", "HR03", "HR05"}), LV, "t"),
    }
    g = detect_version(["HR03", "HR04", " HR04", "HR09", "EU27_2020", None], lists)
    assert g.best == "2016"
    assert g.shares == {"2016": 2 / 3, "2021": 1 / 3}
    assert g.markers == {"2016": ["HR04"], "2021": []}
    assert g.unmatched == ["HR09"] and g.non_nuts == ["EU27_2020"]
    assert not g.ambiguous
    # codes every version has: a tie, flagged as ambiguous
    tie = detect_version(["HR", "HR03"], lists)
    assert tie.compatible == ["2016", "2021"] and tie.ambiguous
    assert "ambiguous" in tie.summary()
    assert detect_version(["EU28"], lists).best is None


@pytest.fixture(scope="module")
def lists(shared_data):
    return shared_code_lists(shared_data)


@pytest.mark.parametrize(
    ("codes", "best"),
    [
        (["FR10", "FR21", "FR30", "HU10", "LT00"], "2013"),
        (["FR10", "FRB0", "FRE1", "HU11", "LT01", "HR04", "UKC1"], "2016"),
        (["HR02", "HR05", "UKC1", "PT16", "NO08"], "2021"),
        (["HR02", "PT19", "PT1A", "HU11", "NO08"], "2024"),
    ],
)
def test_distinguishing_codes(lists, codes, best):
    g = detect_version(codes, lists)
    assert g.best == best, g.summary()


def test_real_ballatore_nuts2016(shared_file, lists):
    df = pd.read_csv(shared_file("eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz"))
    g = detect_version(df["geo"], lists)
    assert g.best == "2016" and g.shares["2016"] == 1.0
    assert g.compatible == ["2016"]
    assert g.matched["2021"] == 364 and g.checked["2021"] == 369  # HR04, NO01, NO03-05
    assert sorted(set(df["geo"]) - lists["2021"].codes) == ["HR04", "NO01", "NO03", "NO04", "NO05"]


def test_real_lfs_snapshot_is_nuts2013(shared_file, lists):
    df = pd.read_csv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"), sep="\t")
    geo = df.iloc[:, 0].str.split(",").str[-1]
    g = detect_version(geo, lists)
    assert g.best == "2013"
    assert {"HU10", "IE01", "LT00", "UKM2"} <= set(g.markers["2013"])
    assert {"EU28", "EA19"} <= set(g.non_nuts)
    assert "EL11" in g.unmatched  # NUTS 2010 Greek code kept by Eurostat in old series


def test_real_gisco_2024_geometries(shared_file, lists):
    path = shared_file("nuts/NUTS_RG_20M_2024_4326_LEVL_all.geojson.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        codes = [f["properties"]["NUTS_ID"] for f in json.load(fh)["features"]]
    g = detect_version(codes, lists)
    assert g.best == "2024" and g.shares["2024"] == 1.0
    assert "PT19" in g.markers["2024"]
