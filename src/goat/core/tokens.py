"""Bearer tokens: drawn from `secrets`, kept only as a SHA-256 digest, compared in constant time.

A token carries 256 random bits, so a plain SHA-256 is enough to keep a leaked table from being used (no
slow hash is needed against guessing, unlike a password).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "goat_"
"""Makes a token recognisable, in a log line or a secret scanner, as goat's."""


def new_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe, with goat's prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored instead of the token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(known: str, presented: str) -> bool:
    """Two digests compared in constant time, so the time taken says nothing of how much matched."""
    return hmac.compare_digest(known.encode(), presented.encode())
