"""Fixtures for the scoreboard tests: small hand-made frameworks and data (no real data), and
which tests run on both engines.

**The rule.** The scoreboard's relational part is reading its input files (``--data``,
``--denominators``, ``--groups``) on the engine and keeping the framework's indicators there
(:mod:`clusteratlas.scoreboard.engine_input`); the pipeline is numpy/pandas. So a test runs
on DuckDB and on Spark when its inputs are files read through ``score`` / the CLI: the COINr
ASEM reproduction (from CSV files of its stages' raw inputs), the CLI end to end (scores and
sidecar, strengths, a bad data file) and the bad-input tests of ``test_engines.py``. It takes
the ``engine`` fixture; its Spark case carries the ``spark`` marker and compares its scores and
ranks with DuckDB's (``duckdb_twin``, numbers to 1e-9, ranks identical). Tests of the pipeline
steps, frameworks, uncertainty and the edition run once: they never read a file through an
engine (their inputs are frames, or the edition's own reader).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, use_engine) -> str:
    """The engine of the test: ``duckdb`` or ``spark`` (see the module docstring)."""
    use_engine(request.param)
    return request.param


FRAMEWORK_YAML = """\
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
      - code: D1.2
        name: Research
        indicators:
          - {code: I3, name: R&D, direction: 1, denominator: pop}
  - code: D2
    name: Governance
    covered: false
    note: no open regional data
"""

DATA_CSV = """\
region,year,indicator,value
A,2020,I1,30
A,2020,I2,10
A,2020,I3,100
B,2020,I1,40
B,2020,I2,5
B,2020,I3,300
C,2020,I1,20
C,2020,I2,
C,2020,I3,50
"""

DENOMINATORS_CSV = """\
region,year,denominator,value
A,2020,pop,10
B,2020,pop,20
C,2020,pop,5
"""


@pytest.fixture()
def example_files(tmp_path: Path) -> dict[str, Path]:
    files = {"framework": "fw.yaml", "data": "data.csv", "denominators": "den.csv"}
    texts = {"framework": FRAMEWORK_YAML, "data": DATA_CSV, "denominators": DENOMINATORS_CSV}
    out = {}
    for key, name in files.items():
        p = tmp_path / name
        p.write_text(texts[key])
        out[key] = p
    return out
