"""Errors raised by the WXM source.

Every message says what went wrong and what to fix, and never contains a secret (API key, password,
access token): messages reach logs, dlt traces and the CLI's one-line error.
"""

from __future__ import annotations


class WxmError(Exception):
    """Base class of every error raised by the WXM source."""


class ConfigurationError(WxmError, ValueError):
    """A setting of `[sources.wxm]` is invalid; the message names the setting and what it takes."""


class AuthenticationError(WxmError):
    """WXM refused the credentials (wrong username or API key, two-factor login, revoked token)."""


class ApiError(WxmError):
    """WXM answered with an error that retries did not cure (or that is not worth retrying).

    Attributes:
        status: the HTTP status of the last attempt, or None when no response came back.
        path: the API path (no host, no query string), safe to log.
    """

    def __init__(self, message: str, *, status: int | None = None, path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class ReconciliationError(WxmError):
    """A window's fetched responses never matched the count the API reports for it.

    Attributes:
        window: the window's bounds as text (``afterdate..beforedate``).
        expected: what the API says the window holds.
        fetched: distinct response ids fetched for the window.
    """

    def __init__(self, window: str, expected: int, fetched: int, attempts: int) -> None:
        super().__init__(
            f"window {window}: the API reports {expected} responses but {fetched} distinct ones "
            f"were fetched after {attempts} attempts; the cursor stays before this window, "
            "run the sync again (if it persists, report the window to WXM support)"
        )
        self.window = window
        self.expected = expected
        self.fetched = fetched
