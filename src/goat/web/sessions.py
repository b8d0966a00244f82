"""Signed sign-in sessions: the browser's HttpOnly cookie in place of the `Authorization` header.

The cookie holds the SHA-256 of the token signed in with (never the token itself) and a CSRF secret,
signed with itsdangerous under a key derived from the organiser's token, and it expires after
SESSION_MAX_AGE. Each request looks the digest up as a bearer token's would be (api/authenticator.py), so
revoking or replacing a token ends every session made with it on the next request. SameSite=Strict keeps
the cookie off requests from other sites; the CSRF secret, sent back in a form field or a header, guards
every request that changes something.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "goat_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Session:
    token_sha256: str
    csrf: str

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf.encode(), presented.encode())


def session_key(admin_token: str) -> str:
    """A signing key of its own, derived from the organiser's token: a new admin token signs everyone out."""
    return hmac.new(admin_token.encode(), b"goat web sessions", hashlib.sha256).hexdigest()


class SessionSigner:
    def __init__(self, key: str, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="goat-session")
        self.max_age_s = max_age_s

    def new(self, token_sha256: str) -> Session:
        return Session(token_sha256=token_sha256, csrf=secrets.token_urlsafe(24))

    def read(self, request: Request) -> Session | None:
        """The request's session; None without a cookie, or with one that is forged or expired."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            fields = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        return Session(token_sha256=fields["d"], csrf=fields["c"])

    def attach(self, response: Response, session: Session, *, secure: bool) -> None:
        """`secure`: the request came over HTTPS (directly or through a proxy uvicorn trusts)."""
        response.set_cookie(
            COOKIE,
            self._serializer.dumps({"d": session.token_sha256, "c": session.csrf}),
            max_age=self.max_age_s,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/",
        )

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
