"""The application database: records people edit (events, registrations, editors, audit log).

Kept apart from the analytical DuckDB store on purpose: the store is rebuilt from official
statistics and opened read-only by the web app, while these records are written by people
one at a time and must survive every rebuild. SQLAlchemy 2 with Alembic migrations; SQLite
(WAL) by default, PostgreSQL by URL (``postgresql+psycopg://...``).

The concurrency rules (capacity never exceeded, wait-lists that move) live in
:mod:`clusteratlas.appdb.events`, in the data layer, and are tested by races.
"""

from clusteratlas.appdb.db import Database, default_url, open_database

__all__ = ["Database", "default_url", "open_database"]
