"""Editor accounts: argon2 password hashes, roles and a sign-in rate limit.

- Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106); hashes are
  re-computed on sign-in when the parameters change (``check_needs_rehash``).
- Sign-in is rate-limited per account *and* per client address: after ``MAX_FAILURES``
  failures within ``WINDOW`` further attempts are refused until the window has passed, even
  with the right password (so guessing cannot continue), and every attempt is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from clusteratlas.appdb import audit
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.models import ROLES, AuditEntry, User
from clusteratlas.appdb.validation import EMAIL
from clusteratlas.errors import ConflictError, InputError

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
_hasher = PasswordHasher()


class SignInRefused(InputError):
    """Wrong email or password, or too many attempts (the message never says which account)."""


def add_user(
    db: Database,
    *,
    email: str,
    password: str,
    role: str = "editor",
    name: str = "",
    actor: str = "cli",
) -> dict:
    """Create an editor or admin; the password is stored only as an Argon2id hash."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InputError(f"not an email address: {email!r}", parameter="email")
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}", parameter="role")
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password must have at least {MIN_PASSWORD} characters", parameter="password"
        )
    with db.write() as session:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise ConflictError(f"there is already an account for {email}")
        user = User(
            email=email,
            name=name,
            password_hash=_hasher.hash(password),
            role=role,
            active=True,
            created_at=audit.now_utc(),
        )
        session.add(user)
        session.flush()
        out = {"id": user.id, "email": email, "role": role, "name": name}
        audit.record(
            session, actor=actor, action="create", entity="user", entity_id=user.id, after=out
        )
    return out


def _recent_failures(session, *, email: str, client: str, now: datetime) -> int:
    since = now - WINDOW
    by = (AuditEntry.entity_id == email) | (AuditEntry.actor == f"client:{client}")
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "sign-in-failed", AuditEntry.at >= since, by)
    )


def sign_in(
    db: Database,
    email: str,
    password: str,
    *,
    client: str = "unknown",
    now: datetime | None = None,
) -> dict:
    """Check a sign-in; return the user (id, email, role, name) or raise :class:`SignInRefused`."""
    now = now or audit.now_utc()
    email = (email or "").strip().lower()
    blocked = False
    with db.write() as session:  # the audit entry commits; the refusal is raised after
        if _recent_failures(session, email=email, client=client, now=now) >= MAX_FAILURES:
            audit.record(
                session,
                actor=f"client:{client}",
                action="sign-in-blocked",
                entity="user",
                entity_id=email,
                at=now,
            )
            blocked = True
    if blocked:
        raise SignInRefused("too many failed sign-ins: try again in 15 minutes", parameter="email")
    with db.write() as session:
        user = session.scalars(select(User).where(User.email == email)).one_or_none()
        ok = False
        if user is not None and user.active:
            try:
                ok = _hasher.verify(user.password_hash, password or "")
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            audit.record(
                session,
                actor=f"client:{client}",
                action="sign-in-failed",
                entity="user",
                entity_id=email,
                at=now,
            )
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            audit.record(
                session, actor=email, action="sign-in", entity="user", entity_id=user.id, at=now
            )
            return {"id": user.id, "email": user.email, "role": user.role, "name": user.name}
    raise SignInRefused("wrong email or password", parameter="email")


def get_user(db: Database, user_id: int) -> dict | None:
    """An active user by id (for sessions), or ``None``."""
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        return {"id": user.id, "email": user.email, "role": user.role, "name": user.name}
