"""Narratives: the words analysts write for a report, kept beside the live numbers.

A narrative is one Markdown text per ``key`` (what it is about, e.g. ``briefing:DE11``) and
``section`` (:data:`~clusteratlas.appdb.models.NARRATIVE_SECTIONS`: findings,
recommendations, action_plan). Every save is in the audit log with the text before and after.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from clusteratlas.appdb import audit
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.models import NARRATIVE_SECTIONS, Narrative
from clusteratlas.errors import InputError

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:,/ -]{0,199}$")
MAX_MARKDOWN = 100_000


def _key(key: str) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise InputError(
            "a narrative key is 1-200 letters, digits and _.:,/- (e.g. briefing:DE11)",
            parameter="key",
        )
    return key


def get_narratives(db: Database, key: str) -> dict[str, str]:
    """The sections written for ``key``: section -> Markdown (sections never written absent)."""
    with db.read() as session:
        rows = session.scalars(select(Narrative).where(Narrative.key == _key(key)))
        found = {r.section: r.markdown for r in rows}
    return {s: found[s] for s in NARRATIVE_SECTIONS if s in found}


def narrative_details(db: Database, key: str) -> list[dict]:
    """Each section of ``key`` with its author and time of the last change."""
    with db.read() as session:
        rows = session.scalars(
            select(Narrative).where(Narrative.key == _key(key)).order_by(Narrative.section)
        )
        return [
            audit.jsonable(r, ("key", "section", "markdown", "author", "updated_at")) for r in rows
        ]


def save_narrative(db: Database, key: str, section: str, markdown: str, author: str) -> dict:
    """Write (or replace) one section of ``key``; an empty text deletes the section."""
    if section not in NARRATIVE_SECTIONS:
        raise InputError(
            f"section must be one of {', '.join(NARRATIVE_SECTIONS)}", parameter="section"
        )
    if not isinstance(markdown, str) or len(markdown) > MAX_MARKDOWN:
        raise InputError(
            f"the text must be at most {MAX_MARKDOWN} characters", parameter="markdown"
        )
    if not isinstance(author, str) or not author.strip() or len(author) > 320:
        raise InputError("the author is required (at most 320 characters)", parameter="author")
    key = _key(key)
    fields = ("key", "section", "markdown", "author", "updated_at")
    with db.write() as session:
        row = session.scalars(
            select(Narrative)
            .where(Narrative.key == key, Narrative.section == section)
            .with_for_update()
        ).first()
        before = audit.jsonable(row, fields) if row else None
        if not markdown.strip():
            if row is not None:
                session.delete(row)
            after = None
        else:
            if row is None:
                row = Narrative(key=key, section=section)
                session.add(row)
            row.markdown = markdown
            row.author = author.strip()
            row.updated_at = audit.now_utc()
            session.flush()
            after = audit.jsonable(row, fields)
        audit.record(
            session,
            actor=author.strip(),
            action="save" if after else "delete",
            entity="narrative",
            entity_id=f"{key}#{section}",
            before=before,
            after=after,
        )
    return after or {"key": key, "section": section, "markdown": "", "author": author.strip()}
