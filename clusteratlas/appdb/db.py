"""Connecting to the application database and bringing its schema up to date.

Two dialects are supported and tested: SQLite (the default, one file beside the store) and
PostgreSQL. Every write that checks an invariant runs in :meth:`Database.write`, a
transaction that first takes the lock the invariant needs:

- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock when the transaction starts,
  so check-then-insert sequences are serialised (other writers wait up to ``busy_timeout``).
- PostgreSQL: the caller locks the row that guards the invariant with ``SELECT ... FOR
  UPDATE`` (see :func:`clusteratlas.appdb.events.lock_event`), so writers of one event queue
  on that row while other events proceed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from clusteratlas.errors import InputError

MIGRATIONS = Path(__file__).parent / "migrations"


def default_url(store_path: str | Path) -> str:
    """The default database: ``app.sqlite3`` beside the store file.

    ``CLUSTERATLAS_DB`` overrides it.

    >>> default_url("/data/atlas.duckdb")
    'sqlite:////data/atlas.app.sqlite3'
    """
    env = os.environ.get("CLUSTERATLAS_DB")
    if env:
        return env
    path = Path(store_path)
    return f"sqlite:///{path.with_name(path.stem + '.app.sqlite3')}"


def normalise_url(url: str | Path) -> str:
    """Accept a URL or a plain path (taken as SQLite); use psycopg 3 for PostgreSQL.

    >>> normalise_url("postgresql://u@/db")
    'postgresql+psycopg://u@/db'
    >>> normalise_url("events.sqlite3")
    'sqlite:///events.sqlite3'
    """
    text = str(url)
    if "://" not in text:
        return f"sqlite:///{text}"
    try:
        parsed = make_url(text)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError
        raise InputError(f"not a database URL: {text!r}", parameter="db") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        return text.replace(parsed.drivername + "://", "postgresql+psycopg://", 1)
    if parsed.drivername not in ("sqlite", "postgresql+psycopg", "sqlite+pysqlite"):
        raise InputError(
            f"unsupported database {parsed.drivername!r}: use sqlite:///FILE or postgresql://...",
            parameter="db",
        )
    return text


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - driver hook
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass
class Database:
    """An application database: an engine, a session factory and the dialect's name."""

    url: str
    engine: Engine
    sessions: sessionmaker = field(repr=False)
    readers: sessionmaker = field(repr=False)
    #: SQLite only: writers of this process queue here before ``BEGIN IMMEDIATE``, so they
    #: wait on a mutex (woken at once) instead of SQLite's busy handler, which polls with
    #: sleeps of up to 100 ms and makes the slowest waits long. Other processes are still
    #: kept out by the database's write lock itself.
    writer_mutex: threading.RLock | None = field(default=None, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction for writes: committed on success, rolled back on any error."""
        mutex = self.writer_mutex or contextlib.nullcontext()
        with mutex, self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads (no commit; on SQLite a deferred transaction, no write lock)."""
        with self.readers() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic."""
        from alembic import command

        command.upgrade(_alembic_config(self), revision)

    def downgrade(self, revision: str) -> None:
        """Take the schema back to ``revision`` (``base`` drops every table)."""
        from alembic import command

        command.downgrade(_alembic_config(self), revision)

    def revision(self) -> str | None:
        """The schema revision the database is at (``None`` before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config(db: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def open_database(url: str | Path, *, upgrade: bool = True, pool_size: int = 10) -> Database:
    """Open (and by default migrate) the application database at ``url``.

    ``url`` is ``sqlite:///FILE``, a plain file path, or ``postgresql://...``.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2)
    reader = engine.execution_options(sqlite_begin="DEFERRED")
    db = Database(
        url=url,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        readers=sessionmaker(reader, expire_on_commit=False),
        writer_mutex=threading.RLock() if url.startswith("sqlite") else None,
    )
    if upgrade:
        db.upgrade()
    return db
