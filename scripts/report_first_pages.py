"""Write the first pages of the real-data report artifacts as PNG into docs/img/.

Run the real-data report tests first (they keep the PDFs in tests/artifacts/reports/):

    .venv/bin/python -m pytest tests/reports/test_real.py
    .venv/bin/python scripts/report_first_pages.py

Needs pdftoppm (poppler-utils). Pages are rendered at 72 dpi and stored as 256-colour PNGs.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
REPORTS = {
    "eu-open-ITC1.pdf": "report-eu-open-ITC1.png",
    "us-cmp-06-california.pdf": "report-us-cmp-06.png",
    "joint-eocic-pilot.pdf": "report-joint-eocic-pilot.png",
}


def first_page(pdf: Path, png: Path, dpi: int = 72) -> None:
    out = subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", str(pdf)],
        capture_output=True,
        check=True,
    )
    image = Image.open(io.BytesIO(out.stdout)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)


def main() -> int:
    src = ROOT / "tests" / "artifacts" / "reports"
    for pdf, png in REPORTS.items():
        if not (src / pdf).exists():
            print(f"{src / pdf} is missing: run tests/reports/test_real.py first", file=sys.stderr)
            return 1
        first_page(src / pdf, ROOT / "docs" / "img" / png)
        print(f"wrote docs/img/{png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
