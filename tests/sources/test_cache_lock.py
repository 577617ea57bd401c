"""The cache manifest's file lock (filelock): concurrent writers lose no entry."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from filelock import FileLock, Timeout

from clusteratlas.sources.cache import Cache, Request

WRITERS, PER_WRITER = 4, 10


def _write(root: str, writer: int) -> None:
    cache = Cache(Path(root))
    for i in range(PER_WRITER):
        req = Request(f"https://example.org/w{writer}/d{i}", {}, fmt="tsv", api="test")
        cache.store_bytes(req, f"{writer}-{i}".encode(), dataset=f"w{writer}")


def test_concurrent_writers_keep_every_entry(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write, args=(str(root), w)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    # every read-modify-write of the manifest ran under the lock: none overwrote another
    entries = Cache(root).entries()
    assert len(entries) == WRITERS * PER_WRITER
    assert {e.dataset for e in entries} == {f"w{w}" for w in range(WRITERS)}


def test_manifest_is_not_rewritten_while_another_holds_the_lock(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    req = Request("https://example.org/x", {}, fmt="tsv", api="test")
    cache.store_bytes(req, b"first", dataset="x")
    with FileLock(cache.root / "manifest.lock", timeout=0):
        # the same lock file, taken by another holder, cannot be taken again meanwhile
        other = FileLock(cache.root / "manifest.lock", timeout=0.1, is_singleton=False)
        try:
            other.acquire()
            taken = True
        except Timeout:
            taken = False
    assert not taken
    assert [e.dataset for e in cache.entries()] == ["x"]
