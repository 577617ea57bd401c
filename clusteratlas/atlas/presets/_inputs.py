"""Where a preset finds its input files: ``--from DIR`` or the shared data folder."""

from __future__ import annotations

from pathlib import Path

from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.paths import shared_data_dir


def data_root(from_dir: str | Path | None) -> Path | None:
    """``from_dir`` when given (it must exist), else the shared data folder (or None)."""
    if from_dir is not None:
        root = Path(from_dir)
        if not root.is_dir():
            raise InputError(f"{root}: no such folder", parameter="--from")
        return root
    return shared_data_dir()


def data_file(root: Path | None, relative: str, parameter: str = "--from") -> Path:
    """``root/relative``, or an InputError naming the file that is missing."""
    if root is None:
        raise InputError(
            f"no data folder: give --from DIR (a folder holding {relative}) or set "
            "CLUSTERATLAS_SHARED_DATA",
            parameter=parameter,
        )
    path = root / relative
    if not path.is_file():
        raise InputError(f"missing input file {relative}", file=path, parameter=parameter)
    return path


def file_record(path: Path, role: str, **extra: object) -> dict[str, object]:
    """A provenance entry for one input file (path, role, SHA-256)."""
    return {"role": role, "path": str(path), "sha256": sha256_file(path), **extra}
