"""The programmes and good-practice library, with full-text search.

SQLite: an FTS5 table ``library_fts`` (kind, ref, body) kept in step by the data layer.
PostgreSQL: GIN indexes on ``to_tsvector('simple', search_text)``.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)


def _common() -> list:
    return [
        sa.Column("last_verified", sa.Date, nullable=True),
        sa.Column("example", sa.Boolean, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("objectives", sa.Text, nullable=False),
        sa.Column("measures", sa.JSON, nullable=False),
        sa.Column("target_groups", sa.JSON, nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("budget_eur", sa.Float, nullable=True),
        sa.Column("period_start", sa.Integer, nullable=True),
        sa.Column("period_end", sa.Integer, nullable=True),
        sa.Column("managing_body", sa.String(300), nullable=False),
        sa.Column("evaluation", sa.Text, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        *_common(),
    )
    op.create_index("ix_programmes_country", "programmes", ["country"])
    op.create_table(
        "practices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("programme_slug", sa.String(120), nullable=True),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("regions", sa.JSON, nullable=False),
        sa.Column("clusters", sa.JSON, nullable=False),
        sa.Column("dos", sa.JSON, nullable=False),
        sa.Column("donts", sa.JSON, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        *_common(),
    )
    op.create_index("ix_practices_programme_slug", "practices", ["programme_slug"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE library_fts USING fts5(kind UNINDEXED, ref UNINDEXED, body, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
    else:
        for table in ("programmes", "practices"):
            op.execute(
                f"CREATE INDEX ix_{table}_fts ON {table} "
                "USING GIN (to_tsvector('simple', search_text))"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE library_fts")
    op.drop_table("practices")
    op.drop_table("programmes")
