"""Signed links: a registrant cancels with a link only they received.

The token signs the registration's id with the site's secret (HMAC-SHA1 via
``itsdangerous``, with a salt per purpose); it cannot be forged or moved to another
registration without the secret.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from clusteratlas.errors import InputError
from clusteratlas.fileio import write_text_atomic


def load_secret(path: str | Path) -> str:
    """The site's secret: ``CLUSTERATLAS_SECRET``, else a random one kept in ``path`` (0600)."""
    env = os.environ.get("CLUSTERATLAS_SECRET")
    if env:
        return env
    path = Path(path)
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    write_text_atomic(secret + "\n", path)
    path.chmod(0o600)
    return secret


def cancel_token(secret: str, registration_id: int) -> str:
    """The token of a registration's cancellation link."""
    return URLSafeSerializer(secret, salt="cancel-registration").dumps(registration_id)


def check_cancel_token(secret: str, registration_id: int, token: str) -> None:
    """Raise :class:`InputError` (parameter ``token``) unless ``token`` is this registration's."""
    try:
        value = URLSafeSerializer(secret, salt="cancel-registration").loads(token)
    except BadSignature as exc:
        raise InputError("the cancellation link is not valid", parameter="token") from exc
    if value != registration_id:
        raise InputError("the cancellation link is for another registration", parameter="token")
