"""Tables of the application database (SQLAlchemy 2 declarative models).

The Alembic migrations in ``migrations/versions`` create exactly these tables; a test
compares the migrated schema with the models so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

EVENT_KINDS = ("conference", "partnership-meeting", "cluster-week", "workshop", "webinar")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
ROLES = ("editor", "admin")


class Base(DeclarativeBase):
    pass


class Event(Base):
    """An event people register for; a cluster week is an event whose children are events."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="conference")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Registration(Base):
    """One person's registration for one event.

    Personal fields (name, email, organisation, country, role) become NULL when the person
    asks for erasure or the event's retention period has passed; the row, its status and so
    the event's counts are kept.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        # One live registration per email and event; a cancelled one does not block a new one.
        Index(
            "uq_registrations_live_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_registrations_queue", "event_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    role: Mapped[str | None] = mapped_column(String(100))
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    """An editor or administrator (readers need no account)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="editor")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what, when, with the record before and after the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


PROGRAMME_LEVELS = ("national", "regional", "cross-border", "european", "international")


class Programme(Base):
    """A cluster programme: who runs it, what it aims at, what it does, for whom, with what.

    List fields (measures, target groups, themes, links) are JSON arrays of text.
    ``search_text`` is maintained by :mod:`clusteratlas.appdb.library` for full-text search.
    """

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str] = mapped_column(String(10), default="")
    level: Mapped[str] = mapped_column(String(20))
    objectives: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[list] = mapped_column(JSON, default=list)
    target_groups: Mapped[list] = mapped_column(JSON, default=list)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    budget_eur: Mapped[float | None] = mapped_column(Float)
    period_start: Mapped[int | None] = mapped_column(Integer)
    period_end: Mapped[int | None] = mapped_column(Integer)
    managing_body: Mapped[str] = mapped_column(String(300), default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list] = mapped_column(JSON, default=list)
    last_verified: Mapped[date | None] = mapped_column(Date)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Practice(Base):
    """A good practice: what was done, where, with do's and don'ts, linked to a programme."""

    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    programme_slug: Mapped[str | None] = mapped_column(String(120), index=True)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    clusters: Mapped[list] = mapped_column(JSON, default=list)
    dos: Mapped[list] = mapped_column(JSON, default=list)
    donts: Mapped[list] = mapped_column(JSON, default=list)
    links: Mapped[list] = mapped_column(JSON, default=list)
    last_verified: Mapped[date | None] = mapped_column(Date)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


ASSESSMENT_STATUSES = ("draft", "complete")


class Assessment(Base):
    """One stress-test self-assessment of a cluster programme.

    It is reached only with its resume token (the link given when it was started); only the
    token's SHA-256 is stored. Follow-ups of one programme share a ``series`` (so a
    programme's assessments can be compared over time without anyone else seeing them).
    ``result`` holds the scores computed when it was completed (overall, light, themes).
    """

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_series", "series", "completed_at"),
        Index("ix_assessments_region", "region", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    series: Mapped[str] = mapped_column(String(32))
    programme: Mapped[str] = mapped_column(String(300), index=True)
    region: Mapped[str] = mapped_column(String(12), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    questionnaire: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    result: Mapped[dict | None] = mapped_column(JSON)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


NARRATIVE_SECTIONS = ("findings", "recommendations", "action_plan")


class Narrative(Base):
    """A section of Markdown that analysts write for a report (one per key and section)."""

    __tablename__ = "narratives"
    __table_args__ = (Index("uq_narratives_key_section", "key", "section", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    section: Mapped[str] = mapped_column(String(40))
    markdown: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
