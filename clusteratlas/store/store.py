"""The embedded DuckDB store: connection, schema creation and atomic loads.

This module (with the rest of ``clusteratlas.store``) is the only place that names DuckDB.
Analytics receive an Ibis backend from :meth:`Store.ibis` and build expressions on it.

Loads are atomic: :meth:`Store.transaction` wraps a ``BEGIN … COMMIT`` and rolls back on any
exception, so a failed ingest leaves the store exactly as it was.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from clusteratlas.errors import InputError, StoreError
from clusteratlas.paths import default_store_path
from clusteratlas.store.schema import (
    INDUSTRY_COLUMNS,
    OBSERVATION_COLUMNS,
    REGION_COLUMNS,
    SCHEMA_VERSION,
    SCHEME_COLUMNS,
    TABLES,
)


class Store:
    """A Cluster Atlas store (one DuckDB file, or in-memory when ``path`` is ``":memory:"``).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else path
        if self.path is None:
            self.path = default_store_path()
        if isinstance(self.path, Path):
            if read_only and not self.path.exists():
                raise StoreError(
                    f"{self.path}: no store here (run 'clusteratlas ingest' or 'demo')"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:  # locked by another process, unreadable ...
            raise StoreError(f"{self.path}: cannot open the store ({exc})") from exc
        # DuckDB's own progress bar would write to stdout in the middle of our Rich output.
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self._create_schema()
        self._ibis = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.close()

    def _create_schema(self) -> None:
        for ddl in TABLES.values():
            self.con.execute(ddl)
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )

    # -- engine ----------------------------------------------------------------------------
    def ibis(self) -> Any:
        """An Ibis backend on this store's connection (for analytics)."""
        if self._ibis is None:
            from clusteratlas.engine import from_duckdb_connection

            self._ibis = from_duckdb_connection(self.con)
        return self._ibis

    def insert_observations(self, con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
        """Insert observation rows inside an open transaction (for multi-file atomic loads)."""
        return self.insert_frame(con, "observations", frame, OBSERVATION_COLUMNS)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame (the result is fully drained)."""
        return self.con.execute(sql, params or []).df()

    # -- atomic loads ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """``BEGIN``/``COMMIT``; any exception rolls everything back and is re-raised."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def insert_frame(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        frame: pd.DataFrame,
        columns: list[str],
        *,
        replace: bool = False,
    ) -> int:
        """Insert ``frame[columns]`` into ``table`` on ``con`` (inside the caller's transaction)."""
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"frame for {table} lacks columns {missing}")
        view = f"_incoming_{uuid.uuid4().hex[:8]}"
        con.register(view, frame[columns])
        try:
            verb = "INSERT OR REPLACE" if replace else "INSERT"
            cols = ", ".join(columns)
            con.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM {view}")
        finally:
            con.unregister(view)
        return len(frame)

    def new_load(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        dataset: str,
        source: str,
        location: str | None = None,
        sha256: str | None = None,
        retrieved_at: datetime | None = None,
        last_update: str | None = None,
        licence: str | None = None,
        attribution: str | None = None,
        region_system: str | None = None,
        classification: str | None = None,
        rows: int | None = None,
        notes: str | None = None,
    ) -> str:
        """Record a load in ``provenance`` (inside an open transaction) and return its id."""
        load_id = uuid.uuid4().hex
        con.execute(
            "INSERT INTO provenance VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                load_id,
                dataset,
                source,
                location,
                retrieved_at,
                datetime.now(UTC).replace(tzinfo=None),
                last_update,
                sha256,
                licence,
                attribution,
                region_system,
                classification,
                rows,
                notes,
            ],
        )
        return load_id

    def load_observations(
        self, frame: pd.DataFrame, *, replace_dataset: bool = True, **provenance: Any
    ) -> str:
        """Load one dataset's observations atomically, with its provenance row.

        ``frame`` has :data:`OBSERVATION_COLUMNS` except ``load_id`` (and ``dims`` defaults to
        ``''``). With ``replace_dataset`` the dataset's previous rows are replaced. Duplicate
        keys are an :class:`InputError`; on any error nothing is written.
        """
        frame = frame.copy()
        if "dims" not in frame.columns:
            frame["dims"] = ""
        if "flag" not in frame.columns:
            frame["flag"] = None
        key = ["dataset", "region", "industry", "year", "measure", "dims"]
        dup = frame.duplicated(key, keep=False)
        if dup.any():
            first = frame.loc[dup, key].iloc[0].to_dict()
            raise InputError(f"duplicate observation key {first}", file=provenance.get("location"))
        with self.transaction() as con:
            datasets = sorted(frame["dataset"].unique()) or [provenance["dataset"]]
            if replace_dataset:
                for ds in datasets:
                    con.execute("DELETE FROM observations WHERE dataset = ?", [ds])
            provenance.setdefault("rows", len(frame))
            load_id = self.new_load(con, **provenance)
            frame["load_id"] = load_id
            try:
                self.insert_frame(con, "observations", frame, OBSERVATION_COLUMNS)
            except duckdb.ConstraintException as exc:
                raise InputError(
                    f"observations clash with rows already in the store: {exc}",
                    file=provenance.get("location"),
                ) from exc
        return load_id

    def load_scheme(self, frame: pd.DataFrame, scheme: str) -> int:
        """Replace one cluster scheme atomically (columns :data:`SCHEME_COLUMNS`)."""
        frame = frame.assign(scheme=scheme)
        with self.transaction() as con:
            con.execute("DELETE FROM schemes WHERE scheme = ?", [scheme])
            return self.insert_frame(con, "schemes", frame, SCHEME_COLUMNS)

    def load_regions(self, frame: pd.DataFrame) -> int:
        """Upsert regions (columns :data:`REGION_COLUMNS`)."""
        with self.transaction() as con:
            return self.insert_frame(con, "regions", frame, REGION_COLUMNS, replace=True)

    def load_industries(self, frame: pd.DataFrame) -> int:
        """Upsert industries (columns :data:`INDUSTRY_COLUMNS`)."""
        with self.transaction() as con:
            return self.insert_frame(con, "industries", frame, INDUSTRY_COLUMNS, replace=True)

    # -- reads -----------------------------------------------------------------------------
    def schemes(self) -> list[str]:
        return [
            r[0]
            for r in self.con.execute("SELECT DISTINCT scheme FROM schemes ORDER BY 1").fetchall()
        ]

    def datasets(self) -> pd.DataFrame:
        return self.query(
            "SELECT dataset, source, count(*) AS rows, min(year) AS first_year, "
            "max(year) AS last_year FROM observations GROUP BY 1, 2 ORDER BY 1"
        )

    def provenance(self, dataset: str | None = None) -> pd.DataFrame:
        if dataset is None:
            return self.query("SELECT * FROM provenance ORDER BY ingested_at")
        return self.query(
            "SELECT * FROM provenance WHERE dataset = ? ORDER BY ingested_at", [dataset]
        )

    def snapshot(self) -> dict[str, int]:
        """Row counts of every table (used by tests to prove a failed load changed nothing)."""
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
