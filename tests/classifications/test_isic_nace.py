"""The rebuilt ISIC Rev. 4 → NACE Rev. 2 class correspondence."""

from __future__ import annotations

import pytest

from clusteratlas.classifications import isic, nace
from clusteratlas.classifications.isic import (
    isic4_nace2_classes,
    normalise_title,
    read_corrections,
    title_similarity,
)


@pytest.fixture(scope="module")
def trees(shared_data):
    folder = shared_data / "classifications"
    return isic.load_isic4(folder / isic.ISIC4_FILE), nace.load_nace_rev2(
        folder / nace.NACE_R2_FILE
    )


def test_title_helpers() -> None:
    assert normalise_title("Fertilisers; organisation") == "fertilizers organization"
    assert title_similarity("Casting of iron", "Casting of iron and steel") == pytest.approx(2 / 3)
    assert title_similarity("of and", "Casting") == 0.0


def test_every_nace_class_in_exactly_one_isic_class(trees) -> None:
    i, n = trees
    c = isic4_nace2_classes(i, n)
    links = c.links
    assert sorted(links["target"]) == sorted(n.codes_at(4))  # 615, each once
    assert set(links["source"]) == set(i.codes_at(4))  # all 419 ISIC classes are used
    assert (links["source"].str[:2] == links["target"].str[:2]).all()  # same division
    assert set(links["basis"]) <= {"class-title", "group-title", "similar", "corrected"}


@pytest.mark.parametrize(
    ("nace_class", "isic_class"),
    [
        ("01.42", "0141"),  # other cattle: ISIC 0142 is horses
        ("10.73", "1074"),  # pasta: ISIC 1073 is cocoa
        ("10.82", "1073"),  # cocoa
        ("10.51", "1050"),  # dairies
        ("24.42", "2420"),  # aluminium
        ("11.05", "1103"),  # beer
        ("30.30", "3030"),
        ("62.01", "6201"),
        ("93.13", "9311"),
    ],
)
def test_known_pairs(trees, nace_class: str, isic_class: str) -> None:
    c = isic4_nace2_classes(*trees)
    assert c.inverse().targets(nace_class) == [isic_class]


def test_every_correction_changes_the_automatic_result(trees, tmp_path) -> None:
    i, n = trees
    empty = tmp_path / "none.csv"
    empty.write_text("nace_r2,isic4,note\n", encoding="utf-8")
    automatic = isic4_nace2_classes(i, n, empty).inverse()
    fixes = read_corrections()
    assert len(fixes) >= 30
    for row in fixes.itertuples():
        assert automatic.targets(row.nace_r2) != [row.isic4], row.nace_r2
        assert row.note


def test_bad_correction_is_named(trees, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("nace_r2,isic4,note\n10.51,9999,x\n", encoding="utf-8")
    from clusteratlas.errors import InputError

    with pytest.raises(InputError, match="unknown code"):
        isic4_nace2_classes(*trees, bad)
