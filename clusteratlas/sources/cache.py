"""A content-addressed download cache with a manifest, integrity checks and offline mode.

Layout (``paths.default_cache_dir()``, or ``$CLUSTERATLAS_CACHE``)::

    <cache>/
      manifest.json          one entry per request (atomic rewrite: temp file + os.replace)
      manifest.lock          file lock (filelock) held while the manifest is rewritten
      blobs/ab/ab12…ef       payload bytes, named by their sha256 (as downloaded; .gz stays gz)
      tmp/                   partial downloads (never read)

A **request** (:class:`Request`) is the full URL, the query parameters, the format and the
API version; its key is the sha256 of their canonical JSON. An **entry**
(:class:`CacheEntry`) records the blob's sha256 and size, when it was retrieved, the
server's ``ETag`` and ``Last-Modified``, the source's own last-update stamp (Eurostat's
``updated``/"last update of data") and the dataset code.

Every read re-hashes the blob (and decompresses it fully when it is gzip, to check the CRC);
a damaged blob is never served. :func:`fetch` decides between the cache and the network:

* ``offline`` — serve a verified entry or raise a :class:`FetchError` naming the request;
* ``refresh`` — download again whatever the cache holds;
* otherwise, when the caller knows the source's current last-update stamp, download only if
  it differs from the cached one; when it does not, revalidate with a conditional GET
  (``If-None-Match`` / ``If-Modified-Since``) and keep the blob on ``304 Not Modified``.

A failed download leaves manifest and blobs exactly as they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clusteratlas.errors import FetchError
from clusteratlas.paths import default_cache_dir
from clusteratlas.sources.http import CHUNK, GZIP_MAGIC, Fetched, HttpClient, check_gzip

MANIFEST_VERSION = 1
Downloader = Callable[[str, Path, Mapping[str, str]], Fetched]


class CacheCorruptError(FetchError):
    """A cached blob is missing or does not match its recorded sha256 / gzip CRC."""


# -- requests and entries -------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One cacheable request: URL, query parameters, format and API version.

    >>> r = Request("https://x.org/data/a", {"format": "TSV", "compressed": "true"})
    >>> r.full_url
    'https://x.org/data/a?compressed=true&format=TSV'
    >>> len(r.key)
    64
    """

    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    fmt: str = ""
    api: str = ""

    def canonical_params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for k in sorted(self.params):
            v = self.params[k]
            vals = v if isinstance(v, list | tuple) else [v]
            out.extend((k, str(x)) for x in vals)
        return out

    @property
    def full_url(self) -> str:
        from urllib.parse import urlencode

        q = urlencode(self.canonical_params())
        return f"{self.url}?{q}" if q else self.url

    @property
    def key(self) -> str:
        canon = json.dumps(
            {"url": self.url, "params": self.canonical_params(), "fmt": self.fmt, "api": self.api},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canon.encode()).hexdigest()


@dataclass
class CacheEntry:
    """The manifest record of one cached request."""

    key: str
    url: str
    params: list[list[str]]
    fmt: str
    api: str
    dataset: str
    sha256: str
    size: int
    gzip: bool
    retrieved_at: str
    etag: str | None = None
    last_modified: str | None = None
    source_updated: str | None = None
    checked_at: str | None = None
    content_type: str | None = None

    @property
    def full_url(self) -> str:
        return Request(self.url, _params_dict(self.params), self.fmt, self.api).full_url

    def origin(self) -> dict[str, Any]:
        """Where a load's numbers came from, as the store's load columns want them.

        ``location`` (the full URL), ``sha256``, ``retrieved_at`` (naive UTC datetime) and
        ``last_update`` (the server's Last-Modified) — passed on as keyword arguments to
        ``Store.load_observations`` / ``Store.new_load``.
        """
        from datetime import datetime

        return {
            "location": self.full_url,
            "sha256": self.sha256,
            "retrieved_at": datetime.fromisoformat(self.retrieved_at).replace(tzinfo=None),
            "last_update": self.last_modified,
        }


def _params_dict(pairs: list[list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- the cache ------------------------------------------------------------------------------
class Cache:
    """The on-disk cache (see the module docstring for the layout)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.manifest_path = self.root / "manifest.json"
        self.blob_dir = self.root / "blobs"
        self.tmp_dir = self.root / "tmp"

    # -- manifest --------------------------------------------------------------------------
    def _read_manifest(self) -> dict[str, dict[str, Any]]:
        if not self.manifest_path.exists():
            return {}
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CacheCorruptError(
                f"{self.manifest_path}: unreadable cache manifest ({exc}); "
                "run 'clusteratlas cache clear' to start afresh"
            ) from exc
        return data.get("entries", {})

    def _write_manifest(self, entries: dict[str, dict[str, Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"version": MANIFEST_VERSION, "entries": entries}, indent=1, sort_keys=True
        )
        fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.manifest_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        """Read-modify-write the manifest under a cross-process file lock (``filelock``:
        ``flock`` on POSIX, ``msvcrt`` locking on Windows)."""
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(self.root / "manifest.lock"):
            entries = self._read_manifest()
            yield entries
            self._write_manifest(entries)

    def entries(self, dataset: str | None = None) -> list[CacheEntry]:
        """All entries (of one dataset), newest first."""
        out = [CacheEntry(**e) for e in self._read_manifest().values()]
        if dataset is not None:
            out = [e for e in out if e.dataset.lower() == dataset.lower()]
        return sorted(out, key=lambda e: e.retrieved_at, reverse=True)

    def lookup(self, request: Request) -> CacheEntry | None:
        raw = self._read_manifest().get(request.key)
        return CacheEntry(**raw) if raw else None

    # -- blobs -----------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256

    def path(self, entry: CacheEntry) -> Path:
        return self.blob_path(entry.sha256)

    def verify(self, entry: CacheEntry) -> Path:
        """Return the blob's path after checking size, sha256 and (for gzip) the CRC."""
        p = self.path(entry)
        what = f"cached copy of {entry.full_url} ({p})"
        if not p.exists():
            raise CacheCorruptError(f"{what} is missing")
        sha256, size = _hash_file(p)
        if size != entry.size or sha256 != entry.sha256:
            raise CacheCorruptError(
                f"{what} is corrupt: sha256/size do not match the manifest "
                f"({size} bytes, expected {entry.size})"
            )
        if entry.gzip:
            try:
                check_gzip(p)
            except ValueError as exc:
                raise CacheCorruptError(f"{what} is corrupt: {exc}") from exc
        return p

    def store_file(
        self,
        request: Request,
        src: Path,
        *,
        dataset: str,
        fetched: Fetched | None = None,
        source_updated: str | None = None,
    ) -> CacheEntry:
        """Move a verified download into the cache and record it (atomically).

        The sha256 and size measured while downloading (``fetched``) are used when they
        describe ``src``; otherwise the file is hashed here.
        """
        with src.open("rb") as fh:
            head = fh.read(2)
        if fetched is not None and fetched.sha256 and fetched.path == src:
            sha, size = fetched.sha256, fetched.size
        else:
            sha, size = _hash_file(src)
        blob = self.blob_path(sha)
        blob.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, blob)  # same filesystem: src lives in self.tmp_dir
        headers = fetched.headers if fetched is not None else {}
        entry = CacheEntry(
            key=request.key,
            url=request.url,
            params=[list(p) for p in request.canonical_params()],
            fmt=request.fmt,
            api=request.api,
            dataset=dataset,
            sha256=sha,
            size=size,
            gzip=head == GZIP_MAGIC,
            retrieved_at=fetched.retrieved_at.isoformat(timespec="seconds") if fetched else _now(),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            source_updated=source_updated,
            checked_at=_now(),
            content_type=headers.get("content-type"),
        )
        with self._locked() as entries:
            entries[request.key] = asdict(entry)
        return entry

    def store_bytes(self, request: Request, data: bytes, **kw: Any) -> CacheEntry:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".put.", dir=self.tmp_dir)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return self.store_file(request, Path(tmp), **kw)

    def touch(self, entry: CacheEntry, **changes: Any) -> CacheEntry:
        """Update metadata of an entry (e.g. after a 304 revalidation)."""
        with self._locked() as entries:
            raw = entries.get(entry.key, asdict(entry))
            raw.update(changes, checked_at=_now())
            entries[entry.key] = raw
        return CacheEntry(**raw)

    # -- maintenance -----------------------------------------------------------------------
    def verify_all(self, dataset: str | None = None) -> list[tuple[CacheEntry, str | None]]:
        """(entry, problem or None) for every entry."""
        out = []
        for e in self.entries(dataset):
            try:
                self.verify(e)
                out.append((e, None))
            except CacheCorruptError as exc:
                out.append((e, str(exc)))
        return out

    def clear(self, dataset: str | None = None) -> int:
        """Remove entries (of one dataset, or all) and the blobs no entry uses any more."""
        with self._locked() as entries:
            doomed = [
                k
                for k, e in entries.items()
                if dataset is None or e["dataset"].lower() == dataset.lower()
            ]
            for k in doomed:
                del entries[k]
            keep = {e["sha256"] for e in entries.values()}
        if self.blob_dir.exists():
            for p in self.blob_dir.glob("*/*"):
                if p.name not in keep:
                    p.unlink(missing_ok=True)
        if self.tmp_dir.exists() and dataset is None:
            for p in self.tmp_dir.iterdir():
                p.unlink(missing_ok=True)
        return len(doomed)

    def new_temp(self) -> Path:
        """A fresh path in the cache's tmp folder (same filesystem as the blobs)."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dl.", suffix=".part", dir=self.tmp_dir)
        os.close(fd)
        return Path(tmp)


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- cache-or-network -----------------------------------------------------------------------
@dataclass
class Cached:
    """A verified local copy of a request: where it is, its record, whether the net was used."""

    path: Path
    entry: CacheEntry
    from_cache: bool
    revalidated: bool = False
    #: what ``validate`` returned for a fresh download (e.g. the parsed table), so the caller
    #: need not parse the same bytes again; ``None`` when served from the cache
    parsed: Any = None


def fetch(
    request: Request,
    *,
    client: HttpClient,
    cache: Cache,
    dataset: str,
    offline: bool = False,
    refresh: bool = False,
    source_updated: str | None = None,
    headers: Mapping[str, str] | None = None,
    download: Downloader | None = None,
    validate: Callable[[Path, Fetched], Any] | None = None,
) -> Cached:
    """Return a verified local copy of ``request``, downloading only when needed.

    Parameters
    ----------
    source_updated:
        The source's current last-update stamp when the caller knows it (e.g. from the
        Eurostat catalogue). Equal to the cached one → no request at all; different → a
        fresh download. ``None`` → conditional GET with the cached ETag/Last-Modified.
    download:
        ``download(url, dest, headers) -> Fetched``; defaults to ``client.download``. Sources
        with extra protocol steps (Eurostat's asynchronous delivery) pass their own.
    validate:
        ``validate(path, fetched)`` is called on a fresh download before it enters the cache
        (e.g. the parser, which may use ``fetched.decompressed``); if it raises, the download
        is discarded and the cache is left as it was. Its return value comes back as
        :attr:`Cached.parsed`.
    """
    if download is None:

        def download(url: str, dest: Path, hdrs: Mapping[str, str]) -> Fetched:
            return client.download(url, dest, headers=hdrs, fsync=False)  # verified on read

    entry = cache.lookup(request)
    problem: str | None = None
    if entry is not None and refresh and not offline:
        entry = None  # downloaded again anyway: no need to read and check the old copy
    if entry is not None:
        try:
            path = cache.verify(entry)
        except CacheCorruptError as exc:
            problem, entry = str(exc), None
    if offline:
        if entry is not None:
            return Cached(path, entry, from_cache=True)
        if problem:
            raise FetchError(f"offline: {problem}; go online (or --refresh) to download it again")
        others = [e.full_url for e in cache.entries(dataset) if e.key != request.key]
        hint = f" (cached for this dataset: {', '.join(others[:3])})" if others else ""
        raise FetchError(
            f"offline: {request.full_url} is not in the cache ({cache.root}); "
            f"run once without --offline to download it{hint}"
        )
    conditional: dict[str, str] = dict(headers or {})
    if entry is not None and not refresh:
        if source_updated is not None and entry.source_updated == source_updated:
            return Cached(path, entry, from_cache=True)
        if source_updated is None:
            if entry.etag:
                conditional["If-None-Match"] = entry.etag
            if entry.last_modified:
                conditional["If-Modified-Since"] = entry.last_modified
    tmp = cache.new_temp()
    try:
        got = download(request.full_url, tmp, conditional)
        if got.not_modified and entry is not None:
            entry = cache.touch(entry)
            return Cached(path, entry, from_cache=True, revalidated=True)
        if got.not_modified:  # a 304 we did not ask for: fetch unconditionally
            got = download(request.full_url, tmp, dict(headers or {}))
        parsed = validate(tmp, got) if validate is not None else None
        new = cache.store_file(request, tmp, dataset=dataset, fetched=got,
                               source_updated=source_updated)  # fmt: skip
    finally:
        tmp.unlink(missing_ok=True)
    return Cached(cache.path(new), new, from_cache=False, parsed=parsed)
