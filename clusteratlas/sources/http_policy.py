"""Retry policy, timeouts, ``Retry-After`` and gzip verification for :mod:`.http`.

Pure functions and small value types, kept apart from the client so each can be read and
tested on its own. :mod:`clusteratlas.sources.http` re-exports everything here.
"""

from __future__ import annotations

import email.utils
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

GZIP_MAGIC = b"\x1f\x8b"
#: Statuses worth another try: server trouble, throttling, request timeout.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})
CHUNK = 1 << 16


# -- policy --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a TCP/TLS connection and between two received chunks."""

    connect: float = 10.0
    read: float = 60.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.read, pool=None)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Parameters
    ----------
    attempts:
        Total tries, including the first (``1`` = no retry).
    base, cap:
        Backoff before try *n+1* is drawn uniformly from ``[0, min(cap, base · 2^(n-1))]``
        ("full jitter").
    max_retry_after:
        Longest ``Retry-After`` the client will wait; a server asking for more ends the
        attempts with a :class:`FetchError` saying so.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 300.0

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Delay after ``failures`` consecutive failures (``failures >= 1``).

        >>> RetryPolicy(base=1, cap=8).backoff(10, random.Random(0)) <= 8
        True
        """
        ceiling = min(self.cap, self.base * (2 ** (failures - 1)))
        return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
    ...                   now=datetime(2015, 10, 21, 7, 27, 50, tzinfo=UTC))
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


# -- gzip ---------------------------------------------------------------------------------
def check_gzip(payload: Path | bytes, *, keep: int = 0) -> bytes | None:
    """Decompress a gzip payload fully (every member) to verify its CRC-32 and length.

    Returns the decompressed bytes when they fit in ``keep`` bytes (so that a parser does not
    decompress the same payload again), else ``None``. Raises ``ValueError`` naming the
    problem (bad CRC, truncated stream, not gzip).

    >>> import gzip
    >>> check_gzip(gzip.compress(b"abc"), keep=100)
    b'abc'
    >>> check_gzip(gzip.compress(b"abc")[:-3])
    Traceback (most recent call last):
    ...
    ValueError: gzip stream is truncated (no end-of-stream marker)
    """
    if isinstance(payload, bytes | bytearray):
        return _gunzip_all(iter([bytes(payload)]), keep)
    with Path(payload).open("rb") as fh:
        return _gunzip_all(iter(lambda: fh.read(CHUNK), b""), keep)


def _gunzip_all(chunks: Iterator[bytes], keep: int) -> bytes | None:
    d = zlib.decompressobj(wbits=31)
    out: list[bytes] | None = [] if keep > 0 else None
    size = 0
    pending = False  # bytes fed to a member that has not ended yet
    for chunk in chunks:
        data = chunk
        while data:
            try:
                piece = d.decompress(data)
            except zlib.error as exc:
                raise ValueError(f"gzip check failed ({exc})") from exc
            if out is not None:
                size += len(piece)
                if size > keep:
                    out = None
                else:
                    out.append(piece)
            pending = not d.eof
            if d.eof:
                data = d.unused_data
                d = zlib.decompressobj(wbits=31)
                if data and data[:2] != GZIP_MAGIC:
                    return b"".join(out) if out is not None else None  # trailing bytes
            else:
                data = b""
    if pending:
        raise ValueError("gzip stream is truncated (no end-of-stream marker)")
    return b"".join(out) if out is not None else None
