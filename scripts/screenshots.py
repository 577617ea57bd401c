"""Regenerate the terminal screenshots in docs/img/ (SVG, via Rich).

Runs real commands in a subprocess with colours forced, converts their ANSI output to an SVG
with Rich, and writes it atomically. Usage: ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
EXE = str(Path(sys.executable).with_name("clusteratlas"))


def shoot(name: str, title: str, args: list[str], *, lines: int | None = None) -> Path:
    env = dict(os.environ, FORCE_COLOR="1", TTY_INTERACTIVE="0", COLUMNS="104")
    done = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, check=True)
    text = done.stdout
    if lines is not None:
        text = "\n".join(text.splitlines()[:lines])
    console = Console(record=True, width=104, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(Text.from_ansi(text))
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"{name}.svg"
    tmp = target.with_suffix(".svg.tmp")
    console.save_svg(str(tmp), title=title)
    tmp.replace(target)
    return target


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "demo.duckdb")
        print(
            shoot(
                "demo",
                "clusteratlas demo (synthetic data)",
                ["demo", "--store", store, "--out", tmp],
            )
        )


if __name__ == "__main__":
    main()
