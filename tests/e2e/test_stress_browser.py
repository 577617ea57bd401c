"""The stress test in Debian's Chromium: the form completed end to end (every step), resumed
from its link in another browser, results with the radar drawn under the CSP, and axe-core
with no serious or critical violation on the form and the results."""

from __future__ import annotations

import json

import pytest

from clusteratlas.policy import load_questionnaire
from tests.e2e.conftest import shot

Q = load_questionnaire()


def start(page, server, programme="Browser programme (example)") -> None:
    page.goto(f"{server}/stress-test")
    page.fill("#f-programme", programme)
    page.fill("#f-region", "XD1")
    page.click("text=Start the stress test")
    page.wait_for_url("**/stress-test/a/*?step=1")


def answer(page, step: int, value: str) -> None:
    for q in Q.themes[step - 1].questions:
        page.check(f"input[name='q:{q.id}'][value='{value}']")


def test_form_end_to_end(page, server, browser):
    start(page, server)
    assert page.locator("fieldset.question").count() == len(Q.themes[0].questions)
    resume = page.get_attribute("#resume-link", "href")
    # steps 1-3 here, answered 3 (of 0..4)
    for step in range(1, 4):
        answer(page, step, "3")
        page.click("button[value=next]")
        page.wait_for_url(f"**?step={step + 1}&saved=1")
    # resume from the link in another browser context and finish there
    other = browser.new_context().new_page()
    other.goto(resume.replace("step=1", "step=3"))
    assert other.is_checked("input[name='q:framework.skills'][value='3']")
    other.goto(resume.replace("step=1", "step=4"))
    for step in range(4, len(Q.themes) + 1):
        answer(other, step, "3" if step < len(Q.themes) else "na")
        label = "next" if step < len(Q.themes) else "finish"
        other.click(f"button[value={label}]")
    other.wait_for_url("**/results")
    # the last theme is all "not applicable": seven themes at 75, the last without a score
    assert other.inner_text("#overall-score") == "75"
    assert other.locator("#theme-scores tbody tr").count() == len(Q.themes)
    assert "No score" in other.inner_text("#theme-scores tr[data-theme=monitoring]")
    other.wait_for_selector("#chart-radar[data-rendered=true]")
    assert other.locator("#chart-radar svg").count() == 1
    other.click("#complete")
    other.wait_for_selector("#status[data-status=complete]")
    shot(other, "stress-results")
    # back in the first browser, the step pages now lead to the results
    page.goto(resume)
    page.wait_for_url("**/results")
    assert page.get_attribute("#status", "data-status") == "complete"
    assert page.errors == []  # type: ignore[attr-defined]  (no CSP violation, no JS error)
    other.context.close()


@pytest.mark.parametrize("where", ["intro", "step", "results"])
def test_axe_stress_pages(page, server, where):
    from axe_playwright_python.sync_playwright import Axe

    if where == "intro":
        page.goto(f"{server}/stress-test")
    else:
        start(page, server, programme="Axe check (example)")
        if where == "results":
            answer(page, 1, "1")
            page.click("button[value=next]")
            page.goto(page.url.split("?")[0] + "/results")
            page.wait_for_selector("#chart-radar[data-rendered=true]")
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], indent=1
    )
