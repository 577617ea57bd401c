"""Load local files into the store: Eurostat TSV tables and tidy panels, with provenance.

:func:`ingest_files` reads every file, turns it into observations (the store's long format,
:data:`~clusteratlas.store.schema.OBSERVATION_COLUMNS`) and loads **all of them in one
transaction**: if any file is bad, none is loaded and the store is unchanged. Re-ingesting a
dataset replaces its observations (earlier provenance rows are kept as history).
``docs/ingest.md`` gives the rules for users.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.eurostat_tsv import (
    INDICATOR_DIMENSIONS,
    INDUSTRY_DIMENSIONS,
    eurostat_observations,
    has_time_marker,
    read_eurostat_tsv,
)
from clusteratlas.sources.files import (
    PARQUET_SUFFIXES,
    panel_format,
    read_file_bytes,
    read_panel_lines,
    read_source_bytes,
    record_shape,
)
from clusteratlas.store.queries import delete_dataset, industry_codes

__all__ = [  # the Eurostat mapping is re-exported: callers load fetched tables through here
    "CLASSIFICATIONS",
    "FORMATS",
    "INDICATOR_DIMENSIONS",
    "INDUSTRY_DIMENSIONS",
    "REGION_SYSTEMS",
    "UNKNOWN_NUTS",
    "PreparedFile",
    "check_options",
    "dataset_name",
    "detect_format",
    "eurostat_observations",
    "ingest_files",
    "panel_observations",
    "prepare_file",
]

FORMATS = ("auto", "panel", "eurostat-tsv")
UNKNOWN_NUTS = "NUTS?"  # Eurostat region codes whose NUTS version is not known yet
REGION_SYSTEMS = (
    *(f"NUTS{y}" for y in (2003, 2006, 2010, 2013, 2016, 2021, 2024)),
    UNKNOWN_NUTS,
    *("US-STATE", "US-MSA", "US-COUNTY", "user", "demo"),
)
CLASSIFICATIONS = ("NACE_R2", "NACE_R21", "NAICS2012", "NAICS2017", "NAICS2022", "ISIC4", "user")
#: Eurostat industry codes that are not in a code list but are always accepted.
EUROSTAT_SPECIAL_INDUSTRIES = frozenset({"TOTAL", "NRP", "UNK", "NAP"})
EUROSTAT_LICENCE = "Eurostat reuse policy (Commission Decision 2011/833/EU)"

Progress = Callable[[str], None]


@dataclass
class PreparedFile:
    """One file read and converted, ready to load (nothing written yet)."""

    path: Path
    format: str  # 'eurostat-tsv' or 'panel'
    dataset: str
    source: str  # 'eurostat' or 'file'
    observations: pd.DataFrame
    provenance: dict
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        obs = self.observations
        years = obs["year"]
        return {
            "file": self.path.name,
            "dataset": self.dataset,
            "format": self.format,
            "rows": len(obs),
            "missing": int(obs["value"].isna().sum()),
            "flagged": int(obs["flag"].notna().sum()),
            "years": f"{years.min()}-{years.max()}" if len(obs) else "",
            "regions": int(obs["region"].nunique()),
        }


# -- naming and detection ------------------------------------------------------------------
_SUFFIXES = re.compile(r"(\.(tsv|csv|txt|parquet|pq))?(\.gz)?$", re.IGNORECASE)
_SNAPSHOT = re.compile(r"^(?P<code>[a-z0-9_]+?)_(\d{4}[0-9a-z_-]*|snapshot[0-9a-z_-]*|latest)$")


def dataset_name(path: str | Path, kind: str = "eurostat-tsv") -> str:
    """The dataset name a file name implies.

    The file name loses its extensions (``.tsv``, ``.csv``, ``.txt``, ``.parquet``, ``.pq``,
    then ``.gz``) and is lowercased. For a Eurostat table a trailing ``_<4 digits>…``,
    ``_snapshot…`` or ``_latest`` part (a date or snapshot tag) is also cut off, leaving the
    Eurostat code: ``lfst_r_lfe2en2_2017snapshot.tsv.gz`` gives ``lfst_r_lfe2en2``. A panel
    keeps its whole stem (``cbp_2015.csv`` gives ``cbp_2015``), so that files of different
    years never replace each other by accident.
    """
    stem = _SUFFIXES.sub("", Path(path).name).lower()
    match = _SNAPSHOT.match(stem) if kind == "eurostat-tsv" else None
    return match.group("code") if match else stem


def detect_format(path: str | Path, raw: bytes) -> str:
    """``'eurostat-tsv'`` when the first non-blank line carries the ``\\time`` or
    ``\\TIME_PERIOD`` marker, ``'panel'`` for CSV/Parquet names, else an :class:`InputError`."""
    if not str(path).lower().endswith(PARQUET_SUFFIXES):
        head = raw[:65536].decode("utf-8", errors="replace").lstrip("\ufeff")
        first = next((ln for ln in head.splitlines() if ln.strip()), "")
        if has_time_marker(first):
            return "eurostat-tsv"
        if re.search(r"\.(tsv|txt)(\.gz)?$", str(path), re.IGNORECASE):
            return "eurostat-tsv"  # the reader will say what is wrong with its header
    panel_format(path)  # raises on an unknown extension
    return "panel"


def _check_choice(value: str | None, allowed: Iterable[str], parameter: str) -> None:
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise InputError(
            f"unknown value {value!r} (expected one of {', '.join(allowed)})", parameter=parameter
        )


def check_options(
    *, fmt: str = "auto", region_system: str | None = None, classification: str | None = None
) -> None:
    """Check the ``fmt``, ``region_system`` and ``classification`` values."""
    _check_choice(fmt, FORMATS, "fmt")
    _check_choice(region_system, REGION_SYSTEMS, "region_system")
    _check_choice(classification, CLASSIFICATIONS, "classification")


# -- conversion ----------------------------------------------------------------------------
def panel_observations(
    panel: pd.DataFrame, *, dataset: str, region_system: str, classification: str
) -> pd.DataFrame:
    """Tidy panel (from :func:`read_panel`) → one observation per row and measure present.

    An empty cell stays an observation with a missing value (NULL), never 0.
    """
    measures = panel.attrs.get("measures") or ["employment", "establishments", "payroll"]
    parts = []
    for m in measures:
        parts.append(
            pd.DataFrame(
                {
                    "source": "file",
                    "dataset": dataset,
                    "region": panel["region"],
                    "region_system": region_system,
                    "industry": panel["industry"],
                    "classification": classification,
                    "year": panel["year"].astype(np.int32),
                    "measure": m,
                    "dims": "",
                    "value": panel[m],
                    "flag": panel[f"{m}_flag"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# -- reading one file ----------------------------------------------------------------------
def prepare_file(
    path: str | Path,
    *,
    fmt: str = "auto",
    dataset: str | None = None,
    region_system: str | None = None,
    classification: str | None = None,
    known_industries: Callable[[str], frozenset[str]] | None = None,
    step: Progress | None = None,
) -> PreparedFile:
    """Read, validate and convert one file (no store access except the code list lookup).

    ``known_industries(classification)`` returns the codes of that classification held in
    the store (empty when none are loaded: the check is then skipped with a warning).
    """
    check_options(fmt=fmt, region_system=region_system, classification=classification)
    step = step or (lambda _msg: None)
    path = Path(path)
    label = str(path)
    step("reading")
    stored = read_file_bytes(path, label)
    sha256 = hashlib.sha256(stored).hexdigest()
    is_parquet = path.name.lower().endswith(PARQUET_SUFFIXES)
    raw_file = stored if is_parquet else read_source_bytes(stored, label)[0]
    kind = detect_format(path, raw_file) if fmt == "auto" else fmt
    name = dataset or dataset_name(path, kind)
    warnings: list[str] = []
    step("parsing")
    if kind == "eurostat-tsv":
        table = read_eurostat_tsv(raw_file, name=label)
        step("converting")
        system = region_system or UNKNOWN_NUTS
        obs, cls = eurostat_observations(
            table, dataset=name, region_system=system, label=label, warnings=warnings
        )
        if classification and not cls:
            warnings.append(f"{label}: no industry dimension, --classification ignored")
        if classification and cls and classification != cls:
            raise InputError(
                f"this table's industries are {cls} (dimension "
                f"{next(d for d in table.attrs['dimensions'] if d in INDUSTRY_DIMENSIONS)}), "
                f"not {classification}",
                parameter="classification",
            )
        source, attribution, licence = "eurostat", "Source: Eurostat", EUROSTAT_LICENCE
        notes = (
            f"Eurostat {table.attrs['format']} TSV; dimensions "
            f"{','.join(table.attrs['dimensions'])}; periods {len(table.attrs['periods'])}"
        )
        industry_col = next((d for d in table.attrs["dimensions"] if d in INDUSTRY_DIMENSIONS), "")

        def line_of(row: int) -> int:  # observation position -> line of its series
            lines, _counts = record_shape(raw_file.removeprefix(b"\xef\xbb\xbf"), "\t", False)
            return int(lines[1:][int(obs.index[row]) // len(table.attrs["periods"])])
    else:
        panel, lines = read_panel_lines(path, name=label)
        step("converting")
        system, cls = region_system or "user", classification or "user"
        obs = panel_observations(panel, dataset=name, region_system=system, classification=cls)
        source, attribution, licence = "file", None, None
        notes = f"tidy panel; measures {','.join(panel.attrs['measures'])}"
        industry_col = "industry"

        def line_of(row: int) -> int:
            return int(lines[row % len(panel)])

    step("checking codes")
    if cls and cls != "user" and known_industries is not None:
        _check_industries(obs, cls, known_industries(cls), label, industry_col, line_of, warnings)
    _check_duplicate_keys(obs, label)
    provenance = {
        "dataset": name,
        "source": source,
        "location": str(path.resolve()),
        "sha256": sha256,
        "licence": licence,
        "attribution": attribution,
        "region_system": system,
        "classification": cls,
        "rows": len(obs),
        "notes": notes,
    }
    return PreparedFile(path, kind, name, source, obs, provenance, warnings)


def _industry_parts(code: str) -> list[str]:
    """Codes an aggregate stands for: 'B-E' -> B, E; 'M_N' -> M, N; Eurostat 'C10' -> '10',
    'C1011' -> '10.11' (the store writes NACE divisions, groups and classes dotted)."""
    out = []
    for part in re.split(r"[-_]", code):
        m = re.fullmatch(r"[A-U](\d{2})(\d{0,2})", part)
        if m:
            digits = m.group(1) + m.group(2)
            part = digits[:2] + ("." + digits[2:] if len(digits) > 2 else "")
        out.append(part)
    return out


def _check_industries(
    obs: pd.DataFrame,
    classification: str,
    known: frozenset[str],
    label: str,
    column: str,
    line_of: Callable[[int], int],
    warnings: list[str],
) -> None:
    if not known:
        warnings.append(
            f"{label}: industry codes not checked: the store has no {classification} code list "
            "(load the classifications first to have them checked)"
        )
        return
    for code in obs["industry"].unique():
        if code in known or code in EUROSTAT_SPECIAL_INDUSTRIES or code == "":
            continue
        if all(p in known for p in _industry_parts(code)):
            continue
        row = int(np.flatnonzero((obs["industry"] == code).to_numpy())[0])
        raise InputError(
            f"industry code {code!r} is not in {classification}",
            file=label,
            line=line_of(row),
            column=column,
        )


def _check_duplicate_keys(obs: pd.DataFrame, label: str) -> None:
    key = ["dataset", "region", "industry", "year", "measure", "dims"]
    dup = obs.duplicated(key, keep=False)
    if dup.any():
        first = obs.loc[dup, key].iloc[0]
        raise InputError(
            "two observations share the key "
            + ", ".join(f"{k}={first[k]}" for k in key if first[k] != ""),
            file=label,
        )


# -- loading -------------------------------------------------------------------------------
def ingest_files(
    store,
    paths: Iterable[str | Path],
    *,
    fmt: str = "auto",
    dataset: str | None = None,
    region_system: str | None = None,
    classification: str | None = None,
    on_file: Callable[[Path], Progress] | None = None,
) -> list[PreparedFile]:
    """Read every file and load them all in ONE transaction (all or nothing).

    Parameters
    ----------
    store:
        An open :class:`~clusteratlas.store.Store`.
    paths:
        The files. Several files may share a dataset (e.g. one panel per year, all with
        ``dataset``); their keys must not overlap.
    fmt, dataset, region_system, classification:
        As the CLI options of ``clusteratlas ingest`` (``None`` = per-format default).
    on_file:
        Called with each path before it is read; returns a callback that receives step names
        (the CLI's progress bar).

    Returns
    -------
    list of PreparedFile
        One per file, with its summary and warnings, after a successful commit.
    """
    check_options(fmt=fmt, region_system=region_system, classification=classification)
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no files given", parameter="FILE")

    def known(cls: str) -> frozenset[str]:
        return industry_codes(store, cls)

    done: list[PreparedFile] = []
    seen: dict[str, pd.DataFrame] = {}
    with store.transaction() as con:
        for path in paths:
            step = on_file(path) if on_file else None
            prepared = prepare_file(
                path,
                fmt=fmt,
                dataset=dataset,
                region_system=region_system,
                classification=classification,
                known_industries=known,
                step=step,
            )
            if step:
                step("loading")
            _load(store, con, prepared, seen)
            done.append(prepared)
    return done


def _load(store, con, prepared: PreparedFile, seen: dict[str, pd.DataFrame]) -> None:
    obs = prepared.observations
    key = ["region", "industry", "year", "measure", "dims"]
    if prepared.dataset in seen:
        earlier = seen[prepared.dataset]
        clash = obs[key].merge(earlier, on=key)
        if len(clash):
            c = clash.iloc[0]
            raise InputError(
                f"observation ({c['region']}, {c['industry']}, {c['year']}, {c['measure']}) of "
                f"dataset {prepared.dataset!r} is also in {c['file']}",
                file=str(prepared.path),
            )
        seen[prepared.dataset] = pd.concat([earlier, obs[key].assign(file=prepared.path.name)])
    else:
        delete_dataset(con, prepared.dataset)
        seen[prepared.dataset] = obs[key].assign(file=prepared.path.name)
    load_id = store.new_load(con, **prepared.provenance)
    frame = obs.assign(load_id=load_id)
    store.insert_observations(con, frame)
    prepared.provenance["load_id"] = load_id
