"""Stress-test assessments and narratives in the application database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from clusteratlas.appdb import assessments as asm
from clusteratlas.appdb.audit import entries
from clusteratlas.appdb.models import Base
from clusteratlas.appdb.narratives import get_narratives, narrative_details, save_narrative
from clusteratlas.appdb.validation import FieldErrors
from clusteratlas.errors import ConflictError, InputError, NotFoundError
from clusteratlas.policy import load_questionnaire, score_answers

Q = load_questionnaire()


def result_of(answers: dict) -> dict:
    return score_answers(Q, answers).to_json()


def completed(db, programme: str, value: int, region: str = "", **extra) -> tuple[dict, str]:
    """A completed assessment answering every question with ``value``."""
    answers = {q.id: value for q in Q.questions}
    _, token = asm.start(
        db, programme=programme, region=region, questionnaire=Q.id, version=Q.version, **extra
    )
    asm.save_answers(db, token, answers)
    return asm.complete(db, token, result_of(answers)), token


def test_migration_0003_matches_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "_fts" not in str(d[1])] == []
    assert db.revision() == "0003"
    db.downgrade("0002")
    assert db.revision() == "0002"
    db.upgrade()
    assert db.revision() == "0003"


def test_start_save_resume_complete(db):
    a, token = asm.start(
        db, programme=" Example  cluster programme ", region="xd1", questionnaire=Q.id,
        version=Q.version,
    )  # fmt: skip
    assert a["status"] == "draft" and a["programme"] == "Example cluster programme"
    assert a["region"] == "XD1" and a["answers"] == {}
    asm.save_answers(db, token, {"strategy.vision": 3, "strategy.ownership": None})
    asm.save_answers(db, token, {"strategy.vision": 4, "sme.reach": 1})
    back = asm.resume(db, token)
    assert back["answers"] == {"strategy.vision": 4, "strategy.ownership": None, "sme.reach": 1}
    asm.clear_answers(db, token, ["sme.reach"])
    assert "sme.reach" not in asm.resume(db, token)["answers"]
    done = asm.complete(db, token, result_of(back["answers"]))
    assert done["status"] == "complete" and done["completed_at"]
    assert done["result"]["themes"][0]["theme"] == "strategy"
    with pytest.raises(ConflictError):
        asm.save_answers(db, token, {"strategy.vision": 0})
    with pytest.raises(ConflictError):
        asm.complete(db, token, done["result"])
    # only the hash of the token is stored
    with db.read() as s:
        stored = s.get(asm.Assessment, a["id"])
        assert stored.token_hash == asm.token_hash(token) and token not in str(stored.__dict__)


def test_bad_tokens_fields_and_results(db):
    with pytest.raises(InputError) as info:
        asm.resume(db, "short")
    assert info.value.parameter == "token"
    with pytest.raises(NotFoundError):
        asm.resume(db, "x" * 32)
    with pytest.raises(FieldErrors) as bad:
        asm.start(db, programme="", region="no spaces!", questionnaire=Q.id, version="1")
    assert set(bad.value.errors) == {"programme", "region"}
    _, token = asm.start(db, programme="P", questionnaire=Q.id, version="1")
    with pytest.raises(InputError) as info:
        asm.save_answers(db, token, {"strategy.vision": "3"})
    assert info.value.parameter == "strategy.vision"
    with pytest.raises(InputError, match="overall"):
        asm.complete(db, token, {"overall": 140, "light": "green", "themes": []})
    assert asm.resume(db, token)["status"] == "draft"


def test_follow_up_history_over_time(db):
    first, token = completed(db, "Programme A", 1)
    draft, token2 = asm.follow_up(db, token)
    assert draft["series"] == first["series"] and draft["status"] == "draft"
    assert draft["answers"] == {q.id: 1 for q in Q.questions}
    answers = {q.id: 3 for q in Q.questions}
    asm.save_answers(db, token2, answers)
    asm.complete(db, token2, result_of(answers))
    completed(db, "Programme A", 4)  # same name, another series: not in this history
    hist = asm.history(db, token2)
    assert [h["id"] for h in hist] == [first["id"], draft["id"]]
    assert [round(h["result"]["overall"]) for h in hist] == [25, 75]  # 1/4 and 3/4 of the scale
    assert "answers" not in hist[0]
    by_name = asm.list_for_programme(db, "Programme  A")
    assert len(by_name) == 3


def test_theme_results_by_region_latest_wins(db):
    completed(db, "P1", 0, region="XD1")
    completed(db, "P2", 4, region="XD1")
    completed(db, "P3", 2, region="XD2")
    _, t = asm.start(db, programme="P4", region="XD3", questionnaire=Q.id, version="1")
    asm.save_answers(db, t, {"strategy.vision": 4})  # a draft: not a result
    out = asm.theme_results_by_region(db, ["XD1", "xd2", "XD3", "XD9"])
    assert list(out) == ["XD1", "XD2"]
    assert {t["score"] for t in out["XD1"]} == {100.0}
    assert {t["score"] for t in out["XD2"]} == {50.0}
    assert out["XD1"][0].keys() >= {"theme", "title", "score", "light", "answered", "total",
                                    "advice"}  # fmt: skip


def test_aggregate_needs_five_assessments(db):
    # four series: nothing is shown, not even the count
    tokens = [completed(db, f"P{i}", i)[1] for i in range(4)]  # values 0, 1, 2, 3
    agg = asm.aggregate(db, Q.id)
    assert agg == {"questionnaire": Q.id, "n": None, "min_n": 5, "shown": False,
                   "overall": None, "themes": []}  # fmt: skip
    # a follow-up of P0 replaces P0's result (one assessment per series): still four
    _, tok = asm.follow_up(db, tokens[0])
    answers = {q.id: 4 for q in Q.questions}
    asm.save_answers(db, tok, answers)
    asm.complete(db, tok, result_of(answers))
    assert asm.aggregate(db, Q.id)["shown"] is False
    # the fifth series: shown; overall scores are 100 (P0's follow-up), 25, 50, 75, 100 x0.5
    completed(db, "P4", 2)
    agg = asm.aggregate(db, Q.id)
    assert agg["shown"] and agg["n"] == 5
    assert agg["overall"]["mean"] == pytest.approx((100 + 25 + 50 + 75 + 50) / 5)
    assert agg["overall"]["median"] == pytest.approx(50.0)
    assert len(agg["themes"]) == 8 and all(t["shown"] for t in agg["themes"])
    # seen from P1 (its own series left out) there are only four others again
    assert asm.aggregate(db, Q.id, exclude_token=tokens[1])["shown"] is False
    # another questionnaire has none
    assert asm.aggregate(db, "other")["shown"] is False


def test_aggregate_hides_themes_with_too_few_scores(db):
    all_na_strategy = {q.id: 2 for q in Q.questions}
    for i in range(5):
        answers = dict(all_na_strategy)
        if i < 2:  # two assessments answer strategy "not applicable"
            for q in Q.theme("strategy").questions:
                answers[q.id] = None
        _, t = asm.start(db, programme=f"P{i}", questionnaire=Q.id, version="1")
        asm.save_answers(db, t, answers)
        asm.complete(db, t, result_of({k: ("na" if v is None else v) for k, v in answers.items()}))
    agg = asm.aggregate(db, Q.id)
    themes = {t["theme"]: t for t in agg["themes"]}
    assert agg["shown"] and themes["strategy"] == {
        "theme": "strategy", "title": "Strategy and governance", "n": None, "shown": False,
        "stats": None,
    }  # fmt: skip
    assert themes["sme"]["stats"]["median"] == pytest.approx(50.0)


def test_summary_stats_by_hand():
    s = asm.summary_stats([4, 1, 3, 2])
    # sorted 1 2 3 4; q1: h = 3*0.25 = 0.75 -> 1 + 0.75 = 1.75; median 2.5; q3: h = 2.25 -> 3.25
    assert (s["q1"], s["median"], s["q3"], s["mean"]) == (1.75, 2.5, 3.25, 2.5)
    with pytest.raises(ValueError):
        asm.summary_stats([])


def test_narratives_save_get_and_audit(db):
    assert get_narratives(db, "briefing:XD1") == {}
    save_narrative(db, "briefing:XD1", "findings", "# Findings\n\nStrong *clusters*.", "ana")
    save_narrative(db, "briefing:XD1", "action_plan", "- [ ] Owner: Ana, by 2027-03", "ana")
    save_narrative(db, "briefing:XD1", "findings", "Revised.", "ben")
    save_narrative(db, "briefing:XD2", "recommendations", "Other region.", "ben")
    assert get_narratives(db, "briefing:XD1") == {
        "findings": "Revised.",
        "action_plan": "- [ ] Owner: Ana, by 2027-03",
    }
    details = {d["section"]: d for d in narrative_details(db, "briefing:XD1")}
    assert details["findings"]["author"] == "ben"
    save_narrative(db, "briefing:XD1", "action_plan", "  ", "ben")  # empty deletes
    assert list(get_narratives(db, "briefing:XD1")) == ["findings"]
    with db.read() as s:
        log = entries(s, entity="narrative")
    assert [e["action"] for e in log] == ["delete", "save", "save", "save", "save"]
    assert log[2]["before"]["markdown"].startswith("# Findings")
    with pytest.raises(InputError) as info:
        save_narrative(db, "briefing:XD1", "summary", "x", "ana")
    assert info.value.parameter == "section"
    with pytest.raises(InputError) as info:
        get_narratives(db, "bad key!")
    assert info.value.parameter == "key"
    with pytest.raises(InputError):
        save_narrative(db, "k", "findings", "x", " ")
