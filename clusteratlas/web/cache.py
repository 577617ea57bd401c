"""Answers served from memory: one bounded LRU of finished response bodies.

An atlas is read-only between rebuilds, so an answer is a function of the atlas file, the
route and the query. :class:`ResponseCache` keeps, per key

    (atlas identity, route, path parameters, normalised query)

the serialised body (built and validated once, by the normal route code), its gzip
compression (done once, not per request) and a strong ETag. A hit is answered without
routing to a worker thread, validating or serialising anything again.

- *Atlas identity* is the inode, mtime and size of the atlas file (:func:`atlas_identity`):
  a rebuild swapped in with ``os.replace`` changes it, so the next request misses and is
  answered from the new file; entries of the old file age out of the LRU.
- *Normalised query*: the query's (name, value) pairs, sorted; repeated names keep all their
  values. Two URLs share an entry only when they carry the same pairs.
- *Bounded*: at most ``max_entries`` entries and ``max_bytes`` bytes (body plus gzip body);
  a single body larger than ``max_entry_bytes`` is served but not kept.
- Only ``200`` answers are kept; errors are computed every time (they are cheap).

``If-None-Match`` with the entry's ETag is answered ``304 Not Modified``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

GZIP_MIN_SIZE = 2000  # the same threshold as the app's GZipMiddleware
GZIP_LEVEL = 6
MAX_ENTRIES = 2048
MAX_BYTES = 128 * 2**20
MAX_ENTRY_BYTES = 16 * 2**20


def atlas_identity(atlas: Any) -> tuple[str, int, int, int]:
    """``(path, inode, mtime_ns, size)`` of the atlas file (zeros when it cannot be read)."""
    path = str(getattr(atlas, "path", ""))
    try:
        st = os.stat(path)
    except OSError:
        return (path, 0, 0, 0)
    return (path, st.st_ino, st.st_mtime_ns, st.st_size)


def query_key(request: Request, drop: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The query's (name, value) pairs, sorted, without the names in ``drop``."""
    return tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k not in drop))


def accepts_gzip(request: Request) -> bool:
    """True when the client's ``Accept-Encoding`` lists gzip (with a non-zero q)."""
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "*"}:
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in {"0", "0.0", "0.00", "0.000"})
    return False


@dataclass(frozen=True)
class CachedBody:
    """A finished answer: body, its gzip twin (when worth it), media type and ETag."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, body: bytes, media_type: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> CachedBody:
        """Compress (when at least ``GZIP_MIN_SIZE`` bytes) and tag ``body`` once."""
        packed = None
        if len(body) >= GZIP_MIN_SIZE:
            packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            if len(packed) >= len(body):
                packed = None
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        return cls(body, packed, media_type, etag, headers)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def response(self, request: Request) -> Response:
        """The answer for ``request``: gzip when accepted, 304 when the ETag matches."""
        headers = {"ETag": self.etag, "Vary": "Accept-Encoding", **dict(self.headers)}
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


class ResponseCache:
    """A thread-safe LRU of :class:`CachedBody`, bounded by entries and by bytes."""

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._items: OrderedDict[Hashable, CachedBody] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        """Bytes held (bodies plus their gzip twins)."""
        return self._bytes

    def get(self, key: Hashable) -> CachedBody | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: Hashable, value: CachedBody) -> None:
        if value.size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._items[key] = value
            self._bytes += value.size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def response_cache(app: Any, name: str = "response_cache") -> ResponseCache:
    """The app's cache ``name`` (made on first use, so a bare router gets one too)."""
    cache = getattr(app.state, name, None)
    if cache is None:
        with _make_lock:
            cache = getattr(app.state, name, None)
            if cache is None:
                cache = ResponseCache()
                setattr(app.state, name, cache)
    return cache


_make_lock = threading.Lock()


__all__ = [
    "CachedBody",
    "ResponseCache",
    "accepts_gzip",
    "atlas_identity",
    "query_key",
    "response_cache",
]
