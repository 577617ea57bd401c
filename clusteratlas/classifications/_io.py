"""Small helpers shared by the code-list loaders: read a CSV as strings, check its columns,
hash it for provenance."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from clusteratlas.errors import InputError


def read_codes_csv(path: str | Path, required: list[str]) -> pd.DataFrame:
    """Read a code-list CSV with every column as text (codes keep their leading zeros).

    Raises InputError naming the file when it is missing, not UTF-8, or lacks a column.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=path) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"unreadable CSV ({exc})", file=path) from exc
    frame.columns = [c.strip() for c in frame.columns]
    for col in required:
        if col not in frame.columns:
            raise InputError(
                f"missing column (the file has {', '.join(frame.columns)})",
                file=path,
                line=1,
                column=col,
            )
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    return frame


def read_text(path: str | Path) -> str:
    """Text of a file, gunzipped when it ends in ``.gz``."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except OSError as exc:
            raise InputError(f"not a gzip file ({exc})", file=path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=path) from exc
