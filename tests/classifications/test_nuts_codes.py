"""NUTS code helpers and the code lists built from the real snapshots in shared data."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.classifications.nuts_codes import (
    ancestor_at,
    is_extra_regio,
    is_nuts_code,
    nuts_level,
    parent_code,
)
from clusteratlas.classifications.nuts_lists import (
    NUTS2013_ONLY,
    NUTS2016_NEW,
    CodeList,
    shared_code_lists,
)


def test_code_shape_level_and_parent():
    assert [nuts_level(c) for c in ("DE", "DE1", "DE11", "DE111")] == [0, 1, 2, 3]
    assert nuts_level("EU27_2020") is None
    assert not is_nuts_code("ATXX")  # Eurostat 'not regionalised' pseudo-code
    assert is_extra_regio("DEZZ") and not is_extra_regio("DE11")
    assert parent_code("DE111") == "DE11" and parent_code("DE") is None
    # the one exception to 'parent = prefix': Northern Ireland level 3 of NUTS 2016
    assert parent_code("UKN10") == "UKN0"
    assert ancestor_at("UKN16", 1) == "UKN"
    assert ancestor_at("HR041", 2) == "HR04" and ancestor_at("HR04", 3) is None


def test_codelist_knows_extra_regio_only_for_its_countries():
    cl = CodeList("2021", frozenset({"DE", "DE1", "DE11"}), frozenset({0, 1, 2}), "test")
    assert cl.knows("DE11") and cl.knows("DEZZ")
    assert not cl.knows("FRZZ")  # FR is not in this list
    assert not cl.covers("DE111")  # level 3 not covered


@pytest.fixture(scope="module")
def lists(shared_data):
    return shared_code_lists(shared_data)


def test_shared_lists_sizes(lists):
    assert set(lists) == {"2013", "2016", "2021", "2024"}
    # 2016: GISCO 60M geometries (2,016 features) + the official change table's 2016 column
    assert len(lists["2016"]) == 2129
    assert len(lists["2021"]) == 2121  # official NUTS & SR 2021 list
    assert lists["2013"].levels == frozenset({0, 1, 2})
    assert "HU10" in lists["2013"] and "HU11" not in lists["2013"]
    # Hungary's capital split (HU10 -> HU11/HU12) came with NUTS 2016, not 2024
    assert {"HU11", "HU12"} <= lists["2016"].codes and "HU10" not in lists["2016"]
    assert "PT19" in lists["2024"] and "PT16" not in lists["2024"]
    assert "PT16" in lists["2021"] and "PT16" in lists["2016"]
    assert not any(c.startswith("UK") for c in lists["2024"].codes)
    assert "UKC1" in lists["2021"]


def test_nuts2013_markers_match_2013_coded_eurostat_data(shared_file, lists):
    """Every 2013-only code occurs in NUTS-2013-coded Eurostat extracts, no 2016-only code does."""
    geos: set[str] = set()
    for rel in (
        "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz",
        "eu_indicators/nama_10r_2gdp_2017snapshot.tsv.gz",
    ):
        df = pd.read_csv(shared_file(rel), sep="\t", usecols=[0])
        geos |= set(df.iloc[:, 0].str.split(",").str[-1].str.strip())
    assert geos >= NUTS2013_ONLY
    assert not (geos & NUTS2016_NEW)
    assert not (NUTS2013_ONLY & lists["2016"].codes)
    assert lists["2016"].codes >= NUTS2016_NEW


# The codes on which the transform's and the mapping's nuts_level used to disagree, and
# the one answer now given by both (reasons in the nuts_codes module docstring).
DISPUTED = {"EU28": None, "EA19": None, "EFTA": None, "ATXX": None}
MIXED = [
    *DISPUTED,
    *("DE", "DE1", "DE11", "DE111", "DEZ", "DEZZ", "DEZZZ", "EE", "EE0", "EE00", "EL30"),
    *("EU", "EA", "EU27_2020", "EEA", "EEA30", "ATX", "ATXXX", "06075", "de11", "DE1111"),
]


def test_disputed_codes_have_no_level():
    assert {c: nuts_level(c) for c in DISPUTED} == DISPUTED
    # Estonia's codes start with EE but are not the EEA aggregate
    assert [nuts_level(c) for c in ("EE", "EE0", "EE00", "EE001")] == [0, 1, 2, 3]
    assert nuts_level("DEZZZ") == 3 and is_extra_regio("DEZZZ")


def test_mapping_uses_the_same_rules_in_python_and_in_ibis():
    import ibis

    from clusteratlas.mapping import levels

    assert levels.nuts_level is nuts_level
    t = ibis.memtable(pd.DataFrame({"region": MIXED}))
    got = t.mutate(level=levels.nuts_level_expr(t.region)).execute()
    by_ibis = {
        r: (None if pd.isna(v) else int(v)) for r, v in zip(got.region, got.level, strict=True)
    }
    assert by_ibis == {c: nuts_level(c) for c in MIXED}


def test_official_lists_hold_no_pseudo_codes_and_flag_extra_regio_by_the_rule(shared_data):
    from clusteratlas.classifications.nuts import load_nuts

    for version in ("2016", "2021", "2024"):
        frame = load_nuts(version, shared_data / "nuts")
        assert all(nuts_level(c) == lev for c, lev in zip(frame.code, frame.level, strict=True))
        assert frame.extra_regio.tolist() == [is_extra_regio(c) for c in frame.code]
