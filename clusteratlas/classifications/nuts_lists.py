"""NUTS code lists per version, as plain sets of codes (for version detection and conversion).

The rules a code obeys (shape, level, parent) are :mod:`clusteratlas.classifications.nuts_codes`.

Where the lists come from
-------------------------
* the store's ``regions`` table (``system = 'NUTS'``), e.g. after ``clusteratlas fetch gisco``;
* the real snapshots in ``shared/data/nuts`` (see its PROVENANCE.md), read at run time with
  the classifications loader :func:`clusteratlas.classifications.nuts.load_nuts`:

  ====  =====================================================================================
  2016  ``NUTS_RG_60M_2016_4326_LEVL_all.geojson.gz`` (GISCO) and the ``code_2016`` column of
        ``NUTS_changes_2016_2021_detailed.csv`` (Eurostat); levels 0–3
  2021  ``NUTS2021_and_SR_codelist_official.csv`` (Eurostat); levels 0–3
  2024  ``NUTS2024_EU27_codelist.csv`` and ``NUTS_RG_20M_2024_4326_LEVL_all.geojson.gz``
        (GISCO); levels 0–3
  2013  **levels 0–2 only**, derived from the 2016 list with :data:`NUTS2013_ONLY` and
        :data:`NUTS2016_NEW` (below). No NUTS 2013 code list or 2013→2016 change table is
        available offline; ``fetch gisco --year 2013`` loads the full list into the store.
  ====  =====================================================================================

The 2013/2016 difference at levels 0–2 is the published NUTS 2016 amendment (Commission
Regulation (EU) 2016/2066): France's new regions (FR2…FR8, FRA → FRB…FRM, FRY), Hungary
(HU10 → HU11, HU12), Ireland (IE01, IE02 → IE04, IE05, IE06), Lithuania (LT00 → LT01, LT02),
Poland (PL1, PL3 → PL7, PL8, PL9) and Scotland (UKM2, UKM3 → UKM7, UKM8, UKM9). The lists
below were checked against NUTS-2013-coded Eurostat extracts in shared data (lfst_r_lfe2en2,
nama_10r_2gdp, 2017 snapshots): every 2013-only code occurs there and no 2016-only code does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from clusteratlas.classifications.nuts import load_nuts
from clusteratlas.classifications.nuts_codes import is_extra_regio, is_nuts_code, nuts_level
from clusteratlas.errors import InputError
from clusteratlas.store.queries import region_codes

_FR2013 = (
    "FR2 FR21 FR22 FR23 FR24 FR25 FR26 FR3 FR30 FR4 FR41 FR42 FR43 FR5 FR51 FR52 FR53 "
    "FR6 FR61 FR62 FR63 FR7 FR71 FR72 FR8 FR81 FR82 FR83 FRA FRA1 FRA2 FRA3 FRA4 FRA5"
)
_FR2016 = (
    "FRB FRB0 FRC FRC1 FRC2 FRD FRD1 FRD2 FRE FRE1 FRE2 FRF FRF1 FRF2 FRF3 FRG FRG0 FRH FRH0 "
    "FRI FRI1 FRI2 FRI3 FRJ FRJ1 FRJ2 FRK FRK1 FRK2 FRL FRL0 FRM FRM0 FRY FRY1 FRY2 FRY3 "
    "FRY4 FRY5"
)
#: Level 0–2 codes of NUTS 2013 that NUTS 2016 no longer has.
NUTS2013_ONLY: frozenset[str] = frozenset(
    (_FR2013 + " HU10 IE01 IE02 LT00 PL1 PL11 PL12 PL3 PL31 PL32 PL33 PL34 UKM2 UKM3").split()
)
#: Level 0–2 codes that NUTS 2016 introduced.
NUTS2016_NEW: frozenset[str] = frozenset(
    (
        _FR2016 + " HU11 HU12 IE04 IE05 IE06 LT01 LT02 PL7 PL71 PL72 PL8 PL81 PL82 PL84 "
        "PL9 PL91 PL92 UKM7 UKM8 UKM9"
    ).split()
)


@dataclass(frozen=True)
class CodeList:
    """The codes of one NUTS version.

    ``levels`` are the levels the list is complete for (NUTS 2013 offline: 0–2). ``source``
    says where the codes came from.
    """

    version: str
    codes: frozenset[str]
    levels: frozenset[int]
    source: str

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(c[:2] for c in self.codes)

    def covers(self, code: str) -> bool:
        """True if the list is complete at ``code``'s level (so absence means 'not a code')."""
        return nuts_level(code) in self.levels

    def knows(self, code: str) -> bool:
        """``code`` is a code of this version (Extra-Regio codes count for listed countries)."""
        if code in self.codes:
            return True
        return is_extra_regio(code) and code[:2] in self.countries and self.covers(code)


def _clean(codes: Iterable[Any]) -> set[str]:
    out = set()
    for c in codes:
        if c is None:
            continue
        s = str(c).strip()
        if is_nuts_code(s):
            out.add(s)
    return out


@lru_cache(maxsize=16)
def _csv_column(path: str, column: str) -> frozenset[str]:
    from clusteratlas.classifications._io import read_text  # gunzips .gz files

    rows = csv.DictReader(io.StringIO(read_text(path), newline=""))
    return frozenset(_clean(row.get(column) for row in rows))


@lru_cache(maxsize=8)
def _loaded(version: str, folder: str) -> tuple[frozenset[str], str]:
    """Codes of one version read by the classifications loader (``load_nuts``)."""
    try:
        frame = load_nuts(version, folder)
    except (InputError, OSError):
        return frozenset(), ""
    return frozenset(_clean(frame["code"])), f"clusteratlas.classifications.nuts ({folder})"


def shared_code_lists(data_dir: Path | None = None) -> dict[str, CodeList]:
    """Code lists of NUTS 2013-2024: those shipped with the package, or, given ``data_dir``,
    those built from the official files in ``data_dir/nuts`` (those present).

    The files are read with :func:`clusteratlas.classifications.nuts.load_nuts` (packaged:
    :func:`clusteratlas.classifications.reference.nuts_regions`); the 2016 and 2021 lists
    are completed with the ``code_2016``/``code_2021`` columns of Eurostat's 2016→2021
    change sheet (which adds the Extra-Regio units the GISCO geometries lack).
    """
    if data_dir is None:
        return dict(_packaged_code_lists())
    nuts = Path(data_dir) / "nuts"
    if not nuts.is_dir():
        return {}
    changes = nuts / "NUTS_changes_2016_2021_detailed.csv"
    loaded = {v: _loaded(v, str(nuts)) for v in ("2016", "2021", "2024")}
    return _assemble(loaded, changes if changes.exists() else None)


@lru_cache(maxsize=1)
def _packaged_code_lists() -> dict[str, CodeList]:
    from clusteratlas.classifications import reference

    loaded = {
        v: (frozenset(_clean(reference.nuts_regions(v)["code"])), f"packaged NUTS{v} list")
        for v in reference.NUTS_VERSIONS
    }
    return _assemble(loaded, reference.reference_file("NUTS_CHANGES_2016_2021"))


def _assemble(
    loaded: dict[str, tuple[frozenset[str], str]], changes: Path | None
) -> dict[str, CodeList]:
    lists: dict[str, CodeList] = {}
    all_levels = frozenset({0, 1, 2, 3})
    for version, (codes, source) in loaded.items():
        if changes is not None and version in ("2016", "2021"):
            codes = codes | _csv_column(str(changes), f"code_{version}")
            source = f"{source}; {changes.name}" if source else changes.name
        if codes:
            lists[version] = CodeList(version, codes, all_levels, source)
    if "2016" in lists:
        low = {c for c in lists["2016"].codes if (nuts_level(c) or 0) <= 2}
        lists["2013"] = CodeList(
            "2013",
            frozenset((low - NUTS2016_NEW) | NUTS2013_ONLY),
            frozenset({0, 1, 2}),
            "derived from NUTS 2016 levels 0-2 and the 2016 amendment (levels 0-2 only)",
        )
    return dict(sorted(lists.items()))


def store_code_lists(store: Any) -> dict[str, CodeList]:
    """Code lists held in a store's ``regions`` table (``system = 'NUTS'``), by version."""
    df = region_codes(store, "NUTS")
    lists: dict[str, CodeList] = {}
    for version, part in df.groupby("version"):
        codes = frozenset(_clean(part["code"]))
        levels = frozenset(int(v) for v in part["level"].dropna().unique())
        if not levels:
            levels = frozenset(lev for c in codes if (lev := nuts_level(c)) is not None)
        lists[str(version)] = CodeList(str(version), codes, levels, "store regions table")
    return lists


def code_lists(store: Any = None, data_dir: Path | None = None) -> dict[str, CodeList]:
    """All known NUTS code lists: shared snapshots, extended by the store's ``regions`` rows.

    When both have a version, the codes are united and the levels covered are the union.
    """
    lists = shared_code_lists(data_dir)
    if store is not None:
        for version, cl in store_code_lists(store).items():
            if version in lists:
                old = lists[version]
                lists[version] = CodeList(
                    version,
                    old.codes | cl.codes,
                    old.levels | cl.levels,
                    f"{old.source}; {cl.source}",
                )
            else:
                lists[version] = cl
    return dict(sorted(lists.items()))
