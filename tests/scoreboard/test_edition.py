"""The open-data edition built from the real snapshots in ../shared/data (NUTS 2016, level 2):
coverage, NUTS harmonisation, scoring, strengths/bottlenecks and the EOCIC joint challenges."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clusteratlas.classifications.nuts_lists import shared_code_lists
from clusteratlas.cli.app import main
from clusteratlas.fileio import sha256_file
from clusteratlas.scoreboard import reading, score
from clusteratlas.scoreboard import results as rs
from clusteratlas.scoreboard.edition import (
    EOCIC_PILOT,
    STRUCTURE_WEIGHTS,
    _read_clusters,
    build_open_data_edition,
)

# Expected counts are derived from the inputs, read independently of the code under test:
# the packaged framework file read with a plain YAML loader (structure only), and the raw
# snapshot files read with pandas.
_FILE = resources.files("clusteratlas.scoreboard").joinpath("data", "open_data_edition.yaml")
_FW = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
_DIMS = _FW["dimensions"]
NOT_COVERED = {d["code"] for d in _DIMS if d.get("covered", True) is False}
INDICATORS = [
    i["code"] for d in _DIMS for s in d.get("subdimensions", []) for i in s.get("indicators", [])
]


@pytest.fixture(scope="module")
def edition(shared_data):
    return build_open_data_edition(shared_data)


@pytest.fixture(scope="module")
def scored(edition):
    res = score(edition.framework, edition.data, treat="ris")
    return res, res.run.aggregated.xs(edition.year, level="year")


def test_framework_has_the_8_plus_6_dimensions(edition):
    dims = edition.framework.root.children
    assert len(dims) == len(_DIMS)
    families = [d.extra["family"] for d in dims]
    # the EOCIC scoreboard: 8 dimensions of industrial change + 6 framework conditions
    # (EOCIC, "Regional eco-system scoreboard" methodology; the file's header cites it)
    assert families.count("industrial change") == 8 and families.count("framework conditions") == 6
    assert len(dims) == 8 + 6
    assert {d.code for d in dims if not d.covered} == NOT_COVERED
    for ind in edition.framework.indicators:  # every indicator names its open source
        assert ind.source["provider"] == "Eurostat" and ind.source["dataset"]


def test_coverage_report(edition, shared_data):
    cov = edition.coverage.set_index("dimension")
    assert set(cov.index[cov["status"] == "NOT COVERED"]) == NOT_COVERED
    assert (cov.loc[list(NOT_COVERED), "note"].str.len() > 20).all()  # says why
    covered = cov.drop(index=[*NOT_COVERED, "RESB"])
    assert (covered["with_data"] == covered["indicators"]).all()
    # regions with any value under a dimension, counted from the values frame itself
    values = edition.data.values[edition.data.values["value"].notna()]
    fw = edition.framework
    for dim in covered.index:
        expected = values.loc[values["indicator"].isin(fw.indicators_under(dim)), "region"]
        assert covered.loc[dim, "regions_any"] == expected.nunique(), dim
    # every indicator of the file had data, and the index counts every region with a value
    assert cov.loc["RESB", "indicators"] == len(INDICATORS)
    assert cov.loc["RESB", "regions_any"] == values["region"].nunique()
    ind = edition.indicators.set_index("indicator")
    assert ind.loc["patents", "reference_years"].startswith(
        "2012:"
    )  # discontinued series, reported
    assert ind.loc["lifelong_learning", "reference_years"].startswith("2015:")
    # hrst: the regions with an edition-year value in the raw EURITO file that are NUTS 2016
    # level-2 codes (the file is NUTS 2016-coded; the key is the YAML's source.key)
    raw = pd.read_csv(
        shared_data / "eu_indicators/eurito_eurostat_regional_indicators.csv.gz",
        dtype={"region_id": str},
    )
    raw = raw[
        (raw["indicator"] == "hrst_st_rcat_hrst_pc_act")
        & (raw["region_level"] == 2)
        & (raw["year"] == edition.year)
        & raw["value"].notna()
    ]
    level2 = {c for c in shared_code_lists(shared_data)["2016"].codes if len(c) == 4}
    n_hrst = raw.loc[raw["region_id"].isin(level2), "region_id"].nunique()
    assert ind.loc["hrst", "reference_years"] == f"{edition.year}: {n_hrst}"


def test_one_nuts_version_with_a_report_of_every_other_code(edition, shared_data):
    level2 = {c for c in shared_code_lists(shared_data)["2016"].codes if len(c) == 4}
    assert set(edition.data.values["region"]) <= level2
    rep = edition.nuts_report
    dropped = rep[rep["action"] == "dropped"]
    fr13 = dropped[dropped["code"] == "FR24"]  # old Centre region code in the 2013-coded TSV
    assert not fr13.empty and fr13["reason"].str.contains("NUTS 2013").all()
    hr21 = dropped[dropped["code"].isin(["HR02", "HR05", "HR06"])]
    assert hr21["reason"].str.contains("without a same-territory NUTS 2016").all()
    assert "aggregate (not a NUTS 2 region)" in set(dropped["reason"])
    si = dropped[dropped["code"] == "SI01"]  # pre-2016 Slovenian code in the 2017 TSV snapshot
    assert not si.empty and si["reason"].str.contains("older code").all()


def test_denominated_gdp_per_head(scored, edition, shared_data):
    res, _ = scored
    raw = res.run.stages["denominated"].xs(edition.year, level="year")
    b = pd.read_csv(shared_data / "eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz")
    b = b[(b["geo"] == "DE11") & (b["year"] == edition.year)].set_index("variable")["value"]
    assert raw.loc["DE11", "gdp_per_head"] == pytest.approx(
        b["region_gdp"] * 1e6 / b["region_population"]
    )


def test_scores_on_real_regions(scored):
    res, agg = scored
    # the regions scored are regions of the edition's data (nothing invented)
    scored_regions = set(agg.index[agg["RESB"].notna()])
    assert scored_regions and scored_regions <= set(res.run.data.values["region"])
    assert agg.loc["FRB0"].notna().any()
    bounded = agg[[n.code for n in res.run.framework.covered_nodes()]]
    assert np.nanmin(bounded.to_numpy()) >= 0 and np.nanmax(bounded.to_numpy()) <= 100
    assert set(res.scores["level"]) == {"index", "dimension", "subdimension", "indicator"}


def test_strengths_and_bottlenecks_of_cantabria_against_default_peers(scored, edition):
    res, agg = scored
    rd = reading.read_region(
        agg,
        res.run.framework,
        "ES13",
        structure=edition.structure,
        weights=STRUCTURE_WEIGHTS,
        member_weights=edition.population.to_dict(),
    )
    assert len(rd.peers) == 10 and "ES13" not in rd.peers  # reading.read_region's default k=10
    # peers have every structural variable Cantabria has (no "close because unknown")
    assert edition.structure.loc[rd.peers].notna().all(axis=None)
    flags = rd.flags.set_index("node")
    assert {"strength", "bottleneck"} <= set(flags["flag"])
    ok = flags["relative"].notna()
    assert np.allclose(
        flags.loc[ok, "relative"], 100 * flags.loc[ok, "score"] / flags.loc[ok, "peer_mean"]
    )
    assert (flags.loc[flags["relative"] >= 120, "flag"] == "strength").all()
    assert set(rd.top_bottom["side"]) == {"top", "bottom"}


def test_joint_challenges_of_the_eocic_pilot(scored, edition):
    res, agg = scored
    pop = edition.population.to_dict()
    matrix, peers, left_out = reading.joint_challenges_for(
        agg,
        res.run.framework,
        EOCIC_PILOT,
        structure=edition.structure,
        weights=STRUCTURE_WEIGHTS,
        member_weights=pop,
    )
    assert left_out == [] and list(peers) == list(EOCIC_PILOT)
    labels = list(EOCIC_PILOT)
    assert set(matrix[labels].to_numpy().ravel()) <= {"B", "S", ""}
    assert (matrix["bottlenecks"] == (matrix[labels] == "B").sum(axis=1)).all()
    assert matrix["bottlenecks"].max() >= 2  # some bottleneck is shared
    assert not set(peers["Saxony"]) & {"DED2", "DED4", "DED5"}
    # Saxony (NUTS 1 in the pilot) = population-weighted mean of its NUTS 2 regions
    sax = rs.entity_scores(agg, EOCIC_PILOT["Saxony"], pop)
    w = np.array([pop[r] for r in EOCIC_PILOT["Saxony"]])
    assert sax["FC2"] == pytest.approx(np.average(agg.loc[EOCIC_PILOT["Saxony"], "FC2"], weights=w))


def test_cluster_mapping_output_scores_entrepreneurial_conditions(shared_data):
    regions = ["AT11", "AT12", "DE11", "ES13", "ITC1", "SE31"]
    clusters = pd.DataFrame({"region": regions, "year": 2016, "value": [10.0, 20, 35, 15, 30, 12]})
    ed = build_open_data_edition(shared_data, clusters=clusters)
    assert ed.framework.nodes["FC1"].covered
    assert ed.coverage.set_index("dimension").loc["FC1", "status"] == "covered"
    assert set(
        ed.data.values.loc[ed.data.values["indicator"] == "strong_cluster_share", "region"]
    ) == set(regions)


def test_cli_edition_report_and_files(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "clusteratlas",
            "scoreboard",
            "--edition",
            "open-data",
            "--edition-data",
            str(shared_data),
            "--report",
            "coverage",
            "--edition-out",
            str(tmp_path / "ed"),
        ],
    )
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert "NOT COVERED" in out
    written = {p.name for p in (tmp_path / "ed").iterdir()}
    assert {
        "framework.yaml",
        "data.csv",
        "denominators.csv",
        "groups.csv",
        "coverage.csv",
        "nuts_report.csv",
    } <= written
    # every file has its provenance record: the snapshots read (with sha256) and attribution
    from clusteratlas.store.provenance import read_provenance

    for name in ("framework.yaml", "data.csv", "coverage.csv"):
        rec = read_provenance(tmp_path / "ed" / name)
        assert rec["command"] == "scoreboard --edition open-data"
        assert rec["output"]["sha256"] == sha256_file(tmp_path / "ed" / name)
        assert "Source: Eurostat" in rec["attribution"]
        snapshots = [i for i in rec["inputs"] if i["role"] == "snapshot"]
        assert len(snapshots) >= 3  # at least the employment, population and geometry files
        for item in snapshots:
            assert sha256_file(Path(item["path"])) == item["sha256"]
        assert rec["nuts_versions"] == ["2016"]
    # the written edition runs through the ordinary CLI contract
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "clusteratlas",
            "scoreboard",
            "--framework",
            str(tmp_path / "ed/framework.yaml"),
            "--data",
            str(tmp_path / "ed/data.csv"),
            "--denominators",
            str(tmp_path / "ed/denominators.csv"),
            "--out",
            str(tmp_path / "s.csv"),
        ],
    )
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    s = pd.read_csv(tmp_path / "s.csv")
    # one score per region of the written data file (the CLI adds and drops none)
    assert s["region"].nunique() == pd.read_csv(tmp_path / "ed/data.csv")["region"].nunique()


def test_edition_errors_name_python_parameters_and_cli_flags(tmp_path, monkeypatch, capsys):
    """The builder names its own parameters; the CLI prints the flags that set them."""
    from clusteratlas.errors import InputError

    missing = tmp_path / "no-such-folder"
    with pytest.raises(InputError) as info:
        build_open_data_edition(missing)
    assert info.value.parameter == "data_dir"
    assert str(missing) in str(info.value)
    with pytest.raises(InputError) as info:
        _read_clusters(pd.DataFrame({"region": ["AT11"], "value": [1.0]}))
    assert info.value.parameter == "clusters"

    argv = ["clusteratlas", "scoreboard", "--edition", "open-data", "--edition-data", str(missing)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--edition-data" in err and "data_dir" not in err
