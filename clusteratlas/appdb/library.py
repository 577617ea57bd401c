"""The programmes and good-practice library: records, full-text and faceted search, compare,
import and export.

Search uses the database's own full-text engine: SQLite FTS5 (``bm25`` ranking, diacritics
folded) or PostgreSQL text search (``ts_rank``); each word of the query must match, as a
prefix. Facets count the matching records per value of a list or code field, each facet
counted with the *other* facets' filters applied (so choosing a country still shows how many
records each other country has).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from clusteratlas.appdb import audit
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.library_schema import FIELDS, check_record, search_text
from clusteratlas.appdb.models import Practice, Programme
from clusteratlas.errors import InputError, NotFoundError

MODELS = {"programme": Programme, "practice": Practice}
FACETS = {
    "programme": ("country", "level", "themes", "target_groups"),
    "practice": ("themes", "regions", "clusters", "programme_slug"),
}
WORD = re.compile(r"\w+", re.UNICODE)


class ImportErrors(InputError):
    """Every error of an import file: ``errors`` is a list of (row, column, message)."""

    def __init__(self, file: str, errors: list[tuple[int, str, str]]) -> None:
        self.errors = errors
        self.file_name = file
        super().__init__(f"{len(errors)} errors", file=file)

    def __str__(self) -> str:
        return "; ".join(
            f"{self.file_name}, line {r}, column {c!r}: {m}" for r, c, m in self.errors
        )


def _kind(kind: str) -> str:
    if kind not in MODELS:
        raise InputError(f"kind must be programme or practice, got {kind!r}", parameter="kind")
    return kind


def _as_dict(kind: str, row: Any) -> dict:
    names = ["id"] + [f.name for f in FIELDS[kind]] + ["updated_at"]
    out = audit.jsonable(row, names)
    if out.get("last_verified") is not None:
        out["last_verified"] = str(out["last_verified"])
    return out


def _fts_sync(session: Session, kind: str, row: Any) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL indexes search_text itself
    session.execute(
        text("DELETE FROM library_fts WHERE kind = :k AND ref = :r"), {"k": kind, "r": row.id}
    )
    session.execute(
        text("INSERT INTO library_fts (kind, ref, body) VALUES (:k, :r, :b)"),
        {"k": kind, "r": row.id, "b": row.search_text},
    )


def _save(session: Session, kind: str, values: dict, actor: str) -> dict:
    model = MODELS[kind]
    row = session.scalars(select(model).where(model.slug == values["slug"])).one_or_none()
    before = _as_dict(kind, row) if row is not None else None
    if row is None:
        row = model()
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.search_text = search_text(kind, values)
    row.updated_at = audit.now_utc()
    session.flush()
    _fts_sync(session, kind, row)
    after = _as_dict(kind, row)
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity=kind,
        entity_id=row.slug,
        before=before,
        after=after,
    )
    return after


def save(db: Database, kind: str, data: dict[str, Any], *, actor: str) -> dict:
    """Create or update (by slug) one record; bad fields raise an InputError naming them all."""
    from clusteratlas.appdb.validation import FieldErrors

    values, errors = check_record(_kind(kind), data)
    if errors:
        raise FieldErrors(errors)
    with db.write() as session:
        return _save(session, kind, values, actor)


def get(db: Database, kind: str, slug: str) -> dict:
    model = MODELS[_kind(kind)]
    with db.read() as session:
        row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
        if row is None:
            raise NotFoundError(f"no {kind} {slug!r} in the library")
        out = _as_dict(kind, row)
        if kind == "programme":
            out["practices"] = [
                {"slug": p.slug, "title": p.title}
                for p in session.scalars(
                    select(Practice).where(Practice.programme_slug == slug).order_by(Practice.title)
                )
            ]
        return out


def remove(db: Database, kind: str, slug: str, *, actor: str) -> None:
    model = MODELS[_kind(kind)]
    with db.write() as session:
        row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
        if row is None:
            raise NotFoundError(f"no {kind} {slug!r} in the library")
        before = _as_dict(kind, row)
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                text("DELETE FROM library_fts WHERE kind = :k AND ref = :r"),
                {"k": kind, "r": row.id},
            )
        session.execute(delete(model).where(model.id == row.id))
        audit.record(
            session, actor=actor, action="delete", entity=kind, entity_id=slug, before=before
        )


def _matching_ids(session: Session, kind: str, q: str) -> list[int] | None:
    """Ids matching every word of ``q`` (as prefixes), best first; ``None`` for no query."""
    words = WORD.findall(q or "")
    if not words:
        return None
    if session.get_bind().dialect.name == "sqlite":
        expr = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        rows = session.execute(
            text(
                "SELECT ref FROM library_fts WHERE library_fts MATCH :q AND kind = :k "
                "ORDER BY bm25(library_fts)"
            ),
            {"q": expr, "k": kind},
        )
    else:
        table = MODELS[kind].__tablename__  # from the fixed mapping, never from a client
        query = " & ".join(f"{w}:*" for w in words)
        rows = session.execute(
            text(
                f"SELECT id FROM {table} WHERE to_tsvector('simple', search_text) @@ "
                "to_tsquery('simple', :q) ORDER BY ts_rank(to_tsvector('simple', search_text), "
                "to_tsquery('simple', :q)) DESC, id"
            ),
            {"q": query},
        )
    return [int(r[0]) for r in rows]


def _values(record: dict, facet: str) -> list[str]:
    value = record.get(facet)
    if isinstance(value, list):
        return value
    return [value] if value not in (None, "") else []


def search(
    db: Database,
    kind: str,
    *,
    q: str = "",
    filters: dict[str, Iterable[str]] | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict:
    """Full-text and faceted search: ``{"items", "total", "facets", "page", "per_page"}``.

    ``filters`` maps a facet to the values wanted (any of them); facets are
    ``FACETS[kind]``. Items are ranked by text relevance when ``q`` is given, else by title.
    """
    kind = _kind(kind)
    filters = {k: set(v) for k, v in (filters or {}).items() if v}
    for facet in filters:
        if facet not in FACETS[kind]:
            raise InputError(
                f"{kind}s have no facet {facet!r}; facets: {', '.join(FACETS[kind])}",
                parameter=facet,
            )
    if page < 1 or not 1 <= per_page <= 100:
        raise InputError("page must be ≥ 1 and per_page in 1..100", parameter="page")
    model = MODELS[kind]
    with db.read() as session:
        ids = _matching_ids(session, kind, q)
        rows = session.scalars(select(model).order_by(model.title)).all()
        records = {r.id: _as_dict(kind, r) for r in rows}
    ordered = (
        [records[i] for i in ids if i in records] if ids is not None else list(records.values())
    )

    def keep(record: dict, skip: str | None = None) -> bool:
        return all(set(_values(record, f)) & wanted for f, wanted in filters.items() if f != skip)

    facets = {}
    for facet in FACETS[kind]:
        counts = Counter(v for r in ordered if keep(r, facet) for v in _values(r, facet))
        facets[facet] = [
            {"value": v, "count": n, "selected": v in filters.get(facet, ())}
            for v, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
        ]
    hits = [r for r in ordered if keep(r)]
    start = (page - 1) * per_page
    return {
        "items": hits[start : start + per_page],
        "total": len(hits),
        "facets": facets,
        "page": page,
        "per_page": per_page,
        "q": q,
        "filters": {k: sorted(v) for k, v in filters.items()},
    }


def compare(db: Database, slugs: list[str]) -> dict:
    """Two to four programmes side by side: ``{"programmes": [...], "fields": [...]}``."""
    slugs = list(dict.fromkeys(s.strip() for s in slugs if s.strip()))
    if not 2 <= len(slugs) <= 4:
        raise InputError("compare takes 2 to 4 programmes", parameter="programmes")
    programmes = [get(db, "programme", s) for s in slugs]
    fields = [f.name for f in FIELDS["programme"] if f.name not in ("slug", "example")]
    shared = {}
    for name in ("measures", "target_groups", "themes"):
        sets = [set(p[name]) for p in programmes]
        shared[name] = sorted(set.intersection(*sets))
    return {"programmes": programmes, "fields": fields, "shared": shared}


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the file is not UTF-8 text", file=path) from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from exc
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise InputError("a JSON import file is a list of objects", file=path)
        return [(i + 1, x) for i, x in enumerate(data)]  # "line" = position in the list
    if path.suffix.lower() != ".csv":
        raise InputError("import files are .csv or .json", file=path)
    reader = csv.DictReader(io.StringIO(content))
    if not reader.fieldnames:
        raise InputError("the file is empty", file=path)
    return [
        (i + 2, {k: v for k, v in row.items() if k is not None}) for i, row in enumerate(reader)
    ]


def import_file(db: Database, kind: str, path: str | Path, *, actor: str) -> dict:
    """Import a CSV or JSON file of records: all or nothing.

    Every error is collected — file, line (CSV: 1 is the header; JSON: position in the list),
    column and message — and raised together as :class:`ImportErrors`; nothing is written
    unless every row is valid. Duplicate slugs within the file are errors; an existing slug
    is updated.
    """
    kind = _kind(kind)
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path)
    rows = _read_rows(path)
    errors: list[tuple[int, str, str]] = []
    if path.suffix.lower() == ".csv" and rows:
        # an unknown column is one error, on the header line, not one per row
        known = {f.name for f in FIELDS[kind]} | {"id"}
        unknown = [c for c in rows[0][1] if c not in known]
        errors.extend((1, c, f"is not a field of a {kind}") for c in unknown)
        rows = [(line, {k: v for k, v in d.items() if k in known}) for line, d in rows]
    checked: list[dict] = []
    seen: dict[str, int] = {}
    for line, data in rows:
        values, problems = check_record(kind, data)
        errors.extend((line, col, msg) for col, msg in problems.items())
        slug = values.get("slug")
        if slug:
            if slug in seen:
                errors.append((line, "slug", f"repeats the slug of line {seen[slug]}"))
            seen[slug] = line
        checked.append(values)
    if errors:
        raise ImportErrors(str(path), errors)
    with db.write() as session:
        for values in checked:
            _save(session, kind, values, actor)
    return {"kind": kind, "records": len(checked), "file": str(path)}


def export(db: Database, kind: str, fmt: str = "json") -> str:
    """Every record of a kind as JSON or CSV text (lists joined with ``; `` in CSV)."""
    kind = _kind(kind)
    model = MODELS[kind]
    with db.read() as session:
        records = [_as_dict(kind, r) for r in session.scalars(select(model).order_by(model.slug))]
    names = [f.name for f in FIELDS[kind]]
    records = [{k: r[k] for k in names} for r in records]
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise InputError("format must be json or csv", parameter="format")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(
            {
                k: "; ".join(v) if isinstance(v, list) else ("" if v is None else v)
                for k, v in r.items()
            }
        )
    return out.getvalue()


EXAMPLES = Path(__file__).parent / "data"


def load_examples(db: Database, *, actor: str = "examples") -> dict:
    """Load the example library shipped with the program (every record labelled example)."""
    counts = {}
    for kind in ("programme", "practice"):
        counts[kind] = import_file(db, kind, EXAMPLES / f"example_{kind}s.json", actor=actor)[
            "records"
        ]
    return counts
