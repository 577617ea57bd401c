"""Policy briefings: words written by analysts beside numbers that stay live.

A briefing folder (docs/reports.md; example in ``examples/briefing-cantabria/``) holds

- ``briefing.yaml``: ``region`` (a code of the atlas), ``title``, ``authors`` (list),
  ``date`` (YYYY-MM-DD), optionally ``organisation``, ``summary`` and ``atlas`` settings
  (``year``, ``start``, ``scheme``, ``system``) choosing which numbers the profile shows;
- ``findings.md`` and ``recommendations.md``: Markdown (CommonMark and tables; raw HTML is
  not rendered);
- ``action_plan.md``: Markdown with exactly one table whose columns include ``Action``,
  ``Owner`` and ``Due`` (YYYY-MM-DD, YYYY-MM or YYYY-Qn), one action per row.

Every problem is an :class:`~clusteratlas.errors.InputError` naming the file and line.
The same narrative sections can come from the application database instead of files
(``narratives`` of :func:`briefing_context`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from clusteratlas.errors import InputError
from clusteratlas.yamlfile import read_yaml_file, validate

SPEC_FILE = "briefing.yaml"
SECTIONS = ("findings", "recommendations", "action_plan")
REQUIRED_COLUMNS = ("action", "owner", "due")
_DUE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$|^(\d{4})-Q([1-4])$")


class AtlasSettings(pydantic.BaseModel):
    """Which numbers the briefing's profile shows (defaults: the atlas's)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    year: int | None = None
    start: int | None = None
    scheme: str | None = None
    system: str | None = None


class BriefingSpec(pydantic.BaseModel):
    """``briefing.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid")
    region: str = pydantic.Field(min_length=1)
    title: str = pydantic.Field(min_length=1)
    authors: list[str] = pydantic.Field(min_length=1)
    date: dt.date
    organisation: str | None = None
    summary: str | None = None
    atlas: AtlasSettings = AtlasSettings()


@dataclass(frozen=True)
class Action:
    """One row of the action plan."""

    line: int
    action: str
    owner: str
    due: str
    extra: dict[str, str]


def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str, shift: int = 2) -> str:
    """Markdown as HTML, raw HTML escaped and headings moved ``shift`` levels down (a
    ``# Heading`` of a section file becomes an ``<h3>`` under the report's ``<h2>``).

    >>> markdown_html("# Hi\\n\\n<b>x</b> *y*")
    '<h3>Hi</h3>\\n<p>&lt;b&gt;x&lt;/b&gt; <em>y</em></p>\\n'
    """
    md = _markdown()
    tokens = md.parse(text)
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(int(t.tag[1]) + shift, 6)}"
    return md.renderer.render(tokens, md.options, {})


def check_due(text: str) -> bool:
    """Is ``text`` a due date: YYYY-MM-DD (a real day), YYYY-MM or YYYY-Qn?

    >>> [check_due(t) for t in ("2027-03-31", "2027-02-30", "2027-06", "2027-Q2", "soon")]
    [True, False, True, True, False]
    """
    m = _DUE.match(text.strip())
    if not m:
        return False
    if m.group(4):
        return True
    year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        dt.date(year, month, int(day))
    except ValueError:
        return False
    return True


def _inline_text(tokens: list[Any], i: int) -> str:
    return tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""


def parse_action_plan(text: str, file: str | Path = "action_plan.md") -> list[Action]:
    """The actions of an action-plan Markdown text (see the module docstring).

    >>> plan = "| Action | Owner | Due |\\n|---|---|---|\\n| Map clusters | Agency | 2027-Q1 |\\n"
    >>> [(a.line, a.action, a.owner, a.due) for a in parse_action_plan(plan)]
    [(3, 'Map clusters', 'Agency', '2027-Q1')]
    >>> parse_action_plan(plan.replace("2027-Q1", "later"), "p.md")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    clusteratlas.errors.InputError: p.md, line 3, column 'Due': 'later' is not a date (use ...)
    """
    tokens = _markdown().parse(text)
    tables = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    if len(tables) != 1:
        found = "no table" if not tables else f"{len(tables)} tables"
        raise InputError(
            f"the action plan needs exactly one Markdown table (found {found}) with columns "
            "Action, Owner, Due",
            file=file,
            line=tokens[tables[1]].map[0] + 1 if len(tables) > 1 else None,
        )
    start = tables[0]
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "table_close")
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    line = 0
    in_head = False
    for i in range(start, end):
        t = tokens[i]
        if t.type == "thead_open":
            in_head = True
        elif t.type == "thead_close":
            in_head = False
        elif t.type == "tr_open":
            current = []
            line = t.map[0] + 1 if t.map else 0
        elif t.type in ("th_open", "td_open") and current is not None:
            current.append(_inline_text(tokens, i))
        elif t.type == "tr_close" and current is not None:
            if in_head:
                header = current
                header_line = line
            else:
                rows.append((line, current))
            current = None
    names = [h.strip() for h in header]
    lower = [h.lower() for h in names]
    for col in REQUIRED_COLUMNS:
        if col not in lower:
            raise InputError(
                f"the action-plan table has no column {col.capitalize()!r} "
                f"(its columns: {', '.join(names)})",
                file=file,
                line=header_line,
            )
    at = {c: lower.index(c) for c in REQUIRED_COLUMNS}
    if not rows:
        raise InputError("the action-plan table has no actions", file=file, line=header_line)
    out = []
    for line, cells in rows:
        cells = cells + [""] * (len(names) - len(cells))
        for col in ("action", "owner", "due"):
            if not cells[at[col]]:
                raise InputError(f"empty {col}", file=file, line=line, column=names[at[col]])
        due = cells[at["due"]]
        if not check_due(due):
            raise InputError(
                f"{due!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY-Qn)",
                file=file,
                line=line,
                column=names[at["due"]],
            )
        extra = {n: cells[k] for k, n in enumerate(names) if k not in at.values()}
        out.append(Action(line, cells[at["action"]], cells[at["owner"]], due, extra))
    return out


def read_briefing_folder(folder: str | Path) -> tuple[BriefingSpec, dict[str, str], Path]:
    """``(spec, narratives by section, folder)`` of a briefing folder, all checked."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("not a folder (a briefing is a folder with briefing.yaml)", file=root)
    spec_path = root / SPEC_FILE
    spec = validate(BriefingSpec, read_yaml_file(spec_path), file=spec_path)
    narratives = {}
    for section in SECTIONS:
        path = root / f"{section}.md"
        if not path.is_file():
            raise InputError(f"missing: the briefing needs {path.name}", file=path)
        try:
            narratives[section] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=path) from None
    parse_action_plan(narratives["action_plan"], root / "action_plan.md")
    return spec, narratives, root


def briefing_context(
    atlas: Any,
    spec: BriefingSpec,
    narratives: Mapping[str, str],
    *,
    where: str | Path = "briefing",
) -> dict[str, Any]:
    """The briefing's template context: the region profile of ``spec.region`` (numbers read
    from ``atlas`` now) and the narrative sections (Markdown) rendered."""
    from clusteratlas.reports.profile import region_profile_context

    s = spec.atlas
    ctx = region_profile_context(
        atlas, spec.region, year=s.year, start=s.start, scheme=s.scheme, system=s.system
    )
    plan_file = Path(where) / "action_plan.md"
    actions = parse_action_plan(narratives.get("action_plan", ""), plan_file)
    ctx.update(
        kind="briefing",
        title=spec.title,
        subtitle=f"Policy briefing · {ctx['title']} · {spec.date.isoformat()}",
        briefing={
            "authors": spec.authors,
            "organisation": spec.organisation,
            "date": spec.date.isoformat(),
            "summary": spec.summary,
            "findings": markdown_html(narratives.get("findings", "")),
            "recommendations": markdown_html(narratives.get("recommendations", "")),
            "actions": actions,
            "action_columns": list(actions[0].extra) if actions else [],
        },
    )
    return ctx


def briefing_from_folder(atlas: Any, folder: str | Path) -> dict[str, Any]:
    """:func:`briefing_context` of a briefing folder."""
    spec, narratives, root = read_briefing_folder(folder)
    return briefing_context(atlas, spec, narratives, where=root)
