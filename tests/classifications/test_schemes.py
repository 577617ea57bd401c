"""The registry of built-in schemes, and loading schemes and code lists into a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusteratlas.classifications.loading import hierarchy_from_store, load_all
from clusteratlas.classifications.schemes import (
    available_schemes,
    get_scheme,
    load_scheme_into_store,
)
from clusteratlas.errors import InputError


def test_available() -> None:
    names = available_schemes()["name"].tolist()
    assert names == ["eu-nace2", "uscmp-naics2012"]


def test_eu_scheme_is_packaged() -> None:
    frame = get_scheme("eu-nace2")
    assert list(frame.columns) == [
        "industry", "cluster", "cluster_name", "cluster_type", "weight", "classification",
    ]  # fmt: skip
    assert frame["cluster"].nunique() == 67


def test_uscmp_needs_the_shared_file(tmp_path: Path, shared_data: Path, store) -> None:
    with pytest.raises(InputError) as info:
        get_scheme("uscmp-naics2012", shared_dir=tmp_path)
    assert info.value.parameter == "shared_dir"
    name, rows = load_scheme_into_store(store, "uscmp-naics2012", shared_dir=shared_data)
    assert (name, rows) == ("uscmp-naics2012", 954)
    # later, without the shared file, the store answers
    again = get_scheme("uscmp-naics2012", shared_dir=tmp_path, store=store)
    assert len(again) == 954
    prov = store.provenance("scheme:uscmp-naics2012")
    assert len(prov) == 1 and len(prov["sha256"].iloc[0]) == 64


def test_load_user_file_replaces_and_keeps_store_consistent(tmp_path: Path, store) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text(
        "scheme: hightech\nclassification: NACE_R2\nclusters:\n"
        "  - {code: HT, name: High-tech, type: traded, industries: ['21', '26']}\n",
        encoding="utf-8",
    )
    assert load_scheme_into_store(store, p) == ("hightech", 2)
    assert load_scheme_into_store(store, p, scheme_name="ht2") == ("ht2", 2)
    assert load_scheme_into_store(store, p) == ("hightech", 2)  # replaced, not doubled
    assert store.schemes() == ["hightech", "ht2"]
    assert get_scheme("hightech", store=store)["industry"].tolist() == ["21", "26"]
    bad = tmp_path / "bad.csv"
    bad.write_text("industry,cluster\n01,1\n", encoding="utf-8")
    before = store.snapshot()
    with pytest.raises(InputError):
        load_scheme_into_store(store, bad)
    assert store.snapshot() == before


def test_unknown_scheme() -> None:
    with pytest.raises(InputError) as info:
        get_scheme("no-such-scheme")
    assert info.value.parameter == "scheme"


def test_load_all_code_lists(shared_data: Path, store) -> None:
    seen = []
    result = load_all(store, shared_data, on_step=lambda name, i, n: seen.append(name))
    assert result["missing"] == {}
    assert result["loaded"] == {
        "NACE_R2": 996, "NACE_R21": 1046, "NAICS2012": 2229, "ISIC4": 766,
        "NUTS2016": 2016, "NUTS2021": 2121, "NUTS2024": 1879,
    }  # fmt: skip
    assert seen == list(result["loaded"])
    counts = store.query("SELECT version, count(*) AS n FROM regions GROUP BY 1 ORDER BY 1")
    assert counts["n"].tolist() == [2016, 2121, 1879]
    h = hierarchy_from_store(store, "NACE_R2")
    assert h.children("10.5") == ["10.51", "10.52"]
    assert hierarchy_from_store(store, "NOPE") is None
    assert len(store.provenance()) == 7
    # loading twice upserts
    load_all(store, shared_data)
    assert store.snapshot()["industries"] == 996 + 1046 + 2229 + 766


def test_load_all_empty_folder(tmp_path: Path, store) -> None:
    with pytest.raises(InputError, match="no classification"):
        load_all(store, tmp_path)
