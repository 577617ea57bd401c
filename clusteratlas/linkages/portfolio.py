"""The cluster portfolio (the data of the bubble chart) and its quadrants.

For every region × cluster: the specialisation measure at the end year (LQ, or the region's
share of benchmark employment in the cluster as on clustermapping.us), its change since the
start year, and employment (the bubble size). Quadrant rule (documented in
``docs/linkages.md``; the practitioner convention of cluster-portfolio charts):

=============  =========================  =====================
quadrant       specialised at the end?    measure rising?
=============  =========================  =====================
``rising``     yes (LQ ≥ 1)               yes (change > 0)
``mature``     yes                        no (change ≤ 0)
``emerging``   no (LQ < 1)                yes
``declining``  no                         no
=============  =========================  =====================

With ``measure="share"`` "specialised" means the region's share of the benchmark cluster is at
least its share of all benchmark employment (equivalent to LQ ≥ 1) and "rising" means the
share grew by more than the region's overall share did (the CMP chart's reference lines).
"""

from __future__ import annotations

from typing import Any

import ibis

from clusteratlas.errors import InputError

MEASURES = ("lq", "share")
QUADRANTS = ("rising", "mature", "emerging", "declining")


def quadrant(specialised: Any, rising: Any) -> Any:
    """Quadrant name from two booleans (Python or Ibis).

    Examples
    --------
    >>> [quadrant(s, r) for s, r in [(True, True), (True, False), (False, True), (False, False)]]
    ['rising', 'mature', 'emerging', 'declining']
    """
    if isinstance(specialised, bool) and isinstance(rising, bool):
        if specialised:
            return "rising" if rising else "mature"
        return "emerging" if rising else "declining"
    return ibis.cases(
        (specialised & rising, "rising"),
        (specialised, "mature"),
        (rising, "emerging"),
        else_="declining",
    )


def portfolio(
    table: ibis.Table, start: int, end: int, *, unit: str = "cluster", measure: str = "lq"
) -> ibis.Table:
    """Portfolio table of every region × unit between two years.

    Columns: ``region, <unit>, start_year, end_year, employment, value_start, value_end,
    change, reference_end, reference_change, quadrant`` where ``value`` is the LQ or the
    region's share of benchmark employment in the unit, and ``reference`` is what "specialised"
    and "rising" are measured against (1 and 0 for LQ; the region's share of all benchmark
    employment and its change for ``share``).
    """
    if measure not in MEASURES:
        raise InputError(f"must be one of {MEASURES}, got {measure!r}", parameter="--measure")
    if not isinstance(start, int) or not isinstance(end, int) or start >= end:
        raise InputError(f"need start < end, got {start}, {end}", parameter="--years")
    t = table.group_by("region", unit, "year").agg(employment=table.employment.sum())
    t = t.filter(t.year.isin([start, end]))
    reg = t.group_by("region", "year").agg(e_r=t.employment.sum())
    ben = t.group_by(unit, "year").agg(b_s=t.employment.sum())
    tot = t.group_by("year").agg(b=t.employment.sum())
    c = t.join(reg, ["region", "year"]).join(ben, [unit, "year"]).join(tot, "year")
    share = c.employment / c.b_s
    ref = c.e_r / c.b
    c = c.mutate(value=share / ref if measure == "lq" else share, ref=ref)
    a = c.filter(c.year == start).select("region", unit, v0="value", r0="ref")
    b = c.filter(c.year == end).select("region", unit, "employment", v1="value", r1="ref")
    j = b.left_join(a, ["region", unit]).select(b, a.v0, a.r0)
    j = j.mutate(v0=ibis.coalesce(j.v0, 0.0))
    if measure == "lq":
        ref_end, ref_change = ibis.literal(1.0), ibis.literal(0.0)
    else:
        ref_end, ref_change = j.r1, j.r1 - ibis.coalesce(j.r0, 0.0)
    change = j.v1 - j.v0
    return j.select(
        "region",
        unit,
        start_year=ibis.literal(start),
        end_year=ibis.literal(end),
        employment=j.employment,
        value_start=j.v0,
        value_end=j.v1,
        change=change,
        reference_end=ref_end,
        reference_change=ref_change,
        quadrant=quadrant(j.v1 >= ref_end, change > ref_change),
    )
