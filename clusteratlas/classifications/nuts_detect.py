"""Which NUTS version is a set of region codes written in?

Eurostat tables mix versions (older years keep older codes, some series were re-coded and
some not), so the answer is a score per version, not a yes/no: the share of the data's
distinct NUTS codes that are codes of that version, the codes that only one version knows
(the evidence), and the codes no known version has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from clusteratlas.classifications.nuts_codes import NUTS_VERSIONS, is_nuts_code, nuts_level
from clusteratlas.classifications.nuts_lists import CodeList


@dataclass
class VersionGuess:
    """The result of :func:`detect_version`.

    Attributes
    ----------
    best:
        The most likely version (``None`` if no NUTS code was found).
    compatible:
        Every version that knows all the codes it could judge (share 1.0).
    shares:
        Per version, matched / checked distinct codes (``None`` if it could judge none).
    matched, checked:
        The counts behind the shares. A version only judges codes at the levels its list is
        complete for (NUTS 2013 offline: levels 0–2).
    markers:
        Per version, data codes that this version has and every other judging version lacks.
    unmatched:
        NUTS-shaped codes of known countries that no version has (typos, older versions).
    non_nuts:
        Codes that are not NUTS codes (e.g. ``EU27_2020``, ``EA19``, ``EU28``).
    """

    best: str | None
    compatible: list[str]
    shares: dict[str, float | None]
    matched: dict[str, int]
    checked: dict[str, int]
    markers: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    non_nuts: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        """True when several versions fit equally well and no marker code tells them apart."""
        if self.best is None:
            return False
        top = [v for v, s in self.shares.items() if s is not None and s == self.shares[self.best]]
        return len(top) > 1 and not any(self.markers.get(v) for v in top)

    def summary(self, max_codes: int = 12) -> str:
        """A few plain lines for people."""

        def few(codes: list[str]) -> str:
            more = f" … (+{len(codes) - max_codes})" if len(codes) > max_codes else ""
            return ", ".join(codes[:max_codes]) + more

        if self.best is None:
            return "no NUTS codes found"
        lines = [f"best: NUTS {self.best}" + (" (ambiguous)" if self.ambiguous else "")]
        for v, s in self.shares.items():
            if s is None:
                lines.append(f"  {v}: no code at a level this list covers")
                continue
            mk = self.markers.get(v) or []
            lines.append(
                f"  {v}: {self.matched[v]}/{self.checked[v]} codes ({s:.1%})"
                + (f"; only in {v}: {few(mk)}" if mk else "")
            )
        if self.unmatched:
            lines.append(f"  in no version: {few(self.unmatched)}")
        if self.non_nuts:
            lines.append(f"  not NUTS codes: {few(self.non_nuts)}")
        return "\n".join(lines)


def detect_version(codes: Iterable[str], lists: Mapping[str, CodeList]) -> VersionGuess:
    """Score each NUTS version by how many of ``codes`` it knows.

    Parameters
    ----------
    codes:
        Region codes (duplicates and surrounding blanks are ignored).
    lists:
        Code lists by version, e.g. from :func:`clusteratlas.classifications.nuts_lists.code_lists`.

    Returns
    -------
    VersionGuess
        ``share[v] = |{c ∈ C_v : c ∈ L_v}| / |C_v|`` where ``C_v`` are the distinct NUTS codes
        at the levels list ``L_v`` is complete for. The best version has the highest share;
        ties are broken by the number of marker codes (codes only that version has), then by
        the number of codes judged, then by the later version.

    Examples
    --------
    >>> from clusteratlas.classifications.nuts_lists import CodeList
    >>> lv = frozenset({0, 1, 2})
    >>> lists = {"2016": CodeList("2016", frozenset({"HR", "HR0", "HR03", "HR04"}), lv, ""),
    ...          "2021": CodeList("2021", frozenset({"HR", "HR0", "HR02", "HR03"}), lv, "")}
    >>> g = detect_version(["HR03", "HR04"], lists)
    >>> g.best, g.shares["2016"], g.markers["2016"]
    ('2016', 1.0, ['HR04'])
    """
    distinct = sorted({str(c).strip() for c in codes if c is not None and str(c).strip()})
    countries = set().union(*(cl.countries for cl in lists.values())) if lists else set()
    nuts = [c for c in distinct if is_nuts_code(c) and c[:2] in countries]
    non_nuts = [c for c in distinct if c not in set(nuts)]

    order = [v for v in NUTS_VERSIONS if v in lists] + sorted(set(lists) - set(NUTS_VERSIONS))
    shares: dict[str, float | None] = {}
    matched: dict[str, int] = {}
    checked: dict[str, int] = {}
    known_by: dict[str, list[str]] = {c: [] for c in nuts}
    judged_by: dict[str, list[str]] = {c: [] for c in nuts}
    for v in order:
        cl = lists[v]
        judged = [c for c in nuts if cl.covers(c)]
        hits = [c for c in judged if cl.knows(c)]
        for c in judged:
            judged_by[c].append(v)
        for c in hits:
            known_by[c].append(v)
        checked[v], matched[v] = len(judged), len(hits)
        shares[v] = len(hits) / len(judged) if judged else None

    markers = {v: [] for v in order}
    for c in nuts:
        if len(known_by[c]) == 1 and len(judged_by[c]) > 1:
            markers[known_by[c][0]].append(c)
    unmatched = [c for c in nuts if not known_by[c] and judged_by[c]]

    scored = [v for v in order if shares[v] is not None]
    if not scored:
        return VersionGuess(None, [], shares, matched, checked, markers, unmatched, non_nuts)
    rank = {v: i for i, v in enumerate(order)}
    best = max(scored, key=lambda v: (shares[v], len(markers[v]), checked[v], rank[v]))
    compatible = [v for v in scored if shares[v] == 1.0]
    return VersionGuess(best, compatible, shares, matched, checked, markers, unmatched, non_nuts)


def codes_by_level(codes: Iterable[str]) -> dict[int | None, int]:
    """How many distinct codes sit at each NUTS level (``None`` = not NUTS-shaped)."""
    out: dict[int | None, int] = {}
    for c in {str(x).strip() for x in codes}:
        lev = nuts_level(c)
        out[lev] = out.get(lev, 0) + 1
    return out
