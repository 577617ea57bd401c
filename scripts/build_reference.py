"""Build the reference data that ship with the package from the official files.

    python scripts/build_reference.py [--shared ../shared/data] [--out DIR]

Reads the official code lists, concordances and cluster definitions from the shared data
folder (see its ``PROVENANCE.md``) and writes, into ``--out`` (default
``clusteratlas/classifications/data/reference``):

* one gzip-compressed CSV per list, keeping only the columns the program reads (the NACE
  explanatory notes, NAICS short titles and concordance titles are left out);
* ``manifest.json``: per list its source (publisher, title, URL, the repository copy read),
  date, licence, attribution line, the sha256 of the official file read and of the file
  written, its columns and its row count.

The output is reproducible byte for byte: rows keep the order of the official file, the gzip
header carries no time stamp or file name, the manifest no build time.
``tests/classifications/test_reference.py`` re-runs this script into a temporary folder and
compares every file with the committed one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "clusteratlas" / "classifications" / "data" / "reference"

EUROSTAT = "Eurostat; reuse with acknowledgement of the source (Commission Decision 2011/833/EU)"
GISCO = "© EuroGeographics for the administrative boundaries (GISCO terms of use)"
CENSUS = "U.S. Census Bureau; public domain (17 U.S.C. 105)"
EU_CORR = "eurostat/correspondenceTables (EUPL-1.2), commit c86135fc5fe3, inst/extdata/test"
CENSUS_REPO = "insongkim/concordance (MIT), data-raw"


@dataclass(frozen=True)
class Ref:
    """One packaged list: where it comes from and how it is reduced."""

    name: str
    file: str
    source_file: str  # relative to the shared data folder
    title: str
    publisher: str
    url: str
    copy: str  # the public copy the official file was read from
    date: str
    licence: str
    attribution: str
    columns: tuple[str, ...] = ()  # kept columns (kind 'columns')
    kind: str = "columns"  # 'columns' | 'nuts'
    version: str = ""  # NUTS version (kind 'nuts')
    extra_sources: tuple[str, ...] = field(default=())


NACE_URL = "https://ec.europa.eu/eurostat/web/nace"
NUTS_URL = "https://ec.europa.eu/eurostat/web/nuts/overview"
NAICS_URL = "https://www.census.gov/naics/?68967"
CONC_URL = "https://www.census.gov/naics/?68967 (concordances)"
CMP_URL = "https://clustermapping.us/cluster-definitions"

REFERENCES: tuple[Ref, ...] = (
    Ref("NACE_R2", "nace_rev2_structure.csv.gz", "classifications/nace_rev2_structure.csv",
        "NACE Rev. 2 structure (sections, divisions, groups, classes)", "Eurostat", NACE_URL,
        EU_CORR + "/NACE.csv, a_data.csv", "2026-05-15", EUROSTAT, "Source: Eurostat, NACE Rev. 2",
        ("code", "level", "parent", "name")),
    Ref("NACE_R21", "nace_rev21_structure.csv.gz",
        "classifications/nace_rev21_structure_codes_only.csv",
        "NACE Rev. 2.1 structure (codes only, no labels)", "Eurostat", NACE_URL,
        EU_CORR + "/b_data.csv", "2026-05-15", EUROSTAT, "Source: Eurostat, NACE Rev. 2.1",
        ("code", "level", "parent")),
    Ref("NACE_R2_R21", "nace_rev2_to_nace_rev21.csv.gz",
        "classifications/nace_rev2_to_nace_rev21_classes.csv",
        "NACE Rev. 2 -> NACE Rev. 2.1 correspondence, class level", "Eurostat", NACE_URL,
        EU_CORR + "/ab_data.csv", "2026-05-15", EUROSTAT,
        "Source: Eurostat, NACE Rev. 2 - Rev. 2.1 correspondence", ("nace_rev2", "nace_rev21")),
    Ref("ISIC4", "isic_rev4_structure.csv.gz", "classifications/isic_rev4_structure.csv",
        "ISIC Rev. 4 structure", "United Nations Statistics Division",
        "https://unstats.un.org/unsd/classifications/Econ/isic", EU_CORR + "/ISIC4.csv",
        "2026-05-15", "United Nations; reuse with acknowledgement",
        "Source: United Nations, ISIC Rev. 4", ("code", "level", "name")),
    Ref("NAICS2012", "naics2012_codes_titles.csv.gz", "classifications/naics2012_codes_titles.csv",
        "NAICS 2012 codes and titles", "U.S. Census Bureau", NAICS_URL,
        CENSUS_REPO + "/2012_titles_descriptions.csv, commit 90cd7d3f8ee0", "2012", CENSUS,
        "Source: U.S. Census Bureau, NAICS 2012", ("naics2012", "full_title")),
    Ref("NAICS2012_ISIC4", "naics2012_to_isic4.csv.gz",
        "classifications/naics2012_to_isic4_census.csv", "2012 NAICS to ISIC Rev. 4",
        "U.S. Census Bureau", CONC_URL, CENSUS_REPO + "/2012 NAICS_to_ISIC_4.xlsx, commit "
        "90cd7d3f8ee0", "2012", CENSUS, "Source: U.S. Census Bureau, 2012 NAICS to ISIC 4",
        ("naics2012", "isic4", "notes")),
    Ref("NAICS2017_ISIC4", "naics2017_to_isic4.csv.gz",
        "classifications/naics2017_to_isic4_census.csv", "2017 NAICS to ISIC Rev. 4",
        "U.S. Census Bureau", CONC_URL, CENSUS_REPO + "/2017_NAICS_to_ISIC_4.xlsx, commit "
        "201c812e51f2", "2017", CENSUS, "Source: U.S. Census Bureau, 2017 NAICS to ISIC 4",
        ("part_of_naics2017", "naics2017", "part_of_isic4", "isic4", "notes")),
    Ref("NAICS2017_NAICS2012", "naics2017_to_naics2012.csv.gz",
        "classifications/naics2017_to_naics2012_census.csv", "2017 NAICS to 2012 NAICS",
        "U.S. Census Bureau", CONC_URL, CENSUS_REPO + "/2017_to_2012_NAICS.xlsx, commit "
        "201c812e51f2", "2017", CENSUS, "Source: U.S. Census Bureau, 2017 to 2012 NAICS",
        ("naics2017", "naics2012", "naics2012_title_piece")),
    Ref("USCMP_NAICS2012", "uscmp_cluster_definitions_naics2012.csv.gz",
        "clusters/uscmp_cluster_definitions_naics2012.csv",
        "U.S. Cluster Mapping Project cluster definitions on NAICS 2012 (Delgado, Porter and "
        "Stern 2016)", "Harvard Business School ISC / U.S. EDA", CMP_URL,
        "clustermapping/cmp data files (GPL-2 repository; data published openly)", "2016",
        "U.S. Cluster Mapping Project, published openly on clustermapping.us",
        "Source: U.S. Cluster Mapping Project (Harvard Business School ISC, U.S. EDA)",
        ("naics", "traded_local", "cluster_name", "subcluster_name", "emsi_nonstandard_code",
         "naics_description")),
    Ref("NUTS2016", "nuts2016_codes.csv.gz", "nuts/NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz",
        "NUTS 2016 code list (from the GISCO 1:60M geometries' properties)", "Eurostat GISCO",
        "https://gisco-services.ec.europa.eu/distribution/v2/nuts/",
        "rOpenGov/eurostat (BSD-2) data/eurostat_geodata_60_2016.rda, commit 3a6e48fdeb8e",
        "2016", GISCO, "© EuroGeographics for the administrative boundaries; Source: Eurostat",
        kind="nuts", version="2016"),
    Ref("NUTS2021", "nuts2021_codes.csv.gz", "nuts/NUTS2021_and_SR_codelist_official.csv",
        "NUTS 2021 and statistical regions code list (sheet 'NUTS & SR 2021')", "Eurostat",
        NUTS_URL, "kyleichan/eu-covid-r NUTS2021.xlsx, commit 98ef81ed3ffa", "2020", EUROSTAT,
        "Source: Eurostat, NUTS 2021", kind="nuts", version="2021"),
    Ref("NUTS2024", "nuts2024_codes.csv.gz", "nuts/NUTS2024_EU27_codelist.csv",
        "NUTS 2024 code list (EU-27 list with Extra-Regio, plus level 0 and non-EU units of the "
        "GISCO 1:20M geometries)", "Eurostat", NUTS_URL,
        "arepnikov/eurostat-nuts (MIT) datasets/NUTS2021-NUTS2024.csv, commit f3886c4bed7b; "
        "hindrikson/disaggregator-updated NUTS_RG_20M_2024_4326.geojson, commit 20d64a0a3857",
        "2024", EUROSTAT + "; " + GISCO, "Source: Eurostat, NUTS 2024", kind="nuts",
        version="2024", extra_sources=("nuts/NUTS_RG_20M_2024_4326_LEVL_all.geojson.gz",)),
    Ref("NUTS_CHANGES_2016_2021", "nuts_changes_2016_2021_detailed.csv.gz",
        "nuts/NUTS_changes_2016_2021_detailed.csv",
        "NUTS 2016 -> 2021 changes, detailed (sheet 'Changes detailed NUTS 2016-2021')",
        "Eurostat", NUTS_URL, "kyleichan/eu-covid-r NUTS2021.xlsx, commit 98ef81ed3ffa", "2020",
        EUROSTAT, "Source: Eurostat, NUTS 2021 amendments",
        ("code_2016", "code_2021", "change_code", "change_comment", "nuts_level")),
    Ref("NUTS_CHANGES_2016_2021_BY_LEVEL", "nuts_changes_2016_2021_by_level.csv.gz",
        "nuts/NUTS_changes_2016_2021_by_level.csv",
        "NUTS 2016 -> 2021 changes by level (sheets 'Changes NUTS-1/2/3')", "Eurostat", NUTS_URL,
        "kyleichan/eu-covid-r NUTS2021.xlsx, commit 98ef81ed3ffa", "2020", EUROSTAT,
        "Source: Eurostat, NUTS 2021 amendments",
        ("nuts_level", "code_2016", "code_2021", "label", "change", "explanation")),
)  # fmt: skip


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _columns(path: Path, columns: tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(missing)}")
        return list(columns), [[row[c] or "" for c in columns] for row in reader]


def _nuts(shared: Path, version: str) -> tuple[list[str], list[list[str]]]:
    from clusteratlas.classifications.nuts import load_nuts

    frame = load_nuts(version, shared / "nuts")
    rows = [
        [str(c), str(int(lv)), "" if n is None else str(n)]
        for c, lv, n in zip(frame["code"], frame["level"], frame["name"], strict=True)
    ]
    return ["code", "level", "name"], rows


def build(shared: Path, out: Path) -> list[Path]:
    """Write every packaged list and the manifest into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    entries, written = [], []
    for ref in REFERENCES:
        source = shared / ref.source_file
        if not source.is_file():
            sys.exit(f"official file missing: {source}")
        if ref.kind == "nuts":
            header, rows = _nuts(shared, ref.version)
        else:
            header, rows = _columns(source, ref.columns)
        raw = _csv_bytes(header, rows)
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        target = out / ref.file
        target.write_bytes(packed)
        written.append(target)
        sources = [ref.source_file, *ref.extra_sources]
        entries.append(
            {
                "name": ref.name,
                "file": ref.file,
                "title": ref.title,
                "publisher": ref.publisher,
                "url": ref.url,
                "copy": ref.copy,
                "date": ref.date,
                "licence": ref.licence,
                "attribution": ref.attribution,
                "sources": [
                    {"file": s, "sha256": _sha256((shared / s).read_bytes())} for s in sources
                ],
                "columns": header,
                "rows": len(rows),
                "sha256": _sha256(packed),
                **({"nuts_version": ref.version} if ref.version else {}),
            }
        )
    manifest = {
        "description": "Reference data shipped with clusteratlas; rebuilt by "
        "scripts/build_reference.py from the official files.",
        "format": "gzip-compressed UTF-8 CSV, comma-separated, header row, every value text",
        "lists": entries,
    }
    target = out / "manifest.json"
    target.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    files = build(args.shared, args.out)
    total = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} files, {total:,} bytes, to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
