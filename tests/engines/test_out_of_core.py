"""Out of core: a panel several times the DuckDB memory budget maps with bounded memory.

The panel (12M rows: 2,000 regions × 600 industries × 10 years, 51 clusters) takes ~530 MB as
an Arrow table in memory, against a 96 MB budget. ``clusteratlas map --out x.parquet`` runs in
a subprocess (the engine reads the Parquet and writes the cluster table). Its 1.02M-cell
cluster table does not fit the budget either, so the mapping goes out of core: intermediate
tables staged to Parquet, percentiles from sorts (``engine_output.map_panel_to_parquet``).
The test checks that

* the budget was never lifted (no "needed more than the engine's memory budget" warning);
* the peak resident memory, sampled with psutil, stays below the panel's own in-memory size
  (which collecting the panel, or the result plus the panel, on the driver could not);
* the table equals the in-memory mapping of the same panel without a budget (values to
  1e-9, flags identical).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.slow

N_REGIONS, N_INDUSTRIES, N_YEARS = 2_000, 600, 10
BUDGET = "96MB"


def _panel(folder) -> tuple[str, str, int]:
    rng = np.random.default_rng(7)
    regions = pa.array([f"R{r:05d}" for r in range(N_REGIONS)])
    industries = [f"I{i:03d}" for i in range(N_INDUSTRIES)]
    path = folder / "panel.parquet"
    nbytes = 0
    cells = N_REGIONS * N_INDUSTRIES
    r_idx = np.repeat(np.arange(N_REGIONS, dtype=np.int32), N_INDUSTRIES)
    i_idx = np.tile(np.arange(N_INDUSTRIES, dtype=np.int32), N_REGIONS)
    writer = None
    for t in range(N_YEARS):
        emp = rng.integers(1, 5_000, cells).astype(np.float64)
        table = pa.table(
            {
                "region": pa.DictionaryArray.from_arrays(r_idx, regions).cast(pa.string()),
                "industry": pa.DictionaryArray.from_arrays(i_idx, pa.array(industries)).cast(
                    pa.string()
                ),
                "year": pa.array(np.full(cells, 2010 + t, dtype=np.int32)),
                "employment": emp,
                "establishments": np.ceil(emp / 20),
                "payroll": emp * 40_000.0,
            }
        )
        nbytes += table.nbytes
        writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
    writer.close()
    defs = folder / "clusters.csv"
    pd.DataFrame(
        {
            "industry": industries,
            "cluster": [f"C{i % 51:02d}" for i in range(N_INDUSTRIES)],
            "cluster_name": [f"Cluster {i % 51}" for i in range(N_INDUSTRIES)],
            "cluster_type": ["local" if i % 51 >= 45 else "traded" for i in range(N_INDUSTRIES)],
        }
    ).to_csv(defs, index=False)
    return str(path), str(defs), nbytes


def _map(panel: str, defs: str, out, budget: str) -> tuple[int, str]:
    """Run ``clusteratlas map`` in a subprocess: (peak RSS in bytes, stderr)."""
    env = {**os.environ, "CLUSTERATLAS_MEMORY_LIMIT": budget, "CLUSTERATLAS_ENGINE": "duckdb"}
    code = "from clusteratlas.cli.app import main; main()"
    args = ["map", "--panel", panel, "--clusters", defs, "--out", str(out), "--level", "none"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss)
        time.sleep(0.05)
    out_b, err_b = proc.communicate()
    err = err_b.decode() + out_b.decode()
    assert proc.returncode == 0, err[-2000:]
    return peak, err


def test_panel_larger_than_the_budget_maps_with_bounded_rss(tmp_path):
    panel, defs, nbytes = _panel(tmp_path)
    budget_bytes = 96 * 2**20
    assert nbytes > 5 * budget_bytes  # the panel is several budgets large
    out = tmp_path / "clusters.parquet"
    peak, err = _map(panel, defs, out, BUDGET)
    assert "needed more than the engine's memory budget" not in err, err[-2000:]
    written = pq.read_metadata(out).num_rows
    assert written == N_REGIONS * 51 * N_YEARS  # every region × cluster × year
    assert peak < nbytes, (peak / 2**20, nbytes / 2**20)
    assert not [p for p in tmp_path.iterdir() if ".stage-" in p.name or p.suffix == ".staged"]
    record = json.loads((tmp_path / "clusters.parquet.provenance.json").read_text())
    assert record["output"]["plan"].startswith("out of core"), record["output"]

    # the same table as the in-memory plan (no budget)
    reference = tmp_path / "reference.parquet"
    _map(panel, defs, reference, "default")
    keys = ["region", "cluster", "year"]
    a = pd.read_parquet(out).sort_values(keys, ignore_index=True)
    b = pd.read_parquet(reference).sort_values(keys, ignore_index=True)
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(a[col], b[col], rtol=1e-9, atol=1e-9, err_msg=col)
        else:
            assert a[col].equals(b[col]), col
