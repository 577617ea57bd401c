"""NUTS code rules (the one place that says what a NUTS code is) and code lists per version.

A NUTS code is two letters (the country) followed by one character per level: ``DE`` (level 0),
``DE1`` (1), ``DE11`` (2), ``DE111`` (3). A code's parent is the code minus its last character.
Extra-Regio units (``DEZ``, ``DEZZ``, ``DEZZZ``) exist in every version for every country.

Codes that have the shape but are **not** NUTS codes, so :func:`nuts_level` is ``None``:

* Eurostat aggregates: anything starting ``EU`` or ``EA`` (``EU28``, ``EU27_2020``, ``EA19``;
  neither is an ISO country prefix) and ``EFTA``, ``EEA``, ``EEA28``...;
* the "not regionalised" pseudo-regions ``xxX``, ``xxXX``, ``xxXXX`` of older tables (``ATXX``:
  values that could not be assigned to a region of Austria). They are no territorial unit, so
  they must not be ranked against regions or summed into a level's benchmark.

The official NUTS 2016, 2021 and 2024 lists in shared data contain none of these codes and
their Extra-Regio units are exactly the ``xxZ…`` codes (checked by the tests). The mapping's
region levels (:mod:`clusteratlas.mapping.levels`) use these rules, as Ibis expressions built
from the same patterns (:data:`NUTS_CODE_PATTERN`, :data:`AGGREGATE_PATTERN`,
:data:`NOT_REGIONALISED_PATTERN`).

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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from clusteratlas.errors import InputError
from clusteratlas.store.queries import region_codes

NUTS_VERSIONS: tuple[str, ...] = ("2013", "2016", "2021", "2024")

#: The shape of a NUTS code: two capital letters, then up to three letters or digits.
NUTS_CODE_PATTERN = r"^[A-Z]{2}[0-9A-Z]{0,3}$"
#: Eurostat aggregates of that shape (EU…, EA…, EFTA, EEA…): not NUTS codes.
AGGREGATE_PATTERN = r"^(?:EU|EA|EFTA$|EEA[0-9]*$)"
#: Eurostat's "not regionalised" pseudo-regions (``ATX``, ``ATXX``, ``ATXXX``): not NUTS codes.
NOT_REGIONALISED_PATTERN = r"^[A-Z]{2}X{1,3}$"
#: Extra-Regio units (``DEZ``, ``DEZZ``, ``DEZZZ``): NUTS codes without a territory.
EXTRA_REGIO_PATTERN = r"^[A-Z]{2}Z{1,3}$"

_NUTS_CODE = re.compile(NUTS_CODE_PATTERN)
_AGGREGATE = re.compile(AGGREGATE_PATTERN)
_EXTRA_REGIO = re.compile(EXTRA_REGIO_PATTERN)
_NOT_REGIONALISED = re.compile(NOT_REGIONALISED_PATTERN)

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


def is_nuts_code(code: str) -> bool:
    """True if ``code`` is a NUTS code: the shape (2 letters + up to 3 characters), but not a
    Eurostat aggregate (``EU28``, ``EA19``, ``EFTA``, ``EEA``) nor a "not regionalised"
    pseudo-region (``ATXX``).

    >>> [is_nuts_code(c) for c in ("DE11", "DEZZ", "EU27_2020", "EU28", "EFTA", "ATXX")]
    [True, True, False, False, False, False]
    """
    return (
        bool(_NUTS_CODE.match(code))
        and not _AGGREGATE.match(code)
        and not _NOT_REGIONALISED.match(code)
    )


def is_extra_regio(code: str) -> bool:
    """True for Extra-Regio units (``xxZ``, ``xxZZ``, ``xxZZZ``)."""
    return bool(_EXTRA_REGIO.match(code))


def nuts_level(code: str) -> int | None:
    """The NUTS level of a code (0–3) from its length, or ``None`` if it is not a NUTS code
    (see :func:`is_nuts_code`; the module docstring says why aggregates and ``xxXX`` are not).

    >>> nuts_level("DE"), nuts_level("DE1"), nuts_level("DE11"), nuts_level("DE111")
    (0, 1, 2, 3)
    >>> [nuts_level(c) for c in ("EU28", "EA19", "EFTA", "ATXX", "06075", "DEZZ")]
    [None, None, None, None, None, 2]
    """
    return len(code) - 2 if is_nuts_code(code) else None


#: The one place where a code's parent is not its prefix: Northern Ireland's level-3 regions
#: UKN10…UKN16 of NUTS 2016 belong to UKN0 (NUTS 2021 recoded them UKN0A…UKN0G).
_PARENT_EXCEPTIONS = {"UKN1": "UKN0"}


def parent_code(code: str) -> str | None:
    """The parent of a NUTS code: the code minus its last character (``None`` for a country).

    >>> parent_code("DE111"), parent_code("UKN10"), parent_code("DE")
    ('DE11', 'UKN0', None)
    """
    if len(code) <= 2:
        return None
    return _PARENT_EXCEPTIONS.get(code[:-1], code[:-1])


def ancestor_at(code: str, level: int) -> str | None:
    """The ancestor of ``code`` at ``level`` (the code itself if it is at that level)."""
    lev = nuts_level(code)
    if lev is None or lev < level:
        return None
    while lev > level:
        code = parent_code(code)  # type: ignore[assignment]
        lev -= 1
    return code


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
    from clusteratlas.classifications.nuts import load_nuts

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
