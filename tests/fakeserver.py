"""A real HTTP server on 127.0.0.1 for tests and benchmarks, with scriptable faults.

It serves byte payloads (usually the recorded real files of ``../shared/data``) at the *same
paths* the real services use, so a client pointed at ``server.url`` instead of
``https://ec.europa.eu`` (or ``https://gisco-services.ec.europa.eu``, ``https://api.census.gov``)
exercises exactly the production code path::

    server = FakeServer().start()
    server.add("/eurostat/api/dissemination/sdmx/2.1/data/lfst_r_lfe2en2",
               path_to_tsv_gz, query={"format": "TSV", "compressed": "true"})
    server.fail("/eurostat/api/dissemination/sdmx/2.1/data/lfst_r_lfe2en2",
                Fault.status(503), Fault.status(503))       # the next two requests fail
    ...
    server.stop()

Routes match on path and, when ``query`` is given, on the exact query parameters (order does
not matter); a route without ``query`` matches any query. ``add_handler`` routes to a function
for dynamic answers (JSON-stat filters, asynchronous polling). Faults are consumed one per
request, in order, before the route answers normally. Every request is logged in
``server.requests`` (method, path, query, headers). ETag/Last-Modified validators are sent for
static routes, and ``If-None-Match`` / ``If-Modified-Since`` get a ``304``.

Faults (:class:`Fault`): ``status(code, headers, body)``, ``stall(seconds, after_bytes)``
(headers then silence: a read timeout), ``truncate(fraction)`` (Content-Length larger than
the bytes sent, then the connection closes), ``bad_crc()`` (a gzip payload whose CRC-32 is
wrong), ``drop()`` (close the connection without answering).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Answer", "FakeServer", "Fault", "LoggedRequest", "Route", "bad_crc"]


@dataclass
class Answer:
    """A full HTTP answer (what handlers return)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    multi_query: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Fault:
    kind: str
    code: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    after_bytes: int = 0
    fraction: float = 0.5

    @classmethod
    def status(
        cls, code: int, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Fault:
        return cls("status", code=code, headers=dict(headers or {}), body=body)

    @classmethod
    def stall(cls, seconds: float, after_bytes: int = 0) -> Fault:
        return cls("stall", seconds=seconds, after_bytes=after_bytes)

    @classmethod
    def truncate(cls, fraction: float = 0.5) -> Fault:
        return cls("truncate", fraction=fraction)

    @classmethod
    def bad_crc(cls) -> Fault:
        return cls("bad_crc")

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


def bad_crc(payload: bytes) -> bytes:
    """Return a gzip payload with its CRC-32 trailer flipped (same length, undetectable before
    full decompression). Non-gzip payloads are gzipped first."""
    if payload[:2] != b"\x1f\x8b":
        payload = gzip.compress(payload, mtime=0)
    crc = bytes(b ^ 0xFF for b in payload[-8:-4])
    return payload[:-8] + crc + payload[-4:]


@dataclass
class Route:
    body: bytes | None = None
    handler: Callable[[LoggedRequest], Answer] | None = None
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None

    def answer(self, req: LoggedRequest) -> Answer:
        if self.handler is not None:
            return self.handler(req)
        assert self.body is not None
        headers = dict(self.headers)
        if self.etag:
            headers["ETag"] = self.etag
        if self.last_modified:
            headers["Last-Modified"] = self.last_modified
        inm = req.headers.get("if-none-match")
        ims = req.headers.get("if-modified-since")
        if (inm and inm == self.etag) or (not inm and ims and ims == self.last_modified):
            return Answer(304, b"", headers, self.content_type)
        return Answer(200, self.body, headers, self.content_type)


class FakeServer:
    """Threaded HTTP server on a random free port of 127.0.0.1."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, frozenset[tuple[str, str]] | None], Route] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self.requests: list[LoggedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeServer:
        server = self

        class Handler(_Handler):
            owner = server

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port is not None, "server not started"
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (stands in for ``https://ec.europa.eu``)."""
        return f"http://127.0.0.1:{self.port}"

    # -- routes -----------------------------------------------------------------------------
    def add(
        self,
        path: str,
        body: bytes | str | Path,
        *,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
        headers: Mapping[str, str] | None = None,
        validators: bool = True,
    ) -> Route:
        """Serve ``body`` (bytes, text, or a file's bytes) at ``path`` [with ``query``]."""
        if isinstance(body, Path):
            body = body.read_bytes()
        elif isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(body=body, content_type=content_type, headers=dict(headers or {}))
        if validators:
            route.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            route.last_modified = formatdate(1_500_000_000, usegmt=True)
        self._routes[(path, _qkey(query))] = route
        return route

    def add_handler(
        self,
        path: str,
        handler: Callable[[LoggedRequest], Answer],
        *,
        query: Mapping[str, str] | None = None,
    ) -> None:
        self._routes[(path, _qkey(query))] = Route(handler=handler)

    def fail(self, path: str, *faults: Fault) -> None:
        """Queue faults for the next requests to ``path`` (one fault per request, in order)."""
        with self._lock:
            self._faults.setdefault(path, []).extend(faults)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def _resolve(self, req: LoggedRequest) -> tuple[Route | None, Fault | None]:
        with self._lock:
            self.requests.append(req)
            queue = self._faults.get(req.path)
            fault = queue.pop(0) if queue else None
        route = self._routes.get((req.path, frozenset(req.multi_query)))
        if route is None:
            route = self._routes.get((req.path, None))
        return route, fault


def _qkey(query: Mapping[str, str] | None) -> frozenset[tuple[str, str]] | None:
    return None if query is None else frozenset((k, str(v)) for k, v in query.items())


class _Handler(BaseHTTPRequestHandler):
    owner: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        req = LoggedRequest(
            "GET",
            parts.path,
            dict(pairs),
            {k.lower(): v for k, v in self.headers.items()},
            pairs,
        )
        route, fault = self.owner._resolve(req)
        if fault is not None and fault.kind == "status":
            self._send(Answer(fault.code, fault.body, fault.headers, "text/plain"))
            return
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        if route is None:
            msg = f"no route for {parts.path}?{parts.query}".encode()
            self._send(Answer(404, msg, {}, "text/plain"))
            return
        answer = route.answer(req)
        if fault is None:
            self._send(answer)
        elif fault.kind == "stall":
            self._send_head(answer, len(answer.body))
            self._write(answer.body[: fault.after_bytes])
            time.sleep(fault.seconds)
            self.close_connection = True
        elif fault.kind == "truncate":
            self._send_head(answer, len(answer.body))
            self._write(answer.body[: int(len(answer.body) * fault.fraction)])
            self.close_connection = True
        elif fault.kind == "bad_crc":
            answer.body = bad_crc(answer.body)
            self._send(answer)

    def _send_head(self, answer: Answer, length: int) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(length))
        for k, v in answer.headers.items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, answer: Answer) -> None:
        body = b"" if answer.status == 304 else answer.body
        self._send_head(answer, len(body))
        self._write(body)

    def _write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(data)
            self.wfile.flush()


# -- Eurostat stand-in ------------------------------------------------------------------------
EUROSTAT_API = "/eurostat/api/dissemination"

#: Recorded real Eurostat bulk files in ../shared/data, by dataset code.
EUROSTAT_SHARED_FILES = {
    "lfst_r_lfe2en2": "eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz",
    "nama_10r_2gdp": "eu_indicators/nama_10r_2gdp_2017snapshot.tsv.gz",
    "nama_10r_2hhinc": "eu_indicators/nama_10r_2hhinc_2017snapshot.tsv.gz",
    "trng_lfse_04": "eu_indicators/trng_lfse_04_2017snapshot.tsv.gz",
    "lfst_r_lfu3pers": "eu_indicators/lfst_r_lfu3pers_2017snapshot.tsv.gz",
}


def dataflow_xml(code: str, title: str, update_data: str) -> bytes:
    """An SDMX-ML 2.1 Structure message with one dataflow and its UPDATE_DATA annotation,
    built to the SDMX 2.1 schema (as Eurostat's ``/sdmx/2.1/dataflow/ESTAT/{code}`` answers)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<m:Structure xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
 xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
 <m:Header><m:ID>DF</m:ID><m:Test>true</m:Test><m:Prepared>2024-01-01T00:00:00Z</m:Prepared>
 <m:Sender id="ESTAT"/></m:Header>
 <m:Structures><s:Dataflows>
  <s:Dataflow id="{code.upper()}" agencyID="ESTAT" version="1.0" isFinal="true">
   <c:Annotations>
    <c:Annotation><c:AnnotationTitle>{update_data}</c:AnnotationTitle>
     <c:AnnotationType>UPDATE_DATA</c:AnnotationType></c:Annotation>
    <c:Annotation><c:AnnotationTitle>2008</c:AnnotationTitle>
     <c:AnnotationType>OBS_PERIOD_OVERALL_OLDEST</c:AnnotationType></c:Annotation>
   </c:Annotations>
   <c:Name xml:lang="en">{title}</c:Name>
   <s:Structure><Ref id="{code.upper()}" agencyID="ESTAT" version="1.0"
    package="datastructure" class="DataStructure"/></s:Structure>
  </s:Dataflow>
 </s:Dataflows></m:Structures>
</m:Structure>""".encode()


def serve_eurostat_bulk(
    server: FakeServer,
    code: str,
    payload: bytes | Path,
    *,
    title: str = "",
    update_data: str | None = "2017-04-27T23:00:00+0200",
) -> str:
    """Serve a bulk TSV at Eurostat's SDMX 2.1 path (and its dataflow, if ``update_data``);
    returns the data path."""
    path = f"{EUROSTAT_API}/sdmx/2.1/data/{code}"
    server.add(path, payload, query={"format": "TSV", "compressed": "true"},
               content_type="application/octet-stream")  # fmt: skip
    if update_data is not None:
        server.add(
            f"{EUROSTAT_API}/sdmx/2.1/dataflow/ESTAT/{code}",
            dataflow_xml(code, title or code, update_data),
            content_type="application/xml",
        )
    return path


def build_sdmx_csv(
    tidy, dims: list[str], *, dataflow: str, last_update: str, version: str = "1.0"
) -> bytes:
    """SDMX-CSV as Eurostat serves it, built from a tidy frame: 1.0 (DATAFLOW, LAST UPDATE,
    dims, TIME_PERIOD, OBS_VALUE, OBS_FLAG) or 2.0 (STRUCTURE, STRUCTURE_ID instead of the
    first two, as in Eurostat's SDMX 3.0 examples); missing values are empty cells."""
    import io as _io

    import pandas as _pd

    if version == "2.0":
        head = {"STRUCTURE": "dataflow", "STRUCTURE_ID": f"ESTAT:{dataflow.upper()}(1.0)"}
    else:
        head = {"DATAFLOW": f"ESTAT:{dataflow.upper()}(1.0)", "LAST UPDATE": last_update}
    out = _pd.DataFrame(
        {
            **head,
            **{d: tidy[d].astype(str).to_numpy() for d in dims},
            "TIME_PERIOD": tidy["time"].astype(str).to_numpy(),
            "OBS_VALUE": tidy["value"].to_numpy(),
            "OBS_FLAG": [f if isinstance(f, str) else "" for f in tidy["flag"]],
        }
    )
    buf = _io.StringIO()
    out.to_csv(buf, index=False, float_format="%.15g")
    return gzip.compress(buf.getvalue().encode(), mtime=0)


def async_envelope(key: str, status: str) -> bytes:
    """Eurostat's asynchronous-delivery SOAP answer (shape from Eurostat's async API docs)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<S:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><env:Header/><S:Body>'
        '<ns0:asyncResponse xmlns:ns1="http://estat.ec.europa.eu/disschain/asynchronous" '
        'xmlns:ns0="http://estat.ec.europa.eu/disschain/soap/asynchronous"><ns1:status>'
        f"<ns1:key>{key}</ns1:key><ns1:status>{status}</ns1:status>"
        "</ns1:status></ns0:asyncResponse></S:Body></S:Envelope>"
    ).encode()


def soap_fault(code: str, text: str) -> bytes:
    return (
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
        f'<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>{code}'
        f"</faultcode><faultstring>{text}</faultstring></S:Fault></S:Body></S:Envelope>"
    ).encode()


def jsonstat_document(tidy, dims: list[str], *, updated: str, label: str = "") -> dict:
    """A JSON-stat 2.0 dataset written here, from the published format (json-stat.org/format),
    independently of ``clusteratlas.sources.jsonstat``: ``id`` + ``size``, categories in sorted
    order with ``index`` as an *array*, a dense row-major ``value`` array (the last dimension
    varies fastest; null for no value) and ``status`` keyed by the flat cell position; a
    missing value without a flag gets Eurostat's ``":"`` status."""
    ids = [*dims, "time"]
    cats = {d: sorted(set(tidy[d].astype(str))) for d in ids}
    size = [len(cats[d]) for d in ids]
    n = 1
    for s in size:
        n *= s
    value: list = [None] * n
    status: dict[str, str] = {}
    position = {d: {c: i for i, c in enumerate(cats[d])} for d in ids}
    columns = [tidy[d].astype(str).tolist() for d in ids]
    for row, (v, f) in enumerate(zip(tidy["value"].tolist(), tidy["flag"].tolist(), strict=True)):
        flat = 0
        for d, s, col in zip(ids, size, columns, strict=True):
            flat = flat * s + position[d][col[row]]
        has_value = v is not None and v == v
        value[flat] = float(v) if has_value else None
        if isinstance(f, str):
            status[str(flat)] = f
        elif not has_value:
            status[str(flat)] = ":"
    return {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "updated": updated,
        "id": ids,
        "size": size,
        "dimension": {d: {"category": {"index": cats[d]}} for d in ids},
        "role": {"time": ["time"]},
        "value": value,
        "status": status,
    }
