"""``fetch_eurostat(code, ...)``: one Eurostat table as a tidy DataFrame, from Python.

The same path as ``clusteratlas fetch eurostat``: the HTTP client with retries and backoff,
the download cache (a table is downloaded once, then served from the cache while Eurostat's
last-update stamp is unchanged), the parsers of the five delivery formats and, with
``store=``, the load into the store with its provenance row.

>>> from clusteratlas import fetch_eurostat                          # doctest: +SKIP
>>> df = fetch_eurostat("lfst_r_lfe2en2", where={"geo": ["AT1"]})    # doctest: +SKIP
>>> df.attrs["provenance"]["attribution"]                            # doctest: +SKIP
'Source: Eurostat'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.cache import Cache
from clusteratlas.sources.eurostat_api import (
    ATTRIBUTION,
    DEFAULT_BASE_URL,
    FORMATS,
    LICENCE,
    EurostatAPI,
    EurostatData,
    parse_filters,
)
from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts

#: Environment variable naming a mirror or test server of the Eurostat host.
BASE_URL_ENV = "CLUSTERATLAS_EUROSTAT_URL"
Via = Literal["tsv", "csv", "json", "xml", "csv3"]
NUTS_VERSIONS = ("2003", "2006", "2010", "2013", "2016", "2021", "2024")


class ApiOptions(TypedDict, total=False):
    """How :func:`open_api` reaches Eurostat (keyword arguments; defaults as there)."""

    base_url: str | None
    cache: str | Path | None
    offline: bool
    refresh: bool
    timeout: float
    retries: int
    backoff: float


@contextlib.contextmanager
def open_api(
    base_url: str | None = None,
    cache: str | Path | None = None,
    *,
    offline: bool = False,
    refresh: bool = False,
    timeout: float = 60.0,
    retries: int = 5,
    backoff: float = 0.5,
) -> Iterator[EurostatAPI]:
    """An :class:`~.eurostat_api.EurostatAPI` with its HTTP client open (closed on exit).

    ``base_url`` defaults to ``$CLUSTERATLAS_EUROSTAT_URL``, else ``https://ec.europa.eu``;
    ``cache`` to the user cache dir (or ``$CLUSTERATLAS_CACHE``).
    """
    if offline and refresh:
        raise InputError("offline and refresh exclude each other", parameter="refresh")
    if retries < 1:
        raise InputError("must be at least 1", parameter="retries")
    if backoff < 0:
        raise InputError("must be ≥ 0", parameter="backoff")
    if timeout <= 0:
        raise InputError("must be positive", parameter="timeout")
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not base.startswith(("http://", "https://")):
        raise InputError(f"{base!r} is not an http(s) URL", parameter="base_url")
    client = HttpClient(
        timeouts=Timeouts(connect=min(10.0, timeout), read=timeout),
        retry=RetryPolicy(attempts=retries, base=backoff),
        offline=offline,
    )
    with client:
        yield EurostatAPI(
            base,
            client=client,
            cache=Cache(Path(cache) if cache is not None else None),
            offline=offline,
            refresh=refresh,
        )


def region_system_of(nuts_version: str | int | None) -> str | None:
    """``2021``, ``"2021"`` or ``"NUTS2021"`` → ``"NUTS2021"`` (the store's spelling).

    >>> region_system_of(2021), region_system_of("nuts2016"), region_system_of(None)
    ('NUTS2021', 'NUTS2016', None)
    """
    if nuts_version is None:
        return None
    text = str(nuts_version).strip().upper().removeprefix("NUTS").strip("-_ ")
    if text not in NUTS_VERSIONS:
        raise InputError(
            f"unknown NUTS version {nuts_version!r} (use one of {', '.join(NUTS_VERSIONS)})",
            parameter="nuts_version",
        )
    return f"NUTS{text}"


def where_filters(
    where: Mapping[str, str | Sequence[str]] | Sequence[str] | None,
) -> dict[str, list[str]]:
    """Dimension filters as a mapping (``{"geo": ["AT1", "AT2"]}``) or ``DIM=CODE,...`` texts.

    >>> where_filters({"geo": "AT1", "unit": ["THS"]})
    {'geo': ['AT1'], 'unit': ['THS']}
    >>> where_filters(["geo=AT1,AT2"])
    {'geo': ['AT1', 'AT2']}
    """
    if where is None:
        return {}
    if isinstance(where, Mapping):
        out: dict[str, list[str]] = {}
        for dim, codes in where.items():
            values = [codes] if isinstance(codes, str) else list(codes)
            if not str(dim).strip() or not values:
                raise InputError(f"empty filter {dim!r}: {codes!r}", parameter="where")
            out.setdefault(str(dim).strip().lower(), []).extend(str(v) for v in values)
        return out
    if isinstance(where, str):
        where = [where]
    return parse_filters(list(where))


def provenance_of(data: EurostatData) -> dict[str, Any]:
    """The provenance of a fetched table: source, dataset, URL, sha256, dates, licence."""
    return {
        "source": "Eurostat",
        "dataset": data.dataset,
        "title": data.title,
        "url": data.url,
        "format": data.fmt,
        "filters": dict(data.filters),
        "sha256": data.sha256,
        "retrieved_at": data.retrieved_at,
        "last_update": data.last_update,
        "from_cache": data.from_cache,
        "attribution": ATTRIBUTION,
        "licence": LICENCE,
    }


def fetch_eurostat(
    code: str,
    *,
    where: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None,
    via: Via = "tsv",
    nuts_version: str | int | None = None,
    store: Any = None,
    **http: Unpack[ApiOptions],
) -> pd.DataFrame:
    """Fetch Eurostat table ``code`` as a tidy DataFrame (one row per cell).

    Parameters
    ----------
    code:
        Dataset code, e.g. ``lfst_r_lfe2en2`` (case-insensitive).
    where:
        Dimension filters, ``{"geo": ["AT1", "AT2"], "unit": "THS"}`` or ``["geo=AT1,AT2"]``.
        Sent to Eurostat with ``via="json"``/``"csv3"``; applied after download otherwise.
    via:
        Delivery: ``tsv`` (bulk SDMX-TSV, default), ``csv`` (SDMX-CSV), ``xml`` (SDMX-ML),
        ``json`` (JSON-stat, statistics API) or ``csv3`` (SDMX-CSV 2.0, SDMX 3.0 API).
    nuts_version:
        NUTS version of the ``geo`` codes (``2021`` or ``"NUTS2021"``); default: detected
        from the codes against the NUTS code lists (``None`` when unclear).
    store:
        A :class:`~clusteratlas.store.Store` or a store path: also load the table into it
        (replacing that dataset), as ``clusteratlas fetch eurostat`` does.
    base_url, cache, offline, refresh, timeout, retries, backoff:
        Keyword arguments of :func:`open_api` (:class:`ApiOptions`): host (a mirror or
        test server), download cache folder, cache-only / re-download, read timeout (s,
        default 60), attempts per request (5) and first backoff ceiling (s, 0.5).

    Returns
    -------
    The tidy table: the dimension columns, ``time``, ``value`` (NaN for ``:``) and ``flag``.
    ``attrs["provenance"]`` holds source, dataset, title, URL, format, filters, sha256,
    retrieval time, Eurostat's last update, attribution, licence and ``nuts_version``; with
    ``store=`` also ``load_id`` and the rows loaded.
    """
    from clusteratlas.sources.eurostat_load import detect_region_system, load_eurostat

    if via not in FORMATS:
        raise InputError(f"unknown delivery {via!r}; use one of {', '.join(FORMATS)}",
                         parameter="via")  # fmt: skip
    system = region_system_of(nuts_version)
    filters = where_filters(where)
    with open_api(**http) as api:
        data = api.fetch(code, fmt=via, filters=filters)
    prov = provenance_of(data)
    if store is not None:
        from clusteratlas.store import Store

        if isinstance(store, str | Path):
            with Store(Path(store)) as s:
                report = load_eurostat(s, data, region_system=system)
        else:
            report = load_eurostat(store, data, region_system=system)
        system = report.region_system
        prov.update(load_id=report.load_id, rows_loaded=report.rows, warnings=report.warnings)
    elif system is None and "geo" in data.frame.columns:
        detected, _ = detect_region_system(None, data.frame["geo"])
        system = detected if detected.startswith("NUTS") and detected[4:].isdigit() else None
    prov["nuts_version"] = system[4:] if system and system[4:].isdigit() else None
    frame = data.frame
    frame.attrs["provenance"] = prov
    return frame
