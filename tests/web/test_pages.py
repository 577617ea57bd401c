"""Every page route on the ASGI app: HTML and its JSON twin, downloads, embeds, headers and
bad parameters (404 / 422 pages and JSON errors), against a small Demoland atlas."""

from __future__ import annotations

import io
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from clusteratlas.web.app import create_app
from clusteratlas.web.downloads import read_csv_download
from tests.web.demo_atlas import small_demo_atlas


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def codes(client):
    """A level-2 region with clusters, its cluster with most employment, a second region."""
    home = client.get("/index.json").json()
    top = home["panels"][0]["data"]
    regions = sorted(r["region"] for r in top)
    table = client.get(f"/api/regions/{regions[0]}/clusters").json()["clusters"]
    traded = max(
        (c for c in table if c["cluster_type"] == "traded"), key=lambda c: c["employment"] or 0
    )
    return {"region": regions[0], "other": regions[1], "cluster": traded["cluster"]}


def pages(codes):
    r, o, c = codes["region"], codes["other"], codes["cluster"]
    return [
        ("/", "/index.json", "home"),
        (f"/regions/{r}", f"/regions/{r}.json", "region"),
        (f"/clusters/{c}", f"/clusters/{c}.json", "cluster"),
        (f"/regions/{r}/clusters/{c}", f"/regions/{r}/clusters/{c}.json", "region_cluster"),
        (f"/compare?regions={r},{o}", f"/compare.json?regions={r},{o}", "compare"),
        ("/scoreboard", "/scoreboard.json", "scoreboard"),
        ("/methodology", "/methodology.json", "methodology"),
        ("/how-to-read", "/how-to-read.json", "how-to-read"),
        ("/sources", "/sources.json", "sources"),
    ]


def test_every_page_and_its_json_twin(client, codes):
    for html_url, json_url, kind in pages(codes):
        page = client.get(html_url)
        assert page.status_code == 200, html_url
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in page.text
        assert "Synthetic data." in page.text, f"{html_url} must say the data are synthetic"
        twin = client.get(json_url)
        assert twin.status_code == 200, json_url
        data = twin.json()
        assert data["page"] == kind
        assert data["provenance"]["synthetic"] is True
        # ?format=json is the same twin
        sep = "&" if "?" in html_url else "?"
        assert client.get(f"{html_url}{sep}format=json").json()["panels"] == data["panels"]
        # every chart has its data-table twin and its downloads on the page
        for panel in data["panels"]:
            assert f'id="panel-{panel["id"]}"' in page.text
            assert f"/charts/{panel['id']}.csv" in page.text


def test_region_page_shows_the_portfolio_and_key_figures(client, codes):
    data = client.get(f"/regions/{codes['region']}.json").json()
    ids = [p["id"] for p in data["panels"]]
    for expected in ("trends", "portfolio", "strong", "types", "series", "clusters", "locator"):
        assert expected in ids
    port = next(p for p in data["panels"] if p["id"] == "portfolio")
    api = client.get(f"/api/regions/{codes['region']}/clusters").json()
    traded = {c["cluster"] for c in api["clusters"] if c["cluster_type"] == "traded"}
    assert {r["cluster"] for r in port["data"]} <= traded
    for row in port["data"]:
        up, right = row["value"] >= row["reference"], row["change"] >= 0
        expected = {
            (True, True): "rising",
            (True, False): "mature",
            (False, True): "emerging",
            (False, False): "declining",
        }
        assert row["quadrant"] == expected[(up, right)]
    clusters = next(p for p in data["panels"] if p["id"] == "clusters")
    assert len(clusters["data"]) == len(api["clusters"])


def test_view_state_is_in_the_url(client, codes):
    r = codes["region"]
    years = client.get(f"/regions/{r}.json").json()["region"]["years"]
    early = years[len(years) // 2]
    data = client.get(f"/regions/{r}.json?year={early}&measure=benchmark_share").json()
    assert data["params"]["year"] == early and data["params"]["measure"] == "benchmark_share"
    page = client.get(f"/regions/{r}?year={early}&measure=benchmark_share").text
    assert re.search(rf'<option value="{early}" selected>', page)
    assert '<option value="benchmark_share" selected>' in page


def test_csv_and_parquet_downloads_equal_the_panel_data(client, codes):
    url = f"/regions/{codes['region']}"
    data = client.get(f"{url}.json").json()
    port = next(p for p in data["panels"] if p["id"] == "portfolio")
    csv = client.get(f"{url}/charts/portfolio.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode()
    assert "# source: demo" in text and "# nuts_version: demo" in text
    assert "# classification: eu-nace2" in text and "# synthetic: true" in text
    assert "# extraction_date: " in text
    frame = read_csv_download(csv.content)
    expected = pd.DataFrame(port["data"])
    assert list(frame.columns) == list(expected.columns)
    pd.testing.assert_series_equal(frame["value"], expected["value"], check_exact=True)  # unrounded
    parquet = client.get(f"{url}/charts/portfolio.parquet")
    table = pq.read_table(io.BytesIO(parquet.content))
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert meta["clusteratlas.classification"] == "eu-nace2"
    assert meta["clusteratlas.nuts_version"] == "demo"
    assert table.to_pandas()["value"].tolist() == expected["value"].tolist()


def test_images_and_embed(client, codes):
    url = f"/regions/{codes['region']}"
    svg = client.get(f"{url}/charts/portfolio.svg")
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg")
    assert "SYNTHETIC" in svg.text  # the source line is in the picture
    png = client.get(f"{url}/charts/locator.png")  # a map: geometry inlined server-side
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    embed = client.get(f"{url}/charts/portfolio")
    assert embed.status_code == 200 and 'data-vega="spec-portfolio"' in embed.text
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert client.get(f"{url}/charts/clusters.png").status_code == 404  # a table: no picture


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/regions/NOPE", 404, None),
        ("/regions/NOPE.json", 404, None),
        ("/clusters/NOPE", 404, None),
        ("/regions/{region}?year=abc", 422, "year"),
        ("/regions/{region}.json?year=1800", 422, "year"),
        ("/regions/{region}?year=1999", 404, None),
        ("/regions/{region}.json?measure=magic", 422, "measure"),
        ("/clusters/{cluster}.json?indicator=nope", 422, "indicator"),
        ("/clusters/{cluster}?classes=nope", 422, "classes"),
        ("/compare.json?regions=A,A", 422, "regions"),
        ("/compare?regions=" + ",".join(f"R{i}" for i in range(11)), 422, "regions"),
        ("/compare.json?regions=%3Cscript%3E", 422, "regions"),
        ("/regions/{region}/clusters/NOPE", 404, None),
        ("/regions/{region}/charts/nope.csv", 404, None),
        ("/regions/{region}/charts/portfolio.exe", 404, None),
        ("/scoreboard.json?year=x", 422, "year"),
        ("/no/such/page", 404, None),
        ("/static/../../etc/passwd", 404, None),
        ("/geo/demo/x.topojson", 422, "level"),
        ("/geo/nowhere/2.topojson", 404, None),
    ],
)
def test_bad_parameters(client, codes, url, status, parameter):
    response = client.get(url.format(**codes))
    assert response.status_code == status, response.text[:300]
    if ".json" in url:
        body = response.json()
        assert body["status"] == status and body["message"]
        if status == 422:  # a 404 may name what was looked up (e.g. "code")
            assert body["parameter"] == parameter
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text
        if parameter:
            assert f"<strong>{parameter}</strong>" in response.text


def test_security_headers_and_autoescape(client):
    r = client.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp and "unsafe" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'self'" in csp
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', r.text):
        assert src.startswith("/"), f"external resource {src}"


def test_static_files_carry_etags(client):
    page = client.get("/").text
    url = re.search(r'src="(/static/vega\.js\?v=[0-9a-f]+)"', page).group(1)
    first = client.get(url)
    assert first.status_code == 200 and "vegaEmbed" in first.text
    assert "immutable" in first.headers["cache-control"]
    again = client.get("/static/vega.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    own = client.get("/static/atlas.js")
    assert own.status_code == 200 and own.headers["etag"]


def test_geometries_are_topojson_with_etag(client, codes):
    spec_url = next(
        p for p in client.get("/index.json").json()["panels"] if p["id"] == "top-clusters"
    )
    assert spec_url["kind"] == "map"
    page = client.get("/").text
    geo = re.search(r'\\?"url\\?":\\?"(/geo/[^"\\]+)', page) or re.search(
        r"(/geo/demo/\d+\.topojson)", page
    )
    r = client.get(geo.group(1))
    assert r.status_code == 200 and r.json()["type"] == "Topology"
    assert "regions" in r.json()["objects"]
    assert client.get(geo.group(1), headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_home_search(client, codes):
    r = client.get(f"/?q={codes['region']}")
    assert f'href="/regions/{codes["region"]}' in r.text
    data = client.get(f"/index.json?q={codes['region']}").json()
    assert data["results"][0]["code"] == codes["region"]
