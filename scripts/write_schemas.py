"""Write the JSON Schemas of the YAML files people edit into docs/schemas/.

    python scripts/write_schemas.py          # rewrite the files
    python scripts/write_schemas.py --check  # exit 1 if a committed schema is out of date

The schemas are generated from the pydantic models that type those files when they are read
(:mod:`clusteratlas.yamlfile`); ``tests/test_yaml_schemas.py`` fails when a committed schema
differs from the generated one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from clusteratlas.yamlfile import SCHEMA_FILES, schema_text

DOCS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in SCHEMA_FILES:
        path = DOCS / name
        text = schema_text(name)
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/write_schemas.py)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
