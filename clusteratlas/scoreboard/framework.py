"""The scoreboard's conceptual framework, held as data.

A framework is a tree ``index → dimensions → sub-dimensions → indicators`` read from a YAML
file (or built from a parent table, e.g. COINr's ``iMeta``). Every node has a ``code``, a
``name``, an optional ``weight`` (default 1, relative to its siblings) and an optional
``aggregation`` (how *its children* are combined: ``arithmetic``, ``geometric``, ``harmonic``,
``generalised`` with ``p``, ``copeland``). Indicators add ``direction`` (1 or -1), ``unit``,
``denominator``, ``source`` and, for some normalisations, ``target`` or ``goalposts``.

A dimension may be marked ``covered: false`` (with a ``note``): it is part of the concept but
has no data; it is reported as NOT COVERED and never scored.

Minimal YAML::

    name: Example
    dimensions:
      - code: D1
        name: Knowledge base
        subdimensions:
          - code: D1.1
            name: Education
            indicators:
              - {code: I1, name: Tertiary attainment, direction: 1}
              - {code: I2, name: Early leavers, direction: -1, weight: 2}

Every problem is an :class:`~clusteratlas.errors.InputError` naming the file, the YAML line
and the node path (``dimensions[0].subdimensions[0].indicators[1] (I2)``). The file is read by
the one YAML reader (:mod:`clusteratlas.yamlfile`: codes such as ``01.10`` and ``011`` stay
text) and typed by :class:`~clusteratlas.scoreboard.framework_parse.FrameworkFile`, whose JSON
Schema is ``docs/schemas/framework.schema.json``.

The tree classes live in :mod:`.framework_tree`, the readers in :mod:`.framework_parse`; this
module is the public face of both (neither imports it, so there is no import circle).
"""

from __future__ import annotations

from clusteratlas.scoreboard.framework_parse import (
    FrameworkFile,
    framework_from_dict,
    framework_from_parent_table,
    load_framework,
)
from clusteratlas.scoreboard.framework_tree import AGGREGATIONS, LEVELS, Framework, Node

__all__ = [
    "AGGREGATIONS",
    "LEVELS",
    "Framework",
    "FrameworkFile",
    "Node",
    "framework_from_dict",
    "framework_from_parent_table",
    "load_framework",
]
