"""Small file helpers shared by every layer: atomic writes and checksums.

Anything the project writes for users (results, reports, change tables, geometries, code
lists) goes through :func:`atomic_path`: the bytes are written to a temporary file beside the
target and moved into place with :func:`os.replace` only when complete, so a crash or an error
never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def temp_beside(path: str | Path, suffix: str = ".tmp") -> Path:
    """Create an empty temporary file in ``path``'s folder (same filesystem) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: Path, target: str | Path) -> None:
    """Move a finished temporary file onto ``target`` with the usual file permissions.

    (``mkstemp`` creates files readable by their owner only.)
    """
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it onto ``path``, else delete it.

    >>> with atomic_path("out.csv") as tmp:          # doctest: +SKIP
    ...     frame.to_csv(tmp, index=False)
    """
    target = Path(path)
    tmp = temp_beside(target)
    try:
        yield tmp
        publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(data: Any, path: str | Path) -> Path:
    """Write JSON atomically (indent 2; values JSON does not know are written with ``str``)."""
    return write_text_atomic(json.dumps(data, indent=2, default=str) + "\n", path)


def write_frame_atomic(
    frame: pd.DataFrame, path: str | Path, fmt: str | None = None, **csv_options: Any
) -> Path:
    """Write a DataFrame as CSV or Parquet (by ``fmt`` or the file extension) atomically."""
    path = Path(path)
    fmt = fmt or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv")
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, **csv_options)
    return path
