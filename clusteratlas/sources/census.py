"""US Census Bureau County Business Patterns (CBP): employment, establishments and payroll by
NAICS industry for states, counties and metropolitan/micropolitan areas.

Two ways to the same numbers, both through the download cache:

``files`` (default up to 2016)
    The bulk files ``https://www2.census.gov/programs-surveys/cbp/datasets/{year}/
    cbp{yy}{st|co|msa}.zip``: one zip per geography, no key, and the only place that carries
    the employment-size class of withheld cells (``EMPFLAG``, up to 2016), which the CMP's
    imputation needs.
``api`` (default from 2017)
    The Census Data API ``https://api.census.gov/data/{year}/cbp?get=…&for=…`` with
    ``LFO=001`` (all legal forms, 2017+) and ``EMPSZES=001`` (all establishment sizes).
    An API key (``--api-key`` or ``$CENSUS_API_KEY``) is sent with the request but never
    written to the cache manifest, the provenance or an error message.

The observations land in one dataset ``cbp-{geo}-{year}`` with ``source='census'``,
``region_system`` ``US-STATE`` (2-digit FIPS), ``US-COUNTY`` (5-digit FIPS) or ``US-MSA``
(5-digit CBSA), classification ``NAICS2012`` (2017+ bridged with the Census concordance, see
:mod:`clusteratlas.sources.census_bridge`), and the provenance line "Source: U.S. Census
Bureau, County Business Patterns".

No real CBP answer is available offline: the parsers are tested on files and API answers built
to the published record layouts and API variable lists (see ``docs/sources.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pandas as pd

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.cache import Cache, Request, fetch
from clusteratlas.sources.census_bridge import BridgeReport, bridge_to_naics2012, concordance_links
from clusteratlas.sources.census_parse import (
    MSA_API_GEO,
    naics_vintage,
    parse_cbp_api,
    parse_cbp_file,
)
from clusteratlas.sources.http import HttpClient

API_URL = "https://api.census.gov"
FILES_URL = "https://www2.census.gov"
ATTRIBUTION = "Source: U.S. Census Bureau, County Business Patterns"
API_NOTICE = (
    "This product uses the Census Bureau Data API but is not endorsed or certified by the "
    "Census Bureau."
)
LICENCE = "U.S. Census Bureau data: public domain (U.S. Government work, 17 U.S.C. 105)"
GEOS = {"state": ("US-STATE", "st"), "county": ("US-COUNTY", "co"), "msa": ("US-MSA", "msa")}
VIAS = ("auto", "files", "api")


def file_url(year: int, geo: str, base_url: str = FILES_URL) -> str:
    """The bulk file of a year and geography.

    >>> file_url(2016, "county")
    'https://www2.census.gov/programs-surveys/cbp/datasets/2016/cbp16co.zip'
    """
    name = f"cbp{year % 100:02d}{GEOS[geo][1]}.zip"
    return f"{base_url.rstrip('/')}/programs-surveys/cbp/datasets/{year}/{name}"


def api_request(year: int, geo: str, base_url: str = API_URL) -> Request:
    """The API request of a year and geography (without the key).

    >>> r = api_request(2018, "state")
    >>> r.url, r.params["for"], r.params["LFO"], r.params["EMPSZES"]
    ('https://api.census.gov/data/2018/cbp', 'state:*', '001', '001')
    >>> r.params["get"]
    'NAICS2017,NAICS2017_LABEL,EMP,EMP_N,ESTAB,PAYANN,PAYANN_N'
    """
    field = naics_vintage(year)
    if field == "NAICS2017":
        get = f"{field},{field}_LABEL,EMP,EMP_N,ESTAB,PAYANN,PAYANN_N"
        params: dict[str, Any] = {"LFO": "001", "EMPSZES": "001"}
    else:  # 2012-2016: the variables of the vintage's documented examples
        get = f"{field},{field}_TTL,EMP,ESTAB,PAYANN"
        params = {}
    geo_for = {"state": "state:*", "county": "county:*", "msa": f"{MSA_API_GEO}:*"}[geo]
    params.update({"get": get, "for": geo_for})
    if geo == "county":
        params["in"] = "state:*"
    return Request(f"{base_url.rstrip('/')}/data/{year}/cbp", params, fmt="json", api="census-cbp")


@dataclass
class CensusLoad:
    """What :func:`load_census` did."""

    dataset: str
    year: int
    geo: str
    via: str
    url: str
    sha256: str
    rows: int
    regions: int
    industries: int
    stats: dict[str, int]
    bridge: BridgeReport | None
    from_cache: bool
    load_id: str


def _check(year: int | str, geo: str, via: str) -> tuple[int, str, str]:
    try:
        y = int(str(year))
    except ValueError:
        raise InputError(f"not a year: {year!r}", parameter="year") from None
    naics_vintage(y)
    if geo not in GEOS:
        raise InputError(f"unknown geography {geo!r} (use {', '.join(GEOS)})", parameter="geo")
    if via not in VIAS:
        raise InputError(f"unknown way {via!r} (use {', '.join(VIAS)})", parameter="via")
    if via == "auto":
        via = "files" if y <= 2016 else "api"
    return y, geo, via


def _redact(exc: FetchError, key: str | None) -> FetchError:
    if key and key in str(exc):
        return FetchError(str(exc).replace(key, "***"))
    return exc


class CbpOptions(TypedDict, total=False):
    """How a CBP table is fetched: the keyword arguments of :func:`download_cbp`."""

    via: str
    api_key: str | None
    api_url: str
    files_url: str
    client: HttpClient | None
    cache: Cache | None
    offline: bool
    refresh: bool


def download_cbp(
    year: int | str,
    geo: str,
    *,
    via: str = "auto",
    api_key: str | None = None,
    api_url: str = API_URL,
    files_url: str = FILES_URL,
    client: HttpClient | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    refresh: bool = False,
):
    """A verified cached copy of the CBP answer plus its parsed observations and stats."""
    y, geo, via = _check(year, geo, via)
    client = client or HttpClient()
    cache = cache or Cache()
    dataset = f"cbp-{geo}-{y}"
    if via == "files":
        request = Request(file_url(y, geo, files_url), fmt="zip", api="census-cbp-files")

        def parse(path: Path):
            return parse_cbp_file(path, y, geo, source=request.url)

        download = None
    else:
        request = api_request(y, geo, api_url)

        def parse(path: Path):
            return parse_cbp_api(path.read_bytes(), y, geo, source=request.full_url)

        def download(url: str, dest: Path, headers):
            full = f"{url}&key={api_key}" if api_key else url
            return client.download(full, dest, headers=headers)

    try:
        got = fetch(
            request,
            client=client,
            cache=cache,
            dataset=dataset,
            offline=offline,
            refresh=refresh,
            download=download,
            validate=lambda p, _fetched: parse(p),
        )
    except FetchError as exc:
        raise _redact(exc, api_key) from None
    frame, stats = got.parsed if got.parsed is not None else parse(got.path)
    return got, frame, stats, via


def load_census(
    store,
    year: int | str,
    geo: str,
    *,
    concordance: str | Path | None = None,
    **download: Unpack[CbpOptions],
) -> CensusLoad:
    """Download (through the cache), parse, bridge to NAICS 2012 and load one CBP table.

    ``download`` takes the keyword arguments of :func:`download_cbp` (:class:`CbpOptions`):
    ``via``, ``api_key``, ``api_url``, ``files_url``, ``client``, ``cache``, ``offline`` and
    ``refresh``; ``concordance`` is the NAICS 2017 -> 2012 concordance (default: packaged).
    """
    got, frame, stats, via = download_cbp(year, geo, **download)
    y = int(str(year))
    vintage = naics_vintage(y)
    bridge = None
    if vintage == "NAICS2017":
        frame, bridge = bridge_to_naics2012(frame, concordance_links(concordance))
    region_system = GEOS[geo][0]
    dataset = f"cbp-{geo}-{y}"
    obs = frame.assign(
        source="census",
        dataset=dataset,
        region_system=region_system,
        classification="NAICS2012",
        dims="",
    )
    notes = [
        f"CBP {y} {geo} via {via} ({vintage}); payroll converted from $1,000 to dollars",
        f"employment withheld: {stats['employment_withheld']} "
        f"({stats['with_size_class']} with a size class A-M)",
    ]
    if bridge is not None:
        notes.append(f"bridged NAICS 2017 -> 2012: {bridge.summary()}")
    if via == "api":
        notes.append(API_NOTICE)
    load_id = store.load_observations(
        obs,
        dataset=dataset,
        source="census",
        **got.entry.origin(),
        licence=LICENCE,
        attribution=ATTRIBUTION,
        region_system=region_system,
        classification="NAICS2012",
        notes="; ".join(notes),
    )
    return CensusLoad(
        dataset,
        y,
        geo,
        via,
        got.entry.full_url,
        got.entry.sha256,
        len(obs),
        int(obs["region"].nunique()),
        int(obs["industry"].nunique()),
        stats,
        bridge,
        got.from_cache,
        load_id,
    )


def summary_frame(res: CensusLoad) -> pd.DataFrame:
    """Key facts of a load as a two-column frame (for display)."""
    rows = [
        ("dataset", res.dataset),
        ("observations", f"{res.rows:,} ({res.regions:,} regions x {res.industries:,} industries)"),
        ("employment withheld", f"{res.stats['employment_withheld']:,}"),
        ("source", res.url),
        ("sha256", res.sha256),
        ("download", "served from cache" if res.from_cache else "downloaded"),
    ]
    if res.bridge is not None:
        rows.append(("NAICS 2017 -> 2012", res.bridge.summary()))
    return pd.DataFrame(rows, columns=["what", "value"])
