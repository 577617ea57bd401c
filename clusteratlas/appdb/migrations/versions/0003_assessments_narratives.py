"""Stress-test assessments (answers, status, resume token) and report narratives.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("series", sa.String(32), nullable=False),
        sa.Column("programme", sa.String(300), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("questionnaire", sa.String(80), nullable=False),
        sa.Column("questionnaire_version", sa.String(40), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("example", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
    )
    op.create_index("ix_assessments_programme", "assessments", ["programme"])
    op.create_index("ix_assessments_series", "assessments", ["series", "completed_at"])
    op.create_index("ix_assessments_region", "assessments", ["region", "status"])
    op.create_table(
        "narratives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("section", sa.String(40), nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("uq_narratives_key_section", "narratives", ["key", "section"], unique=True)


def downgrade() -> None:
    op.drop_table("narratives")
    op.drop_table("assessments")
