"""``clusteratlas fetch gisco`` and ``clusteratlas fetch census``.

* ``fetch gisco --year 2021 --scale 20M --epsg 4326 --level 2``: NUTS boundaries from GISCO
  into the download cache, their code list into the store's ``regions`` table;
* ``fetch census --year 2016 --geo state|county|msa``: US County Business Patterns
  (employment, establishments, payroll by NAICS) into the store, bridged to NAICS 2012.

``docs/sources.md`` describes both sources, their URLs, licences and limits.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.errors import InputError

GISCO_URL_ENV = "CLUSTERATLAS_GISCO_URL"
CENSUS_API_ENV = "CLUSTERATLAS_CENSUS_API_URL"
CENSUS_FILES_ENV = "CLUSTERATLAS_CENSUS_FILES_URL"
CENSUS_KEY_ENV = "CENSUS_API_KEY"

CacheOption = typer.Option(
    None, "--cache", help="Download cache folder (default: user cache dir or $CLUSTERATLAS_CACHE)."
)
OfflineOption = typer.Option(False, "--offline", help="Use only the cache; fail if not cached.")
RefreshOption = typer.Option(False, "--refresh", help="Download again even if cached.")
TimeoutOption = typer.Option(120.0, "--timeout", help="Read timeout in seconds.")
RetriesOption = typer.Option(5, "--retries", help="Attempts per request (with backoff).")


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


def _base(value: str | None, env: str, default: str) -> str:
    base = value or os.environ.get(env) or default
    if not base.startswith(("http://", "https://")):
        raise InputError(f"{base!r} is not an http(s) URL", parameter="--base-url")
    return base


def register_fetch(group: typer.Typer) -> None:
    """Commands under ``clusteratlas fetch``."""

    @group.command("gisco")
    def fetch_gisco(
        year: str = typer.Option("2021", "--year", help="NUTS version: 2003 … 2024."),
        scale: str = typer.Option("20M", "--scale", help="01M, 03M, 10M, 20M or 60M."),
        epsg: str = typer.Option("4326", "--epsg", help="4326, 3035 or 3857."),
        level: str = typer.Option("all", "--level", help="0, 1, 2, 3 or all."),
        base_url: str | None = typer.Option(
            None,
            "--base-url",
            help=f"GISCO host (default https://gisco-services.ec.europa.eu, or ${GISCO_URL_ENV}).",
        ),
        store: Path | None = StoreOption,
        cache: Path | None = CacheOption,
        offline: bool = OfflineOption,
        refresh: bool = RefreshOption,
        timeout: float = TimeoutOption,
        retries: int = RetriesOption,
    ) -> None:
        """Download NUTS boundaries from GISCO; load their code list into the store."""
        from clusteratlas.sources.cache import Cache
        from clusteratlas.sources.gisco import ATTRIBUTION, GISCO_URL, load_gisco, nuts_file
        from clusteratlas.store import Store

        spec = nuts_file(year, scale, epsg, level)
        base = _base(base_url, GISCO_URL_ENV, GISCO_URL)
        with (
            _client(offline, refresh, timeout, retries) as client,
            Store(store_path(store)) as s,
            console.status(f"fetching {spec.name}…"),
        ):
            res = load_gisco(
                s,
                spec,
                base_url=base,
                client=client,
                cache=Cache(cache),
                offline=offline,
                refresh=refresh,
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
    def fetch_census(
        year: int = typer.Option(..., "--year", help="CBP reference year (2012 or later)."),
        geo: str = typer.Option("county", "--geo", help="state, county or msa."),
        via: str = typer.Option(
            "auto",
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
        store: Path | None = StoreOption,
        cache: Path | None = CacheOption,
        offline: bool = OfflineOption,
        refresh: bool = RefreshOption,
        timeout: float = TimeoutOption,
        retries: int = RetriesOption,
    ) -> None:
        """Download County Business Patterns into the store (bridged to NAICS 2012)."""
        from clusteratlas.sources.cache import Cache
        from clusteratlas.sources.census import API_URL, FILES_URL, load_census, summary_frame
        from clusteratlas.store import Store

        api = _base(base_url, CENSUS_API_ENV, API_URL)
        files = _base(base_url, CENSUS_FILES_ENV, FILES_URL)
        key = api_key or os.environ.get(CENSUS_KEY_ENV) or None
        with (
            _client(offline, refresh, timeout, retries) as client,
            Store(store_path(store)) as s,
            console.status(f"fetching CBP {year} {geo}…"),
        ):
            res = load_census(
                s,
                year,
                geo,
                via=via,
                api_key=key,
                api_url=api,
                files_url=files,
                client=client,
                cache=Cache(cache),
                offline=offline,
                refresh=refresh,
                concordance=concordance,
            )
        t = Table(title="County Business Patterns — Source: U.S. Census Bureau", show_header=False)
        t.add_column("what", style="bold")
        t.add_column("value", overflow="fold")
        for row in summary_frame(res).itertuples(index=False):
            t.add_row(row.what, row.value)
        console.print(t)
