"""Alembic environment: runs migrations on the engine the caller hands over.

:meth:`clusteratlas.appdb.db.Database.upgrade` puts its engine in
``config.attributes["engine"]``; no ``alembic.ini`` is needed.
"""

from alembic import context

from clusteratlas.appdb.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
