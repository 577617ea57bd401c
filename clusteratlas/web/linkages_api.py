"""The linkage routes of the JSON API (``docs/linkages.md``, "JSON API") and the wiring of
the linkage pages.

``install(app)`` — the one line in :mod:`clusteratlas.web.app` — adds the router below (under
``/api/``, with the API's error bodies: 404 for an unknown code, 422 for a bad parameter) and
the pages of :mod:`clusteratlas.web.views.linkages` (``/partners``, ``/hotspots``).

Routes (each the JSON twin of a section or page):

- ``/api/regions/{code}/opportunities`` — growth opportunities (region page);
- ``/api/regions/{code}/emerging`` — emerging specialisations (region page);
- ``/api/clusters/{code}/related`` — the related-clusters network (cluster page);
- ``/api/partners?region=…`` — similar and complementary partners (partner finder);
- ``/api/partnership?regions=A,B[,…]`` — coverage of a partnership and the regions that would
  fill its gaps (partner finder, partnership);
- ``/api/clusters/{code}/hotspots`` — LISA hot spots and zones (hot-spot map).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query, Request

from clusteratlas.errors import InputError
from clusteratlas.web.api import _atlas, _code, _name_param, _year, api_router
from clusteratlas.web.params import CODE_RE

router = api_router("linkages")


def _n() -> Any:
    return Query(10, ge=1, le=50, description="How many (1-50)")


@router.get("/regions/{code}/opportunities", summary="Growth opportunities of a region")
def opportunities(
    request: Request,
    code: str = _code("Region"),
    year: int | None = _year(),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
    system: str | None = _name_param("Region system; needed only where the code is ambiguous"),
    n: int = _n(),
) -> dict[str, Any]:
    """Clusters with high relatedness density, no specialisation yet and PCI above average,
    ranked by complexity outlook gain, each with its reasons."""
    atlas = _atlas(request)
    items = atlas.opportunities(code, year=year, scheme=scheme, system=system, n=n)
    return {**atlas.linkage_context(code, year, scheme, system), "items": items}


@router.get("/regions/{code}/emerging", summary="Emerging specialisations of a region")
def emerging(
    request: Request,
    code: str = _code("Region"),
    start: int | None = Query(None, ge=1800, le=2200, description="From (default: first year)"),
    end: int | None = Query(None, ge=1800, le=2200, description="To (default: last year)"),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
    system: str | None = _name_param("Region system; needed only where the code is ambiguous"),
) -> dict[str, Any]:
    """New (RCA crossed 1) and fast-rising specialisations between two years."""
    atlas = _atlas(request)
    items = atlas.emerging(code, start=start, end=end, scheme=scheme, system=system)
    context = atlas.linkage_context(code, end, scheme, system)
    context.pop("year")
    return {**context, "start": start, "end": end, "items": items}


@router.get("/clusters/{code}/related", summary="Related-clusters network of a cluster")
def related(
    request: Request,
    code: str = _code("Cluster"),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
    year: int | None = _year(),
) -> dict[str, Any]:
    """The cluster's ego network (nodes, edges with strong/weak links), every other cluster
    ranked by relatedness, and the network rule."""
    return _atlas(request).related(code, scheme=scheme, year=year)


@router.get("/partners", summary="Partner regions of a region")
def partners(
    request: Request,
    region: str = Query(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$", description="Region"),
    cluster: str | None = Query(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$", description="Only for this cluster"
    ),
    n: int = _n(),
) -> dict[str, Any]:
    """Similar (alike profiles) and complementary (specialised in the region's related gaps)
    regions in other countries, each with its reasons."""
    return _atlas(request).partners(region, cluster=cluster, n=n)


@router.get("/partnership", summary="Coverage of a partnership of regions")
def partnership(
    request: Request,
    regions: str = Query(
        ...,
        min_length=1,
        max_length=450,
        description="2 to 10 region codes of one system and level, separated by commas",
        examples=["XD11,XD12"],
    ),
    n: int = _n(),
) -> dict[str, Any]:
    """What a set of regions covers together: each member's needs (non-specialisations with
    high relatedness density), which another member covers, and the regions of other
    countries that would fill the uncovered needs, each with its reasons."""
    return _atlas(request).partnership(region_codes(regions), n=n)


def region_codes(value: str) -> list[str]:
    """The codes of a comma-separated ``regions`` value (spaces around commas allowed); a
    malformed code is an InputError naming ``regions``."""
    codes = [c.strip() for c in value.split(",") if c.strip()]
    for c in codes:
        if not CODE_RE.match(c):
            raise InputError(
                f"{c[:40]!r} is not a region code (letters, digits, _ . -)", parameter="regions"
            )
    return codes


@router.get("/clusters/{code}/hotspots", summary="Hot spots (LISA) of a cluster")
def hotspots(
    request: Request,
    code: str = _code("Cluster"),
    year: int | None = _year(),
    system: str | None = _name_param("Region system (default: the atlas's)"),
    level: int | None = Query(None, ge=0, le=9, description="Region level"),
    permutations: int = Query(999, ge=99, le=9999, description="Permutations"),
    seed: int = Query(12345, ge=0, le=2**32 - 1, description="Random seed"),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
) -> dict[str, Any]:
    """Local Moran's I of the cluster's LQ: quadrant and pseudo p-value per region, hot-spot
    zones (cross-border or not), islands and the regions left out."""
    return _atlas(request).hotspot_map(
        code,
        year=year,
        system=system,
        level=level,
        permutations=permutations,
        seed=seed,
        scheme=scheme,
    )


def install(app: FastAPI) -> None:
    """Add the linkage API routes and pages to ``app`` (one line in ``web/app.py``)."""
    from clusteratlas.web.views import linkages

    app.include_router(router)
    linkages.register(app)
