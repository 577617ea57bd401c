"""The Atlas service: a read-only view of an atlas store that every page and API route uses.

An *atlas store* is a store holding the atlas tables (``docs/atlas.md``) that
``clusteratlas atlas build`` (or ``clusteratlas map --save``) writes. :class:`Atlas` opens it
read-only, answers with plain JSON-able dicts and lists (values are never rounded) and notices
when a rebuild swapped a new file in at the same path (``os.replace``): the next call reopens
it, so a server keeps answering during and after a rebuild.

Errors: an unknown region, cluster, scheme, system or year is a
:class:`~clusteratlas.errors.NotFoundError` (HTTP 404); a malformed or ambiguous parameter is
an :class:`~clusteratlas.errors.InputError` naming the parameter (HTTP 422).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clusteratlas.atlas.linkages import LinkagesMixin
from clusteratlas.errors import InputError, NotFoundError, StoreError
from clusteratlas.store.atlas import SHOWN_MEASURES

MAX_COMPARE = 10
MAX_PER_PAGE = 500
MEASURES = ("lq", "benchmark_share", "region_share", "employment")
GEOMETRY_FORMATS = ("geojson", "topojson")
#: the columns of a region's cluster table (``region_clusters``)
CELL_COLUMNS = ("cluster", "cluster_name", "cluster_type", *SHOWN_MEASURES)
QUADRANTS = {
    (True, True): "rising",  # specialised and gaining
    (True, False): "mature",  # specialised but losing ground
    (False, True): "emerging",  # not (yet) specialised, gaining
    (False, False): "declining",  # neither
}


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class Atlas(LinkagesMixin):
    """Read-only view of an atlas store; every page and API route reads through it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._generation = 0
        self._con: Any = None
        self._ident: tuple[int, int, int] | None = None
        self._cache: dict[Any, Any] = {}
        self._reopen()

    # -- opening and reopening ---------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> Atlas:
        """Open the atlas store at ``path`` read-only.

        The returned object is thread-safe (each thread reads through its own cursor) and
        notices when the file at ``path`` was replaced by a rebuild (inode, mtime or size
        changed): the next call reopens it. Raises :class:`~clusteratlas.errors.StoreError`
        when there is no store or it holds no atlas tables.
        """
        return cls(path)

    def _reopen(self) -> None:
        from clusteratlas.store.atlas import AtlasReader, cursor, open_read_only

        if not self.path.exists():
            raise StoreError(
                f"{self.path}: no atlas here (build one with 'clusteratlas atlas build')"
            )
        ident = _identity(self.path)
        con = open_read_only(self.path)
        try:
            AtlasReader(cursor(con))  # raises StoreError when the atlas tables are missing
        except StoreError:
            con.close()
            raise
        # The old connection is left to the garbage collector: threads may still be reading
        # through cursors of it, and the old file stays readable until they are done.
        self._con = con
        self._ident = ident
        self._generation += 1
        self._cache = {}

    def _reader(self) -> Any:
        from clusteratlas.store.atlas import AtlasReader, cursor

        try:
            ident = _identity(self.path)
        except FileNotFoundError:  # mid-swap on some file systems: keep the open copy
            ident = self._ident
        if ident != self._ident:
            with self._lock:
                if ident != self._ident:
                    self._reopen()
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            local.reader = AtlasReader(cursor(self._con))
            local.generation = self._generation
        return local.reader

    @property
    def generation(self) -> int:
        """How many times the file has been (re)opened: 1 after open, +1 per swap seen."""
        return self._generation

    def close(self) -> None:
        """Drop the connection (the object cannot be used afterwards)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    # -- helpers -----------------------------------------------------------------------------
    def _cached(self, key: Any, make: Any) -> Any:
        self._reader()  # reopen first when the file changed (that clears the cache)
        cache = self._cache  # this file's cache: a value made while a swap is seen lands in
        if key not in cache:  # the old file's dict, never in the new one
            cache[key] = make()
        return cache[key]

    def _schemes(self, system: str | None = None) -> list[str]:
        return self._cached(("schemes", system), lambda: self._reader().schemes_for(system))

    def _years(self, scheme: str, system: str | None) -> list[int]:
        return self._cached(("years", scheme, system), lambda: self._reader().years(scheme, system))

    def _scheme(self, scheme: str | None, system: str | None = None) -> str:
        schemes = self._schemes(system)
        if scheme is None:
            if not schemes:
                raise NotFoundError(
                    "the atlas has no cluster table" + (f" for system {system}" if system else "")
                )
            default = self.info().get("default_scheme")
            return default if default in schemes else schemes[0]
        if scheme not in schemes:
            where = f" for region system {system}" if system else ""
            raise NotFoundError(
                f"unknown scheme {scheme!r}{where}; the atlas has {schemes}", parameter="scheme"
            )
        return scheme

    def _year(self, year: int | None, scheme: str, system: str | None) -> int:
        years = self._years(scheme, system)
        if not years:
            raise NotFoundError(f"no years for scheme {scheme!r} and system {system!r}")
        if year is None:
            return int(years[-1])
        if year not in years:
            raise NotFoundError(
                f"no year {year} for scheme {scheme!r} (years {years[0]}–{years[-1]})",
                parameter="year",
            )
        return int(year)

    def _region_row(self, code: str, system: str | None) -> dict[str, Any]:
        rows = self._reader().find_region(code, system)
        if not rows:
            extra = f" in system {system!r}" if system else ""
            raise NotFoundError(f"unknown region {code!r}{extra}", parameter="code")
        if len(rows) > 1:
            default = self.info().get("default_system")
            for row in rows:
                if row["system"] == default:
                    return row
            systems = ", ".join(r["system"] for r in rows)
            raise InputError(
                f"region code {code!r} exists in several systems ({systems}): give system",
                parameter="system",
            )
        return rows[0]

    def _provenance_for(self, kind: str, scheme: str, system: str) -> dict[str, Any]:
        def make() -> dict[str, Any]:
            reader = self._reader()
            rid = reader.result_ids(kind, scheme, system)
            if rid is None:
                return {}
            rec = reader.result(rid)
            return {"result_id": rid, "kind": kind, **(rec["provenance"] if rec else {})}

        return dict(self._cached(("provenance", kind, scheme, system), make))

    def _region_map(self, system: str | None) -> dict[str, dict[str, Any]]:
        """code -> region row of one system (cached until the file is swapped)."""
        return self._cached(
            ("region_map", system),
            lambda: {
                r["code"]: r for r in self._reader().list_regions(None, system, None, 0, 10**9)[0]
            },
        )

    # -- atlas -------------------------------------------------------------------------------
    def info(self) -> dict:
        """What the atlas holds and where it came from.

        Keys: ``title``, ``preset``, ``synthetic`` (bool), ``built_at``, ``sources`` (list of
        ``{source, dataset, extraction_date, ...}``), ``attribution`` (lines to show),
        ``default_scheme``, ``default_system``, ``schemes`` (list of ``{scheme,
        region_system, years, first_year, last_year, regions, clusters, cells}``),
        ``region_systems`` (``{system, regions, levels, without_geometry}``), ``years`` (all
        cluster-table years), ``scoreboard`` (``{edition, years}`` list) and ``provenance``
        (``{result_id, kind, scheme, region_system, created_at, provenance}`` per result).
        """

        def make() -> dict:
            reader = self._reader()
            info = reader.info()
            coverage = reader.coverage()
            for row in coverage:
                row["years"] = [int(y) for y in row["years"]]
            systems = reader.systems()
            for row in systems:
                row["levels"] = [int(v) for v in row["levels"] if v is not None]
            editions: dict[str, list[int]] = {}
            for edition, year in reader.score_years():
                editions.setdefault(edition, []).append(int(year))
            years = sorted({y for row in coverage for y in row["years"]})
            return {
                "title": info.get("title", "Cluster Atlas"),
                "preset": info.get("preset"),
                "synthetic": bool(info.get("synthetic", False)),
                "built_at": info.get("built_at"),
                "sources": info.get("sources", []),
                "attribution": info.get("attribution", []),
                "default_scheme": info.get("default_scheme"),
                "default_system": info.get("default_system"),
                "schemes": coverage,
                "region_systems": systems,
                "years": years,
                "scoreboard": [{"edition": e, "years": y} for e, y in editions.items()],
                "provenance": reader.results(),
            }

        return self._cached("info", make)

    def search(self, q: str, limit: int = 20) -> list[dict]:
        """Regions and clusters matching ``q`` (code or name, case-insensitive substring).

        Each item: ``{"type": "region"|"cluster", "code", "name", "system"|"scheme",
        "level"|"cluster_type"}``; exact code matches first, then names starting with ``q``.
        ``q`` must be 1–100 characters (else InputError(parameter="q")).
        """
        q = (q or "").strip()
        if not q or len(q) > 100:
            raise InputError("give 1 to 100 characters to search for", parameter="q")
        if not 1 <= limit <= 100:
            raise InputError("must be between 1 and 100", parameter="limit")
        reader = self._reader()
        out: list[dict] = []
        for r in reader.search_regions(q, limit):
            out.append(
                {
                    "type": "region",
                    "code": r["code"],
                    "name": r["name"],
                    "system": r["system"],
                    "level": r["level"],
                }
            )
        for c in reader.search_clusters(q, limit):
            out.append(
                {
                    "type": "cluster",
                    "code": c["cluster"],
                    "name": c["cluster_name"],
                    "scheme": c["scheme"],
                    "cluster_type": c["cluster_type"],
                }
            )
        exact = [o for o in out if o["code"].lower() == q.lower()]
        rest = [o for o in out if o["code"].lower() != q.lower()]
        return (exact + rest)[:limit]

    # -- regions -----------------------------------------------------------------------------
    def regions(
        self,
        q: str | None = None,
        system: str | None = None,
        level: int | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> dict:
        """Paged list of regions: ``{"items": [...], "total", "page", "per_page"}``.

        Items are ``{system, code, name, level, parent, country, has_geometry}`` sorted by
        system, level and code; ``q`` filters on code or name (substring, case-insensitive).
        ``page`` ≥ 1 and 1 ≤ ``per_page`` ≤ 500, else InputError; an unknown ``system`` is a
        NotFoundError.
        """
        if page < 1:
            raise InputError("must be 1 or more", parameter="page")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InputError(f"must be between 1 and {MAX_PER_PAGE}", parameter="per_page")
        if q is not None and len(q) > 100:
            raise InputError("at most 100 characters", parameter="q")
        reader = self._reader()
        if system is not None and system not in {s["system"] for s in reader.systems()}:
            raise NotFoundError(f"unknown region system {system!r}", parameter="system")
        items, total = reader.list_regions(
            q or None, system, level, (page - 1) * per_page, per_page
        )
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    def region(self, code: str, system: str | None = None) -> dict:
        """One region: ``{code, name, system, level, parent, parent_name, country,
        has_geometry, children: [{code, name, level}], schemes, years}``.

        ``system`` is needed only where ``code`` exists in several region systems of the atlas
        and none of them is the atlas's default system (which is taken then); otherwise
        InputError(parameter="system"). Unknown codes raise NotFoundError.
        """
        cached = self._cached(("region", code, system), lambda: self._region(code, system))
        return {**cached, "children": list(cached["children"])}

    def _region(self, code: str, system: str | None) -> dict:
        row = self._region_row(code, system)
        reader = self._reader()
        parent_name = None
        if row["parent"]:
            parents = reader.find_region(row["parent"], row["system"])
            parent_name = parents[0]["name"] if parents else None
        schemes = self._schemes(row["system"])
        years = sorted({y for s in schemes for y in self._years(s, row["system"])})
        return {
            **row,
            "parent_name": parent_name,
            "children": reader.region_children(row["system"], code),
            "schemes": schemes,
            "years": years,
        }

    def region_clusters(
        self,
        code: str,
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """The region's cluster table for one year (the ``/api/regions/{code}/clusters`` shape).

        ``{"region": region(code), "year": Y, "scheme": S, "clusters": [{"cluster",
        "cluster_name", "cluster_type", "employment", "establishments", "wage", "lq",
        "region_share", "benchmark_share", "stars", "strong", "strong10"}, ...],
        "provenance": {...}}``. Defaults: the atlas's default scheme for the region's system
        and the latest year. Clusters are in cluster-code order.
        """
        region = self.region(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        year = self._year(year, scheme, sys_)
        rows = self._cells_by_region(scheme, year, sys_).get(code, ())
        return {
            "region": region,
            "year": year,
            "scheme": scheme,
            "clusters": [dict(r) for r in rows],
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    def _cells_by_region(
        self, scheme: str, year: int, system: str
    ) -> dict[str, tuple[dict[str, Any], ...]]:
        """region -> its cluster cells (the API's columns, cluster order) of one year.

        One query per (scheme, year, system) instead of one per region and request; kept
        until the file is swapped (the atlas is read-only in between).
        """

        def make() -> dict[str, tuple[dict[str, Any], ...]]:
            grouped: dict[str, list[dict[str, Any]]] = {}
            for r in self._reader().cells(scheme, year=year, region_system=system):
                grouped.setdefault(r["region"], []).append({k: r[k] for k in CELL_COLUMNS})
            return {code: tuple(rows) for code, rows in grouped.items()}

        return self._cached(("cells_by_region", scheme, year, system), make)

    def region_summary(
        self,
        code: str,
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """Key figures of a region and year series for sparklines.

        ``{"region", "year", "scheme", "figures": {employment, traded_employment,
        local_employment, strong_employment, cluster_strength, n_strong, n_strong10,
        n_star_clusters, n_clusters}, "series": [{year, employment, traded_employment,
        cluster_strength, n_strong, n_star_clusters}], "provenance"}``; ``employment`` counts
        traded and local clusters (emerging clusters overlap them and are left out).
        """
        region = self.region(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        year = self._year(year, scheme, sys_)
        reader = self._reader()
        strength = {r["year"]: r for r in reader.strength(scheme, sys_, code)}
        cells = reader.cell_series(scheme, sys_, code, None)
        by_year: dict[int, dict[str, float]] = {}
        for c in cells:
            agg = by_year.setdefault(c["year"], {"traded": 0.0, "local": 0.0, "n": 0})
            if c["cluster_type"] in ("traded", "local") and c["employment"] is not None:
                agg[c["cluster_type"]] += c["employment"]
            agg["n"] += 1
        series = []
        for y in sorted(by_year):
            s = strength.get(y, {})
            series.append(
                {
                    "year": y,
                    "employment": by_year[y]["traded"] + by_year[y]["local"],
                    "traded_employment": by_year[y]["traded"],
                    "cluster_strength": s.get("cluster_strength"),
                    "n_strong": s.get("n_strong"),
                    "n_star_clusters": s.get("n_star_clusters"),
                }
            )
        now = by_year.get(year, {"traded": 0.0, "local": 0.0, "n": 0})
        s = strength.get(year, {})
        figures = {
            "employment": now["traded"] + now["local"],
            "traded_employment": now["traded"],
            "local_employment": now["local"],
            "strong_employment": s.get("strong_employment"),
            "cluster_strength": s.get("cluster_strength"),
            "n_strong": s.get("n_strong"),
            "n_strong10": s.get("n_strong10"),
            "n_star_clusters": s.get("n_star_clusters"),
            "n_clusters": now["n"],
        }
        return {
            "region": region,
            "year": year,
            "scheme": scheme,
            "figures": figures,
            "series": series,
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    def region_series(
        self,
        code: str,
        cluster: str | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> list[dict]:
        """Year series of the region's cluster cells (one cluster, or all), oldest first.

        Items: ``{cluster, cluster_name, cluster_type, year, employment, establishments,
        wage, lq, region_share, benchmark_share, stars, strong, strong10, flags}`` where
        ``flags`` is the list of source flags behind the cell (e.g. Eurostat ``b``, ``u``;
        empty when none). An unknown ``cluster`` is a NotFoundError.
        """
        region = self._region_row(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        rows = self._reader().cell_series(scheme, sys_, code, cluster)
        if cluster is not None and not rows:
            raise NotFoundError(
                f"no cluster {cluster!r} in region {code!r} ({scheme})", parameter="cluster"
            )
        drop = {"scheme", "region_system", "region", "result_id", "level"}
        out = []
        for r in rows:
            item = {k: v for k, v in r.items() if k not in drop}
            item["flags"] = sorted(set((r.get("flags") or "").split())) if r.get("flags") else []
            out.append(item)
        return out

    def portfolio(
        self,
        code: str,
        start: int | None = None,
        end: int | None = None,
        scheme: str | None = None,
        measure: str = "lq",
        system: str | None = None,
    ) -> list[dict]:
        """Bubble-chart data of the region's traded clusters: level in ``end`` vs change.

        Items: ``{cluster, cluster_name, value, start_value, change, employment, quadrant,
        reference, start, end}``: ``value`` is ``measure`` (lq, benchmark_share, region_share
        or employment) in ``end``; ``change = value(end) - value(start)``; bubble size is
        employment in ``end``. ``reference`` is the line that splits the chart: 1 for the
        LQ (as specialised as the benchmark), else the median of ``value`` over the
        region's clusters. Quadrants: ``rising`` (value ≥ reference, change ≥ 0),
        ``mature`` (≥ reference, change < 0), ``emerging`` (< reference, change ≥ 0),
        ``declining`` (< reference, change < 0); cells lacking either value are left out.
        Defaults: ``end`` the latest year, ``start`` the earliest.
        """
        if measure not in MEASURES:
            raise InputError(f"must be one of {', '.join(MEASURES)}", parameter="measure")
        region = self._region_row(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        years = self._reader().years(scheme, sys_)
        end = self._year(end, scheme, sys_)
        start = int(years[0]) if start is None else self._year(start, scheme, sys_)
        if start >= end:
            raise InputError(f"start ({start}) must be before end ({end})", parameter="start")
        rows = self._reader().cell_series(scheme, sys_, code, None)
        at = {(r["cluster"], r["year"]): r for r in rows if r["cluster_type"] == "traded"}
        items = []
        for (cl, y), r1 in at.items():
            if y != end:
                continue
            r0 = at.get((cl, start))
            v1 = r1.get(measure)
            v0 = r0.get(measure) if r0 else None
            if v1 is None or v0 is None:
                continue
            items.append(
                {
                    "cluster": cl,
                    "cluster_name": r1["cluster_name"],
                    "value": v1,
                    "start_value": v0,
                    "change": v1 - v0,
                    "employment": r1["employment"],
                    "start": start,
                    "end": end,
                }
            )
        if not items:
            return []
        ref = 1.0 if measure == "lq" else float(np.median([i["value"] for i in items]))
        for i in items:
            i["reference"] = ref
            i["quadrant"] = QUADRANTS[(i["value"] >= ref, i["change"] >= 0)]
        return sorted(items, key=lambda i: i["cluster"])

    # -- clusters ----------------------------------------------------------------------------
    def clusters(self, scheme: str | None = None) -> list[dict]:
        """Clusters of one scheme (or of every scheme): ``{scheme, cluster, cluster_name,
        cluster_type}`` in scheme and code order. An unknown scheme is a NotFoundError."""
        if scheme is not None:
            self._scheme(scheme)
        return [dict(c) for c in self._cluster_list(scheme)]

    def _cluster_list(self, scheme: str | None) -> list[dict]:
        return self._cached(("clusters", scheme), lambda: self._reader().cluster_list(scheme))

    def cluster(self, code: str, scheme: str | None = None) -> dict:
        """One cluster: ``{scheme, cluster, cluster_name, cluster_type, region_systems,
        years, members: [{industry, classification, weight, label}]}``."""
        scheme = self._scheme(scheme)
        rows = [c for c in self._cluster_list(scheme) if c["cluster"] == code]
        if not rows:
            raise NotFoundError(f"unknown cluster {code!r} in scheme {scheme!r}", parameter="code")

        def make() -> dict:
            reader = self._reader()
            return {
                **rows[0],
                "region_systems": reader.cluster_systems(scheme, code),
                "years": self._years(scheme, None),
                "members": reader.members(scheme, code),
            }

        cached = self._cached(("cluster", scheme, code), make)
        return {**cached, "members": [dict(m) for m in cached["members"]]}

    def cluster_regions(
        self,
        code: str,
        year: int | None = None,
        level: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """Every region's cell of one cluster in one year (choropleth and top-regions data).

        ``{"cluster": cluster(code), "year", "scheme", "system", "level", "regions":
        [{region, name, region_system, level, has_geometry, employment, establishments,
        wage, lq, region_share, benchmark_share, stars, strong, strong10}], "provenance"}``
        sorted by employment (largest first). ``system`` defaults to the atlas's default
        region system when the cluster is mapped in several.
        """
        cl = self.cluster(code, scheme)
        scheme = cl["scheme"]
        systems = cl["region_systems"]
        if system is None:
            default = self.info().get("default_system")
            system = default if default in systems else (systems[0] if systems else None)
        elif system not in systems:
            raise NotFoundError(
                f"cluster {code!r} is not mapped for region system {system!r}", parameter="system"
            )
        year = self._year(year, scheme, system)
        reader = self._reader()
        rows = reader.cells(scheme, year=year, region_system=system, cluster=code, level=level)
        regions = self._region_map(system)
        keep = SHOWN_MEASURES
        out = []
        for r in rows:
            reg = regions.get(r["region"], {})
            out.append(
                {
                    "region": r["region"],
                    "name": reg.get("name"),
                    "region_system": system,
                    "level": r["level"],
                    "has_geometry": bool(reg.get("has_geometry", False)),
                    **{k: r[k] for k in keep},
                }
            )
        out.sort(key=lambda r: (-(r["employment"] or 0), r["region"]))
        return {
            "cluster": cl,
            "year": year,
            "scheme": scheme,
            "system": system,
            "level": level,
            "regions": out,
            "provenance": self._provenance_for("clusters", scheme, system),
        }

    def region_cluster(
        self, code: str, cluster: str, scheme: str | None = None, system: str | None = None
    ) -> dict:
        """One region × cluster: ``{"region", "cluster", "scheme", "series":
        region_series(...), "trends": [trend rows], "provenance"}``."""
        region = self.region(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        cl = self.cluster(cluster, scheme)
        series = self.region_series(code, cluster, scheme, sys_)
        trends = [
            {k: v for k, v in r.items() if k not in {"scheme", "region_system", "result_id"}}
            for r in self._reader().trends(scheme, sys_, code, cluster)
        ]
        return {
            "region": region,
            "cluster": cl,
            "scheme": scheme,
            "series": series,
            "trends": trends,
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    def top_clusters(
        self,
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
        level: int | None = None,
    ) -> list[dict]:
        """Strongest traded cluster of each region (home map).

        Per region: the strong cluster with the most stars and then the highest LQ (regions
        without a strong cluster: their highest-LQ traded cluster). Items ``{region_system,
        region, name, level, has_geometry, cluster, cluster_name, employment, lq, stars,
        strong}``. ``system`` defaults to the atlas's default region system.
        """
        if system is None:
            system = self.info().get("default_system")
        scheme = self._scheme(scheme, system)
        year = self._year(year, scheme, system)
        key = ("top", scheme, year, system, level)
        rows = self._cached(key, lambda: self._reader().top_clusters(scheme, year, system, level))
        rows = [dict(r) for r in rows]
        regions = self._region_map(system)
        for r in rows:
            reg = regions.get(r["region"], {})
            r["name"] = reg.get("name")
            r["has_geometry"] = bool(reg.get("has_geometry", False))
            r["year"] = year
            r["scheme"] = scheme
        return rows

    def compare(
        self,
        codes: list[str],
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """Side by side: 1–10 regions of one region system.

        ``{"year", "scheme", "system", "regions": [region_summary figures + region],
        "clusters": [{cluster, cluster_name, cluster_type, values: {code: {employment, lq,
        stars, strong, benchmark_share}}}]}``. More than 10 codes, duplicates, or regions of
        different systems are an InputError(parameter="regions").
        """
        if not codes or len(codes) > MAX_COMPARE:
            raise InputError(f"give 1 to {MAX_COMPARE} region codes", parameter="regions")
        if len(set(codes)) != len(codes):
            raise InputError("a region is listed twice", parameter="regions")
        rows = [self._region_row(c, system) for c in codes]
        systems = {r["system"] for r in rows}
        if len(systems) > 1:
            raise InputError(
                f"regions of different systems ({', '.join(sorted(systems))})",
                parameter="regions",
            )
        sys_ = rows[0]["system"]
        scheme = self._scheme(scheme, sys_)
        year = self._year(year, scheme, sys_)
        reader = self._reader()
        regions = []
        matrix: dict[str, dict[str, Any]] = {}
        for code in codes:
            summary = self.region_summary(code, year, scheme, sys_)
            regions.append({**summary["region"], "figures": summary["figures"]})
            for c in reader.cells(scheme, year=year, region_system=sys_, region=code):
                entry = matrix.setdefault(
                    c["cluster"],
                    {
                        "cluster": c["cluster"],
                        "cluster_name": c["cluster_name"],
                        "cluster_type": c["cluster_type"],
                        "values": {},
                    },
                )
                entry["values"][code] = {
                    k: c[k] for k in ("employment", "lq", "stars", "strong", "benchmark_share")
                }
        return {
            "year": year,
            "scheme": scheme,
            "system": sys_,
            "regions": regions,
            "clusters": [matrix[k] for k in sorted(matrix)],
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    def peers(
        self, code: str, n: int = 5, scheme: str | None = None, system: str | None = None
    ) -> list[dict]:
        """Suggested structural peers: regions of the same system and level whose traded
        cluster employment mix is closest (cosine similarity of employment shares across
        traded clusters, latest year). Items ``{code, name, level, similarity}``, most similar
        first; 1 ≤ ``n`` ≤ 50.
        """
        if not 1 <= n <= 50:
            raise InputError("must be between 1 and 50", parameter="n")
        region = self._region_row(code, system)
        sys_ = region["system"]
        scheme = self._scheme(scheme, sys_)
        year = self._year(None, scheme, sys_)

        def matrix() -> tuple[list[str], list[str], np.ndarray]:
            cells = self._reader().cells(scheme, year=year, region_system=sys_)
            regs = sorted({c["region"] for c in cells})
            cls = sorted({c["cluster"] for c in cells if c["cluster_type"] == "traded"})
            ri = {r: i for i, r in enumerate(regs)}
            ci = {c: i for i, c in enumerate(cls)}
            m = np.zeros((len(regs), len(cls)))
            for c in cells:
                if c["cluster"] in ci and c["employment"] is not None:
                    m[ri[c["region"]], ci[c["cluster"]]] = c["employment"]
            return regs, cls, m

        regs, _, m = self._cached(("peers", scheme, sys_, year), matrix)
        if code not in regs:
            return []
        levels = self._region_map(sys_)
        norm = np.linalg.norm(m, axis=1)
        i = regs.index(code)
        if norm[i] == 0:
            return []
        sim = (m @ m[i]) / np.where(norm == 0, np.inf, norm) / norm[i]
        out = []
        for j in np.argsort(-sim):
            other = regs[j]
            if other == code or levels.get(other, {}).get("level") != region["level"]:
                continue
            out.append(
                {
                    "code": other,
                    "name": levels.get(other, {}).get("name"),
                    "level": region["level"],
                    "similarity": float(sim[j]),
                }
            )
            if len(out) == n:
                break
        return out

    # -- scoreboard --------------------------------------------------------------------------
    def _edition_year(self, year: int | None) -> tuple[str, int]:
        pairs = self._reader().score_years()
        if not pairs:
            raise NotFoundError("this atlas has no scoreboard")
        edition = pairs[0][0]
        years = [y for e, y in pairs if e == edition]
        if year is None:
            return edition, int(years[-1])
        if year not in years:
            raise NotFoundError(f"no scoreboard year {year} (years {years})", parameter="year")
        return edition, int(year)

    def scoreboard_region(self, code: str, year: int | None = None) -> dict:
        """A region's scoreboard profile.

        ``{"region", "edition", "year", "scores": [{node, node_name, parent, level, score,
        rank, rank_p05, rank_median, rank_p95}], "n_regions", "peers": [codes],
        "strengths": [...], "bottlenecks": [...], "provenance"}``; strengths and bottlenecks
        are the dimensions where the region is well above / below its peers (as stored by the
        build). A region without scores is a NotFoundError.
        """
        edition, year = self._edition_year(year)
        reader = self._reader()
        rows = reader.scores(edition, year, code)
        if not rows:
            raise NotFoundError(
                f"no scoreboard scores for region {code!r} in {year}", parameter="code"
            )
        system = reader.result(rows[0]["result_id"])["region_system"]
        region = self._region_row(code, system)
        profile = reader.scoreboard_profile(edition, year, code) or {}
        drop = {"edition", "region_system", "year", "region", "result_id"}
        return {
            "region": region,
            "edition": edition,
            "year": year,
            "scores": [{k: v for k, v in r.items() if k not in drop} for r in rows],
            "n_regions": self._scored_regions(edition, year, rows[0]["level"]),
            "peers": profile.get("peers", []),
            "strengths": profile.get("strengths", []),
            "bottlenecks": profile.get("bottlenecks", []),
            "provenance": self._provenance_for("scoreboard", edition, system),
        }

    def _scored_regions(self, edition: str, year: int, level: int) -> int:
        """How many regions have scores at ``level`` (read once per file, edition and year,
        not with every region's profile)."""

        def count() -> int:
            rows = self._reader().scores(edition, year)
            return len({r["region"] for r in rows if r["level"] == level})

        return self._cached(("scored_regions", edition, year, level), count)

    def scoreboard(self, year: int | None = None) -> dict:
        """The scoreboard of one year: framework tree and ranking.

        ``{"edition", "year", "framework": [{node, node_name, parent, level}], "ranking":
        [{region, name, score, rank, rank_p05, rank_median, rank_p95}] (top node, best
        first), "dimensions": {node: [{region, score, rank}]}, "provenance"}``.
        """
        edition, year = self._edition_year(year)
        reader = self._reader()
        rows = reader.scores(edition, year)
        system = reader.result(rows[0]["result_id"])["region_system"]
        names = reader.region_names(system)
        nodes: dict[str, dict] = {}
        for r in rows:
            nodes.setdefault(
                r["node"],
                {
                    "node": r["node"],
                    "node_name": r["node_name"],
                    "parent": r["parent"],
                    "level": r["level"],
                },
            )
        top_level = max(n["level"] for n in nodes.values())
        ranking = [
            {
                "region": r["region"],
                "name": names.get(r["region"]),
                **{
                    k: r[k]
                    for k in ("node", "score", "rank", "rank_p05", "rank_median", "rank_p95")
                },
            }
            for r in rows
            if r["level"] == top_level
        ]
        ranking.sort(key=lambda r: (r["rank"] if r["rank"] is not None else 1e9, r["region"]))
        dims: dict[str, list[dict]] = {}
        for r in rows:
            if r["level"] == top_level - 1:
                dims.setdefault(r["node"], []).append(
                    {"region": r["region"], "score": r["score"], "rank": r["rank"]}
                )
        return {
            "edition": edition,
            "year": year,
            "system": system,
            "framework": sorted(nodes.values(), key=lambda n: (-n["level"], n["node"])),
            "ranking": ranking,
            "dimensions": dims,
            "provenance": self._provenance_for("scoreboard", edition, system),
        }

    # -- geometries --------------------------------------------------------------------------
    def geometries(self, system: str, level: int | None = None, fmt: str = "geojson") -> dict:
        """Simplified region polygons of one system (and level) for web maps, cached.

        ``fmt="geojson"``: a FeatureCollection whose features have ``id`` = region code and
        properties ``{code, name, level}``; ``fmt="topojson"``: the same as a TopoJSON
        Topology (object ``regions``). Both carry ``"missing": [codes]``: the regions of that
        system (and level) listed in the atlas without a polygon (``has_geometry`` false),
        so maps can say so instead of dropping them. Unknown system: NotFoundError.
        """
        if fmt not in GEOMETRY_FORMATS:
            raise InputError(f"must be one of {', '.join(GEOMETRY_FORMATS)}", parameter="format")

        def make() -> dict:
            reader = self._reader()
            if system not in {s["system"] for s in reader.systems()}:
                raise NotFoundError(f"unknown region system {system!r}", parameter="system")
            feats = [
                {
                    "type": "Feature",
                    "id": g["code"],
                    "properties": {"code": g["code"], "name": g["name"], "level": g["level"]},
                    "geometry": json.loads(g["geometry"]),
                }
                for g in reader.geometries(system, level)
            ]
            listed = reader.list_regions(None, system, level, 0, 10**9)[0]
            missing = sorted(r["code"] for r in listed if not r["has_geometry"])
            if fmt == "geojson":
                return {"type": "FeatureCollection", "features": feats, "missing": missing}
            import topojson

            topo = topojson.Topology(
                {"type": "FeatureCollection", "features": feats},
                object_name="regions",
                prequantize=1e5,
                toposimplify=False,
            ).to_dict()
            topo["missing"] = missing
            return topo

        return self._cached(("geo", system, level, fmt), make)

    # -- provenance --------------------------------------------------------------------------
    def provenance(
        self,
        result_id: str | None = None,
        kind: str = "clusters",
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """The provenance record of one stored result: by ``result_id``, or by ``kind``
        (clusters, strength, trends, scoreboard), ``scheme`` and ``system`` (defaults: the
        atlas's). ``{result_id, kind, scheme, region_system, created_at, provenance}``."""
        reader = self._reader()
        if result_id is None:
            system = system or self.info().get("default_system")
            if kind == "scoreboard":
                scheme = scheme or self._edition_year(None)[0]
            else:
                scheme = self._scheme(scheme, system)
            result_id = reader.result_ids(kind, scheme, system)
            if result_id is None:
                raise NotFoundError(f"no {kind} result for {scheme!r} / {system!r}")
        rec = reader.result(result_id)
        if rec is None:
            raise NotFoundError(f"unknown result {result_id!r}", parameter="result_id")
        return rec


def open_atlas(path: str | Path) -> Atlas:
    """Shorthand for :meth:`Atlas.open`."""
    return Atlas.open(path)


__all__: Sequence[str] = ["Atlas", "open_atlas"]
