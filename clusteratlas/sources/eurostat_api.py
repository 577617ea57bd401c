"""Eurostat's dissemination API: URLs, freshness, asynchronous delivery, cached downloads.

Endpoints used (base ``https://ec.europa.eu``; ``--base-url`` replaces it, e.g. with a local
test server; see ``docs/sources.md`` for the documentation pages they come from)::

    /eurostat/api/dissemination/sdmx/2.1/data/{code}?format=TSV&compressed=true   whole table,
                                                                 gzipped SDMX-TSV (bulk)
    /eurostat/api/dissemination/sdmx/2.1/data/{code}?format=SDMX-CSV&compressed=true
    /eurostat/api/dissemination/sdmx/2.1/data/{code}?format=SDMX_2.1_STRUCTURED&compressed=true
                                                                 SDMX-ML structure-specific
    /eurostat/api/dissemination/statistics/1.0/data/{code}?format=JSON&lang=EN&geo=AT&...
                                                                 filtered JSON-stat 2.0
    /eurostat/api/dissemination/sdmx/3.0/data/dataflow/ESTAT/{code}/1.0?c[geo]=AT11,AT12&
        format=csvdata&formatVersion=2.0&compress=true           filtered SDMX-CSV 2.0
    /eurostat/api/dissemination/sdmx/2.1/dataflow/ESTAT/{code}   title, UPDATE_DATA stamp
    /eurostat/api/dissemination/sdmx/2.1/codelist/ESTAT/{id}     SDMX-ML code list
    /eurostat/api/dissemination/catalogue/toc/txt?lang=en        table of contents
    /eurostat/api/dissemination/1.0/async/status/{key}           asynchronous delivery
    /eurostat/api/dissemination/1.0/async/data/{key}

Downloads go through the content-addressed cache (:mod:`clusteratlas.sources.cache`): the
dataflow's ``UPDATE_DATA`` stamp decides whether a cached table is still current; when the
stamp cannot be read the cache revalidates with a conditional GET.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import FetchError, InputError
from clusteratlas.sources.cache import Cache, CacheEntry, Request, fetch
from clusteratlas.sources.eurostat_catalogue import (
    parse_async,
    parse_soap_fault,
    read_toc_txt,
)
from clusteratlas.sources.http import Fetched, HttpClient, HttpStatusError
from clusteratlas.sources.sdmx_structure import Dataflow, read_codelists, read_dataflows

DEFAULT_BASE_URL = "https://ec.europa.eu"
API_ROOT = "/eurostat/api/dissemination"
FORMATS = ("tsv", "csv", "json", "xml", "csv3")
#: Formats whose filters are sent to Eurostat (the others fetch the whole table once).
SERVER_FILTERED = ("json", "csv3")
ATTRIBUTION = "Source: Eurostat"
LICENCE = "Eurostat: reuse authorised with acknowledgement of the source (Decision 2011/833/EU)"
_DATASET_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_$-")


def check_dataset_code(code: str) -> str:
    """A Eurostat dataset code, lowercased (``LFST_R_LFE2EN2`` → ``lfst_r_lfe2en2``).

    >>> check_dataset_code("LFST_R_LFE2EN2")
    'lfst_r_lfe2en2'
    """
    lower = code.strip().lower()
    if not lower or not set(lower) <= _DATASET_CHARS:
        raise InputError(f"{code!r} is not a Eurostat dataset code", parameter="code")
    return lower


def parse_filters(items: list[str] | None) -> dict[str, list[str]]:
    """``["geo=AT1,AT2", "unit=THS"]`` → ``{"geo": ["AT1", "AT2"], "unit": ["THS"]}``.

    Dimension names are lowercased (Eurostat's are case-insensitive); codes are kept as given.

    >>> parse_filters(["geo=AT1,AT2", "GEO=BE1", "unit=THS"])
    {'geo': ['AT1', 'AT2', 'BE1'], 'unit': ['THS']}
    """
    out: dict[str, list[str]] = {}
    for item in items or []:
        dim, sep, codes = item.partition("=")
        if not sep or not dim.strip() or not codes.strip():
            raise InputError(f"{item!r} is not DIM=CODE[,CODE…]", parameter="where")
        values = [c.strip() for c in codes.split(",") if c.strip()]
        out.setdefault(dim.strip().lower(), []).extend(values)
    return out


@dataclass
class EurostatData:
    """A downloaded (or cached) Eurostat table, parsed into the tidy frame."""

    dataset: str
    frame: pd.DataFrame
    url: str
    fmt: str
    path: Path
    entry: CacheEntry
    from_cache: bool
    last_update: str | None
    title: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return self.entry.sha256

    @property
    def retrieved_at(self) -> str:
        return self.entry.retrieved_at


class EurostatAPI:
    """Eurostat connector: build requests, keep the cache current, parse what comes back.

    Parameters
    ----------
    base_url:
        ``https://ec.europa.eu`` (default) or a stand-in serving the same paths.
    client, cache:
        The HTTP client and the download cache.
    offline, refresh:
        Serve only from the cache / ignore it.
    poll_interval, max_wait:
        Asynchronous delivery: seconds between status checks and in total.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        client: HttpClient,
        cache: Cache,
        offline: bool = False,
        refresh: bool = False,
        lang: str = "EN",
        poll_interval: float = 5.0,
        max_wait: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.lang = lang.upper()
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep

    # -- URLs --------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}{API_ROOT}/{path.lstrip('/')}"

    def data_request(
        self, dataset: str, fmt: str = "tsv", filters: Mapping[str, list[str]] | None = None
    ) -> Request:
        """The request for ``dataset`` in ``fmt`` (filters go in the URL only for ``json``)."""
        bulk = {
            "tsv": ("TSV", "tsv"),
            "csv": ("SDMX-CSV", "csv"),
            "xml": ("SDMX_2.1_STRUCTURED", "sdmx-ml-ss"),
        }
        if fmt in bulk:
            name, tag = bulk[fmt]
            params = {"format": name, "compressed": "true"}
            return Request(self.url(f"sdmx/2.1/data/{dataset}"), params, tag, "sdmx2.1")
        if fmt == "csv3":
            query3: dict[str, Any] = {"format": "csvdata", "formatVersion": "2.0",
                                      "compress": "true"}  # fmt: skip
            for dim, codes in sorted((filters or {}).items()):
                query3[f"c[{dim}]"] = ",".join(codes)
            url = self.url(f"sdmx/3.0/data/dataflow/ESTAT/{dataset}/1.0")
            return Request(url, query3, "csv", "sdmx3.0")
        if fmt == "json":
            query: dict[str, Any] = {"format": "JSON", "lang": self.lang}
            for dim, codes in sorted((filters or {}).items()):
                query[dim] = list(codes)
            url = self.url(f"statistics/1.0/data/{dataset}")
            return Request(url, query, "json", "statistics1.0")
        raise InputError(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", parameter="via"
        )

    # -- metadata ----------------------------------------------------------------------------
    def dataflow(self, dataset: str) -> Dataflow | None:
        """Title and update stamps of ``dataset`` from the SDMX dataflow (``None`` offline or
        when the server has no dataflow for it)."""
        if self.offline:
            return None
        try:
            got = self.client.get(self.url(f"sdmx/2.1/dataflow/ESTAT/{dataset}"))
        except HttpStatusError as exc:
            if exc.status in (404, 400, 406):
                return None
            raise
        try:
            flows = read_dataflows(got.content or b"", name=got.url)
        except InputError:
            return None
        return next((f for f in flows if f.id.lower() == dataset.lower()), flows[0])

    def codelist(self, codelist_id: str, *, lang: str = "en") -> pd.DataFrame:
        """A code list (e.g. ``NACE_R2``, ``GEO``, ``UNIT``) through the SDMX structure API."""
        req = Request(self.url(f"sdmx/2.1/codelist/ESTAT/{codelist_id.upper()}"), {},
                      "sdmx-ml", "sdmx2.1")  # fmt: skip
        got = self._cached(req, dataset=f"codelist:{codelist_id.upper()}")
        return read_codelists(got.path, lang=lang, name=req.full_url)

    def toc(self) -> pd.DataFrame:
        """The table of contents (TXT flavour) as a frame; cached, revalidated when online."""
        req = Request(self.url("catalogue/toc/txt"), {"lang": self.lang.lower()}, "txt", "toc")
        got = self._cached(req, dataset="toc")
        return read_toc_txt(got.path, name=req.full_url)

    # -- data --------------------------------------------------------------------------------
    def fetch(
        self, dataset: str, *, fmt: str = "tsv", filters: Mapping[str, list[str]] | None = None
    ) -> EurostatData:
        """Download (or take from the cache) ``dataset`` and parse it into the tidy frame.

        For ``tsv``/``csv``/``xml`` the whole table is fetched (and cached once) and
        ``filters`` are applied after parsing; for ``json`` they are sent to the API.
        """
        dataset = check_dataset_code(dataset)
        filters = {k.lower(): list(v) for k, v in (filters or {}).items()}
        req = self.data_request(dataset, fmt, filters)
        flow = self.dataflow(dataset)  # also with --refresh: the stamp goes to provenance
        stamp = flow.last_update if flow else None

        def validate(path: Path, got: Fetched) -> pd.DataFrame:  # parse before it is cached
            source = got.decompressed if got.decompressed is not None else path
            return parse_payload(source, fmt, name=req.full_url)

        cached = self._cached(req, dataset=dataset, source_updated=stamp, validate=validate)
        frame = cached.parsed
        if frame is None:
            frame = parse_payload(cached.path, fmt, name=req.full_url)
        if filters and fmt not in SERVER_FILTERED:
            frame = apply_filters(frame, filters, name=req.full_url)
        last = (
            stamp
            or cached.entry.source_updated
            or frame.attrs.get("updated")
            or frame.attrs.get("last_update")
        )
        return EurostatData(
            dataset=dataset,
            frame=frame,
            url=req.full_url,
            fmt=fmt,
            path=cached.path,
            entry=cached.entry,
            from_cache=cached.from_cache,
            last_update=last,
            title=(flow.name if flow else None) or frame.attrs.get("label"),
            filters=dict(filters),
        )

    def _cached(
        self,
        req: Request,
        *,
        dataset: str,
        source_updated: str | None = None,
        validate: Callable[[Path, Fetched], Any] | None = None,
    ) -> Any:
        return fetch(
            req,
            client=self.client,
            cache=self.cache,
            dataset=dataset,
            offline=self.offline,
            refresh=self.refresh,
            source_updated=source_updated,
            download=self._download,
            validate=validate,
        )

    # -- protocol: 413 and asynchronous delivery ----------------------------------------------
    def _download(self, url: str, dest: Path, headers: Mapping[str, str]) -> Fetched:
        try:
            got = self.client.download(url, dest, headers=headers, fsync=False)
        except HttpStatusError as exc:
            status = parse_async(exc.body)
            if status is None:
                fault = parse_soap_fault(exc.body)
                if exc.status == 413 or (fault and "TOO_BIG" in fault[1]):
                    why = fault[1] if fault else "the extraction is too big"
                    raise FetchError(
                        f"GET {url}: Eurostat refused the request (HTTP {exc.status}: {why}); "
                        "narrow it with a dimension filter (where=, CLI --where) sent to the "
                        "statistics API (via json), or fetch the bulk table"
                    ) from None
                raise
            return self._await(url, status.key, status.status, dest)
        if got.not_modified or got.size > 65536 or got.is_gzip:
            return got
        payload = dest.read_bytes()
        status = parse_async(payload)
        if status is not None:
            return self._await(url, status.key, status.status, dest)
        fault = parse_soap_fault(payload)
        if fault is not None:
            dest.unlink(missing_ok=True)
            raise FetchError(f"GET {url}: Eurostat answered with a fault {fault[0]}: {fault[1]}")
        return got

    def _await(self, url: str, key: str, status: str, dest: Path) -> Fetched:
        """Poll the asynchronous endpoint until the data for ``key`` is available, then
        download it into ``dest``."""
        waited = 0.0
        status_url = self.url(f"1.0/async/status/{key}")
        while status != "AVAILABLE":
            if status not in ("SUBMITTED", "PROCESSING"):
                raise FetchError(
                    f"GET {url}: asynchronous request {key} ended with status {status}"
                    + (" (the prepared data expired; run again)" if status == "EXPIRED" else "")
                )
            if waited >= self.max_wait:
                raise FetchError(
                    f"GET {url}: asynchronous request {key} still {status} after {waited:.0f} s; "
                    f"run again later (status: {status_url})"
                )
            self.sleep(self.poll_interval)
            waited += self.poll_interval
            answer = self.client.get(status_url)
            parsed = parse_async(answer.content or b"")
            if parsed is None:
                raise FetchError(f"GET {status_url}: not an asynchronous status message")
            status = parsed.status
        got = self.client.download(self.url(f"1.0/async/data/{key}"), dest, fsync=False)
        return _unzip_single(got, dest)


def _unzip_single(got: Fetched, dest: Path) -> Fetched:
    """Asynchronous deliveries may come as a zip of one file: unpack it in place."""
    with dest.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            return got
    with zipfile.ZipFile(dest) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise FetchError(f"GET {got.url}: expected one file in the zip, found {len(names)}")
        data = zf.read(names[0])
    tmp = dest.with_suffix(dest.suffix + ".unzip")
    tmp.write_bytes(data)
    tmp.replace(dest)
    got.size, got.sha256 = len(data), hashlib.sha256(data).hexdigest()
    return got


def parse_payload(path: Path | bytes, fmt: str, *, name: str | None = None) -> pd.DataFrame:
    """Parse a downloaded payload of format ``fmt`` into the tidy Eurostat table."""
    source: Any = path if isinstance(path, bytes) else Path(path)
    if fmt == "tsv":
        from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

        return read_eurostat_tsv(source, name=name)
    if fmt in ("csv", "csv3"):
        from clusteratlas.sources.sdmx import read_sdmx_csv

        return read_sdmx_csv(source, name=name)
    if fmt == "json":
        from clusteratlas.sources.jsonstat import read_jsonstat

        data = source if isinstance(source, bytes) else _maybe_gunzip(source.read_bytes())
        return read_jsonstat(data, name=name)
    if fmt == "xml":
        from clusteratlas.sources.sdmx import read_sdmx_ml

        return read_sdmx_ml(source, name=name)
    raise InputError(f"unknown format {fmt!r}", parameter="via")


def _maybe_gunzip(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        import gzip

        return gzip.decompress(data)
    return data


def apply_filters(
    frame: pd.DataFrame, filters: Mapping[str, list[str]], *, name: str | None = None
) -> pd.DataFrame:
    """Keep the rows whose dimension codes are in ``filters`` (``time`` allowed too)."""
    mask = pd.Series(True, index=frame.index)
    for dim, codes in filters.items():
        if dim not in frame.columns or dim in ("value", "flag"):
            dims = [c for c in frame.columns if c not in ("value", "flag")]
            raise InputError(
                f"no dimension {dim!r} in this table (it has {', '.join(dims)})",
                file=name,
                parameter="where",
            )
        wanted = {c.upper() for c in codes}
        mask &= frame[dim].astype(str).str.upper().isin(wanted)
    out = frame[mask.to_numpy()].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


__all__ = [
    "ATTRIBUTION",
    "DEFAULT_BASE_URL",
    "FORMATS",
    "LICENCE",
    "EurostatAPI",
    "EurostatData",
    "apply_filters",
    "check_dataset_code",
    "parse_filters",
    "parse_payload",
]
