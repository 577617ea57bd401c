"""Content-addressed cache: manifest, integrity, freshness policy, offline mode, faults."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from fakeserver import FakeServer, Fault

from clusteratlas.errors import FetchError
from clusteratlas.sources.cache import Cache, CacheCorruptError, Request, fetch
from clusteratlas.sources.http import HttpClient, RetryPolicy, Timeouts

PATH = "/eurostat/api/dissemination/sdmx/2.1/data/demo_x"
QUERY = {"format": "TSV", "compressed": "true"}
PAYLOAD = gzip.compress(b"freq,unit,geo\\TIME_PERIOD\t2020 \nA,NR,AT\t5 \n" * 500, mtime=0)


def make_client(attempts: int = 3) -> HttpClient:
    return HttpClient(
        timeouts=Timeouts(connect=2, read=0.3),
        retry=RetryPolicy(attempts=attempts, base=0.001, cap=0.002),
        sleep=lambda s: None,
        rng=random.Random(0),
        progress=False,
    )


@pytest.fixture()
def server(fake_server: FakeServer) -> FakeServer:
    fake_server.add(PATH, PAYLOAD, query=QUERY)
    return fake_server


@pytest.fixture()
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def req(server: FakeServer) -> Request:
    return Request(server.url + PATH, QUERY, fmt="tsv", api="sdmx2.1")


def files(cache: Cache) -> dict[str, bytes]:
    """Every file under the cache (to prove 'unchanged')."""
    return {
        str(p.relative_to(cache.root)): p.read_bytes()
        for p in sorted(cache.root.rglob("*"))
        if p.is_file() and p.name != "manifest.lock"
    }


def test_request_key_is_canonical() -> None:
    a = Request("https://x/d", {"b": "2", "a": "1"}, "tsv", "v1")
    b = Request("https://x/d", {"a": "1", "b": "2"}, "tsv", "v1")
    assert a.key == b.key
    assert a.key != Request("https://x/d", {"a": "1", "b": "2"}, "json", "v1").key
    assert a.key != Request("https://x/d", {"a": "1", "b": "2"}, "tsv", "v2").key
    assert Request("https://x/d", {"geo": ["AT", "BE"]}).full_url == "https://x/d?geo=AT&geo=BE"


def test_first_fetch_downloads_and_records(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        got = fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="2024-01")
    assert not got.from_cache and got.path.read_bytes() == PAYLOAD
    e = got.entry
    assert e.dataset == "demo_x" and e.gzip and e.size == len(PAYLOAD) and e.etag
    assert e.source_updated == "2024-01" and e.fmt == "tsv" and e.api == "sdmx2.1"
    assert got.path == cache.root / "blobs" / e.sha256[:2] / e.sha256
    manifest = json.loads(cache.manifest_path.read_text())
    assert list(manifest["entries"]) == [req(server).key]
    assert not list((cache.root / "tmp").iterdir())


def test_same_stamp_serves_cache_without_request(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
        again = fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
    assert again.from_cache and server.hits(PATH) == 1


def test_changed_stamp_downloads_again(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
        again = fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s2")
    assert not again.from_cache and server.hits(PATH) == 2
    assert cache.lookup(req(server)).source_updated == "s2"


def test_unknown_stamp_revalidates_with_etag(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x")
        again = fetch(req(server), client=c, cache=cache, dataset="demo_x")
    assert again.from_cache and again.revalidated
    assert server.requests[-1].headers.get("if-none-match") == again.entry.etag


def test_refresh_forces_download(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
        again = fetch(
            req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1", refresh=True
        )
    assert not again.from_cache and server.hits(PATH) == 2
    assert "if-none-match" not in server.requests[-1].headers


def test_offline_serves_cache(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x")
    server.stop()
    with HttpClient(offline=True) as c:
        got = fetch(req(server), client=c, cache=cache, dataset="demo_x", offline=True)
    assert got.from_cache and got.path.read_bytes() == PAYLOAD


def test_offline_without_cache_names_the_request(server: FakeServer, cache: Cache) -> None:
    with HttpClient(offline=True) as c, pytest.raises(FetchError) as err:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", offline=True)
    assert "offline" in str(err.value) and "demo_x?compressed=true&format=TSV" in str(err.value)
    assert server.hits(PATH) == 0


@pytest.mark.parametrize(
    "faults",
    [
        [Fault.status(503)] * 3,
        [Fault.truncate(0.5)] * 3,
        [Fault.bad_crc()] * 3,
        [Fault.stall(0.8)] * 3,
        [Fault.status(404)],
    ],
    ids=["503", "truncated", "bad-crc", "stall", "404"],
)
def test_failed_download_leaves_cache_unchanged(
    server: FakeServer, cache: Cache, faults: list[Fault]
) -> None:
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
    before = files(cache)
    server.fail(PATH, *faults)
    with make_client() as c, pytest.raises(FetchError) as err:
        fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s2")
    assert PATH in str(err.value)
    assert files(cache) == before  # manifest and blobs untouched, no temp leftovers


def test_corrupted_blob_is_detected_and_repaired(server: FakeServer, cache: Cache) -> None:
    with make_client() as c:
        first = fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
    blob = first.path
    blob.write_bytes(blob.read_bytes()[:-20] + b"\0" * 20)  # rot on disk
    with pytest.raises(CacheCorruptError, match="corrupt"):
        cache.verify(first.entry)
    problems = cache.verify_all()
    assert problems[0][1] is not None and "sha256" in problems[0][1]
    # offline: refuse to serve the damaged copy, change nothing
    before = files(cache)
    with HttpClient(offline=True) as c, pytest.raises(FetchError, match="corrupt"):
        fetch(req(server), client=c, cache=cache, dataset="demo_x", offline=True)
    assert files(cache) == before
    # online, same stamp: the damaged copy is not served; it is downloaded again
    with make_client() as c:
        again = fetch(req(server), client=c, cache=cache, dataset="demo_x", source_updated="s1")
    assert not again.from_cache and again.path.read_bytes() == PAYLOAD
    assert cache.verify_all()[0][1] is None


def test_gzip_crc_checked_on_read(server: FakeServer, cache: Cache) -> None:
    from fakeserver import bad_crc

    bad = bad_crc(PAYLOAD)
    entry = cache.store_bytes(req(server), bad, dataset="demo_x")  # hash matches, CRC does not
    with pytest.raises(CacheCorruptError, match="gzip"):
        cache.verify(entry)


def test_list_and_clear_by_dataset(server: FakeServer, cache: Cache) -> None:
    server.add("/other", b"plain text", query=None)
    with make_client() as c:
        fetch(req(server), client=c, cache=cache, dataset="demo_x")
        fetch(Request(server.url + "/other"), client=c, cache=cache, dataset="other")
    assert {e.dataset for e in cache.entries()} == {"demo_x", "other"}
    assert [e.dataset for e in cache.entries("OTHER")] == ["other"]
    assert cache.clear("demo_x") == 1
    assert [e.dataset for e in cache.entries()] == ["other"]
    assert len(list((cache.root / "blobs").glob("*/*"))) == 1
    assert cache.clear() == 1 and cache.entries() == []


def test_unreadable_manifest_is_a_clear_error(cache: Cache) -> None:
    cache.root.mkdir(parents=True)
    cache.manifest_path.write_text("{not json")
    with pytest.raises(CacheCorruptError, match="cache clear"):
        cache.entries()


def test_default_root_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLUSTERATLAS_CACHE", str(tmp_path / "c"))
    assert Cache().root == tmp_path / "c"
