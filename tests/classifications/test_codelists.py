"""Real code lists from ../shared/data: counts as documented in PROVENANCE.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusteratlas.classifications import isic, nace, naics, nuts
from clusteratlas.errors import InputError


def counts(h) -> dict[int, int]:
    return {lv: len(h.codes_at(lv)) for lv in h.levels}


def test_nace_rev2(shared_file) -> None:
    h = nace.load_nace_rev2(shared_file("classifications/nace_rev2_structure.csv"))
    assert counts(h) == {1: 21, 2: 88, 3: 272, 4: 615}
    assert h.ancestors("10.51") == ["10.5", "10", "C"]
    assert h.label("30.30") == "Manufacture of air and spacecraft and related machinery"
    assert h.children("C")[:2] == ["10", "11"]


def test_nace_rev21_and_concordance(shared_file) -> None:
    h = nace.load_nace_rev21(shared_file("classifications/nace_rev21_structure_codes_only.csv"))
    assert counts(h) == {1: 22, 2: 87, 3: 287, 4: 650}
    c = nace.load_nace_rev2_to_rev21(
        shared_file("classifications/nace_rev2_to_nace_rev21_classes.csv")
    )
    s = c.summary()
    assert (s["links"], s["sources"], s["targets"], s["split_sources"]) == (928, 615, 650, 124)
    assert c.targets("62.01") == ["62.10"]
    assert set(c.sources("62.20")) >= {"62.02", "62.03"}


def test_naics2012(shared_file) -> None:
    h = naics.load_naics2012(shared_file("classifications/naics2012_codes_titles.csv"))
    assert len(h) == 2229
    # 20 sectors (three of them ranges such as 31-33) + 99; 3-6 digit levels
    assert counts(h) == {2: 21, 3: 100, 4: 313, 5: 712, 6: 1083}
    assert {"31-33", "44-45", "48-49"} <= set(h.codes_at(2))
    assert h.ancestors("336411") == ["33641", "3364", "336", "31-33"]
    assert h.parent("441") == "44-45"


def test_naics_concordances(shared_file) -> None:
    c12 = naics.load_naics_to_isic4(shared_file("classifications/naics2012_to_isic4_census.csv"))
    s = c12.summary()
    assert (s["links"], s["sources"]) == (1661, 1065)  # household rows (NAICS 0) dropped
    assert c12.targets("111110") == ["0111"]
    assert "012X" in c12.targets("111336")  # a Census link to a whole ISIC group
    c17 = naics.load_naics_to_isic4(
        shared_file("classifications/naics2017_to_isic4_census.csv"), naics.NAICS2017
    )
    assert c17.source == "NAICS2017" and "part_of_isic" in c17.links.columns
    b = naics.load_naics2017_to_naics2012(
        shared_file("classifications/naics2017_to_naics2012_census.csv")
    )
    assert len(b) == 1069
    assert sorted(b.targets("454110")) == ["454111", "454112", "454113"]
    with pytest.raises(InputError):
        naics.load_naics_to_isic4(shared_file("classifications/naics2012_to_isic4_census.csv"), "X")


def test_isic4(shared_file) -> None:
    h = isic.load_isic4(shared_file("classifications/isic_rev4_structure.csv"))
    assert counts(h) == {1: 21, 2: 88, 3: 238, 4: 419}
    assert h.parent("10") == "C" and h.parent("62") == "J" and h.parent("99") == "U"
    assert h.ancestors("0111") == ["011", "01", "A"]


@pytest.fixture(scope="module")
def nuts_dir(shared_file) -> Path:
    # through the fixture: skipped without shared data, failed under CLUSTERATLAS_REQUIRE_SHARED
    return shared_file("nuts")


def level_counts(frame) -> dict[int, int]:
    return frame["level"].value_counts().sort_index().to_dict()


def test_nuts2016(nuts_dir: Path) -> None:
    f = nuts.load_nuts("2016", nuts_dir)
    assert level_counts(f) == {0: 37, 1: 125, 2: 332, 3: 1522}
    assert not f["extra_regio"].any()
    assert set(f.columns) >= {"system", "version", "code", "level", "parent", "name", "country"}
    assert (f["system"] == "NUTS").all() and (f["version"] == "2016").all()
    # the 60M file codes Northern Ireland's NUTS 3 as UKN10..UKN16: parent repaired to UKN0
    assert f.set_index("code").loc["UKN12", "parent"] == "UKN0"
    assert "UKN12" in f.attrs["repaired_parents"]
    h = nuts.nuts_hierarchy(f)
    assert len(h.roots()) == 37


def test_nuts2021(nuts_dir: Path) -> None:
    f = nuts.load_nuts("2021", nuts_dir)
    assert len(f) == 2121
    assert level_counts(f) == {0: 37, 1: 162, 2: 371, 3: 1551}
    z = f[f["extra_regio"]]
    assert len(z) == 111 and set(z["code"].str[-1]) == {"Z"}
    row = f.set_index("code").loc["DE111"]
    assert (row["level"], row["parent"], row["country"]) == (3, "DE11", "DE")
    assert row["name"] == "Stuttgart, Stadtkreis"
    g = nuts.nuts2021_from_gisco_csv(nuts_dir / nuts.NUTS2021_GISCO)
    assert level_counts(g) == {0: 37, 1: 125, 2: 334, 3: 1514}
    assert not f["name"].str.contains("\xa0", na=False).any()


def test_nuts2024(nuts_dir: Path) -> None:
    f = nuts.load_nuts("2024", nuts_dir)
    # EU-27 list with Extra-Regio (27 x 3 codes) + GISCO 2024 for level 0 and non-EU units
    assert level_counts(f) == {0: 39, 1: 142, 2: 326, 3: 1372}
    assert int(f["extra_regio"].sum()) == 81
    assert "UK" not in set(f["country"])
    assert {"PT19", "PT1A", "HU11", "EE00"} <= set(f["code"])
    assert not {"PT16", "PT17", "HU10"} & set(f["code"])
    only_list = nuts.nuts2024_from_files(codelist=nuts_dir / nuts.NUTS2024_CODELIST)
    assert level_counts(only_list) == {1: 119, 2: 271, 3: 1192}


def test_nuts_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        nuts.load_nuts("2013", tmp_path)
    assert info.value.parameter == "version"
    with pytest.raises(InputError, match="neither"):
        nuts.load_nuts("2024", tmp_path)
    bad = tmp_path / "codes.csv"
    bad.write_text("nuts_id,levl_code,nuts_name\nDE1,2,Baden\n", encoding="utf-8")
    with pytest.raises(InputError, match="length says 1"):
        nuts.nuts2021_from_gisco_csv(bad)
    with pytest.raises(InputError, match="missing column"):
        nace.load_nace_rev2(bad)
