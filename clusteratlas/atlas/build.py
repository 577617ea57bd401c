"""``clusteratlas atlas build PRESET``: build an atlas store safely, then swap it in.

A build writes a brand-new DuckDB file beside the target (``.NAME.building-XXXX``) and, only
when every step succeeded, moves it onto the target with :func:`os.replace` (atomic on one file
system). A failed build deletes its temporary file and leaves the previous atlas untouched; a
server reading the previous atlas keeps its open file until it notices the swap
(:meth:`clusteratlas.atlas.service.Atlas.open`) and reopens.

Presets live in :mod:`clusteratlas.atlas.presets` (``demo``, ``us-cmp``, ``eu-open``);
``docs/atlas.md`` describes them.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clusteratlas.errors import InputError

PRESETS = ("demo", "us-cmp", "eu-open")


from clusteratlas.atlas.steps import Steps  # noqa: E402  (re-exported for presets' callers)


@dataclass
class BuildReport:
    """What a build made: counts per region system and scheme, timings, the final path."""

    preset: str
    path: Path
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _temp_target(path: Path) -> Path:
    return path.with_name(f".{path.name}.building-{uuid.uuid4().hex[:8]}")


def build_atlas(
    preset: str,
    store: str | Path,
    *,
    from_dir: str | Path | None = None,
    progress: Any = None,
    options: dict[str, Any] | None = None,
) -> BuildReport:
    """Build ``preset`` into ``store`` (replacing it atomically) and report what was built.

    ``from_dir`` is a folder laid out like ``../shared/data`` (offline build); without it the
    real-data presets use the shared data folder or, failing that, the fetch recipes (cache).
    ``options`` go to the preset (e.g. ``{"small": True}`` for a quick demo).
    """
    from clusteratlas.atlas import presets
    from clusteratlas.store import Store
    from clusteratlas.store.atlas import checkpoint, rename_in_provenance, save_info

    if preset not in PRESETS:
        raise InputError(
            f"unknown preset {preset!r}; one of {', '.join(PRESETS)}", parameter="PRESET"
        )
    target = Path(store)
    if target.exists() and target.is_dir():
        raise InputError(f"{target} is a folder", parameter="--store")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_target(target)
    steps = Steps(progress)
    start = time.perf_counter()
    try:
        with Store(tmp) as st:
            builder = presets.get(preset)
            counts, info = builder(st, steps, from_dir=from_dir, **(options or {}))
            info = {
                "preset": preset,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **info,
            }
            save_info(st.con, info)
            rename_in_provenance(st.con, str(tmp), str(target))
            checkpoint(st.con)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return BuildReport(
        preset=preset,
        path=target,
        seconds=time.perf_counter() - start,
        counts=counts,
        timings=steps.timings,
    )
