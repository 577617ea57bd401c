"""Vega-Lite to inline SVG with vl-convert (offline: no base URL may be fetched)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

VL_VERSION = "6.4"


def to_svg(spec: Mapping[str, Any], label: str | None = None) -> str:
    """The chart of ``spec`` as an ``<svg>`` element to put inline in a report page.

    Data must be inline: ``allowed_base_urls=[]`` makes vl-convert refuse every URL, so a
    report never reaches the network. The element gets ``role="img"`` and an ``aria-label``
    (``label``, else the spec's title) so the HTML version reads well in a screen reader.
    """
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(dict(spec), vl_version=VL_VERSION, allowed_base_urls=[])
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    title = spec.get("title")
    text = label or (title if isinstance(title, str) else "chart")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(text, quote=True)}" ', 1)
