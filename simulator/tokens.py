"""Access tokens issued by the login: opaque strings with a lifetime, revocable all at once."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Literal

TokenState = Literal["ok", "expired", "unknown"]


class TokenStore:
    """Issued tokens and their expiry (monotonic clock)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._issued: list[str] = []

    def issue(self) -> str:
        """A new opaque access token valid for `ttl` seconds."""
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.ttl
            self._issued.append(token)
        return token

    def issued(self) -> list[str]:
        """Every token issued so far, revoked and expired ones included (for secret scans)."""
        with self._lock:
            return list(self._issued)

    def check(self, token: str) -> TokenState:
        """Whether a token is valid, expired or unknown (never issued or revoked)."""
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "unknown"
        return "ok" if time.monotonic() < expiry else "expired"

    def revoke_all(self) -> int:
        """Invalidate every token issued so far; returns how many."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
            return count
