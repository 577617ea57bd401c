"""Stress-test pages and API on the ASGI app: the form step by step without JavaScript,
save and resume, results, comparison, bad parameters and form fields."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from clusteratlas.appdb import assessments as asm
from clusteratlas.appdb import open_database
from clusteratlas.policy import load_questionnaire, score_answers
from clusteratlas.web.app import create_app
from tests.web.demo_atlas import small_demo_atlas

Q = load_questionnaire()
N = len(Q.themes)


@pytest.fixture
def site(tmp_path_factory, tmp_path):
    atlas = small_demo_atlas(tmp_path_factory.mktemp("atlas"))
    db = open_database(tmp_path / "app.sqlite3")
    app = create_app(atlas, db=db)
    client = TestClient(app, raise_server_exceptions=False)
    yield client, db, app
    db.dispose()


def csrf(client) -> str:
    page = client.get("/stress-test").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def start(client, **fields) -> str:
    r = client.post(
        "/stress-test/start",
        data={"csrf_token": csrf(client), "programme": "Example programme", **fields},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["cache-control"] == "no-store"
    m = re.fullmatch(r"/stress-test/a/([A-Za-z0-9_-]+)\?step=1", r.headers["location"])
    return m.group(1)


def answer_step(client, token, step, value, action="next"):
    fields = {f"q:{q.id}": str(value) for q in Q.themes[step - 1].questions}
    return client.post(
        f"/stress-test/a/{token}",
        data={"csrf_token": csrf(client), "step": str(step), "action": action, **fields},
        follow_redirects=False,
    )


def test_intro_and_questionnaire_twin(site):
    client, _, _ = site
    r = client.get("/stress-test")
    assert r.status_code == 200 and "Start the stress test" in r.text
    assert "at least five other programmes" in r.text
    assert 'id="site-q" name="q" type="search" maxlength="100" value=""' in r.text
    twin = client.get("/stress-test.json").json()
    assert [t["id"] for t in twin["themes"]] == [t.id for t in Q.themes]
    assert twin["thresholds"] == {"amber": 40.0, "green": 70.0}
    assert client.get("/api/stress-test/questionnaire").json()["id"] == Q.id


def test_form_end_to_end_without_javascript(site):
    client, db, _ = site
    token = start(client, region="xd1", title="First round")
    page = client.get(f"/stress-test/a/{token}?step=1")
    assert page.status_code == 200 and 'type="radio"' in page.text
    assert "<script" not in page.text.split("<main")[1].split("</main>")[0]  # plain form
    assert f"/stress-test/a/{token}?step=1" in page.text  # the resume link
    for step in range(1, N + 1):
        r = answer_step(client, token, step, 2)
        assert r.status_code == 303
        expected = f"?step={step + 1}&saved=1" if step < N else "/results"
        assert r.headers["location"].endswith(expected)
    # resuming shows the saved answer checked
    again = client.get(f"/stress-test/a/{token}?step=3").text
    assert re.search(r'name="q:framework\.skills" value="2" checked', again)
    results = client.get(f"/stress-test/a/{token}/results")
    assert results.status_code == 200 and 'id="overall-score">50<' in results.text
    assert 'data-status="draft"' in results.text
    data = client.get(f"/stress-test/a/{token}/results.json").json()
    assert data["result"]["overall"] == pytest.approx(50.0)  # every answer 2 of 0..4
    assert {t["light"] for t in data["result"]["themes"]} == {"amber"}
    assert data["aggregate"]["shown"] is False and data["aggregate"]["n"] is None
    assert "series" not in data["assessment"]
    # complete, then the answers are frozen
    r = client.post(
        f"/stress-test/a/{token}/complete", data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert asm.resume(db, token)["status"] == "complete"
    assert answer_step(client, token, 1, 4).status_code == 409
    assert client.get(f"/stress-test/a/{token}?step=1", follow_redirects=False).status_code == 303


def test_back_save_and_not_applicable(site):
    client, db, _ = site
    token = start(client)
    r = answer_step(client, token, 2, 1, action="back")
    assert r.headers["location"].endswith("?step=1&saved=1")
    r = answer_step(client, token, 3, "na", action="save")
    assert r.headers["location"].endswith("?step=3&saved=1")
    stored = asm.resume(db, token)["answers"]
    assert stored["policy_mix.silos"] == 1 and stored["framework.skills"] is None
    # sending step 3 again without an answer to a question clears it
    fields = {"q:framework.skills": "3"}
    client.post(
        f"/stress-test/a/{token}",
        data={"csrf_token": csrf(client), "step": "3", "action": "save", **fields},
    )
    stored = asm.resume(db, token)["answers"]
    assert stored["framework.skills"] == 3 and "framework.finance" not in stored


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"q:strategy.vision": "9"}, "not on the scale"),
        ({"q:strategy.vision": "high"}, "not on the scale"),
        ({"q:sme.reach": "2"}, "not a question of this step"),
        ({"q:strategy.vision": ["1", "2"]}, "give one answer"),
    ],
)
def test_bad_form_fields_are_named(site, fields, message):
    client, db, _ = site
    token = start(client)
    r = client.post(
        f"/stress-test/a/{token}",
        data={"csrf_token": csrf(client), "step": "1", "action": "next", **fields},
    )
    assert r.status_code == 422 and message in r.text
    assert asm.resume(db, token)["answers"] == {}  # nothing half-saved


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("?step=0", 422, "step"),
        ("?step=abc", 422, "step"),
        (f"?step={N + 1}", 422, "step"),
    ],
)
def test_bad_step_parameter(site, path, status, parameter):
    client, _, _ = site
    token = start(client)
    r = client.get(f"/stress-test/a/{token}{path}", headers={"accept": "application/json"})
    assert r.status_code == status
    r = client.get(f"/stress-test/a/{token}.json")
    assert r.status_code == 200 and r.json()["assessment"]["answers"] == {}
    bad = client.get(f"/stress-test/a/{token}{path}&format=json").json()
    assert bad["parameter"] == parameter


def test_bad_action_tokens_csrf_and_start_fields(site):
    client, _, _ = site
    token = start(client)
    r = client.post(
        f"/stress-test/a/{token}",
        data={"csrf_token": csrf(client), "step": "1", "action": "delete"},
    )
    assert r.status_code == 422 and "action" in r.text
    assert client.post(f"/stress-test/a/{token}", data={"step": "1"}).status_code == 403
    assert client.get("/stress-test/a/" + "x" * 32).status_code == 404
    assert client.get("/stress-test/a/short").status_code == 422
    assert client.get("/stress-test/a/" + "x" * 32 + "/results.json").status_code == 404
    r = client.post(
        "/stress-test/start",
        data={"csrf_token": csrf(client), "programme": "", "region": "no region!"},
    )
    assert r.status_code == 422
    assert "is required" in r.text and "must be a region code" in r.text
    assert client.post("/stress-test/start", data={"programme": "P"}).status_code == 403


def _complete_series(db, value: int, programme: str) -> str:
    answers = {q.id: value for q in Q.questions}
    _, token = asm.start(db, programme=programme, questionnaire=Q.id, version=Q.version)
    asm.save_answers(db, token, answers)
    asm.complete(db, token, score_answers(Q, answers).to_json())
    return token


def test_comparison_over_time_and_aggregate_of_five(site):
    client, db, _ = site
    first = _complete_series(db, 1, "Mine")
    r = client.post(
        f"/stress-test/a/{first}/follow-up", data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )  # fmt: skip
    second = re.search(r"/stress-test/a/([A-Za-z0-9_-]+)\?", r.headers["location"]).group(1)
    for step in range(1, N + 1):
        answer_step(client, second, step, 3)
    client.post(f"/stress-test/a/{second}/complete", data={"csrf_token": csrf(client)})
    for i in range(4):  # four other programmes: the aggregate stays withheld
        _complete_series(db, i, f"Other {i}")
    data = client.get(f"/stress-test/a/{second}/results.json").json()
    assert [round(h["overall"]) for h in data["history"]] == [25, 75]
    assert data["comparison"][0]["previous"] == pytest.approx(25.0)
    assert data["aggregate"]["shown"] is False
    page = client.get(f"/stress-test/a/{second}/results").text
    assert 'id="aggregate-withheld"' in page
    _complete_series(db, 4, "Other 4")  # the fifth other programme
    data = client.get(f"/stress-test/a/{second}/results.json").json()
    agg = data["aggregate"]
    assert agg["shown"] and agg["n"] == 5
    # others answered 0, 1, 2, 3, 4 everywhere: theme scores 0, 25, 50, 75, 100
    assert data["comparison"][0]["median"] == pytest.approx(50.0)
    assert (data["comparison"][0]["q1"], data["comparison"][0]["q3"]) == (25.0, 75.0)
    points = data["radar"]["layer"][-1]["data"]["values"]  # the series' points
    series = {p["series"] for p in points}
    assert series == {"This assessment", next(x for x in series if x.startswith("Previous")),
                      "Median of 5 other programmes"}  # fmt: skip
    assert "Median of 5 other programmes" in client.get(f"/stress-test/a/{second}/results").text


def test_radar_spec_compiles_and_print_and_pdf(site):
    import vl_convert

    client, _, _ = site
    token = start(client)
    answer_step(client, token, 1, 4)
    data = client.get(f"/stress-test/a/{token}/results.json").json()
    vega = vl_convert.vegalite_to_vega(json.dumps(data["radar"]))
    vega = json.loads(vega) if isinstance(vega, str) else vega
    assert vega["marks"]
    printable = client.get(f"/stress-test/a/{token}/print")
    assert printable.status_code == 200 and "<svg" in printable.text
    assert "<style" not in printable.text.split("<svg")[0]  # the CSP: stylesheets are linked
    pdf = client.get(f"/stress-test/a/{token}/report.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert pdf.headers["content-type"] == "application/pdf"


def test_scoreboard_beside_the_answers(site, monkeypatch):
    client, _, app = site
    profile = {
        "region": {"code": "XD1", "name": "Coastal Snagindmark"},
        "edition": "demo",
        "year": 2022,
        "n_regions": 6,
        "scores": [
            {"node": "ALL", "node_name": "Index", "level": 2, "score": 61.0, "rank": 2.0},
            {"node": "D1", "node_name": "Skills", "level": 1, "score": 70.0, "rank": 1.0},
            {"node": "D2", "node_name": "Finance", "level": 1, "score": 30.0, "rank": 5.0},
            {"node": "i1", "node_name": "An indicator", "level": 0, "score": 1.0, "rank": 6.0},
        ],
        "strengths": [{"node": "D1", "name": "Skills", "level": "dimension"}],
        "bottlenecks": [{"node": "D2", "name": "Finance", "level": "dimension"}],
        "peers": ["XD2"],
        "provenance": {"attribution": ["Synthetic data (Demoland)."]},
    }
    calls = []

    def scoreboard_region(code, year=None):
        calls.append(code)
        return profile

    monkeypatch.setattr(app.state.atlas, "scoreboard_region", scoreboard_region, raising=False)
    token = start(client, region="XD1")
    answer_step(client, token, 1, 1)
    data = client.get(f"/stress-test/a/{token}/results.json").json()
    sb = data["scoreboard"]
    assert calls == ["XD1"] and sb["available"]
    assert [d["name"] for d in sb["dimensions"]] == ["Skills", "Finance"]
    assert (sb["overall"], sb["strengths"], sb["bottlenecks"]) == (61.0, ["Skills"], ["Finance"])
    assert "Synthetic data (Demoland)." in data["attribution"]
    page = client.get(f"/stress-test/a/{token}/results").text
    assert 'id="scoreboard-dimensions"' in page and "Finance" in page


def test_no_region_or_no_scoreboard_says_so(site):
    client, _, _ = site
    token = start(client, region="XD1")  # the small demo atlas has no scoreboard
    answer_step(client, token, 1, 1)
    sb = client.get(f"/stress-test/a/{token}/results.json").json()["scoreboard"]
    assert sb["available"] is False and "no scoreboard" in sb["note"]
    empty = start(client)
    page = client.get(f"/stress-test/a/{empty}/results")
    assert page.status_code == 200 and "No answers yet" in page.text


def test_json_api(site):
    client, _db, _ = site
    r = client.post("/api/stress-test/score", json={"answers": {"strategy.vision": 4}})
    assert r.status_code == 200 and r.json()["overall"] == 100.0
    r = client.post("/api/stress-test/score", json={"answers": {"strategy.vision": 7, "x": 1}})
    assert r.status_code == 422
    assert {e["parameter"] for e in r.json()["errors"]} == {"strategy.vision", "x"}
    assert client.post("/api/stress-test/score", content=b"{").status_code == 422
    assert client.post("/api/stress-test/score", json={"answers": []}).status_code == 422
    r = client.post(
        "/api/stress-test/assessments",
        json={"programme": "API programme", "region": "XD2", "answers": {"sme.reach": "na"}},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert body["resume_url"].endswith(f"/stress-test/a/{token}")
    assert (
        body["assessment"]["answers"] == {"sme.reach": None} and "series" not in body["assessment"]
    )
    r = client.put(
        f"/api/stress-test/assessments/{token}/answers", json={"answers": {"sme.reach": 3}}
    )
    assert r.status_code == 200 and r.json()["answers"] == {"sme.reach": 3}
    bad = client.put(
        f"/api/stress-test/assessments/{token}/answers", json={"answers": {"sme.reach": 5}}
    )
    assert bad.status_code == 422 and bad.json()["parameter"] == "sme.reach"
    assert client.get(f"/api/stress-test/assessments/{token}").json()["region"] == "XD2"
    res = client.get(f"/api/stress-test/assessments/{token}/results").json()
    assert res["result"]["overall"] == pytest.approx(75.0)
    done = client.post(f"/api/stress-test/assessments/{token}/complete")
    assert done.status_code == 200 and done.json()["status"] == "complete"
    assert client.post(f"/api/stress-test/assessments/{token}/complete").status_code == 409
    assert client.get("/api/stress-test/assessments/" + "y" * 30).status_code == 404
    assert client.get("/api/stress-test/aggregate").json()["shown"] is False
    r = client.post("/api/stress-test/assessments", json={"programme": ""})
    assert r.status_code == 422 and r.json()["parameter"] == "programme"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/stress-test/assessments/{token}/results" in paths
