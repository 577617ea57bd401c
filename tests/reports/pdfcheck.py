"""Inspect a PDF page by page with Debian's poppler-utils (pdfinfo, pdftotext, pdftoppm)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MAGENTA = (0xC5, 0x1B, 0x7D)  # the locator map's highlight (reports.specs.HIGHLIGHT)


def need_poppler() -> None:
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install poppler-utils (.ci/run does)")


def pages(pdf: Path) -> int:
    need_poppler()
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def page_text(pdf: Path, page: int) -> str:
    """Text of one page (1-based), whitespace folded to single spaces."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(out.stdout.split())


def page_image(pdf: Path, page: int, dpi: int = 40):
    """One page as an RGB PIL image."""
    from PIL import Image

    out = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", str(pdf)],
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(out.stdout)).convert("RGB")


def ink(image, below: int = 235) -> float:
    """Share of pixels darker than ``below`` on every channel's mean (not paper)."""
    grey = image.convert("L")
    hist = grey.histogram()
    return sum(hist[:below]) / (grey.width * grey.height)


def colour_pixels(image, rgb: tuple[int, int, int], tol: int = 40) -> int:
    """How many pixels are within ``tol`` (per channel) of ``rgb``."""
    import numpy as np

    px = np.asarray(image.convert("RGB"), dtype=int)
    return int((np.abs(px - np.array(rgb)) <= tol).all(axis=2).sum())


def body_ink(image, margin: float = 0.12) -> float:
    """:func:`ink` of the page without its header and footer bands (``margin`` of the height
    each): a page with only its running header and footer counts as blank."""
    w, h = image.size
    return ink(image.crop((0, int(h * margin), w, int(h * (1 - margin)))))


def check_every_page(pdf: Path, attribution: str) -> list[str]:
    """Assert each page has body content, the attribution and its page number; return the
    pages' texts."""
    n = pages(pdf)
    assert n >= 1
    texts = []
    squeezed = " ".join(attribution.split())
    for i in range(1, n + 1):
        text = page_text(pdf, i)
        assert squeezed in text, f"page {i} lacks the attribution {attribution!r}"
        assert f"Page {i} of {n}" in text, f"page {i} lacks its page number"
        assert "Sources:" in text, f"page {i} lacks the sources line"
        assert body_ink(page_image(pdf, i)) > 0.005, f"page {i} is blank"
        texts.append(text)
    return texts
