"""The fields of library records, their types and their checks, in one place.

Used by the editor forms, the JSON API and CSV/JSON import alike, so a record is checked the
same way whichever door it comes through. In CSV files list fields are written with ``; ``
between items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from clusteratlas.appdb.models import PROGRAMME_LEVELS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | long | list | int | float | date | bool | slug | country | level
    required: bool = False
    limit: int = 300


PROGRAMME_FIELDS = (
    Field("slug", "slug", True, 120),
    Field("title", "text", True),
    Field("country", "country", True),
    Field("region", "text", False, 10),
    Field("level", "level", True),
    Field("objectives", "long"),
    Field("measures", "list"),
    Field("target_groups", "list"),
    Field("themes", "list"),
    Field("budget_eur", "float"),
    Field("period_start", "int"),
    Field("period_end", "int"),
    Field("managing_body", "text"),
    Field("evaluation", "long"),
    Field("links", "list"),
    Field("last_verified", "date"),
    Field("example", "bool"),
)
PRACTICE_FIELDS = (
    Field("slug", "slug", True, 120),
    Field("title", "text", True),
    Field("summary", "long"),
    Field("programme_slug", "slug"),
    Field("themes", "list"),
    Field("regions", "list"),
    Field("clusters", "list"),
    Field("dos", "list"),
    Field("donts", "list"),
    Field("links", "list"),
    Field("last_verified", "date"),
    Field("example", "bool"),
)
FIELDS = {"programme": PROGRAMME_FIELDS, "practice": PRACTICE_FIELDS}
SEARCHED = {
    "programme": (
        "title",
        "objectives",
        "measures",
        "target_groups",
        "themes",
        "managing_body",
        "evaluation",
        "region",
        "country",
    ),
    "practice": ("title", "summary", "themes", "dos", "donts", "regions", "clusters"),
}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def check_value(f: Field, value: Any) -> tuple[Any, str | None]:
    """The value typed for field ``f``, or an error message.

    >>> check_value(Field("themes", "list"), "digital; green ;")
    (['digital', 'green'], None)
    >>> check_value(Field("period_start", "int"), "20x4")
    (None, 'must be a whole number, got 20x4')
    """
    value = _clean(value)
    empty = value is None or value == "" or value == []
    if empty:
        if f.required:
            return None, "is required"
        return (
            []
            if f.kind == "list"
            else False
            if f.kind == "bool"
            else ""
            if f.kind in ("text", "long")
            else None
        ), None
    if f.kind == "list":
        items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
        items = [" ".join(str(x).split()) for x in items]
        return [x for x in items if x], None
    if f.kind in ("text", "long"):
        text = str(value) if f.kind == "long" else " ".join(str(value).split())
        limit = 20000 if f.kind == "long" else f.limit
        return (text, None) if len(text) <= limit else (None, f"is longer than {limit} characters")
    if f.kind == "slug":
        text = str(value).lower()
        return (
            (text, None)
            if SLUG.match(text) and len(text) <= f.limit
            else (
                None,
                f"must be lower-case words joined by hyphens (like cluster-week), got {value}",
            )
        )
    if f.kind == "country":
        text = str(value).upper()
        return (
            (text, None)
            if COUNTRY.match(text)
            else (None, f"must be a two-letter country code, got {value}")
        )
    if f.kind == "level":
        text = str(value).lower()
        return (
            (text, None)
            if text in PROGRAMME_LEVELS
            else (None, f"must be one of {', '.join(PROGRAMME_LEVELS)}, got {value}")
        )
    if f.kind == "int":
        try:
            return int(str(value)), None
        except ValueError:
            return None, f"must be a whole number, got {value}"
    if f.kind == "float":
        try:
            number = float(str(value).replace("_", ""))
        except ValueError:
            return None, f"must be a number, got {value}"
        return (number, None) if number >= 0 else (None, "must not be negative")
    if f.kind == "date":
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value)), None
        except ValueError:
            return None, f"must be a date YYYY-MM-DD, got {value}"
    if f.kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).lower()
        if text in ("1", "true", "yes", "on"):
            return True, None
        if text in ("0", "false", "no", "off"):
            return False, None
        return None, f"must be true or false, got {value}"
    raise AssertionError(f.kind)


def check_record(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Type every field of a record; return (values, errors by field). Unknown fields are errors."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {f.name for f in FIELDS[kind]}
    for name in data:
        if name not in known and name != "id":
            errors[name] = "is not a field of a " + kind
    for f in FIELDS[kind]:
        value, error = check_value(f, data.get(f.name))
        if error:
            errors[f.name] = error
        else:
            values[f.name] = value
    if kind == "programme" and not errors:
        start, end = values.get("period_start"), values.get("period_end")
        if start is not None and end is not None and end < start:
            errors["period_end"] = "is before period_start"
    return values, errors


def search_text(kind: str, values: dict[str, Any]) -> str:
    """The text full-text search looks at: the searched fields, lists flattened."""
    parts = []
    for name in SEARCHED[kind]:
        value = values.get(name)
        parts.extend(value if isinstance(value, list) else [str(value or "")])
    return " ".join(p for p in parts if p)
