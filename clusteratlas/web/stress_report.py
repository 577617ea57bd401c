"""Stress-test results: one data dict for the results page, its JSON twin, the printable
report, the PDF (WeasyPrint) and the CLI.

:func:`build_results` is pure on its inputs (questionnaire, answers, optional history,
aggregate and scoreboard); :func:`results_for_token` gathers those from the application
database and the atlas. :func:`report_html` and :func:`report_pdf` render the standalone
report (the radar drawn as SVG by vl-convert, so it needs no script).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jinja2

from clusteratlas.errors import ClusterAtlasError, InputError, NotFoundError
from clusteratlas.policy import Questionnaire, score_answers
from clusteratlas.web.render import render_text
from clusteratlas.web.static_files import STATIC_DIR
from clusteratlas.web.stress_charts import radar

ATTRIBUTION = (
    "Cluster policy stress test of Cluster Atlas (self-assessment; the scores are the "
    "answers of the people who filled it in, not official statistics)."
)


def answers_for_scoring(stored: dict[str, int | None]) -> dict[str, int | str]:
    """Stored answers (``None`` = not applicable) in the form :func:`score_answers` takes."""
    return {k: ("na" if v is None else v) for k, v in (stored or {}).items()}


def scoreboard_beside(atlas: Any, region: str | None) -> dict[str, Any]:
    """The assessed region's scoreboard results (top dimensions, strengths, bottlenecks), or
    ``{"available": False, "note": why}`` when there is no region or no scoreboard."""
    if not region:
        return {"available": False, "note": "No region was given for this assessment."}
    if atlas is None or not hasattr(atlas, "scoreboard_region"):
        return {"available": False, "note": "No atlas is open."}
    try:
        profile = atlas.scoreboard_region(region)
    except (NotFoundError, InputError) as exc:
        return {"available": False, "note": f"No scoreboard results for {region}: {exc}."}
    scores = profile.get("scores") or []
    top_level = max((s["level"] for s in scores if s.get("level") is not None), default=None)
    dims = [
        {
            "node": s["node"],
            "name": s.get("node_name") or s["node"],
            "score": s.get("score"),
            "rank": s.get("rank"),
        }
        for s in scores
        if top_level is not None and s.get("level") == top_level - 1
    ]
    overall = next((s for s in scores if s.get("level") == top_level), None)

    def names(items: list[dict]) -> list[str]:
        return [str(i.get("name") or i.get("node")) for i in items if i.get("level") != "indicator"]

    region_info = profile.get("region") or {}
    prov = profile.get("provenance") or {}
    return {
        "available": True,
        "region": region,
        "name": region_info.get("name") or region,
        "edition": profile.get("edition"),
        "year": profile.get("year"),
        "n_regions": profile.get("n_regions"),
        "overall": None if overall is None else overall.get("score"),
        "overall_rank": None if overall is None else overall.get("rank"),
        "dimensions": dims,
        "strengths": names(profile.get("strengths") or [])[:6],
        "bottlenecks": names(profile.get("bottlenecks") or [])[:6],
        "peers": list(profile.get("peers") or []),
        "attribution": list(prov.get("attribution") or []),
    }


def _scores(themes: list[dict]) -> dict[str, float | None]:
    return {t["theme"]: t.get("score") for t in themes}


def build_results(
    q: Questionnaire,
    answers: dict[str, Any],
    *,
    assessment: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    aggregate: dict[str, Any] | None = None,
    scoreboard: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the results views show, as JSON-able data (``radar`` is the chart spec)."""
    result = score_answers(q, answers).to_json()
    this_id = (assessment or {}).get("id")
    earlier = [h for h in history or [] if h["id"] != this_id and h.get("result")]
    if this_id is not None and (assessment or {}).get("completed_at"):
        earlier = [h for h in earlier if h["completed_at"] < assessment["completed_at"]]
    series = [{"name": "This assessment", "scores": _scores(result["themes"])}]
    if earlier:
        prev = earlier[-1]
        series.append(
            {
                "name": f"Previous ({prev['completed_at'][:10]})",
                "scores": _scores(prev["result"]["themes"]),
            }
        )
    if aggregate and aggregate.get("shown"):
        series.append(
            {
                "name": f"Median of {aggregate['n']} other programmes",
                "scores": {
                    t["theme"]: t["stats"]["median"] if t["shown"] else None
                    for t in aggregate["themes"]
                },
            }
        )
    themes = [{"theme": t.id, "title": t.title} for t in q.themes]
    agg_by_theme = {t["theme"]: t for t in (aggregate or {}).get("themes") or []}
    comparison = []
    for t in result["themes"]:
        agg = agg_by_theme.get(t["theme"])
        comparison.append(
            {
                "theme": t["theme"],
                "title": t["title"],
                "score": t["score"],
                "previous": None
                if not earlier
                else _scores(earlier[-1]["result"]["themes"]).get(t["theme"]),
                "median": agg["stats"]["median"] if agg and agg["shown"] else None,
                "q1": agg["stats"]["q1"] if agg and agg["shown"] else None,
                "q3": agg["stats"]["q3"] if agg and agg["shown"] else None,
            }
        )
    timeline = [
        {
            "id": h["id"],
            "completed_at": h["completed_at"],
            "overall": h["result"]["overall"],
            "light": h["result"]["light"],
            "this": h["id"] == this_id,
        }
        for h in history or []
        if h.get("result")
    ]
    public = dict(assessment or {})
    public.pop("series", None)
    return {
        "questionnaire": {
            "id": q.id,
            "version": q.version,
            "title": q.title,
            "thresholds": {"amber": q.thresholds.amber, "green": q.thresholds.green},
            "source": "packaged" if q.source.endswith("stress-test.yaml") else q.source,
        },
        "assessment": public or None,
        "result": result,
        "comparison": comparison,
        "history": timeline,
        "aggregate": aggregate,
        "scoreboard": scoreboard or {"available": False, "note": "No region was given."},
        "radar": radar(themes, series, "Theme scores (0-100)"),
        "attribution": [ATTRIBUTION, *((scoreboard or {}).get("attribution") or [])],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _saved(db: Any, q: Questionnaire, token: str) -> dict[str, Any]:
    """The saved assessment of ``token``, refused when it answers another questionnaire."""
    from clusteratlas.appdb import assessments as asm

    a = asm.resume(db, token)
    if a["questionnaire"] != q.id:
        raise InputError(
            f"this assessment uses questionnaire {a['questionnaire']!r}, not {q.id!r}",
            parameter="token",
        )
    return a


def result_for_token(db: Any, q: Questionnaire, token: str) -> dict[str, Any]:
    """Only the scores of a saved assessment (what completing it stores): no history, no
    aggregate, no scoreboard — the ``result`` of :func:`results_for_token`."""
    return score_answers(q, answers_for_scoring(_saved(db, q, token)["answers"])).to_json()


def results_for_token(atlas: Any, db: Any, q: Questionnaire, token: str) -> dict[str, Any]:
    """:func:`build_results` of a saved assessment with its series' history, the anonymised
    aggregate of the others (only when there are at least five) and the region's scoreboard."""
    from clusteratlas.appdb import assessments as asm

    a = _saved(db, q, token)
    return build_results(
        q,
        answers_for_scoring(a["answers"]),
        assessment={k: v for k, v in a.items() if k != "answers"},
        history=asm.history(db, token),
        aggregate=asm.aggregate(db, q.id, exclude_token=token),
        scoreboard=scoreboard_beside(atlas, a["region"]),
    )


def radar_svg(spec: dict[str, Any]) -> str:
    """The radar as SVG text (vl-convert), for the print view and the PDF."""
    import vl_convert

    return vl_convert.vegalite_to_svg(json.dumps(spec))


def report_html(
    data: dict[str, Any], *, pdf: bool = False, standalone: bool = False, title: str | None = None
) -> str:
    """The printable report (HTML5). The web's print view links the stylesheets (the CSP
    forbids inline styles); for the PDF the stylesheet is given to WeasyPrint; a
    ``standalone`` file (CLI ``--out FILE.html``) carries it inline."""
    assessment = data.get("assessment") or {}
    heading = title or assessment.get("programme") or "Stress-test results"
    return render_text(
        "stress_report.html",
        {
            "data": data,
            "title": heading,
            "pdf": pdf or standalone,
            "inline_css": (STATIC_DIR / "stress.css").read_text(encoding="utf-8")
            if standalone
            else None,
            "svg": jinja2.utils.markupsafe.Markup(radar_svg(data["radar"])),
        },
    )


def report_pdf(data: dict[str, Any], *, title: str | None = None) -> bytes:
    """The report as PDF (WeasyPrint; fonts from the system's fontconfig)."""
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - weasyprint is a dependency of the web extra
        raise ClusterAtlasError("PDF output needs weasyprint (pip install weasyprint)") from exc
    html = report_html(data, pdf=True, title=title)
    css = weasyprint.CSS(filename=str(STATIC_DIR / "stress.css"))
    return weasyprint.HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(stylesheets=[css])
