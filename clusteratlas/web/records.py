"""Wire the application database into the web app: events, library and editor pages.

:func:`install` is called by :func:`clusteratlas.web.app.create_app`. The application database
(records people edit) is separate from the atlas store (read-only statistics): by default
``<atlas>.app.sqlite3`` beside the atlas file, or any URL given (``--db`` /
``CLUSTERATLAS_DB``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from clusteratlas.web.sessions import Forbidden

RECORD_VIEWS = [
    "clusteratlas.web.views.events",
    "clusteratlas.web.views.library",
    "clusteratlas.web.views.editor",
]


def install(app: FastAPI, atlas_path: str | Path, db: Any = None) -> None:
    """Open (and migrate) the application database and register its routes on ``app``."""
    from clusteratlas.appdb import Database, default_url, open_database
    from clusteratlas.appdb.tokens import load_secret
    from clusteratlas.paths import default_store_path
    from clusteratlas.web.events_api import events_router
    from clusteratlas.web.library_api import library_router

    database = db if isinstance(db, Database) else open_database(db or default_url(atlas_path))
    app.state.db = database
    if database.url.startswith("sqlite"):
        secret_file = Path(database.engine.url.database or "app").with_suffix(".secret")
    else:
        secret_file = default_store_path().with_name("web.secret")
    app.state.secret = load_secret(secret_file)
    app.include_router(events_router(lambda: app.state.db, lambda: app.state.secret))
    app.include_router(library_router(lambda: app.state.db))
    # personal data past its retention period goes at start-up (and daily with
    # `clusteratlas events retention` from cron, for servers that run for long)
    from clusteratlas.appdb.events import apply_retention

    apply_retention(database, actor="system")
    for name in RECORD_VIEWS:
        importlib.import_module(name).register(app)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        from clusteratlas.web.errors import error_response

        return error_response(request, 403, str(exc))
