"""Atlas tables in the store: writing precomputed results and reading them back.

The only module that names the atlas tables in SQL (see :data:`~clusteratlas.store.schema.
ATLAS_TABLES` and ``docs/atlas.md``). Every statement is parameterised: values a client sends
(codes, years, search text) are bound as parameters, never pasted into SQL text; the few
identifiers that vary (table and column names) come from the fixed lists in this module.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from clusteratlas.errors import StoreError
from clusteratlas.store.schema import ATLAS_TABLES

#: The measures and flags of a region × cluster cell, in the order every cluster table has
#: them (the mapping's output, the atlas's stored table, the web's tables).
CELL_MEASURES = (
    "employment",
    "establishments",
    "payroll",
    "wage",
    "lq",
    "region_share",
    "benchmark_share",
    "stars",
    "star_size",
    "star_specialisation",
    "star_productivity",
    "strong",
    "strong10",
)
#: What pages and the API show of a cell (no payroll, no per-criterion star flags).
SHOWN_MEASURES = tuple(c for c in CELL_MEASURES if c != "payroll" and not c.startswith("star_"))

#: Column order of each result table (from its DDL, without the key prefix it is saved under).
CLUSTER_TABLE_COLUMNS = [
    "year",
    "region",
    "cluster",
    "cluster_name",
    "cluster_type",
    "level",
    *CELL_MEASURES,
    "region_employment",
    "benchmark_employment",
    "flags",
]
STRENGTH_COLUMNS = [
    "year",
    "region",
    "level",
    "traded_employment",
    "strong_employment",
    "cluster_strength",
    "n_strong",
    "n_strong10",
    "n_star_clusters",
]
TRENDS_COLUMNS = [
    "region",
    "cluster",
    "start_year",
    "end_year",
    "employment_start",
    "employment_end",
    "employment_change",
    "employment_cagr",
    "lq_start",
    "lq_end",
    "lq_change",
    "benchmark_share_start",
    "benchmark_share_end",
    "benchmark_share_change",
    "shift_national",
    "shift_industry_mix",
    "shift_regional",
    "expected_change",
]
SCORE_COLUMNS = [
    "year",
    "region",
    "node",
    "node_name",
    "parent",
    "level",
    "score",
    "rank",
    "rank_p05",
    "rank_median",
    "rank_p95",
]
REGION_COLUMNS = ["system", "code", "name", "level", "parent", "country", "has_geometry"]
GEOMETRY_COLUMNS = ["system", "code", "level", "geometry"]

_KEYED = {
    "clusters": ("atlas_clusters", ["scheme", "region_system"], CLUSTER_TABLE_COLUMNS),
    "strength": ("atlas_strength", ["scheme", "region_system"], STRENGTH_COLUMNS),
    "trends": ("atlas_trends", ["scheme", "region_system"], TRENDS_COLUMNS),
    "scoreboard": ("atlas_scores", ["edition", "region_system"], SCORE_COLUMNS),
}


def ensure_atlas_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the atlas tables that are missing (any store can hold atlas results)."""
    for ddl in ATLAS_TABLES.values():
        con.execute(ddl)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def dumps(value: Any) -> str:
    """JSON text of a provenance record or info value (numpy and dates made plain)."""
    return json.dumps(value, default=_json_default, sort_keys=True)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    view = f"_atlas_{uuid.uuid4().hex[:8]}"
    con.register(view, frame)
    try:
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)


def save_result(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    frame: pd.DataFrame,
    *,
    scheme: str,
    region_system: str,
    provenance: dict[str, Any],
) -> str:
    """Replace one result (``kind`` of :data:`_KEYED`) for ``scheme`` × ``region_system``.

    Runs on ``con`` inside the caller's transaction; returns the new ``result_id``. Columns
    the frame lacks are stored as NULL; extra columns are ignored.
    """
    if kind not in _KEYED:
        raise ValueError(f"unknown atlas result kind {kind!r}")
    table, keys, columns = _KEYED[kind]
    ensure_atlas_tables(con)
    result_id = uuid.uuid4().hex
    con.execute(
        f"DELETE FROM {table} WHERE {keys[0]} = ? AND {keys[1]} = ?", [scheme, region_system]
    )
    con.execute(
        "DELETE FROM atlas_results WHERE kind = ? AND scheme = ? AND region_system = ?",
        [kind, scheme, region_system],
    )
    con.execute(
        "INSERT INTO atlas_results VALUES (?, ?, ?, ?, ?, ?)",
        [
            result_id,
            kind,
            scheme,
            region_system,
            datetime.now(UTC).replace(tzinfo=None),
            dumps(provenance),
        ],
    )
    out = pd.DataFrame(
        {c: frame[c] if c in frame.columns else None for c in columns}, index=frame.index
    )
    out.insert(0, keys[1], region_system)
    out.insert(0, keys[0], scheme)
    out["result_id"] = result_id
    for col in ("region", "cluster", "node", "parent", "cluster_name", "cluster_type"):
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
            out[col] = out[col].map(lambda v: v if v is None else str(v))
    _insert(con, table, out)
    return result_id


def save_regions(
    con: duckdb.DuckDBPyConnection, regions: pd.DataFrame, geometries: pd.DataFrame | None
) -> None:
    """Replace the regions (and geometries) of every system present in ``regions``.

    Regions of the system's cluster tables missing from ``regions`` are listed too
    (:func:`fill_regions`, ``has_geometry`` false).
    """
    ensure_atlas_tables(con)
    for system in sorted(regions["system"].unique()):
        con.execute("DELETE FROM atlas_regions WHERE system = ?", [system])
        con.execute("DELETE FROM atlas_geometries WHERE system = ?", [system])
    frame = regions.copy()
    for col in REGION_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame["has_geometry"] = frame["has_geometry"].fillna(False).astype(bool)
    _insert(con, "atlas_regions", frame[REGION_COLUMNS])
    if geometries is not None and len(geometries):
        _insert(con, "atlas_geometries", geometries[GEOMETRY_COLUMNS])
    for system in sorted(regions["system"].unique()):
        fill_regions(con, system)  # mapped regions missing from ``regions`` stay listed


def fill_regions(con: duckdb.DuckDBPyConnection, region_system: str) -> int:
    """List every region of the system's cluster tables that ``atlas_regions`` lacks.

    Names, levels, parents and countries come from the store's ``regions`` table where a row
    has the same code (the first by system and version); ``has_geometry`` is false. Returns
    how many regions were added, so no mapped region is ever silently absent from the atlas.
    """
    ensure_atlas_tables(con)
    before = con.execute(
        "SELECT count(*) FROM atlas_regions WHERE system = ?", [region_system]
    ).fetchone()[0]
    con.execute(
        "INSERT INTO atlas_regions "
        "SELECT ?, c.region, r.name, coalesce(r.level, c.level), r.parent, r.country, FALSE "
        "FROM (SELECT region, min(level) AS level FROM atlas_clusters WHERE region_system = ? "
        "GROUP BY 1) c "
        "LEFT JOIN (SELECT * FROM regions QUALIFY row_number() OVER "
        "(PARTITION BY code ORDER BY system, version DESC) = 1) r ON r.code = c.region "
        "WHERE c.region NOT IN (SELECT code FROM atlas_regions WHERE system = ?)",
        [region_system, region_system, region_system],
    )
    after = con.execute(
        "SELECT count(*) FROM atlas_regions WHERE system = ?", [region_system]
    ).fetchone()[0]
    return int(after - before)


def save_scoreboard_profiles(
    con: duckdb.DuckDBPyConnection, edition: str, profiles: pd.DataFrame, result_id: str
) -> None:
    """Replace the per-region profiles (peers, strengths, bottlenecks) of an edition."""
    ensure_atlas_tables(con)
    con.execute("DELETE FROM atlas_scoreboard_regions WHERE edition = ?", [edition])
    frame = profiles.assign(edition=edition, result_id=result_id)
    frame["profile"] = frame["profile"].map(dumps)
    _insert(
        con,
        "atlas_scoreboard_regions",
        frame[["edition", "year", "region", "profile", "result_id"]],
    )


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write everything into the database file (no WAL left beside it before the swap)."""
    con.execute("CHECKPOINT")


def rename_in_provenance(con: duckdb.DuckDBPyConnection, old: str, new: str) -> None:
    """Replace the text ``old`` by ``new`` in every provenance record (a build's temporary
    file name by the atlas's final path)."""
    ensure_atlas_tables(con)
    con.execute(
        "UPDATE atlas_results SET provenance = replace(provenance, ?, ?)",
        [json.dumps(old)[1:-1], json.dumps(new)[1:-1]],
    )


def save_info(con: duckdb.DuckDBPyConnection, info: dict[str, Any]) -> None:
    """Upsert atlas-level facts (title, preset, synthetic flag, sources ...) as JSON values."""
    ensure_atlas_tables(con)
    for key, value in info.items():
        con.execute("INSERT OR REPLACE INTO atlas_info VALUES (?, ?)", [key, dumps(value)])


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON-able records: NaN -> None, numpy scalars -> Python."""
    if df.empty:
        return []
    obj = df.astype(object).where(df.notna(), None)
    out = obj.to_dict("records")
    for row in out:
        for k, v in row.items():
            if isinstance(v, np.generic):
                row[k] = v.item()
    return out


def open_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A fresh read-only connection to the atlas file at ``path``.

    DuckDB shares one database instance per path inside a process, so connecting to the same
    path again after a rebuild swapped a new file in would hand back the *old* file. Attaching
    the file to a new in-memory database opens whatever file the path names now; cursors made
    with :func:`cursor` read from it.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute("ATTACH ? AS atlas (READ_ONLY)", [str(path)])
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"{path}: cannot open the atlas ({exc})") from exc
    con.execute("USE atlas")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of an :func:`open_read_only` connection (one per thread), on the atlas file."""
    cur = con.cursor()
    cur.execute("USE atlas")
    return cur


class AtlasReader:
    """Read queries on the atlas tables of one open (read-only) DuckDB connection.

    Not thread-safe by itself: the service gives each thread its own cursor.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        have = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_name LIKE 'atlas_%' AND table_catalog = current_database()"
            ).fetchall()
        }
        missing = sorted(set(ATLAS_TABLES) - have)
        if missing:
            raise StoreError(
                f"not an atlas store (no table {missing[0]}): build one with "
                "'clusteratlas atlas build PRESET --store PATH'"
            )

    def _q(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts straight from DuckDB (no DataFrame: a request is a few rows)."""
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            rec = dict(zip(cols, row, strict=True))
            for k, v in rec.items():
                if isinstance(v, float) and v != v:  # NaN -> missing
                    rec[k] = None
            out.append(rec)
        return out

    # -- atlas facts -----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        rows = self.con.execute("SELECT key, value FROM atlas_info ORDER BY key").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def results(self) -> list[dict[str, Any]]:
        rows = self._q(
            "SELECT result_id, kind, scheme, region_system, created_at, provenance "
            "FROM atlas_results ORDER BY kind, scheme, region_system"
        )
        for r in rows:
            r["provenance"] = json.loads(r["provenance"])
            r["created_at"] = str(r["created_at"])
        return rows

    def result(self, result_id: str) -> dict[str, Any] | None:
        rows = self._q(
            "SELECT result_id, kind, scheme, region_system, created_at, provenance "
            "FROM atlas_results WHERE result_id = ?",
            [result_id],
        )
        if not rows:
            return None
        rows[0]["provenance"] = json.loads(rows[0]["provenance"])
        rows[0]["created_at"] = str(rows[0]["created_at"])
        return rows[0]

    def coverage(self) -> list[dict[str, Any]]:
        """Scheme × region system: years and counts of the cluster tables."""
        return self._q(
            "SELECT scheme, region_system, min(year) AS first_year, max(year) AS last_year, "
            "list(DISTINCT year ORDER BY year) AS years, count(DISTINCT region) AS regions, "
            "count(DISTINCT cluster) AS clusters, count(*) AS cells "
            "FROM atlas_clusters GROUP BY 1, 2 ORDER BY 1, 2"
        )

    # -- regions ---------------------------------------------------------------------------
    def find_region(self, code: str, system: str | None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM atlas_regions WHERE code = ?"
        params: list[Any] = [code]
        if system is not None:
            sql += " AND system = ?"
            params.append(system)
        return self._q(sql + " ORDER BY system", params)

    def region_children(self, system: str, code: str) -> list[dict[str, Any]]:
        return self._q(
            "SELECT code, name, level FROM atlas_regions WHERE system = ? AND parent = ? "
            "ORDER BY code",
            [system, code],
        )

    def region_names(self, system: str) -> dict[str, str | None]:
        rows = self.con.execute(
            "SELECT code, name FROM atlas_regions WHERE system = ?", [system]
        ).fetchall()
        return dict(rows)

    def list_regions(
        self,
        q: str | None,
        system: str | None,
        level: int | None,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = ["TRUE"], []
        if q:
            where.append("(code ILIKE ? OR name ILIKE ?)")
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [like, like]
            where[-1] = "(code ILIKE ? ESCAPE '\\' OR name ILIKE ? ESCAPE '\\')"
        if system is not None:
            where.append("system = ?")
            params.append(system)
        if level is not None:
            where.append("level = ?")
            params.append(level)
        cond = " AND ".join(where)
        total = self.con.execute(f"SELECT count(*) FROM atlas_regions WHERE {cond}", params)
        n = int(total.fetchone()[0])
        rows = self._q(
            f"SELECT * FROM atlas_regions WHERE {cond} ORDER BY system, level, code "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return rows, n

    def search_regions(self, q: str, limit: int) -> list[dict[str, Any]]:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self._q(
            "SELECT system, code, name, level, "
            "CASE WHEN lower(code) = lower(?) THEN 0 WHEN name ILIKE ? ESCAPE '\\' THEN 1 "
            "ELSE 2 END AS score "
            "FROM atlas_regions WHERE code ILIKE ? ESCAPE '\\' OR name ILIKE ? ESCAPE '\\' "
            "ORDER BY score, length(coalesce(name, code)), system, code LIMIT ?",
            [q, q.replace("%", "\\%").replace("_", "\\_") + "%", like, like, limit],
        )

    def systems(self) -> list[dict[str, Any]]:
        return self._q(
            "SELECT system, count(*) AS regions, list(DISTINCT level ORDER BY level) AS levels, "
            "count(*) FILTER (WHERE NOT has_geometry) AS without_geometry "
            "FROM atlas_regions GROUP BY 1 ORDER BY 1"
        )

    # -- clusters --------------------------------------------------------------------------
    def cluster_list(self, scheme: str | None) -> list[dict[str, Any]]:
        sql = (
            "SELECT scheme, cluster, any_value(cluster_name) AS cluster_name, "
            "any_value(cluster_type) AS cluster_type FROM atlas_clusters"
        )
        params: list[Any] = []
        if scheme is not None:
            sql += " WHERE scheme = ?"
            params.append(scheme)
        return self._q(sql + " GROUP BY 1, 2 ORDER BY 1, 2", params)

    def search_clusters(self, q: str, limit: int) -> list[dict[str, Any]]:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self._q(
            "SELECT DISTINCT scheme, cluster, cluster_name, cluster_type FROM atlas_clusters "
            "WHERE cluster = ? OR cluster_name ILIKE ? ESCAPE '\\' "
            "ORDER BY scheme, cluster_name LIMIT ?",
            [q, like, limit],
        )

    def members(self, scheme: str, cluster: str) -> list[dict[str, Any]]:
        """Member industries from the store's ``schemes`` table, with labels where known."""
        try:
            return self._q(
                "SELECT s.industry, s.classification, s.weight, i.label FROM schemes s "
                "LEFT JOIN industries i ON i.classification = s.classification "
                "AND i.code = s.industry WHERE s.scheme = ? AND s.cluster = ? ORDER BY 1",
                [scheme, cluster],
            )
        except duckdb.CatalogException:
            return []

    def cells(
        self,
        scheme: str,
        *,
        year: int,
        region_system: str | None = None,
        region: str | None = None,
        cluster: str | None = None,
        level: int | None = None,
    ) -> list[dict[str, Any]]:
        where, params = ["scheme = ?", "year = ?"], [scheme, year]
        for col, val in (
            ("region_system", region_system),
            ("region", region),
            ("cluster", cluster),
            ("level", level),
        ):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        return self._q(
            f"SELECT * FROM atlas_clusters WHERE {' AND '.join(where)} "
            "ORDER BY region_system, region, cluster",
            params,
        )

    def cell_series(
        self, scheme: str, region_system: str, region: str, cluster: str | None
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM atlas_clusters WHERE scheme = ? AND region_system = ? AND region = ?"
        params: list[Any] = [scheme, region_system, region]
        if cluster is not None:
            sql += " AND cluster = ?"
            params.append(cluster)
        return self._q(sql + " ORDER BY cluster, year", params)

    def years(self, scheme: str, region_system: str | None = None) -> list[int]:
        sql = "SELECT DISTINCT year FROM atlas_clusters WHERE scheme = ?"
        params: list[Any] = [scheme]
        if region_system is not None:
            sql += " AND region_system = ?"
            params.append(region_system)
        return [r[0] for r in self.con.execute(sql + " ORDER BY 1", params).fetchall()]

    def schemes_for(self, region_system: str | None) -> list[str]:
        sql = "SELECT DISTINCT scheme FROM atlas_clusters"
        params: list[Any] = []
        if region_system is not None:
            sql += " WHERE region_system = ?"
            params.append(region_system)
        return [r[0] for r in self.con.execute(sql + " ORDER BY 1", params).fetchall()]

    def cluster_systems(self, scheme: str, cluster: str) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT region_system FROM atlas_clusters WHERE scheme = ? AND cluster = ? "
            "ORDER BY 1",
            [scheme, cluster],
        ).fetchall()
        return [r[0] for r in rows]

    def result_ids(self, kind: str, scheme: str, region_system: str) -> str | None:
        row = self.con.execute(
            "SELECT result_id FROM atlas_results WHERE kind = ? AND scheme = ? "
            "AND region_system = ?",
            [kind, scheme, region_system],
        ).fetchone()
        return row[0] if row else None

    def strength(
        self, scheme: str, region_system: str, region: str | None = None
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM atlas_strength WHERE scheme = ? AND region_system = ?"
        params: list[Any] = [scheme, region_system]
        if region is not None:
            sql += " AND region = ?"
            params.append(region)
        return self._q(sql + " ORDER BY region, year", params)

    def trends(
        self, scheme: str, region_system: str, region: str, cluster: str | None = None
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM atlas_trends WHERE scheme = ? AND region_system = ? AND region = ?"
        params: list[Any] = [scheme, region_system, region]
        if cluster is not None:
            sql += " AND cluster = ?"
            params.append(cluster)
        return self._q(sql + " ORDER BY cluster, start_year, end_year", params)

    def top_clusters(
        self, scheme: str, year: int, region_system: str | None, level: int | None
    ) -> list[dict[str, Any]]:
        """The traded cluster with the highest LQ among each region's strong (else all) cells."""
        where, params = ["scheme = ?", "year = ?", "cluster_type = 'traded'"], [scheme, year]
        if region_system is not None:
            where.append("region_system = ?")
            params.append(region_system)
        if level is not None:
            where.append("level = ?")
            params.append(level)
        return self._q(
            "SELECT region_system, region, level, cluster, cluster_name, employment, lq, stars, "
            "strong FROM atlas_clusters WHERE "
            + " AND ".join(where)
            + " QUALIFY row_number() OVER (PARTITION BY region_system, region ORDER BY "
            "coalesce(strong, FALSE) DESC, stars DESC NULLS LAST, lq DESC NULLS LAST, cluster) = 1 "
            "ORDER BY region_system, region",
            params,
        )

    # -- geometries ------------------------------------------------------------------------
    def geometries(self, system: str, level: int | None) -> list[dict[str, Any]]:
        sql = (
            "SELECT g.code, g.level, g.geometry, r.name FROM atlas_geometries g "
            "LEFT JOIN atlas_regions r ON r.system = g.system AND r.code = g.code "
            "WHERE g.system = ?"
        )
        params: list[Any] = [system]
        if level is not None:
            sql += " AND g.level = ?"
            params.append(level)
        return self._q(sql + " ORDER BY g.code", params)

    # -- scoreboard ------------------------------------------------------------------------
    def score_years(self) -> list[tuple[str, int]]:
        return [
            (r[0], r[1])
            for r in self.con.execute(
                "SELECT DISTINCT edition, year FROM atlas_scores ORDER BY 1, 2"
            ).fetchall()
        ]

    def scores(self, edition: str, year: int, region: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM atlas_scores WHERE edition = ? AND year = ?"
        params: list[Any] = [edition, year]
        if region is not None:
            sql += " AND region = ?"
            params.append(region)
        return self._q(sql + " ORDER BY level DESC, node, rank", params)

    def scoreboard_profile(self, edition: str, year: int, region: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT profile FROM atlas_scoreboard_regions WHERE edition = ? AND year = ? "
            "AND region = ?",
            [edition, year, region],
        ).fetchone()
        return json.loads(row[0]) if row else None


def strength_frame(con: duckdb.DuckDBPyConnection, scheme: str, region_system: str) -> pd.DataFrame:
    """The saved region cluster strength of ``scheme`` × ``region_system`` (for builders)."""
    return con.execute(
        "SELECT region, year, cluster_strength FROM atlas_strength "
        "WHERE scheme = ? AND region_system = ? ORDER BY region, year",
        [scheme, region_system],
    ).df()


def new_result_id() -> str:
    """A fresh result id (for callers that save several tables under one record)."""
    return uuid.uuid4().hex
