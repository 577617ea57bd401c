"""HTTP client: retries, backoff, Retry-After, timeouts, truncation, gzip CRC, atomic writes."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakeserver import FakeServer, Fault
from hypothesis import given
from hypothesis import strategies as st

from clusteratlas.errors import FetchError
from clusteratlas.sources.http import (
    HttpClient,
    HttpStatusError,
    RetryPolicy,
    Timeouts,
    check_gzip,
    parse_retry_after,
)

PATH = "/files/data.tsv.gz"
PAYLOAD = gzip.compress(b"geo\\time\t2020\nAT\t1.5 e\n" * 2000, mtime=0)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(sleeps: Sleeps | None = None, attempts: int = 4, read: float = 5.0) -> HttpClient:
    return HttpClient(
        timeouts=Timeouts(connect=2.0, read=read),
        retry=RetryPolicy(attempts=attempts, base=0.01, cap=0.05),
        sleep=sleeps if sleeps is not None else (lambda s: None),
        rng=random.Random(1),
        progress=False,
    )


@pytest.fixture()
def server(fake_server: FakeServer) -> FakeServer:
    fake_server.add(PATH, PAYLOAD)
    return fake_server


def test_download_ok_writes_file_and_hash(server: FakeServer, tmp_path: Path) -> None:
    dest = tmp_path / "out.gz"
    with client() as c:
        got = c.download(server.url + PATH, dest)
    assert dest.read_bytes() == PAYLOAD
    assert got.size == len(PAYLOAD) and got.attempts == 1 and got.etag
    import hashlib

    assert got.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert list(tmp_path.iterdir()) == [dest]  # no temp file left behind


def test_503_twice_then_success(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.status(503), Fault.status(503))
    sleeps = Sleeps()
    with client(sleeps) as c:
        got = c.download(server.url + PATH, tmp_path / "x.gz")
    assert got.attempts == 3 and server.hits(PATH) == 3
    assert len(sleeps) == 2 and all(0 <= s <= 0.05 for s in sleeps)


def test_429_retry_after_seconds_is_honoured(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.status(429, {"Retry-After": "1"}))
    sleeps = Sleeps()
    with client(sleeps) as c:
        c.download(server.url + PATH, tmp_path / "x.gz")
    assert sleeps == [1.0]


def test_503_retry_after_http_date(server: FakeServer, tmp_path: Path) -> None:
    from email.utils import formatdate

    server.fail(PATH, Fault.status(503, {"Retry-After": formatdate(0, usegmt=True)}))
    sleeps = Sleeps()
    with client(sleeps) as c:
        c.download(server.url + PATH, tmp_path / "x.gz")
    assert sleeps == [0.0]  # a date in the past: retry at once


def test_retry_after_too_long_fails_clearly(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.status(429, {"Retry-After": "99999"}))
    with client() as c, pytest.raises(FetchError, match=r"retry after 99999 s"):
        c.download(server.url + PATH, tmp_path / "x.gz")


def test_404_is_not_retried(server: FakeServer, tmp_path: Path) -> None:
    with client() as c, pytest.raises(HttpStatusError) as err:
        c.download(server.url + "/nothing/here", tmp_path / "x.gz")
    assert err.value.status == 404 and server.hits("/nothing/here") == 1
    assert "HTTP 404" in str(err.value) and "/nothing/here" in str(err.value)
    assert not (tmp_path / "x.gz").exists()


def test_400_is_not_retried(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.status(400, body=b"bad filter"))
    with client() as c, pytest.raises(HttpStatusError, match="bad filter"):
        c.get(server.url + PATH)
    assert server.hits(PATH) == 1


def test_408_is_retried(server: FakeServer) -> None:
    server.fail(PATH, Fault.status(408))
    with client() as c:
        assert c.get(server.url + PATH).attempts == 2


def test_gives_up_with_message(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, *[Fault.status(503)] * 4)
    dest = tmp_path / "x.gz"
    dest.write_bytes(b"old")
    with client(attempts=4) as c, pytest.raises(FetchError) as err:
        c.download(server.url + PATH, dest)
    msg = str(err.value)
    assert PATH in msg and "4 attempts" in msg and "503" in msg
    assert dest.read_bytes() == b"old"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.gz"]


def test_read_timeout_then_success(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.stall(1.0, after_bytes=100))
    with client(read=0.2) as c:
        got = c.download(server.url + PATH, tmp_path / "x.gz")
    assert got.attempts == 2 and (tmp_path / "x.gz").read_bytes() == PAYLOAD


def test_read_timeout_every_time(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.stall(0.6), Fault.stall(0.6))
    with client(attempts=2, read=0.15) as c, pytest.raises(FetchError, match="read timed out"):
        c.download(server.url + PATH, tmp_path / "x.gz")
    assert not (tmp_path / "x.gz").exists()


def test_truncated_body_is_retried(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.truncate(0.5))
    with client() as c:
        got = c.download(server.url + PATH, tmp_path / "x.gz")
    assert got.attempts == 2 and (tmp_path / "x.gz").read_bytes() == PAYLOAD


def test_truncated_body_in_memory(server: FakeServer) -> None:
    server.fail(PATH, Fault.truncate(0.5), Fault.truncate(0.3))
    with client(attempts=2) as c, pytest.raises(FetchError, match=r"connection broken|truncated"):
        c.get(server.url + PATH)


def test_bad_gzip_crc_is_retried(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.bad_crc())
    with client() as c:
        got = c.download(server.url + PATH, tmp_path / "x.gz")
    assert got.attempts == 2


def test_bad_gzip_crc_every_time(server: FakeServer, tmp_path: Path) -> None:
    server.fail(PATH, Fault.bad_crc(), Fault.bad_crc())
    with client(attempts=2) as c, pytest.raises(FetchError, match="corrupt gzip"):
        c.download(server.url + PATH, tmp_path / "x.gz")
    assert list(tmp_path.iterdir()) == []


def test_dropped_connection_is_retried(server: FakeServer) -> None:
    server.fail(PATH, Fault.drop())
    with client() as c:
        assert c.get(server.url + PATH).content == PAYLOAD


def test_connection_refused(tmp_path: Path) -> None:
    srv = FakeServer().start()
    url = srv.url + PATH
    srv.stop()
    with client(attempts=2) as c, pytest.raises(FetchError, match=r"ConnectError|gave up"):
        c.get(url)


def test_conditional_get_304(server: FakeServer, tmp_path: Path) -> None:
    with client() as c:
        first = c.get(server.url + PATH)
        again = c.get(server.url + PATH, headers={"If-None-Match": first.etag})
    assert again.not_modified and again.content is None


def test_offline_client_refuses(server: FakeServer) -> None:
    c = HttpClient(offline=True)
    with pytest.raises(FetchError, match="offline"):
        c.get(server.url + PATH)
    assert server.hits(PATH) == 0


def test_params_are_encoded(fake_server: FakeServer) -> None:
    fake_server.add("/q", b"ok", query={"geo": "AT", "format": "JSON"})
    with client() as c:
        got = c.get(fake_server.url + "/q", params={"format": "JSON", "geo": "AT"})
    assert got.content == b"ok"


def test_parse_retry_after() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("") is None and parse_retry_after(None) is None


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=2**31))
def test_backoff_is_full_jitter_within_cap(failures: int, seed: int) -> None:
    policy = RetryPolicy(base=0.5, cap=30.0)
    d = policy.backoff(failures, random.Random(seed))
    assert 0.0 <= d <= min(30.0, 0.5 * 2 ** (failures - 1))


def test_check_gzip_multi_member_and_errors() -> None:
    two = gzip.compress(b"a" * 100) + gzip.compress(b"b" * 100)
    check_gzip(two)
    with pytest.raises(ValueError, match="truncated"):
        check_gzip(two[:-10])
    from fakeserver import bad_crc

    with pytest.raises(ValueError, match="gzip check failed"):
        check_gzip(bad_crc(gzip.compress(b"x" * 1000)))
