"""Reports as HTML (Jinja2) and PDF (WeasyPrint), written atomically.

The HTML is self-contained: the print stylesheet is inlined and every chart and map is an
inline SVG rendered by vl-convert, so the same file prints identically anywhere and the PDF
is made from exactly the HTML a reader can open. Fonts are the system's (DejaVu Sans,
Liberation Sans); WeasyPrint is told to fetch nothing (a URL fetcher that refuses).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from clusteratlas.errors import InputError
from clusteratlas.fileio import atomic_path

FORMATS = ("pdf", "html")
TEMPLATES = {"region": "region.html", "briefing": "briefing.html", "joint": "joint.html"}


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: Any) -> str:
    """Whole number with thousands separators; "–" when missing.

    >>> num(14597229.0), num(None)
    ('14,597,229', '–')
    """
    return "–" if _missing(x) else f"{float(x):,.0f}"


def pct(x: Any) -> str:
    """A share as a percentage with one decimal.

    >>> pct(0.325505)
    '32.6 %'
    """
    return "–" if _missing(x) else f"{100 * float(x):.1f} %"


def dec(x: Any) -> str:
    """Two decimals. ``dec(1.234) == '1.23'``"""
    return "–" if _missing(x) else f"{float(x):.2f}"


def dec1(x: Any) -> str:
    """One decimal. ``dec1(41.49) == '41.5'``"""
    return "–" if _missing(x) else f"{float(x):.1f}"


def sdec(x: Any) -> str:
    """Two decimals with a sign.

    >>> sdec(0.5), sdec(-0.321)
    ('+0.50', '−0.32')
    """
    if _missing(x):
        return "–"
    return f"{float(x):+.2f}".replace("-", "−")


def environment() -> Any:
    """The Jinja2 environment of the report templates (autoescaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("clusteratlas.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=num, pct=pct, dec=dec, dec1=dec1, sdec=sdec)
    return env


def stylesheet() -> str:
    """The print stylesheet (``templates/report.css``)."""
    return (
        resources.files("clusteratlas.reports")
        .joinpath("templates/report.css")
        .read_text(encoding="utf-8")
    )


def render_html(context: Mapping[str, Any], *, generated: str | None = None) -> str:
    """The report of ``context`` (from :func:`~clusteratlas.reports.profile.region_profile_context`,
    the briefing or the joint-challenges builders) as one self-contained HTML page."""
    from clusteratlas import __version__

    template = environment().get_template(TEMPLATES[context["kind"]])
    stamp = generated if generated is not None else dt.date.today().isoformat()
    return template.render(**context, css=stylesheet(), generated=stamp, version=__version__)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ValueError(f"reports fetch nothing (asked for {url})")


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a report's HTML (WeasyPrint; no URL is fetched)."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_no_fetch, base_url=".").write_pdf()


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """``pdf`` or ``html``, from ``fmt`` or the file's suffix; else InputError(--out).

    >>> output_format("profile.PDF")
    'pdf'
    """
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen == "htm":
        chosen = "html"
    if chosen not in FORMATS:
        raise InputError(
            f"cannot tell the format of {str(path)!r}: end the file name in .pdf or .html",
            parameter="--out",
        )
    return chosen


def write_report(
    context: Mapping[str, Any],
    out: str | Path,
    *,
    fmt: str | None = None,
    step: Callable[[str], None] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    """Render ``context`` to ``out`` (PDF or HTML by suffix). The file is written under a
    temporary name and renamed: on any error nothing is left at ``out``. With
    ``provenance`` (see :func:`clusteratlas.reports.record.report_record`) the record is
    written beside it as ``out.provenance.json`` once the report is in place."""
    fmt = output_format(out, fmt)
    target = Path(out)
    if not target.parent.exists():
        raise InputError(f"folder {str(target.parent)!r} does not exist", parameter="--out")
    (step or (lambda _: None))("laying out the pages")
    html = render_html(context)
    with atomic_path(target) as tmp:
        if fmt == "html":
            tmp.write_text(html, encoding="utf-8")
        else:
            (step or (lambda _: None))("printing to PDF")
            tmp.write_bytes(html_to_pdf(html))
    if provenance is not None:
        from clusteratlas.fileio import write_json_atomic
        from clusteratlas.store.provenance import sidecar_path

        write_json_atomic(dict(provenance), sidecar_path(target))
    return target
