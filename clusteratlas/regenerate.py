"""Redo any result the project wrote, from its provenance sidecar.

>>> from clusteratlas.regenerate import regenerate              # doctest: +SKIP
>>> again = regenerate("clusters.csv")                          # doctest: +SKIP

``regenerate(path, **changes)`` reads the record beside ``path`` (or the sidecar itself, old
names included, :func:`clusteratlas.store.provenance.read_provenance`) and hands it to the
command that made it: ``map`` → :func:`clusteratlas.mapping.regen.regenerate_map` (a
DataFrame), ``score`` → :func:`clusteratlas.scoreboard.pipeline.regenerate` (a
``PipelineRun``; open-data edition runs included). Anything else, or a record that cannot
be redone, is an :class:`~clusteratlas.errors.InputError` that says why.

This module sits above the analytics (it imports mapping and scoreboard), beside the
application layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clusteratlas.errors import InputError
from clusteratlas.store.provenance import find_sidecar, read_provenance


def regenerate(path: str | Path, **changes: Any) -> Any:
    """The result described by the sidecar of ``path``, computed again (see the module)."""
    side = find_sidecar(path)
    command = read_provenance(side).get("command")
    if command == "map":
        from clusteratlas.mapping.regen import regenerate_map

        return regenerate_map(side, **changes)
    if command == "score":
        from clusteratlas.scoreboard.pipeline import regenerate as regenerate_score

        return regenerate_score(side, **changes)
    raise InputError(
        f"a {command!r} record cannot be regenerated (only map and score results can: "
        "the others are made from data the record describes but does not hold)",
        file=side,
    )
