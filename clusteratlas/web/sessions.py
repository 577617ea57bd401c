"""Editor sessions and CSRF protection for every form, without JavaScript.

- **Session**: the cookie ``ca_session`` holds the editor's user id signed with the site's
  secret and a timestamp (``itsdangerous.TimestampSigner``); it expires after
  ``SESSION_HOURS``, is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the site is
  served over HTTPS (or ``CLUSTERATLAS_SECURE_COOKIES=1``). The user is re-read from the
  database on every request, so a deactivated account loses access at once.
- **CSRF**: every form carries a hidden ``csrf_token`` that is the signature of a random
  nonce held in the ``ca_csrf`` cookie (``SameSite=Strict``). A POST is accepted only when
  the field's signature is valid and matches the cookie — a page on another site can send
  neither. JSON writes send the token in the ``X-CSRF-Token`` header instead.
"""

from __future__ import annotations

import os
import secrets

from fastapi import Request
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeSerializer
from starlette.responses import Response

from clusteratlas.errors import ClusterAtlasError

SESSION_COOKIE = "ca_session"
CSRF_COOKIE = "ca_csrf"
SESSION_HOURS = 8


class Forbidden(ClusterAtlasError):
    """A write without a valid CSRF token, or by someone without the right role (HTTP 403)."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("CLUSTERATLAS_SECURE_COOKIES") == "1"


def csrf_nonce(request: Request) -> tuple[str, bool]:
    """The browser's CSRF nonce (from its cookie) and whether it is new (must be set)."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if nonce and 16 <= len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(24), True


def csrf_token(request: Request) -> str:
    """The hidden-field token for forms on this page (sets the cookie via ``remember_csrf``)."""
    nonce, fresh = csrf_nonce(request)
    request.state.csrf_new = nonce if fresh else None
    return URLSafeSerializer(request.app.state.secret, salt="csrf").dumps(nonce)


def remember_csrf(request: Request, response: Response) -> Response:
    """Set the CSRF cookie if this request created a nonce."""
    nonce = getattr(request.state, "csrf_new", None)
    if nonce:
        response.set_cookie(
            CSRF_COOKIE, nonce, httponly=True, samesite="strict", secure=_secure(request), path="/"
        )
    return response


def check_csrf(request: Request, token: str | None) -> None:
    """Raise :class:`Forbidden` unless ``token`` is this browser's CSRF token."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if not token or not nonce:
        raise Forbidden(
            "this form has expired or was not sent from this site: reload the page "
            "and send it again"
        )
    try:
        value = URLSafeSerializer(request.app.state.secret, salt="csrf").loads(token)
    except BadSignature as exc:
        raise Forbidden("the form's security token is not valid: reload the page") from exc
    if not secrets.compare_digest(str(value), nonce):
        raise Forbidden("the form's security token does not match: reload the page")


def sign_in_response(request: Request, response: Response, user_id: int) -> Response:
    value = TimestampSigner(request.app.state.secret, salt="session").sign(str(user_id)).decode()
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=SESSION_HOURS * 3600,
        path="/",
    )
    return response


def sign_out_response(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def current_user(request: Request) -> dict | None:
    """The signed-in editor (re-read from the database), or ``None``."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        user_id = TimestampSigner(request.app.state.secret, salt="session").unsign(
            raw, max_age=SESSION_HOURS * 3600
        )
    except (BadSignature, SignatureExpired):
        return None
    from clusteratlas.appdb.accounts import get_user

    try:
        return get_user(request.app.state.db, int(user_id))
    except ValueError:
        return None
