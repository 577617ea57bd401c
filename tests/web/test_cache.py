"""The response cache (``clusteratlas.web.cache``): bounded, keyed by atlas identity, route and
query, gzip and ETag done once — and never serving an old atlas's answer after a rebuild."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from clusteratlas.atlas.build import build_atlas
from clusteratlas.web.app import create_app
from clusteratlas.web.cache import CachedBody, ResponseCache, accepts_gzip, query_key
from tests.web.demo_atlas import small_demo_atlas


def _request(query: str = "", headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "query_string": query.encode(), "headers": raw})


def test_cache_is_bounded_by_entries_and_bytes():
    cache = ResponseCache(max_entries=3, max_bytes=10_000, max_entry_bytes=4_000)
    small = CachedBody.of(b"x" * 100, "text/plain")  # under GZIP_MIN_SIZE: no gzip twin
    for i in range(5):
        cache.put(i, small)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) is small
    assert cache.nbytes == 300
    cache.put("big", CachedBody.of(bytes(range(256)) * 20, "application/octet-stream"))
    assert cache.get("big") is None  # 5120 bytes > max_entry_bytes: served, not kept
    tight = ResponseCache(max_entries=100, max_bytes=1_000)
    for i in range(30):
        tight.put(i, small)
    assert len(tight) == 10 and tight.nbytes == 1_000  # 10 x 100 bytes fit, no more


def test_lru_keeps_what_was_read_last():
    cache = ResponseCache(max_entries=2)
    a, b, c = (CachedBody.of(s.encode(), "text/plain") for s in "abc")
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # a is now the most recent
    cache.put("c", c)
    assert cache.get("b") is None and cache.get("a") is a and cache.get("c") is c


def test_query_key_sorts_pairs_and_keeps_repeats():
    assert query_key(_request("b=2&a=1")) == query_key(_request("a=1&b=2"))
    assert query_key(_request("a=1&a=2")) == (("a", "1"), ("a", "2"))
    assert query_key(_request("a=1")) != query_key(_request("a=2"))
    assert query_key(_request("a=1")) != query_key(_request("a=1&a=1"))
    assert query_key(_request("a=1&format=json"), drop=("format",)) == (("a", "1"),)


def test_gzip_twin_etag_and_304():
    body = b'{"rows":[' + b",".join(b'{"x":%d}' % i for i in range(500)) + b"]}"
    entry = CachedBody.of(body, "application/json")
    assert entry.gzipped is not None and gzip.decompress(entry.gzipped) == body
    plain = entry.response(_request())
    assert plain.body == body and "content-encoding" not in plain.headers
    packed = entry.response(_request(headers={"Accept-Encoding": "br, gzip"}))
    assert packed.headers["content-encoding"] == "gzip" and packed.body == entry.gzipped
    assert packed.headers["vary"] == "Accept-Encoding"
    refused = entry.response(_request(headers={"Accept-Encoding": "gzip;q=0"}))
    assert "content-encoding" not in refused.headers
    same = entry.response(_request(headers={"If-None-Match": entry.etag}))
    assert same.status_code == 304 and same.body == b""
    other = CachedBody.of(body + b" ", "application/json")
    assert other.etag != entry.etag
    assert not accepts_gzip(_request(headers={"Accept-Encoding": "identity"}))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


def test_api_answers_are_cached_per_query(client):
    cache = client.app.state.response_cache
    cache.clear()
    first = client.get("/api/regions", params={"per_page": 5})
    assert first.status_code == 200 and len(cache) == 1
    hits = cache.hits
    again = client.get("/api/regions", params={"per_page": 5})
    assert cache.hits == hits + 1 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    other = client.get("/api/regions", params={"per_page": 6})
    assert len(cache) == 2 and len(other.json()["items"]) == 6  # never the 5-item answer
    page2 = client.get("/api/regions", params={"per_page": 5, "page": 2})
    assert page2.json()["items"] != first.json()["items"] and len(cache) == 3
    swapped = client.get("/api/regions", params=[("page", "2"), ("per_page", "5")])
    assert swapped.content == page2.content and len(cache) == 3  # same pairs, one entry
    cond = client.get("/api/regions?per_page=5", headers={"If-None-Match": first.headers["etag"]})
    assert cond.status_code == 304


def test_errors_are_not_cached(client):
    cache = client.app.state.response_cache
    cache.clear()
    for _ in range(2):
        assert client.get("/api/regions/NOPE/clusters").status_code == 404
        assert client.get("/api/regions", params={"per_page": 0}).status_code == 422
        assert client.get("/regions/NOPE").status_code == 404
    assert len(cache) == 0


def test_pages_html_and_json_twin_have_their_own_entries(client):
    cache = client.app.state.response_cache
    region = client.get("/api/regions", params={"level": 2, "per_page": 1}).json()["items"][0]
    cache.clear()
    html = client.get(f"/regions/{region['code']}")
    twin = client.get(f"/regions/{region['code']}.json")
    fmt = client.get(f"/regions/{region['code']}", params={"format": "json"})
    assert html.headers["content-type"].startswith("text/html")
    assert twin.json() == fmt.json() and len(cache) == 2  # ?format=json is the twin's entry
    assert html.headers["content-security-policy"]  # cached answers keep the security headers


def test_a_rebuilt_atlas_swapped_in_gives_new_answers(tmp_path):
    target = tmp_path / "atlas.duckdb"
    build_atlas("demo", target, options={"small": True, "seed": 1})
    with TestClient(create_app(target), raise_server_exceptions=False) as c:
        code = c.get("/api/regions", params={"level": 2, "per_page": 1}).json()["items"][0]["code"]
        urls = [f"/api/regions/{code}/clusters", f"/regions/{code}.json", f"/regions/{code}"]
        before = [c.get(u).content for u in urls]
        assert [c.get(u).content for u in urls] == before  # served from the cache
        build_atlas("demo", target, options={"small": True, "seed": 2})  # atomic swap
        after = [c.get(u).content for u in urls]
        for old, new in zip(before, after, strict=True):
            assert old != new
        employment = [r["employment"] for r in c.get(urls[0]).json()["clusters"]]
        fresh = [r["employment"] for r in c.app.state.atlas.region_clusters(code)["clusters"]]
        assert employment == fresh  # the new file's numbers, not the old cache's
