"""The JSON API under ``/api/`` (FastAPI router; ``docs/web-api.md`` documents every route).

Every route reads through the :class:`~clusteratlas.atlas.service.Atlas` held in
``request.app.state.atlas`` — precomputed results, never recomputed per request. Parameters
are validated twice: by FastAPI/pydantic (types, ranges, lengths, patterns: the OpenAPI schema
states them) and by the service (unknown codes, years, schemes). Values a client sends only ever
reach the store as bound SQL parameters.

Errors are JSON objects ``{"status", "message", "parameter", "errors"}``: an unknown region,
cluster, scheme, system or year is a 404; a malformed or ambiguous parameter a 422. The router
uses its own route class so these shapes hold whatever error handlers the app installs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.web.cache import CachedBody, atlas_identity, query_key, response_cache

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown region, cluster, scheme, system or year"},
    422: {"description": "Malformed or ambiguous parameter"},
}


# -- errors ---------------------------------------------------------------------------------
class ErrorBody(BaseModel):
    """Every error the API answers with."""

    status: int
    message: str
    parameter: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


def error_response(status: int, message: str, parameter: str | None = None, errors=None):
    body = ErrorBody(status=status, message=message, parameter=parameter, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status)


def _validation_errors(exc: RequestValidationError) -> tuple[str, str | None, list[dict]]:
    errors = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "path")]
        errors.append({"parameter": ".".join(loc) or None, "message": str(e.get("msg", ""))})
    first = errors[0] if errors else {"parameter": None, "message": "invalid request"}
    where = f"parameter {first['parameter']}: " if first["parameter"] else ""
    return where + first["message"], first["parameter"], errors


class ApiRoute(APIRoute):
    """Turns validation, NotFoundError and InputError into the API's JSON error bodies, and
    answers repeated requests from the app's :class:`~clusteratlas.web.cache.ResponseCache`.

    The cache key is (atlas file identity, URL path, sorted query pairs): the atlas is
    read-only between rebuilds, and a rebuild swapped in changes the identity. A hit skips
    the worker thread, parameter validation, the store and serialisation; a miss runs the
    route as usual and keeps its ``200`` body (with its gzip twin and ETag).
    """

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            cache = response_cache(request.app)
            key = (
                "api",
                atlas_identity(_atlas(request)),
                request.url.path,
                query_key(request),
            )
            hit = cache.get(key)
            if hit is not None:
                return hit.response(request)
            try:
                response = await handler(request)
            except RequestValidationError as exc:
                message, parameter, errors = _validation_errors(exc)
                return error_response(422, message, parameter, errors)
            except NotFoundError as exc:
                return error_response(404, exc.message, exc.parameter)
            except InputError as exc:
                return error_response(422, str(exc), exc.parameter)
            if response.status_code != 200 or not isinstance(response.body, bytes):
                return response
            entry = CachedBody.of(response.body, response.media_type or "application/json")
            cache.put(key, entry)
            return entry.response(request)

        return route


def api_router(tag: str) -> APIRouter:
    """An ``/api`` router whose routes are cached (:class:`ApiRoute`) and document the error
    body of 404 and 422; every JSON router of the atlas is one."""
    return APIRouter(
        prefix="/api",
        tags=[tag],
        route_class=ApiRoute,
        responses={
            404: {"model": ErrorBody, **ERROR_RESPONSES[404]},
            422: {"model": ErrorBody, **ERROR_RESPONSES[422]},
        },
    )


router = api_router("api")


def _atlas(request: Request) -> Any:
    return request.app.state.atlas


# -- models ---------------------------------------------------------------------------------
class _Open(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RegionItem(_Open):
    system: str
    code: str
    name: str | None = None
    level: int | None = None
    parent: str | None = None
    country: str | None = None
    has_geometry: bool


class RegionPage(_Open):
    items: list[RegionItem]
    total: int
    page: int
    per_page: int


class RegionChild(_Open):
    code: str
    name: str | None = None
    level: int | None = None


class Region(RegionItem):
    parent_name: str | None = None
    children: list[RegionChild]
    schemes: list[str]
    years: list[int]


class Indicators(_Open):
    """A cell's indicators (one region, one cluster, one year)."""

    employment: float | None = None
    establishments: float | None = None
    wage: float | None = None
    lq: float | None = None
    region_share: float | None = None
    benchmark_share: float | None = None
    stars: int | None = None
    strong: bool | None = None
    strong10: bool | None = None


class ClusterCell(Indicators):
    cluster: str
    cluster_name: str | None = None
    cluster_type: str | None = None


class RegionClusters(_Open):
    region: Region
    year: int
    scheme: str
    clusters: list[ClusterCell]
    provenance: dict[str, Any]


class ClusterItem(_Open):
    scheme: str
    cluster: str
    cluster_name: str | None = None
    cluster_type: str | None = None


class ClusterList(_Open):
    clusters: list[ClusterItem]


class Member(_Open):
    industry: str
    classification: str | None = None
    weight: float | None = None
    label: str | None = None


class Cluster(ClusterItem):
    region_systems: list[str]
    years: list[int]
    members: list[Member]


class ClusterRegionCell(Indicators):
    region: str
    name: str | None = None
    region_system: str
    level: int | None = None
    has_geometry: bool


class ClusterRegions(_Open):
    cluster: Cluster
    year: int
    scheme: str
    system: str | None = None
    level: int | None = None
    regions: list[ClusterRegionCell]
    provenance: dict[str, Any]


class SearchHit(_Open):
    type: Literal["region", "cluster"]
    code: str
    name: str | None = None
    system: str | None = None
    level: int | None = None
    scheme: str | None = None
    cluster_type: str | None = None


class SearchResults(_Open):
    q: str
    results: list[SearchHit]


class Score(_Open):
    node: str
    node_name: str | None = None
    parent: str | None = None
    level: int | None = None
    score: float | None = None
    rank: float | None = None
    rank_p05: float | None = None
    rank_median: float | None = None
    rank_p95: float | None = None


class ScoreboardRegion(_Open):
    region: RegionItem
    edition: str
    year: int
    scores: list[Score]
    n_regions: int
    peers: list[Any]
    strengths: list[Any]
    bottlenecks: list[Any]
    provenance: dict[str, Any]


class AtlasInfo(_Open):
    title: str
    preset: str | None = None
    synthetic: bool
    built_at: str | None = None
    sources: list[dict[str, Any]]
    attribution: list[str]
    default_scheme: str | None = None
    default_system: str | None = None
    schemes: list[dict[str, Any]]
    region_systems: list[dict[str, Any]]
    years: list[int]
    scoreboard: list[dict[str, Any]]
    provenance: list[dict[str, Any]]


# -- parameters -----------------------------------------------------------------------------
def _code(what: str) -> Any:
    return Path(..., description=f"{what} code, as in the atlas", pattern=CODE_PATTERN)


def _name_param(description: str) -> Any:
    return Query(None, description=description, pattern=NAME_PATTERN)


def _year() -> Any:
    return Query(None, ge=1800, le=2200, description="Year (default: the latest)")


def _level() -> Any:
    return Query(None, ge=0, le=9, description="Region level within its system")


# -- routes ---------------------------------------------------------------------------------
@router.get("/info", response_model=AtlasInfo, summary="What the atlas holds")
def info(request: Request) -> Any:
    """Title, synthetic flag, sources, attribution, schemes × region systems, years."""
    return _atlas(request).info()


@router.get("/regions", response_model=RegionPage, summary="Paged list of regions")
def regions(
    request: Request,
    q: str | None = Query(None, max_length=100, description="Code or name contains this"),
    system: str | None = _name_param("Region system, e.g. US-MSA, NUTS2016, demo"),
    level: int | None = _level(),
    page: int = Query(1, ge=1, le=100000),
    per_page: int = Query(50, ge=1, le=500),
) -> Any:
    """Regions sorted by system, level and code; ``has_geometry`` false means listed without
    a polygon in the atlas's map."""
    return _atlas(request).regions(q=q, system=system, level=level, page=page, per_page=per_page)


@router.get("/regions/{code}", response_model=Region, summary="One region")
def region(
    request: Request,
    code: str = _code("Region"),
    system: str | None = _name_param("Region system; needed only where the code is ambiguous"),
) -> Any:
    return _atlas(request).region(code, system=system)


@router.get(
    "/regions/{code}/clusters", response_model=RegionClusters, summary="A region's clusters"
)
def region_clusters(
    request: Request,
    code: str = _code("Region"),
    year: int | None = _year(),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
    system: str | None = _name_param("Region system; needed only where the code is ambiguous"),
) -> Any:
    """Cluster table of one region and year with its provenance record."""
    return _atlas(request).region_clusters(code, year=year, scheme=scheme, system=system)


@router.get("/clusters", response_model=ClusterList, summary="Clusters")
def clusters(
    request: Request,
    scheme: str | None = _name_param("Only this cluster scheme"),
) -> Any:
    return {"clusters": _atlas(request).clusters(scheme=scheme)}


@router.get("/clusters/{code}", response_model=Cluster, summary="One cluster")
def cluster(
    request: Request,
    code: str = _code("Cluster"),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
) -> Any:
    """The cluster with its member industries (codes, classification, labels)."""
    return _atlas(request).cluster(code, scheme=scheme)


@router.get(
    "/clusters/{code}/regions", response_model=ClusterRegions, summary="A cluster's regions"
)
def cluster_regions(
    request: Request,
    code: str = _code("Cluster"),
    year: int | None = _year(),
    level: int | None = _level(),
    scheme: str | None = _name_param("Cluster scheme (default: the atlas's)"),
    system: str | None = _name_param("Region system (default: the atlas's)"),
) -> Any:
    """Every region's cell of one cluster, largest employment first."""
    return _atlas(request).cluster_regions(
        code, year=year, level=level, scheme=scheme, system=system
    )


@router.get("/search", response_model=SearchResults, summary="Search regions and clusters")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=100, description="Code or name"),
    limit: int = Query(20, ge=1, le=100),
) -> Any:
    return {"q": q, "results": _atlas(request).search(q, limit=limit)}


@router.get(
    "/scoreboard/regions/{code}",
    response_model=ScoreboardRegion,
    summary="A region's scoreboard profile",
)
def scoreboard_region(
    request: Request, code: str = _code("Region"), year: int | None = _year()
) -> Any:
    """Scores and ranks (with rank intervals), peers, strengths and bottlenecks."""
    return _atlas(request).scoreboard_region(code, year=year)


@router.get(
    "/geometries",
    response_model=dict[str, Any],
    summary="Region polygons (GeoJSON or TopoJSON)",
    responses={200: {"description": "GeoJSON FeatureCollection or TopoJSON Topology"}},
)
def geometries(
    request: Request,
    system: str = Query(..., pattern=NAME_PATTERN, description="Region system"),
    level: int | None = _level(),
    format: Literal["geojson", "topojson"] = Query("geojson"),
) -> Any:
    """Simplified polygons; ``missing`` lists the regions listed without a polygon."""
    return _atlas(request).geometries(system, level=level, fmt=format)
