"""``clusteratlas fetch gisco`` and ``clusteratlas fetch census``.

* ``fetch gisco --nuts-version 2021 --scale 20M --epsg 4326 --level 2``: NUTS boundaries from GISCO
  into the download cache, their code list into the store's ``regions`` table;
* ``fetch census --year 2016 --geo state|county|msa``: US County Business Patterns
  (employment, establishments, payroll by NAICS) into the store, bridged to NAICS 2012.

``docs/sources.md`` describes both sources, their URLs, licences and limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.cli.option_groups import option_group
from clusteratlas.cli.options import (
    CacheOption,
    NutsVersion,
    OfflineOption,
    RefreshOption,
    RetriesOption,
    hidden_alias,
    nuts_version,
    pick,
    timeout_option,
)
from clusteratlas.errors import InputError

GISCO_URL_ENV = "CLUSTERATLAS_GISCO_URL"
CENSUS_API_ENV = "CLUSTERATLAS_CENSUS_API_URL"
CENSUS_FILES_ENV = "CLUSTERATLAS_CENSUS_FILES_URL"
CENSUS_KEY_ENV = "CENSUS_API_KEY"

TimeoutOption = timeout_option(120.0)


class Scale(StrEnum):
    """GISCO scale: 1:1 million … 1:60 million."""

    s01M = "01M"
    s03M = "03M"
    s10M = "10M"
    s20M = "20M"
    s60M = "60M"


class Epsg(StrEnum):
    """Coordinate reference system of the boundaries."""

    wgs84 = "4326"
    laea = "3035"
    web_mercator = "3857"


class GiscoLevel(StrEnum):
    """NUTS level of the boundaries (``all``: every level in one file)."""

    l0 = "0"
    l1 = "1"
    l2 = "2"
    l3 = "3"
    all = "all"


class CensusGeo(StrEnum):
    """County Business Patterns geography."""

    state = "state"
    county = "county"
    msa = "msa"


class CensusVia(StrEnum):
    """How CBP is fetched."""

    auto = "auto"
    files = "files"
    api = "api"


def _client(offline: bool, refresh: bool, timeout: float, retries: int):
    from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts

    if offline and refresh:
        raise InputError("--offline and --refresh exclude each other", parameter="--refresh")
    if retries < 1:
        raise InputError("must be at least 1", parameter="--retries")
    if timeout <= 0:
        raise InputError("must be positive", parameter="--timeout")
    return HttpClient(
        timeouts=Timeouts(connect=min(10.0, timeout), read=timeout),
        retry=RetryPolicy(attempts=retries),
        offline=offline,
    )


@dataclass(frozen=True)
class Download:
    """Where a download goes (store, cache) and how hard it tries."""

    store: Path | None = StoreOption
    cache: Path | None = CacheOption
    offline: bool = OfflineOption
    refresh: bool = RefreshOption
    timeout: float = TimeoutOption
    retries: int = RetriesOption

    def client(self):
        """The HTTP client these options describe (checked: see :func:`_client`)."""
        return _client(self.offline, self.refresh, self.timeout, self.retries)

    def fetch_args(self) -> dict:
        """The cache and the cache mode, as the loaders take them."""
        from clusteratlas.sources.cache import Cache

        return {"cache": Cache(self.cache), "offline": self.offline, "refresh": self.refresh}


def _base(value: str | None, env: str, default: str) -> str:
    base = value or os.environ.get(env) or default
    if not base.startswith(("http://", "https://")):
        raise InputError(f"{base!r} is not an http(s) URL", parameter="--base-url")
    return base


def register_fetch(group: typer.Typer) -> None:
    """Commands under ``clusteratlas fetch``."""

    @group.command("gisco")
    @option_group("download", Download)
    def fetch_gisco(
        version: NutsVersion = typer.Option(
            NutsVersion.v2021, "--nuts-version", help="NUTS version of the boundaries."
        ),
        old_year: str | None = hidden_alias("--year"),
        scale: Scale = typer.Option(Scale.s20M, "--scale", help="Scale 1:N million."),
        epsg: Epsg = typer.Option(Epsg.wgs84, "--epsg", help="EPSG code of the projection."),
        level: GiscoLevel = typer.Option(GiscoLevel.all, "--level", help="NUTS level."),
        base_url: str | None = typer.Option(
            None,
            "--base-url",
            help=f"GISCO host (default https://gisco-services.ec.europa.eu, or ${GISCO_URL_ENV}).",
        ),
        *,
        download: Download,
    ) -> None:
        """Download NUTS boundaries from GISCO; load their code list into the store."""
        from clusteratlas.sources.gisco import ATTRIBUTION, GISCO_URL, load_gisco, nuts_file
        from clusteratlas.store import Store

        chosen = pick(version, nuts_version(old_year, "--year"), new_name="--nuts-version",
                      old_name="--year", default=NutsVersion.v2021)  # fmt: skip
        spec = nuts_file(chosen.value, scale.value, epsg.value, level.value)
        base = _base(base_url, GISCO_URL_ENV, GISCO_URL)
        with (
            download.client() as client,
            Store(store_path(download.store)) as s,
            console.status(f"fetching {spec.name}…"),
        ):
            res = load_gisco(
                s,
                spec,
                base_url=base,
                client=client,
                **download.fetch_args(),
            )
        t = Table(title=f"{spec.name} — {ATTRIBUTION}", show_header=False)
        t.add_column("what", style="bold")
        t.add_column("value", overflow="fold")
        levels = ", ".join(f"level {k}: {v}" for k, v in sorted(res.by_level.items()))
        for k, v in [
            ("regions", f"{res.regions:,} NUTS {spec.year} codes ({levels})"),
            ("source", res.url),
            ("sha256", res.sha256),
            ("download", "served from cache" if res.from_cache else "downloaded"),
            ("geometry", str(res.path)),
            ("load id", res.load_id or ""),
        ]:
            t.add_row(k, v)
        console.print(t)

    @group.command("census")
    @option_group("download", Download)
    def fetch_census(
        year: int = typer.Option(..., "--year", help="CBP reference year (2012 or later)."),
        geo: CensusGeo = typer.Option(CensusGeo.county, "--geo", help="Geography."),
        via: CensusVia = typer.Option(
            CensusVia.auto,
            "--via",
            help="files (bulk zip), api (Census Data API) or auto "
            "(files up to 2016, which carry the size class of withheld cells; api from 2017).",
        ),
        api_key: str | None = typer.Option(
            None, "--api-key", help=f"Census API key (default ${CENSUS_KEY_ENV}); never stored."
        ),
        base_url: str | None = typer.Option(
            None,
            "--base-url",
            help="Host serving both the API paths (/data/...) and the file "
            "paths (/programs-surveys/...), e.g. a mirror or test server.",
        ),
        concordance: Path | None = typer.Option(
            None, "--concordance", help="NAICS 2017 -> 2012 concordance CSV (default: packaged)."
        ),
        *,
        download: Download,
    ) -> None:
        """Download County Business Patterns into the store (bridged to NAICS 2012)."""
        from clusteratlas.sources.census import API_URL, FILES_URL, load_census, summary_frame
        from clusteratlas.store import Store

        api = _base(base_url, CENSUS_API_ENV, API_URL)
        files = _base(base_url, CENSUS_FILES_ENV, FILES_URL)
        key = api_key or os.environ.get(CENSUS_KEY_ENV) or None
        with (
            download.client() as client,
            Store(store_path(download.store)) as s,
            console.status(f"fetching CBP {year} {geo.value}…"),
        ):
            res = load_census(
                s,
                year,
                geo.value,
                via=via.value,
                api_key=key,
                api_url=api,
                files_url=files,
                client=client,
                **download.fetch_args(),
                concordance=concordance,
            )
        t = Table(title="County Business Patterns — Source: U.S. Census Bureau", show_header=False)
        t.add_column("what", style="bold")
        t.add_column("value", overflow="fold")
        for row in summary_frame(res).itertuples(index=False):
            t.add_row(row.what, row.value)
        console.print(t)
