"""Parsing County Business Patterns (bulk files and API answers) into store observations.

Both readers return the tidy observation columns (``region, industry, year, measure, value,
flag``) with measures ``employment`` (mid-March employees), ``establishments`` and
``payroll`` (annual payroll in **dollars**: CBP publishes ``AP``/``PAYANN`` in $1,000, which
is multiplied by 1,000 here).

Flags (the store's ``flag`` column holds the *suppression* flag only; noise flags become a
note after ``|``, see :mod:`clusteratlas.store.flags`):

* ``A`` … ``M``: employment withheld, with its employment-size class (``EMPFLAG``, files up
  to 2016). Value NULL (CBP writes 0). :func:`clusteratlas.transform.suppressed.impute_cbp`
  can fill it with the class midpoint.
* ``D`` (withheld to avoid disclosure) / ``S`` (below publication standards): value NULL.
* noise ``G`` (< 2 %), ``H`` (2–5 %), ``J`` (≥ 5 %) → note ``|noise=G``; the API's numeric
  noise-range codes (``EMP_N``) → note ``|noise_range=2``.

Industry codes are written as the NAICS code lists write them: ``'00'`` for all industries,
``'31-33'``/``'44-45'``/``'48-49'`` for the range sectors, digits otherwise. The files' padded
codes (``'31----'``, ``'311///'``, ``'3111//'``) are unpadded.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.store.flags import annotate

MEASURES = ("employment", "establishments", "payroll")
SIZE_CLASSES = frozenset("ABCEFGHIJKLM")
WITHHELD = frozenset({"D", "S"})
NOISE = frozenset({"G", "H", "J"})
RANGE_SECTORS = {"31": "31-33", "44": "44-45", "48": "48-49"}
MSA_API_GEO = "metropolitan statistical area/micropolitan statistical area"

#: Columns of the bulk files by geography (lower-cased; the files' case varies by year).
FILE_KEYS = {"state": ["fipstate"], "county": ["fipstate", "fipscty"], "msa": ["msa"]}


def naics_vintage(year: int) -> str:
    """The NAICS vintage CBP uses for a year (2012–2016: 2012; 2017–2023: 2017).

    >>> naics_vintage(2016), naics_vintage(2017)
    ('NAICS2012', 'NAICS2017')
    """
    if year < 2012:
        raise InputError(
            f"CBP {year} is coded in NAICS 2007 or older; only 2012 and later are supported",
            parameter="year",
        )
    return "NAICS2012" if year <= 2016 else "NAICS2017"


def normalise_naics(code: str) -> str | None:
    """A CBP industry code as the NAICS lists write it (``None`` if it is not one).

    >>> [normalise_naics(c) for c in ["------", "31----", "311///", "3111//", "541711", "00"]]
    ['00', '31-33', '311', '3111', '541711', '00']
    """
    c = str(code).strip()
    if not c:
        return None
    if set(c) <= {"-"} or c == "00":
        return "00"
    if "-" in c[2:] and c[:2].isdigit() and len(c) == 5 and c[3:].isdigit():
        return c  # already a range sector, '31-33'
    c = c.rstrip("-/")
    if not c.isdigit() or not 2 <= len(c) <= 6:
        return None
    return RANGE_SECTORS.get(c, c) if len(c) == 2 else c


def _numbers(values: pd.Series, where: str, column: str, offset: int = 2) -> np.ndarray:
    text = values.astype(str).str.strip()
    num = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = num.isna() & (text != "") & (text.str.lower() != "null")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{text.iloc[i]!r} is not a number", file=where, line=i + offset, column=column
        )
    return num.to_numpy(dtype=float)


def _long(
    region: pd.Series,
    industry: pd.Series,
    year: int,
    parts: Iterable[tuple[str, np.ndarray, list[str | None]]],
) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {
                "region": region.to_numpy(),
                "industry": industry.to_numpy(),
                "year": year,
                "measure": measure,
                "value": values,
                "flag": pd.Series(flags, dtype=object).to_numpy(),
            }
        )
        for measure, values, flags in parts
    ]
    return pd.concat(frames, ignore_index=True)


def _flags(head: Iterable[str | None], notes: Iterable[str | None]) -> list[str | None]:
    return [annotate(h or None, n) for h, n in zip(head, notes, strict=True)]


def read_file_member(path: Path, where: str) -> tuple[pd.DataFrame, str]:
    """The CSV inside a CBP zip (or a plain CSV/TXT), all columns as text, names lower-cased."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith((".txt", ".csv"))]
                if len(names) != 1:
                    raise InputError(f"expected one .txt/.csv member, found {names}", file=where)
                data, member = zf.read(names[0]), names[0]
        else:
            data, member = path.read_bytes(), path.name
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="latin-1")
    except (zipfile.BadZipFile, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a CBP data file ({exc})", file=where) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame, f"{where}!{member}" if member != path.name else where


def parse_cbp_file(path: str | Path, year: int, geo: str, *, source: str | None = None):
    """Observations from a CBP bulk file (``cbp16st.txt`` etc., zipped or not).

    Keeps all legal forms only (``lfo == '-'`` where the column exists) and drops the
    counties' statewide ``999`` rows. Returns ``(frame, stats)`` where ``stats`` counts the
    rows read, kept and withheld.
    """
    path = Path(path)
    frame, where = read_file_member(path, source or str(path))
    keys = FILE_KEYS[geo]
    required = [*keys, "naics", "emp", "est", "ap"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=where, line=1)
    n_read = len(frame)
    frame = frame.assign(_line=np.arange(2, n_read + 2))
    if "lfo" in frame.columns:
        frame = frame[frame["lfo"].str.strip().isin(["-", ""])]
    if geo == "county":
        frame = frame[frame["fipscty"].str.strip() != "999"]
    industry = frame["naics"].map(normalise_naics)
    bad = industry.isna()
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputError(
            f"{row['naics']!r} is not a NAICS code",
            file=where,
            line=int(row["_line"]),
            column="naics",
        )
    widths = {"fipstate": 2, "fipscty": 3, "msa": 5}
    region = frame[keys[0]].str.strip().str.zfill(widths[keys[0]])
    for k in keys[1:]:
        region = region + frame[k].str.strip().str.zfill(widths[k])
    col = {
        c: frame[c] if c in frame.columns else pd.Series("", index=frame.index)
        for c in ("empflag", "emp_nf", "ap_nf")
    }
    empflag = col["empflag"].str.strip().str.upper()
    emp_nf = col["emp_nf"].str.strip().str.upper()
    ap_nf = col["ap_nf"].str.strip().str.upper()
    lines = frame["_line"].to_numpy()

    def nums(c: str) -> np.ndarray:
        try:
            return _numbers(frame[c], where, c, offset=0)
        except InputError as exc:  # report the file's own line number
            raise InputError(exc.message, file=where, line=int(lines[exc.line]), column=c) from None

    emp, est, ap = nums("emp"), nums("est"), nums("ap")
    emp_withheld = (empflag.isin(SIZE_CLASSES | WITHHELD) | emp_nf.isin(WITHHELD)).to_numpy()
    ap_withheld = ap_nf.isin(WITHHELD).to_numpy()
    emp_head = np.where(empflag != "", empflag, np.where(emp_nf.isin(WITHHELD), emp_nf, ""))
    emp_note = np.where(emp_nf.isin(NOISE), "noise=" + emp_nf, "")
    ap_head = np.where(ap_withheld, ap_nf, "")
    ap_note = np.where(ap_nf.isin(NOISE), "noise=" + ap_nf, "")
    out = _long(
        region,
        industry,
        year,
        [
            ("employment", np.where(emp_withheld, np.nan, emp), _flags(emp_head, emp_note)),
            ("establishments", est, [None] * len(frame)),
            ("payroll", np.where(ap_withheld, np.nan, ap * 1000.0), _flags(ap_head, ap_note)),
        ],
    )
    stats = {
        "rows_read": n_read,
        "rows_kept": len(frame),
        "employment_withheld": int(emp_withheld.sum()),
        "with_size_class": int(empflag.isin(SIZE_CLASSES).sum()),
        "payroll_withheld": int(ap_withheld.sum()),
    }
    return out, stats


def parse_cbp_api(payload: bytes, year: int, geo: str, *, source: str | None = None):
    """Observations from a Census API ``/data/{year}/cbp`` answer (JSON array of rows).

    The first row names the columns: the NAICS field of the vintage (``NAICS2012`` or
    ``NAICS2017``), ``EMP``, ``ESTAB``, ``PAYANN``, optional noise ranges ``EMP_N`` and
    ``PAYANN_N``, predicate columns (``LFO``, ``EMPSZES``: only ``001`` = all is kept) and the
    geography columns the API appends (``state``, ``county`` or the MSA column).
    """
    where = source or "Census API answer"
    try:
        rows = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a Census API JSON answer ({exc})", file=where) from exc
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise InputError("expected a JSON array of rows with a header row", file=where)
    header, body = rows[0], rows[1:]
    if any(len(r) != len(header) for r in body):
        raise InputError("rows of unequal length", file=where)
    frame = pd.DataFrame(body, columns=header, dtype=object).astype("string").fillna("")
    field = naics_vintage(year)
    geo_cols = {"state": ["state"], "county": ["state", "county"], "msa": [MSA_API_GEO]}[geo]
    missing = [c for c in [field, "EMP", "ESTAB", "PAYANN", *geo_cols] if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=where, line=1)
    for pred in ("LFO", "EMPSZES"):
        if pred in frame.columns:
            frame = frame[frame[pred].str.strip().isin(["001", ""])]
    industry = frame[field].map(normalise_naics)
    if industry.isna().any():
        raise InputError(
            f"{frame.loc[industry.isna(), field].iloc[0]!r} is not a NAICS code",
            file=where,
            column=field,
        )
    region = frame[geo_cols[0]].str.strip()
    for c in geo_cols[1:]:
        region = region + frame[c].str.strip()

    def notes(col: str, name: str) -> list[str | None]:
        if col not in frame.columns:
            return [None] * len(frame)
        return [f"{name}={v.strip()}" if v.strip() else None for v in frame[col]]

    emp = _numbers(frame["EMP"], where, "EMP")
    est = _numbers(frame["ESTAB"], where, "ESTAB")
    pay = _numbers(frame["PAYANN"], where, "PAYANN") * 1000.0
    out = _long(
        region,
        industry,
        year,
        [
            ("employment", emp, _flags([None] * len(frame), notes("EMP_N", "noise_range"))),
            ("establishments", est, [None] * len(frame)),
            ("payroll", pay, _flags([None] * len(frame), notes("PAYANN_N", "noise_range"))),
        ],
    )
    return out, {
        "rows_read": len(body),
        "rows_kept": len(frame),
        "employment_withheld": 0,
        "with_size_class": 0,
        "payroll_withheld": 0,
    }
