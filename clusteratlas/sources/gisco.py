"""NUTS boundaries and code lists from GISCO, Eurostat's geographic information service.

GISCO's distribution service publishes every NUTS version as GeoJSON, one file per year,
scale, projection and level (checked against public uses of the service)::

    https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/
        NUTS_RG_{scale}_{year}_{epsg}_LEVL_{level}.geojson     one level
        NUTS_RG_{scale}_{year}_{epsg}.geojson                  all levels

``RG`` = regions (polygons); scales ``01M``, ``03M``, ``10M``, ``20M``, ``60M`` (1:1 million
… 1:60 million); projections EPSG ``4326`` (lon/lat), ``3035`` (ETRS89-LAEA, metres),
``3857`` (web Mercator); years 2003 … 2024. Each feature carries ``NUTS_ID``, ``LEVL_CODE``,
``CNTR_CODE``, ``NAME_LATN`` and ``NUTS_NAME``.

:func:`load_gisco` downloads a file through the download cache
(:mod:`clusteratlas.sources.cache`), loads its code list into the store's ``regions`` table
(``system = 'NUTS'``, ``version = year``) and records a provenance row with the attribution
GISCO requires, "© EuroGeographics for the administrative boundaries", in one transaction.
:func:`nuts_geometries` gives the local path of the GeoJSON for maps.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clusteratlas.errors import FetchError, InputError
from clusteratlas.fileio import atomic_path
from clusteratlas.sources.cache import Cache, Request, fetch
from clusteratlas.sources.http import GZIP_MAGIC, HttpClient
from clusteratlas.store.schema import REGION_COLUMNS

GISCO_URL = "https://gisco-services.ec.europa.eu"
NUTS_GEOJSON_PATH = "/distribution/v2/nuts/geojson"
YEARS = ("2003", "2006", "2010", "2013", "2016", "2021", "2024")
SCALES = ("01M", "03M", "10M", "20M", "60M")
EPSGS = ("4326", "3035", "3857")
ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
LICENCE = (
    "GISCO/Eurostat administrative boundaries: reuse with the acknowledgement "
    f"'{ATTRIBUTION}' (https://ec.europa.eu/eurostat/web/gisco/geodata/administrative-units)"
)


@dataclass(frozen=True)
class NutsFile:
    """One GISCO NUTS GeoJSON file. ``level`` ``None`` = all levels in one file."""

    year: str
    scale: str
    epsg: str
    level: int | None

    @property
    def name(self) -> str:
        base = f"NUTS_RG_{self.scale}_{self.year}_{self.epsg}"
        return f"{base}.geojson" if self.level is None else f"{base}_LEVL_{self.level}.geojson"

    @property
    def dataset(self) -> str:
        """The provenance/cache dataset name, e.g. ``gisco-nuts2021-20M-4326-L2``."""
        lev = "all" if self.level is None else f"L{self.level}"
        return f"gisco-nuts{self.year}-{self.scale}-{self.epsg}-{lev}"

    def url(self, base_url: str = GISCO_URL) -> str:
        return f"{base_url.rstrip('/')}{NUTS_GEOJSON_PATH}/{self.name}"


def nuts_file(
    year: str | int, scale: str = "20M", epsg: str | int = "4326", level: str | int | None = None
) -> NutsFile:
    """Check the parameters and name the file (errors name the CLI option).

    >>> nuts_file(2021, "20m", 4326, 2).name
    'NUTS_RG_20M_2021_4326_LEVL_2.geojson'
    >>> nuts_file("2024", "3M", "3035", "all").name
    'NUTS_RG_03M_2024_3035.geojson'
    """
    y = str(year).strip()
    if y not in YEARS:
        raise InputError(f"no NUTS version {y!r} (GISCO has {', '.join(YEARS)})", parameter="year")
    s = str(scale).strip().upper()
    if len(s) == 2 and s[0].isdigit():
        s = "0" + s
    if s not in SCALES:
        raise InputError(f"unknown scale {scale!r} (use {', '.join(SCALES)})", parameter="scale")
    e = str(epsg).strip()
    if e not in EPSGS:
        raise InputError(f"unknown EPSG {epsg!r} (use {', '.join(EPSGS)})", parameter="epsg")
    if level is None or str(level).strip().lower() in ("all", ""):
        lev = None
    elif str(level).strip() in ("0", "1", "2", "3"):
        lev = int(str(level).strip())
    else:
        raise InputError(f"level must be 0-3 or 'all', got {level!r}", parameter="level")
    return NutsFile(y, s, e, lev)


def read_geojson(path: str | Path, *, source: str | None = None) -> dict:
    """Read a GeoJSON FeatureCollection (plain or gzip-compressed)."""
    path = Path(path)
    where = source or str(path)
    with path.open("rb") as fh:
        raw = fh.read()
    if raw[:2] == GZIP_MAGIC:
        raw = gzip.decompress(raw)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a GeoJSON document ({exc})", file=where) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError("not a GeoJSON FeatureCollection", file=where)
    if not isinstance(doc.get("features"), list):
        raise InputError("the FeatureCollection has no features list", file=where)
    return doc


def regions_from_geojson(doc: dict, year: str, *, source: str | None = None) -> pd.DataFrame:
    """The code list of a GISCO NUTS FeatureCollection in the store's ``regions`` columns.

    Levels, parents and countries follow the NUTS rules of
    :func:`clusteratlas.classifications.nuts.nuts_frame` (the feature's ``LEVL_CODE`` must
    agree with its code length). Names are ``NUTS_NAME`` (the national-language name), with
    ``NAME_LATN`` as fallback.
    """
    from clusteratlas.classifications.nuts import nuts_frame

    codes, names, levels = [], [], []
    for i, feat in enumerate(doc["features"]):
        props = feat.get("properties") or {}
        code = props.get("NUTS_ID")
        if not code:
            raise InputError(f"feature {i} has no NUTS_ID", file=source, column="NUTS_ID")
        codes.append(str(code))
        names.append(props.get("NUTS_NAME") or props.get("NAME_LATN"))
        lev = props.get("LEVL_CODE")
        levels.append(int(lev) if lev is not None else len(str(code)) - 2)
    if not codes:
        raise InputError("the FeatureCollection has no features", file=source)
    frame = nuts_frame(codes, names, year, levels=levels, source=source)
    return frame[REGION_COLUMNS]


@dataclass
class GiscoLoad:
    """What :func:`load_gisco` did."""

    file: NutsFile
    url: str
    path: Path
    sha256: str
    regions: int
    by_level: dict[int, int]
    from_cache: bool
    load_id: str | None


def _client_cache(client: HttpClient | None, cache: Cache | None) -> tuple[HttpClient, Cache]:
    return client or HttpClient(), cache or Cache()


def download_nuts(
    spec: NutsFile,
    *,
    base_url: str = GISCO_URL,
    client: HttpClient | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    refresh: bool = False,
):
    """A verified cached copy of the file (downloaded when needed; parsed before caching)."""
    client, cache = _client_cache(client, cache)
    request = Request(spec.url(base_url), fmt="geojson", api="gisco-distribution-v2")

    def validate(path: Path, _fetched: object = None) -> pd.DataFrame:
        return regions_from_geojson(
            read_geojson(path, source=request.url), spec.year, source=request.url
        )

    return fetch(
        request,
        client=client,
        cache=cache,
        dataset=spec.dataset,
        offline=offline,
        refresh=refresh,
        validate=validate,
    )


def load_gisco(
    store,
    spec: NutsFile,
    *,
    base_url: str = GISCO_URL,
    client: HttpClient | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    refresh: bool = False,
) -> GiscoLoad:
    """Download ``spec`` (through the cache) and load its code list with provenance, atomically.

    The regions are upserted (``system='NUTS'``, ``version=year``); the provenance row names
    the URL, the sha256 of the bytes, the retrieval time and the GISCO attribution.
    """
    got = download_nuts(
        spec, base_url=base_url, client=client, cache=cache, offline=offline, refresh=refresh
    )
    frame = got.parsed
    if frame is None:  # served from the cache: parse the verified copy
        doc = read_geojson(got.path, source=got.entry.full_url)
        frame = regions_from_geojson(doc, spec.year, source=got.entry.full_url)
    _materialise(got.path, (cache or Cache()).root, spec)
    by_level = frame.groupby("level").size().astype(int).to_dict()
    counts = ", ".join(f"L{k} {v}" for k, v in sorted(by_level.items()))
    with store.transaction() as con:
        load_id = store.new_load(
            con,
            dataset=spec.dataset,
            source="gisco",
            **got.entry.origin(),
            licence=LICENCE,
            attribution=ATTRIBUTION,
            region_system=f"NUTS{spec.year}",
            rows=len(frame),
            notes=f"NUTS {spec.year} code list from GISCO {spec.name} ({counts}); "
            f"geometry file cached ({spec.scale}, EPSG:{spec.epsg})",
        )
        store.insert_frame(con, "regions", frame, REGION_COLUMNS, replace=True)
    return GiscoLoad(
        spec,
        got.entry.full_url,
        got.path,
        got.entry.sha256,
        len(frame),
        by_level,
        got.from_cache,
        load_id,
    )


def _materialise(blob: Path, cache_root: Path, spec: NutsFile) -> Path:
    """A plain (uncompressed) copy named like the GISCO file, for GIS tools: atomically."""
    out_dir = Path(cache_root) / "gisco"
    out = out_dir / spec.name
    raw = blob.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        raw = gzip.decompress(raw)
    if out.exists() and out.stat().st_size == len(raw) and out.read_bytes() == raw:
        return out
    with atomic_path(out) as tmp:
        tmp.write_bytes(raw)
    return out


def nuts_geometries(
    year: str | int,
    scale: str = "20M",
    epsg: str | int = "4326",
    level: str | int | None = None,
    *,
    cache: Cache | None = None,
    download: bool = True,
    base_url: str = GISCO_URL,
    client: HttpClient | None = None,
) -> Path:
    """Path of a plain GeoJSON file of NUTS regions (for maps).

    Served from the cache without any network request when the file is there (from GISCO or
    a mirror); otherwise downloaded (``download=True``) or a :class:`FetchError` says how to get it.
    """
    spec = nuts_file(year, scale, epsg, level)
    cache = cache or Cache()
    # any cached copy of this file, from GISCO or a mirror, newest first
    for entry in cache.entries(spec.dataset):
        if entry.url.endswith("/" + spec.name):
            try:
                return _materialise(cache.verify(entry), cache.root, spec)
            except FetchError:
                continue
    if not download:
        raise FetchError(
            f"{spec.name} is not in the cache ({cache.root}); run 'clusteratlas fetch gisco "
            f"--year {spec.year} --scale {spec.scale} --epsg {spec.epsg} --level "
            f"{'all' if spec.level is None else spec.level}'"
        )
    got = download_nuts(spec, base_url=base_url, client=client, cache=cache)
    return _materialise(got.path, cache.root, spec)
