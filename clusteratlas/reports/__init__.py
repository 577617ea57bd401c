"""Reports from an atlas: region profiles, policy briefings and joint-challenges reports,
as self-contained HTML and as PDF (docs/reports.md).

>>> from clusteratlas.reports import region_profile, write_report   # doctest: +SKIP
>>> write_report(region_profile(atlas, "ES13"), "cantabria.pdf")    # doctest: +SKIP
"""

from __future__ import annotations

from clusteratlas.reports.profile import region_profile_context as region_profile
from clusteratlas.reports.render import html_to_pdf, render_html, write_report

__all__ = ["html_to_pdf", "region_profile", "render_html", "write_report"]
