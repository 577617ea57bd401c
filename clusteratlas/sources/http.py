"""A careful HTTP client for statistical downloads (Eurostat, GISCO, US Census …).

What it adds to plain :mod:`httpx`:

* separate **connect** and **read** timeouts (:class:`Timeouts`);
* **retries** with exponential backoff and *full jitter* (``sleep = uniform(0, min(cap,
  base · 2^(n-1)))``, AWS Architecture Blog, "Exponential Backoff And Jitter", 2015) on
  5xx, 408, 429, connection errors, read timeouts, truncated bodies and gzip payloads whose CRC
  does not check out; never on other 4xx (:class:`RetryPolicy`);
* ``Retry-After`` honoured on 429/503, in seconds or as an HTTP-date (RFC 9110 §10.2.3);
* downloads **streamed to a temporary file** beside the destination, verified (length,
  sha256, gzip CRC by full decompression), then moved into place with :func:`os.replace`, so a
  destination file is either the complete new payload or untouched;
* one clear :class:`~clusteratlas.errors.FetchError` when it gives up, naming the URL, the
  number of attempts and the last status or error;
* a Rich progress bar for big downloads when a terminal is attached.

The sleep function and the random generator are injectable so tests run in milliseconds.

Example
-------
>>> client = HttpClient(retry=RetryPolicy(attempts=3, base=0.1))   # doctest: +SKIP
>>> got = client.download("https://example.org/x.tsv.gz", Path("x.tsv.gz"))  # doctest: +SKIP
>>> got.sha256, got.size, got.attempts                               # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from clusteratlas.errors import FetchError
from clusteratlas.sources.http_policy import (
    CHUNK,
    GZIP_MAGIC,
    RETRY_STATUSES,
    RetryPolicy,
    Timeouts,
    check_gzip,
    parse_retry_after,
)

__all__ = [
    "CHUNK",
    "GZIP_MAGIC",
    "RETRY_STATUSES",
    "Fetched",
    "HttpClient",
    "HttpStatusError",
    "RetryPolicy",
    "Timeouts",
    "check_gzip",
    "parse_retry_after",
]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("clusteratlas")
    except Exception:  # not installed (running from a checkout)
        return "dev"


USER_AGENT = f"clusteratlas/{_version()} (+https://github.com/clusteratlas)"
PROGRESS_MIN_BYTES = 2_000_000


# -- results and errors --------------------------------------------------------------------
@dataclass
class Fetched:
    """What a request produced.

    ``path`` is set by :meth:`HttpClient.download`, ``content`` by :meth:`HttpClient.get`.
    ``not_modified`` is true for a 304 answer to a conditional request (then there is no body).
    """

    url: str
    status: int
    headers: Mapping[str, str]
    attempts: int
    sha256: str = ""
    size: int = 0
    path: Path | None = None
    content: bytes | None = None
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The verified, decompressed payload of a gzip download (when small enough to keep).
    decompressed: bytes | None = field(default=None, repr=False)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def is_gzip(self) -> bool:
        if self.content is not None:
            return self.content[:2] == GZIP_MAGIC
        if self.path is not None and self.path.exists():
            with self.path.open("rb") as fh:
                return fh.read(2) == GZIP_MAGIC
        return False

    def text(self, encoding: str = "utf-8") -> str:
        if self.content is None:
            raise ValueError("no content in memory (use .path)")
        return self.content.decode(encoding)


class HttpStatusError(FetchError):
    """The server answered with a status that retrying will not fix (most 4xx)."""

    def __init__(self, message: str, *, url: str, status: int, body: bytes = b"") -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.body = body


class _Retryable(Exception):
    """Internal: this try failed in a way worth repeating."""

    def __init__(self, what: str, wait: float | None = None, status: int | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait = wait
        self.status = status


_SSL_CONTEXT: Any = None


def _ssl_context() -> Any:
    """One verified TLS context per process (building one costs ~30 ms of certificate loading,
    which would otherwise be paid by every client)."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = httpx.create_ssl_context()
    return _SSL_CONTEXT


# -- the client ----------------------------------------------------------------------------
class HttpClient:
    """Retrying, verifying HTTP client. Use as a context manager or call :meth:`close`.

    Parameters
    ----------
    timeouts, retry:
        See :class:`Timeouts` and :class:`RetryPolicy`.
    sleep, rng:
        Injected for tests (``sleep=lambda s: None``).
    progress:
        ``True``/``False`` to force the download bar on/off; ``None`` shows it only when a
        terminal is attached and the body is large.
    offline:
        Refuse every request with a :class:`FetchError` (used by ``--offline``).
    transport:
        An ``httpx`` transport (e.g. ``httpx.MockTransport``) for tests.
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        progress: bool | None = None,
        offline: bool = False,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        keep_decompressed: int = 512 << 20,
    ) -> None:
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.progress = progress
        self.offline = offline
        self.keep_decompressed = keep_decompressed
        self._client = httpx.Client(
            verify=_ssl_context(),
            timeout=self.timeouts.httpx(),
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- public ------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        verify_gzip: bool | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> Fetched:
        """GET into memory (small answers: metadata, JSON-stat, codelists)."""
        return self._run(url, params, headers, None, verify_gzip, ok_statuses, False)

    def download(
        self,
        url: str,
        dest: Path,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        verify_gzip: bool | None = None,
        fsync: bool = True,
    ) -> Fetched:
        """GET streamed to ``dest`` (atomically: temp file in the same folder + os.replace).

        ``verify_gzip=None`` checks the gzip CRC whenever the payload starts with the gzip
        magic bytes. A 304 answer leaves ``dest`` untouched and returns ``not_modified``.
        ``fsync=False`` skips flushing to disk before the rename (for caches that verify
        their files on every read anyway).
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        return self._run(url, params, headers, dest, verify_gzip, frozenset(), fsync)

    # -- machinery ---------------------------------------------------------------------------
    def _run(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        dest: Path | None,
        verify_gzip: bool | None,
        ok_statuses: frozenset[int],
        fsync: bool,
    ) -> Fetched:
        full = str(httpx.URL(url, params=dict(params))) if params else str(httpx.URL(url))
        if self.offline:
            raise FetchError(f"GET {full}: refused, working offline (--offline)")
        failures = 0
        last = ""
        last_status: int | None = None
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return self._once(full, headers, dest, verify_gzip, attempt, ok_statuses, fsync)
            except _Retryable as exc:
                failures += 1
                last, last_status = exc.what, exc.status
                if attempt == self.retry.attempts:
                    break
                wait = exc.wait
                if wait is not None and wait > self.retry.max_retry_after:
                    raise FetchError(
                        f"GET {full}: {exc.what}; the server asks to retry after {wait:.0f} s, "
                        f"more than the {self.retry.max_retry_after:.0f} s allowed "
                        f"(attempt {attempt})"
                    ) from None
                if wait is None:
                    wait = self.retry.backoff(failures, self.rng)
                self.sleep(wait)
        status = (
            f" (last HTTP status {last_status})"
            if last_status and f"HTTP {last_status}" not in last
            else ""
        )
        raise FetchError(
            f"GET {full}: gave up after {self.retry.attempts} attempt"
            f"{'s' if self.retry.attempts > 1 else ''}; last error: {last}{status}"
        )

    def _once(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        dest: Path | None,
        verify_gzip: bool | None,
        attempt: int,
        ok_statuses: frozenset[int],
        fsync: bool = True,
    ) -> Fetched:
        try:
            with self._client.stream("GET", url, headers=dict(headers or {})) as resp:
                status = resp.status_code
                if status == 304:
                    return Fetched(str(resp.url), 304, dict(resp.headers), attempt)
                if status >= 400 and status not in ok_statuses:
                    body = resp.read()[:2000]
                    what = f"HTTP {status} {resp.reason_phrase}".strip()
                    if status in RETRY_STATUSES:
                        wait = None
                        if status in (429, 503):
                            wait = parse_retry_after(resp.headers.get("retry-after"))
                        raise _Retryable(what, wait, status)
                    snippet = body.decode("utf-8", "replace").strip().replace("\n", " ")[:300]
                    raise HttpStatusError(
                        f"GET {url}: {what}" + (f": {snippet}" if snippet else ""),
                        url=url,
                        status=status,
                        body=body,
                    )
                expected = _content_length(resp)
                if dest is None:
                    raw = expected is not None
                    content = b"".join(resp.iter_raw() if raw else resp.iter_bytes())
                    size, digest = len(content), hashlib.sha256(content).hexdigest()
                    self._check_length(size, expected)
                    self._check_gzip(content, verify_gzip, 0)
                    return Fetched(
                        str(resp.url), status, dict(resp.headers), attempt, digest, size,
                        content=content,
                    )  # fmt: skip
                return self._stream_to(resp, dest, expected, verify_gzip, attempt, fsync)
        except httpx.TimeoutException as exc:
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
            limit = self.timeouts.connect if kind == "connect" else self.timeouts.read
            raise _Retryable(f"{kind} timed out after {limit:g} s") from exc
        except httpx.RemoteProtocolError as exc:
            raise _Retryable(f"connection broken mid-answer ({exc})") from exc
        except httpx.NetworkError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        except httpx.DecodingError as exc:
            raise _Retryable(f"undecodable body ({exc})") from exc

    def _stream_to(
        self,
        resp: httpx.Response,
        dest: Path,
        expected: int | None,
        verify_gzip: bool | None,
        attempt: int,
        fsync: bool = True,
    ) -> Fetched:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out, self._bar(resp, expected) as advance:
                chunks = resp.iter_raw(CHUNK) if expected is not None else resp.iter_bytes(CHUNK)
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    advance(len(chunk))
                out.flush()
                if fsync:
                    os.fsync(out.fileno())
            self._check_length(size, expected)
            plain = self._check_gzip(tmp, verify_gzip, self.keep_decompressed)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return Fetched(
            str(resp.url), resp.status_code, dict(resp.headers), attempt, digest.hexdigest(),
            size, path=dest, decompressed=plain,
        )  # fmt: skip

    @staticmethod
    def _check_length(size: int, expected: int | None) -> None:
        if expected is not None and size != expected:
            raise _Retryable(f"body truncated: received {size} of {expected} bytes")

    @staticmethod
    def _check_gzip(payload: Path | bytes, verify_gzip: bool | None, keep: int) -> bytes | None:
        if verify_gzip is False:
            return None
        if isinstance(payload, bytes):
            head = payload[:2]
        else:
            with Path(payload).open("rb") as fh:
                head = fh.read(2)
        if head != GZIP_MAGIC:
            if verify_gzip:
                raise _Retryable("payload is not gzip although gzip was requested")
            return None
        try:
            return check_gzip(payload, keep=keep)
        except ValueError as exc:
            raise _Retryable(f"corrupt gzip payload: {exc}") from exc

    @contextlib.contextmanager
    def _bar(self, resp: httpx.Response, expected: int | None) -> Iterator[Callable[[int], Any]]:
        from rich.console import Console

        console = Console(stderr=True)
        show = self.progress
        if show is None:
            show = console.is_terminal and (expected or 0) >= PROGRESS_MIN_BYTES
        if not show:
            yield lambda n: None
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TransferSpeedColumn,
        )

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"GET {resp.url.path.rsplit('/', 1)[-1]}", total=expected)
            yield lambda n: bar.advance(task, n)


def _content_length(resp: httpx.Response) -> int | None:
    """Content-Length when it describes the raw body we read (no content coding applied)."""
    if resp.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    value = resp.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)
