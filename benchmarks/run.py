"""Benchmark runner: ``python benchmarks/run.py --suite NAME [--size small|large] [--json OUT]``.

Each suite is a module ``benchmarks/suite_<name>.py`` with ``run(size: str) -> dict``; the
dict is printed and, with ``--json``, written to a file. Suites time clusteratlas side by side
with its peers in the same run and report ratios, never absolute targets in unit tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    suites = sorted(p.stem.removeprefix("suite_") for p in HERE.glob("suite_*.py"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", required=True, choices=suites)
    parser.add_argument("--size", default="small", choices=["small", "large"])
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"suite_{args.suite}")
    result = module.run(args.size)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_suffix(args.json.suffix + ".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
