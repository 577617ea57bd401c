"""The reference data shipped with the package (clusteratlas/classifications/data/reference).

Counts are those PROVENANCE.md of the shared data documents for the official files (and the
docstrings of the loaders); the packaged lists must give exactly what the official files give.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from clusteratlas.classifications import isic, nace, naics, nuts, reference
from clusteratlas.classifications.loading import load_all
from clusteratlas.classifications.schemes import get_scheme
from clusteratlas.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_reference.py"
#: The packaged folder stays small: today about 210 kB (see docs/classifications.md).
MAX_PACKAGED_BYTES = 300_000


def counts(h) -> dict[int, int]:
    return {lv: len(h.codes_at(lv)) for lv in h.levels}


def test_manifest_names_source_date_licence_and_matches_the_files() -> None:
    lists = reference.manifest()["lists"]
    assert {e["name"] for e in lists} == {
        "NACE_R2", "NACE_R21", "NACE_R2_R21", "ISIC4", "NAICS2012", "NAICS2012_ISIC4",
        "NAICS2017_ISIC4", "NAICS2017_NAICS2012", "USCMP_NAICS2012", "NUTS2016", "NUTS2021",
        "NUTS2024", "NUTS_CHANGES_2016_2021", "NUTS_CHANGES_2016_2021_BY_LEVEL",
    }  # fmt: skip
    on_disk = {p.name for p in reference.reference_dir().iterdir()}
    assert on_disk == {e["file"] for e in lists} | {"manifest.json"}
    for e in lists:
        for key in ("publisher", "url", "date", "licence", "attribution", "title"):
            assert e[key], (e["name"], key)
        data = reference.reference_file(e["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["name"]
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        assert lines[0].split(",") == e["columns"]
        assert len(lines) - 1 >= e["rows"]  # quoted fields may hold line breaks
    total = sum(p.stat().st_size for p in reference.reference_dir().iterdir())
    assert total < MAX_PACKAGED_BYTES


def test_packaged_classifications_have_the_documented_counts() -> None:
    assert counts(reference.hierarchy("NACE_R2")) == {1: 21, 2: 88, 3: 272, 4: 615}
    assert counts(reference.hierarchy("NACE_R21")) == {1: 22, 2: 87, 3: 287, 4: 650}
    assert counts(reference.hierarchy("ISIC4")) == {1: 21, 2: 88, 3: 238, 4: 419}
    assert len(reference.hierarchy("NAICS2012")) == 2229
    c = reference.concordance("NACE_R2_R21").summary()
    assert (c["links"], c["sources"], c["targets"], c["split_sources"]) == (928, 615, 650, 124)
    assert len(reference.concordance("NAICS2017_NAICS2012")) == 1069
    levels = {
        v: reference.nuts_regions(v)["level"].value_counts().sort_index().to_dict()
        for v in reference.NUTS_VERSIONS
    }
    assert levels == {
        "2016": {0: 37, 1: 125, 2: 332, 3: 1522},
        "2021": {0: 37, 1: 162, 2: 371, 3: 1551},
        "2024": {0: 39, 1: 142, 2: 326, 3: 1372},
    }
    cmp = get_scheme("uscmp-naics2012")
    assert (len(cmp), cmp["cluster"].nunique()) == (954, 67)  # as from the official file
    with pytest.raises(InputError) as info:
        reference.nuts_regions("2013")
    assert info.value.parameter == "version"
    with pytest.raises(InputError):
        reference.entry("NOPE")


def test_load_all_defaults_to_packaged_lists(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERATLAS_SHARED_DATA", str(tmp_path))  # an empty folder: unused
    result = load_all(store)
    assert result["source"] == "packaged" and result["missing"] == {}
    assert result["loaded"] == {
        "NACE_R2": 996, "NACE_R21": 1046, "NAICS2012": 2229, "ISIC4": 766,
        "NUTS2016": 2016, "NUTS2021": 2121, "NUTS2024": 1879,
    }  # fmt: skip
    prov = store.provenance("codes:NUTS2021")
    assert prov["licence"].iloc[0].startswith("Eurostat")
    assert prov["location"].iloc[0].endswith("reference/nuts2021_codes.csv.gz")


@pytest.mark.shared
def test_packaged_lists_equal_the_official_files(shared_data: Path) -> None:
    folder = shared_data / "classifications"
    official = {
        "NACE_R2": nace.load_nace_rev2(folder / nace.NACE_R2_FILE),
        "NACE_R21": nace.load_nace_rev21(folder / nace.NACE_R21_FILE),
        "NAICS2012": naics.load_naics2012(folder / naics.NAICS2012_FILE),
        "ISIC4": isic.load_isic4(folder / isic.ISIC4_FILE),
    }
    for name, h in official.items():
        assert reference.hierarchy(name).to_frame().equals(h.to_frame()), name
    pairs = {
        "NACE_R2_R21": nace.load_nace_rev2_to_rev21(folder / nace.NACE_R2_R21_FILE),
        "NAICS2012_ISIC4": naics.load_naics_to_isic4(folder / naics.NAICS2012_ISIC4_FILE),
        "NAICS2017_ISIC4": naics.load_naics_to_isic4(
            folder / naics.NAICS2017_ISIC4_FILE, naics.NAICS2017
        ),
        "NAICS2017_NAICS2012": naics.load_naics2017_to_naics2012(
            folder / naics.NAICS2017_NAICS2012_FILE
        ),
    }
    for name, c in pairs.items():
        assert reference.concordance(name).links.equals(c.links), name
    for version in reference.NUTS_VERSIONS:
        packaged = reference.nuts_regions(version)
        assert packaged.equals(nuts.load_nuts(version, shared_data / "nuts")), version
    mine = get_scheme("uscmp-naics2012", keep_extra=True)
    theirs = get_scheme("uscmp-naics2012", shared_dir=shared_data, keep_extra=True)
    assert mine.equals(theirs)


@pytest.mark.shared
def test_build_script_reproduces_the_packaged_files(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "reference"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(shared_data), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    committed = reference.reference_dir()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in committed.iterdir())
    for p in out.iterdir():
        assert p.read_bytes() == (committed / p.name).read_bytes(), p.name


@pytest.mark.shared
def test_packaged_nuts_detection_lists_and_changes_equal_the_official(shared_data: Path) -> None:
    from clusteratlas.classifications.nuts_lists import shared_code_lists
    from clusteratlas.transform.nuts_official import official_change_table

    packaged, official = shared_code_lists(), shared_code_lists(shared_data)
    assert list(packaged) == ["2013", "2016", "2021", "2024"] == list(official)
    for version in packaged:
        assert packaged[version].codes == official[version].codes, version
        assert packaged[version].levels == official[version].levels, version
    mine, theirs = official_change_table(), official_change_table(shared_data)
    assert mine.changes == theirs.changes and len(mine.changes) > 0
    assert (mine.from_codes, mine.to_codes) == (theirs.from_codes, theirs.to_codes)


def test_nuts_versions_are_detected_from_packaged_lists(monkeypatch) -> None:
    from clusteratlas.classifications.nuts_detect import detect_version
    from clusteratlas.classifications.nuts_lists import code_lists

    monkeypatch.delenv("CLUSTERATLAS_SHARED_DATA", raising=False)
    # FRB0/HU11 are NUTS 2016+ codes; HR04 and NO01 were split by the 2021 amendment
    # (NUTS2021.xlsx, "Changes detailed NUTS 2016-2021"), so only NUTS 2016 holds them all
    guess = detect_version(["FRB0", "HU11", "HR04", "NO01", "DE11", "UKC1"], code_lists())
    assert guess.best in ("2016", "NUTS2016") and not guess.ambiguous


def test_fetch_eurostat_detects_nuts_versions_from_packaged_lists(monkeypatch) -> None:
    import pandas as pd

    from clusteratlas.sources.eurostat_load import detect_region_system

    monkeypatch.delenv("CLUSTERATLAS_SHARED_DATA", raising=False)
    # the codes of the detection test above, as a Eurostat 'geo' column (no store given)
    geo = pd.Series(["FRB0", "HU11", "HR04", "NO01", "DE11", "UKC1"])
    system, note = detect_region_system(None, geo)
    assert system == "NUTS2016", note
