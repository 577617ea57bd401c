"""Query parameters of pages, parsed strictly: a malformed value is an
:class:`~clusteratlas.errors.InputError` naming the parameter (answered with a 422 page).

Unknown parameters are ignored (links from elsewhere may carry their own), and an empty value
means "not given", as HTML forms send it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from clusteratlas.errors import InputError

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


class Query:
    """Typed access to a request's query string."""

    def __init__(self, params: Any) -> None:
        self._params = params

    def raw(self, name: str) -> str | None:
        value = self._params.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def text(self, name: str, max_len: int = 100) -> str | None:
        value = self.raw(name)
        if value is not None and len(value) > max_len:
            raise InputError(f"at most {max_len} characters", parameter=name)
        return value

    def code(self, name: str) -> str | None:
        """A region, cluster, scheme or system code: letters, digits, ``_.-``, ≤ 40 chars."""
        value = self.raw(name)
        if value is not None and not CODE_RE.match(value):
            raise InputError(
                f"{value[:40]!r} is not a code (letters, digits, _ . -)", parameter=name
            )
        return value

    def integer(self, name: str, lo: int | None = None, hi: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            out = int(value)
        except ValueError:
            raise InputError(f"{value[:20]!r} is not a whole number", parameter=name) from None
        if (lo is not None and out < lo) or (hi is not None and out > hi):
            raise InputError(f"must be between {lo} and {hi}", parameter=name)
        return out

    def choice(self, name: str, options: Sequence[str], default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value not in options:
            raise InputError(f"must be one of {', '.join(options)}", parameter=name)
        return value

    def codes(self, name: str, max_items: int) -> list[str]:
        """A comma-separated list of codes (``A,B,C``); duplicates are an error."""
        value = self.raw(name)
        if value is None:
            return []
        items = [v.strip() for v in value.split(",") if v.strip()]
        for item in items:
            if not CODE_RE.match(item):
                raise InputError(f"{item[:40]!r} is not a region code", parameter=name)
        if len(items) > max_items:
            raise InputError(f"at most {max_items} codes", parameter=name)
        if len(set(items)) != len(items):
            raise InputError("a code is listed twice", parameter=name)
        return items
