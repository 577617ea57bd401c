"""docs/stress-test.md: its python blocks run, and its error example is what the reader says."""

from __future__ import annotations

import re
from pathlib import Path

from clusteratlas.policy import load_questionnaire

DOC = Path(__file__).resolve().parents[2] / "docs" / "stress-test.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/stress-test.md block {i + 1}", "exec"), namespace)
    assert capsys.readouterr().out.strip() == "87.5 green"


def test_theme_table_lists_the_packaged_themes():
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", text, re.M)
    q = load_questionnaire()
    assert rows == [(t.id, t.title) for t in q.themes]
    assert f"{len(q.themes)} themes and {len(q.questions)} questions" in text
