"""A logging filter that blanks secrets out of log records (belt and braces: none are logged)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import dlt

REDACTED = "***"
SECRET_KEYS = (
    "sources.wxm.api_key",
    "sources.wxm.password",
    "sources.wxm.pii_salt",
)
_TOKEN_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access_token|api_key|apikey|password|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
)


class RedactingFilter(logging.Filter):
    """Replace known secret values and token-shaped fields in every record it sees.

    Attach it to handlers (not loggers), so records propagated from any library pass it.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Add one more value to redact (ignored when empty or too short to be a secret)."""
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """Return `text` with every known secret and token-shaped field blanked."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and its traceback text) in place; never drop it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configured_secrets() -> list[str]:
    """The secret values configured for the source (dlt secrets and environment), if any."""
    found: list[str] = []
    for key in SECRET_KEYS:
        try:
            value: object = dlt.secrets.get(key)
        except Exception:  # a broken secrets file must not break logging
            continue
        if isinstance(value, str):
            found.append(value)
    return found
