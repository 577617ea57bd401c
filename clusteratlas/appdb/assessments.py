"""Saved stress-test assessments: start, save and resume by token, complete, compare.

Rules kept here, in the data layer, so every caller (web form, JSON API, CLI) obeys them:

- **Resume token.** Starting an assessment returns a random token (the resume link); only
  its SHA-256 is stored. Whoever has the link can continue the draft and see its results;
  nobody can list other people's assessments through the web.
- **Drafts and completion.** Answers are saved as a draft any number of times; completing
  stores the computed scores (``result``: overall, light, themes) and freezes the answers.
  A new round for the same programme is a *follow-up*: same ``series``, answers copied.
- **Comparison over time** is within one series (:func:`history`); analysts list a
  programme's assessments by name with :func:`list_for_programme` (CLI, not the web).
- **Anonymised aggregates** (:func:`aggregate`) count one assessment per series (its latest
  completed one) of the same questionnaire, leaving out the asking series, and are given
  only over at least :data:`MIN_AGGREGATE` = 5 assessments: below that every statistic is
  withheld (``shown: False``), per theme as well as overall.

The scores are computed by :mod:`clusteratlas.policy` (a layer above); this module stores
what it is given and checks its shape.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusteratlas.appdb import audit
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.models import Assessment
from clusteratlas.appdb.validation import FieldErrors, text_field
from clusteratlas.errors import ConflictError, InputError, NotFoundError

#: The fewest assessments an aggregate may be computed over (privacy rule).
MIN_AGGREGATE = 5
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
REGION = re.compile(r"^[A-Za-z0-9-]{1,12}$")
FIELDS = (
    "id",
    "programme",
    "region",
    "title",
    "questionnaire",
    "questionnaire_version",
    "status",
    "example",
    "created_at",
    "updated_at",
    "completed_at",
)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a resume token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_token(token: str) -> str:
    if not isinstance(token, str) or not TOKEN.match(token):
        raise InputError("not a resume token", parameter="token")
    return token_hash(token)


def _public(row: Assessment, *, answers: bool = True) -> dict[str, Any]:
    out = audit.jsonable(row, FIELDS)
    out["region"] = out["region"] or None
    out["series"] = row.series
    out["result"] = row.result
    if answers:
        out["answers"] = dict(row.answers or {})
    return out


def _fields(data: Mapping[str, Any]) -> tuple[str, str, str]:
    errors: dict[str, str] = {}

    programme = text_field(data, "programme", errors, required=True, limit=300)
    title = text_field(data, "title", errors, required=False, limit=300)
    region = text_field(data, "region", errors, required=False, limit=12).upper()
    if region and "region" not in errors and not REGION.match(region):
        errors["region"] = "must be a region code such as DE11 or US-MI"
    if errors:
        raise FieldErrors(errors)
    return programme, region, title


def _answers(answers: Mapping[str, Any] | None) -> dict[str, int | None]:
    """Answers as stored: question id -> whole number, or None for "not applicable"."""
    out: dict[str, int | None] = {}
    for k, v in (answers or {}).items():
        if not isinstance(k, str) or not k or len(k) > 80:
            raise InputError("question ids must be short text", parameter="answers")
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise InputError(f"answer to {k!r} must be a whole number or null", parameter=k)
        out[k] = v
    return out


def start(
    db: Database,
    *,
    programme: str,
    questionnaire: str,
    version: str,
    region: str = "",
    title: str = "",
    answers: Mapping[str, Any] | None = None,
    example: bool = False,
) -> tuple[dict[str, Any], str]:
    """Start a draft assessment; returns ``(assessment, resume token)``.

    The token is shown once (as the resume link) and never stored.
    """
    name, code, heading = _fields({"programme": programme, "region": region, "title": title})
    token = secrets.token_urlsafe(24)
    now = audit.now_utc()
    with db.write() as session:
        row = Assessment(
            token_hash=token_hash(token),
            series=secrets.token_hex(16),
            programme=name,
            region=code,
            title=heading,
            questionnaire=questionnaire,
            questionnaire_version=version,
            answers=_answers(answers),
            status="draft",
            example=example,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return _public(row), token


def follow_up(db: Database, token: str) -> tuple[dict[str, Any], str]:
    """A new draft in the same series as the (completed) assessment of ``token``, with its
    answers copied, for the programme's next round; returns ``(assessment, new token)``."""
    prev = resume(db, token)
    new, new_token = start(
        db,
        programme=prev["programme"],
        region=prev["region"] or "",
        title=prev["title"],
        questionnaire=prev["questionnaire"],
        version=prev["questionnaire_version"],
        answers=prev["answers"],
        example=prev["example"],
    )
    with db.write() as session:
        row = session.get(Assessment, new["id"])
        row.series = prev["series"]
        return _public(row), new_token


def _row(session: Session, token: str, *, lock: bool = False) -> Assessment:
    q = select(Assessment).where(Assessment.token_hash == _check_token(token))
    if lock:
        q = q.with_for_update()
    row = session.scalars(q).first()
    if row is None:
        raise NotFoundError("no assessment with this resume link", parameter="token")
    return row


def resume(db: Database, token: str) -> dict[str, Any]:
    """The assessment of a resume token, with its answers (NotFoundError if none)."""
    with db.read() as session:
        return _public(_row(session, token))


def save_answers(
    db: Database,
    token: str,
    answers: Mapping[str, Any],
    *,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Merge ``answers`` into a draft (a value ``None`` means "not applicable";
    :func:`clear_answers` un-answers questions). ``details`` may change programme, region
    and title.

    A completed assessment is frozen: saving to it is a :class:`ConflictError`.
    """
    clean = _answers(answers)
    with db.write() as session:
        row = _row(session, token, lock=True)
        if row.status == "complete":
            raise ConflictError("this assessment is complete; start a follow-up to change it")
        if details:
            merged = {
                "programme": row.programme,
                "region": row.region,
                "title": row.title,
                **details,
            }
            row.programme, row.region, row.title = _fields(merged)
        row.answers = {**(row.answers or {}), **clean}
        row.updated_at = audit.now_utc()
        return _public(row)


def clear_answers(db: Database, token: str, question_ids: Iterable[str]) -> dict[str, Any]:
    """Remove answers from a draft (the questions become unanswered)."""
    drop = set(question_ids)
    with db.write() as session:
        row = _row(session, token, lock=True)
        if row.status == "complete":
            raise ConflictError("this assessment is complete; start a follow-up to change it")
        row.answers = {k: v for k, v in (row.answers or {}).items() if k not in drop}
        row.updated_at = audit.now_utc()
        return _public(row)


def _check_result(result: Mapping[str, Any]) -> dict[str, Any]:
    try:
        overall = float(result["overall"])
        themes = list(result["themes"])
        light = str(result["light"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("a result needs overall, light and themes", parameter="result") from exc
    if not (0 <= overall <= 100) or light not in ("red", "amber", "green"):
        raise InputError("overall must be 0-100 and light red|amber|green", parameter="result")
    for t in themes:
        if not isinstance(t, Mapping) or "theme" not in t or "score" not in t:
            raise InputError("each theme result needs theme and score", parameter="result")
    return {"overall": overall, "light": light, "themes": [dict(t) for t in themes]}


def complete(db: Database, token: str, result: Mapping[str, Any]) -> dict[str, Any]:
    """Mark a draft complete with its computed ``result`` (overall, light, themes)."""
    stored = _check_result(result)
    with db.write() as session:
        row = _row(session, token, lock=True)
        if row.status == "complete":
            raise ConflictError("this assessment is already complete")
        now = audit.now_utc()
        row.status = "complete"
        row.result = stored
        row.completed_at = now
        row.updated_at = now
        return _public(row)


def _completed(session: Session, *where: Any) -> list[Assessment]:
    q = (
        select(Assessment)
        .where(Assessment.status == "complete", *where)
        .order_by(Assessment.completed_at, Assessment.id)
    )
    return list(session.scalars(q))


def history(db: Database, token: str) -> list[dict[str, Any]]:
    """The completed assessments of the same series as ``token``'s, oldest first (scores
    only, no answers)."""
    with db.read() as session:
        row = _row(session, token)
        rows = _completed(session, Assessment.series == row.series)
        return [_public(r, answers=False) for r in rows]


def list_for_programme(db: Database, programme: str) -> list[dict[str, Any]]:
    """The completed assessments of a programme (by its name), oldest first — for analysts
    with the database (CLI); the web shows only a series reached by its token."""
    name = " ".join(str(programme).split())
    with db.read() as session:
        return [
            _public(r, answers=False) for r in _completed(session, Assessment.programme == name)
        ]


def theme_results_by_region(db: Database, regions: list[str]) -> dict[str, list[dict]]:
    """The theme results (the ``themes`` of :func:`clusteratlas.policy.score_answers`) of the
    latest completed assessment of each region; regions without one are absent."""
    codes = [str(r).upper() for r in regions]
    if not codes:
        return {}
    with db.read() as session:
        rows = _completed(session, Assessment.region.in_(codes))
    out: dict[str, list[dict]] = {}
    for r in rows:  # oldest first: the latest one wins
        out[r.region] = list((r.result or {}).get("themes") or [])
    return {c: out[c] for c in codes if c in out}


def summary_stats(values: list[float]) -> dict[str, float]:
    """Mean, median and quartiles of ``values`` (n >= 1).

    ``mean = sum(x) / n``; quartiles by linear interpolation between order statistics
    (Hyndman & Fan 1996, type 7, the default of R and numpy): the p-quantile of the sorted
    ``x_1..x_n`` is ``x_k + f (x_{k+1} - x_k)`` with ``h = (n - 1) p``, ``k = floor(h) + 1``,
    ``f = h - floor(h)``.

    >>> summary_stats([10, 20, 30, 40, 100])
    {'n': 5, 'mean': 40.0, 'q1': 20.0, 'median': 30.0, 'q3': 40.0, 'min': 10.0, 'max': 100.0}
    """
    xs = sorted(float(v) for v in values)
    if not xs:
        raise ValueError("no values")

    def quantile(p: float) -> float:
        h = (len(xs) - 1) * p
        lo = math.floor(h)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (h - lo) * (xs[hi] - xs[lo])

    return {
        "n": len(xs),
        "mean": sum(xs) / len(xs),
        "q1": quantile(0.25),
        "median": quantile(0.5),
        "q3": quantile(0.75),
        "min": xs[0],
        "max": xs[-1],
    }


def aggregate(
    db: Database, questionnaire: str, *, exclude_token: str | None = None
) -> dict[str, Any]:
    """Anonymised aggregate of the latest completed assessment of every series of
    ``questionnaire`` (leaving out the series of ``exclude_token``).

    ``{"n", "min_n", "shown", "overall": stats | None, "themes": [{theme, title, n, shown,
    stats | None}]}``. Nothing is shown under :data:`MIN_AGGREGATE` assessments: overall and
    every theme with fewer than that many scored assessments have ``shown: False`` and no
    statistics. Example assessments (``example=True``) count like any other, so a demo
    database can show the rule at work.
    """
    with db.read() as session:
        excluded = _row(session, exclude_token).series if exclude_token else None
        rows = _completed(session, Assessment.questionnaire == questionnaire)
    latest: dict[str, Assessment] = {}
    for r in rows:
        if r.series != excluded:
            latest[r.series] = r
    results = [r.result or {} for r in latest.values()]
    n = len(results)
    shown = n >= MIN_AGGREGATE
    out: dict[str, Any] = {
        "questionnaire": questionnaire,
        "n": n if shown else None,
        "min_n": MIN_AGGREGATE,
        "shown": shown,
        "overall": summary_stats([r["overall"] for r in results]) if shown else None,
        "themes": [],
    }
    if not shown:
        return out
    by_theme: dict[str, list[float]] = {}
    titles: dict[str, str] = {}
    for res in results:
        for t in res.get("themes") or []:
            titles.setdefault(t["theme"], t.get("title") or t["theme"])
            if t.get("score") is not None:
                by_theme.setdefault(t["theme"], []).append(float(t["score"]))
    for theme, title in titles.items():
        scores = by_theme.get(theme, [])
        ok = len(scores) >= MIN_AGGREGATE
        out["themes"].append(
            {
                "theme": theme,
                "title": title,
                "n": len(scores) if ok else None,
                "shown": ok,
                "stats": summary_stats(scores) if ok else None,
            }
        )
    return out
