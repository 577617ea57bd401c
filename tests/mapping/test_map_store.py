"""Mapping from the store: scheme + observations, the measure/dimension recipe, provenance."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import map_store

SECTIONS = ["B-E", "J", "G-I"]


def scheme_frame(classification: str = "NACE_R2") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster": ["IND", "ICT", "TRD"],
            "cluster_name": ["Industry", "ICT", "Trade"],
            "cluster_type": ["traded", "traded", "local"],
            "industry": SECTIONS,
            "classification": classification,
            "weight": 1.0,
        }
    )


def observations(rows: list[tuple], dataset: str = "lfs_demo") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["region", "industry", "dims", "value"])
    return frame.assign(
        source="eurostat",
        dataset=dataset,
        region_system="NUTS2013",
        classification="NACE_R2",
        year=2015,
        measure="THS",
        flag=None,
    )


# Two NUTS 2 regions (plus their country row) in thousands; TOTAL exceeds the sum of the
# three sections because other sections exist. Y25-64 rows must be ignored.
#            B-E    J   G-I  TOTAL
#   XX11     30    10    20    100
#   XX12     10    10    40    300
#   XX        40    20    60    400    (NUTS 0: its own level group)
ROWS = [
    ("XX11", "B-E", "age=Y15-64", 30.0),
    ("XX11", "J", "age=Y15-64", 10.0),
    ("XX11", "G-I", "age=Y15-64", 20.0),
    ("XX11", "TOTAL", "age=Y15-64", 100.0),
    ("XX12", "B-E", "age=Y15-64", 10.0),
    ("XX12", "J", "age=Y15-64", 10.0),
    ("XX12", "G-I", "age=Y15-64", 40.0),
    ("XX12", "TOTAL", "age=Y15-64", 300.0),
    ("XX", "B-E", "age=Y15-64", 40.0),
    ("XX", "J", "age=Y15-64", 20.0),
    ("XX", "G-I", "age=Y15-64", 60.0),
    ("XX", "TOTAL", "age=Y15-64", 400.0),
    ("XX11", "B-E", "age=Y25-64", 25.0),
    ("XX12", "B-E", "age=Y25-64", 8.0),
]


@pytest.fixture()
def filled(store):
    store.load_scheme(scheme_frame(), "sections")
    store.load_observations(
        observations(ROWS),
        dataset="lfs_demo",
        source="eurostat",
        attribution="Source: Eurostat (test rows)",
        region_system="NUTS2013",
        classification="NACE_R2",
    )
    return store


RECIPE = {"dataset": "lfs_demo", "where": ["age=Y15-64"], "measures": ["employment=THS*1000"]}


def test_map_store_recipe_levels_and_provenance(filled):
    out = map_store(filled, "sections", total_industry="TOTAL", **RECIPE)
    out = out.set_index(["region", "cluster"])
    # level 2 (XX11 + XX12): IND 40 of 400 -> XX11: (30/100) / (40/400) = 3
    assert out.loc[("XX11", "IND"), "lq"] == pytest.approx(3.0)
    assert out.loc[("XX11", "IND"), "employment"] == 30_000
    assert out.loc[("XX11", "IND"), "level"] == 2
    assert out.loc[("XX", "IND"), "lq"] == pytest.approx(1.0)  # alone in level 0
    record = out.attrs["provenance"]
    assert record["options"]["dims"] == "age=Y15-64"
    assert record["options"]["level"] == "nuts"
    assert record["options"]["measures"]["employment"] == {"source": "THS", "factor": 1000.0}
    assert record["attribution"] == ["Source: Eurostat (test rows)"]
    assert record["datasets"][0]["dataset"] == "lfs_demo"


def test_map_store_without_total_industry_uses_the_scheme_industries(filled):
    out = map_store(filled, "sections", **RECIPE).set_index(["region", "cluster"])
    # totals = B-E + J + G-I: XX11 60, XX12 60; IND 40 of 120 -> (30/60) / (40/120) = 1.5
    assert out.loc[("XX11", "IND"), "lq"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"where": None}, "several combinations"),
        ({"where": ["age=Y99"]}, "no combinations"),
        ({"measures": None}, "THS"),
        ({"dataset": "other"}, "dataset"),
        ({"measures": ["employment=THS*-1"]}, "measures"),
        ({"measures": ["jobs=THS"]}, "measures"),
        ({"where": ["age"]}, "where"),
    ],
)
def test_map_store_recipe_errors(filled, kwargs, message):
    with pytest.raises(InputError) as info:
        map_store(filled, "sections", **{**RECIPE, **kwargs})
    if message in ("dataset", "measures", "where"):  # the Python parameter, never a CLI flag
        assert info.value.parameter == message
    else:
        assert message in str(info.value)


def test_map_store_unknown_scheme_lists_schemes(filled):
    with pytest.raises(InputError, match="sections"):
        map_store(filled, "nope", **RECIPE)


def test_map_store_needs_dataset_when_ambiguous(filled):
    filled.load_observations(
        observations(ROWS[:4], dataset="lfs_copy"),
        dataset="lfs_copy",
        source="eurostat",
    )
    with pytest.raises(InputError, match="several datasets"):
        map_store(filled, "sections", where=["age=Y15-64"], measures=["employment=THS*1000"])


def test_cli_map_from_store(filled, tmp_path, run_cli):
    path = filled.path
    filled.close()
    out = tmp_path / "sections.csv"
    code, _, err = run_cli(
        "map",
        "--store",
        path,
        "--scheme",
        "sections",
        "--dataset",
        "lfs_demo",
        "--where",
        "age=Y15-64",
        "--measure",
        "employment=THS*1000",
        "--total-industry",
        "TOTAL",
        "--out",
        out,
    )
    assert code == 0, err
    table = pd.read_csv(out)
    assert len(table) == 9
    record = json.loads(out.with_name("sections.csv.provenance.json").read_text())
    assert record["options"]["scheme"] == "sections"
    assert record["attribution"] == ["Source: Eurostat (test rows)"]


@pytest.mark.shared
def test_map_store_real_eurostat_lfs(store, shared_file):
    """Real lfst_r_lfe2en2 rows through the store give the same LQs as the direct panel."""
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    raw = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    frame = pd.DataFrame(
        {
            "source": "eurostat",
            "dataset": "lfst_r_lfe2en2",
            "region": raw["geo"].astype(str),
            "region_system": "NUTS2013",
            "industry": raw["nace_r2"].astype(str),
            "classification": "NACE_R2",
            "year": raw["time"].astype(str).str.strip().astype(int),
            "measure": raw["unit"].astype(str),
            "dims": "age=" + raw["age"].astype(str),
            "value": raw["value"],
            "flag": raw["flag"],
        }
    )
    store.load_observations(frame, dataset="lfst_r_lfe2en2", source="eurostat")
    sections = ["A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U"]
    store.load_scheme(
        pd.DataFrame(
            {
                "cluster": sections,
                "cluster_name": sections,
                "cluster_type": "local",
                "industry": sections,
                "classification": "NACE_R2",
                "weight": 1.0,
            }
        ),
        "nace-sections",
    )
    out = map_store(
        store,
        "nace-sections",
        dataset="lfst_r_lfe2en2",
        where={"age": "Y15-64"},
        measures={"employment": ("THS", 1000)},
        total_industry="TOTAL",
        year=2015,
    ).set_index(["region", "cluster"])
    level2 = frame[
        (frame.dims == "age=Y15-64")
        & (frame.year == 2015)
        & (frame.region.str.len() == 4)
        & ~frame.region.str.match(r"^(EU|EA)\d")
    ]
    wide = level2.pivot_table(index="region", columns="industry", values="value", aggfunc="first")
    lq = (wide.loc["DE11", "B-E"] / wide.loc["DE11", "TOTAL"]) / (
        wide["B-E"].sum() / wide["TOTAL"].sum()
    )
    assert out.loc[("DE11", "B-E"), "lq"] == pytest.approx(lq, rel=1e-12)
    assert out.loc[("DE11", "B-E"), "employment"] == pytest.approx(wide.loc["DE11", "B-E"] * 1000)


def test_map_store_takes_levels_from_the_regions_table(filled):
    # the regions table says XX12 is level 1 (unlike its code): the table wins over the code
    regions = pd.DataFrame(
        {
            "system": "NUTS",
            "version": "2013",
            "code": ["XX", "XX11", "XX12"],
            "level": [0, 2, 1],
            "parent": [None, "XX", "XX"],
            "name": ["X", "X one", "X two"],
            "country": "XX",
        }
    )
    filled.load_regions(regions)
    out = map_store(filled, "sections", total_industry="TOTAL", **RECIPE)
    out = out.set_index(["region", "cluster"])
    assert out.attrs["provenance"]["options"]["level"] == "column"
    assert out.loc[("XX12", "IND"), "level"] == 1
    assert out.loc[("XX11", "IND"), "lq"] == pytest.approx(1.0)  # alone in its level now
    # a region the table does not know: back to levels derived from NUTS codes
    filled.con.execute("DELETE FROM regions WHERE code = 'XX12'")
    out = map_store(filled, "sections", total_industry="TOTAL", **RECIPE)
    assert out.attrs["provenance"]["options"]["level"] == "nuts"
