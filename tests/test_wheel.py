"""The built wheel works on a machine without ../shared: a fresh virtual environment, offline.

The wheel is built from this checkout (``pip wheel --no-deps --no-build-isolation``), installed
with ``--no-deps`` into a new virtual environment in a temporary folder that has no
``../shared`` beside it; the dependencies (duckdb, ibis, pandas …) are made visible with a
``.pth`` file naming the project's ``.venv`` site-packages, a plain path entry that does not
run that folder's own ``.pth`` files (so the editable ``clusteratlas`` finder stays out). The
test checks that the ``clusteratlas`` imported there is the installed wheel's, then runs the
commands a new user runs first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

# A tiny NACE panel (thousands of persons are not needed: plain counts) and its scheme.
PANEL = """region,industry,year,employment
AA1,C1,2021,30
AA1,C2,2021,10
AA1,L1,2021,60
AA2,C1,2021,10
AA2,C2,2021,40
AA2,L1,2021,50
"""
CLUSTERS = """industry,cluster,cluster_name,cluster_type
C1,T1,Traded one,traded
C2,T2,Traded two,traded
L1,LOC,Local,local
"""


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("wheel")
    src, dist = base / "src", base / "dist"  # built from a copy: the checkout stays untouched
    shutil.copytree(ROOT / "clusteratlas", src / "clusteratlas",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist), str(src)],
        check=True, capture_output=True, cwd=base,
    )  # fmt: skip
    wheel = next(dist.glob("clusteratlas-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    deps = Path(sysconfig.get_paths()["purelib"])  # the project's .venv site-packages
    (_site_packages(python) / "project_deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    work = base / "user" / "work"  # no shared/ beside it, nor beside its parent
    work.mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLUSTERATLAS_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        HOME=str(base / "home"),
        CLUSTERATLAS_STORE=str(base / "atlas.duckdb"),
        CLUSTERATLAS_CACHE=str(base / "cache"),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="200",
    )
    return {"wheel": wheel, "venv": venv, "python": python, "work": work, "env": env}


def run(installed: dict, *args: str) -> str:
    exe = installed["venv"] / "bin" / "clusteratlas"
    proc = subprocess.run(
        [str(exe), *args],
        cwd=installed["work"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_wheel_holds_the_reference_data(installed) -> None:
    with zipfile.ZipFile(installed["wheel"]) as zf:
        names = set(zf.namelist())
    folder = "clusteratlas/classifications/data/reference/"
    packaged = {n.removeprefix(folder) for n in names if n.startswith(folder)}
    manifest = json.loads((ROOT / folder / "manifest.json").read_text(encoding="utf-8"))
    assert packaged == {e["file"] for e in manifest["lists"]} | {"manifest.json"}
    assert "clusteratlas/classifications/data/eu_nace2_clusters.csv" in names


def test_the_installed_package_is_the_wheel(installed) -> None:
    out = subprocess.run(
        [str(installed["python"]), "-c", "import clusteratlas; print(clusteratlas.__file__)"],
        cwd=installed["work"],
        env=installed["env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(out.stdout.strip()).is_relative_to(installed["venv"])


def test_commands_run_from_the_wheel_without_shared_data(installed) -> None:
    out = run(installed, "classifications", "load")
    for name, rows in {"NACE_R2": "996", "NAICS2012": "2,229", "NUTS2021": "2,121"}.items():
        assert any(name in line and rows in line for line in out.splitlines()), out
    out = run(installed, "schemes", "load", "uscmp-naics2012")
    assert "954" in out, out  # 954 NAICS 2012 industries in the 67 CMP clusters
    out = run(installed, "schemes", "load", "eu-nace2")
    assert "eu-nace2" in out, out
    work = installed["work"]
    # FRB0/HU11 exist from NUTS 2016 on; HR04 and NO01 were split by the 2021 amendment
    (work / "codes.csv").write_text("geo\nFRB0\nHU11\nHR04\nNO01\nDE11\nUKC1\n", encoding="utf-8")
    out = run(installed, "nuts", "detect", "codes.csv")
    assert "best: NUTS 2016" in out and "(ambiguous)" not in out.splitlines()[0], out
    (work / "panel.csv").write_text(PANEL, encoding="utf-8")
    (work / "clusters.csv").write_text(CLUSTERS, encoding="utf-8")
    run(installed, "map", "--panel", "panel.csv", "--clusters", "clusters.csv",
        "--lq-base", "traded", "--out", "result.csv")  # fmt: skip
    table = pd.read_csv(work / "result.csv", dtype={"region": str, "cluster": str})
    row = table[(table.region == "AA1") & (table.cluster == "T1")].iloc[0]
    # traded universe: AA1 30+10 = 40, all regions 90; T1 30+10 = 40 -> (30/40) / (40/90)
    assert row.lq == pytest.approx((30 / 40) / (40 / 90))
    record = json.loads((work / "result.csv.provenance.json").read_text(encoding="utf-8"))
    assert record["version"] and {i["role"] for i in record["inputs"]} == {"panel", "definitions"}
