"""docs/api.md is a notebook: its ``python`` blocks run top to bottom in a fresh folder."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_api_page_blocks_run(tmp_path, monkeypatch):
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5  # map, strength/trends/provenance, score, strengths, errors
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/api.md block {i + 1}", "exec"), namespace)
    assert (tmp_path / "clusters.csv.provenance.json").is_file()


def test_ten_lines_name_only_public_functions():
    import clusteratlas

    top = DOC.read_text(encoding="utf-8").split("## Map clusters")[0]
    used = set(re.findall(r"ca\.([a-z_]+)\(", top))
    assert used == {"fetch_eurostat", "map_panel", "map_store", "cluster_strength", "trends",
                    "write_result", "read_provenance", "score"}  # fmt: skip
    assert used <= set(clusteratlas.__all__)
