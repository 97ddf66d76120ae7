"""Personal data policy: keep, hash (salted SHA-256) or drop personal values.

Answers to questions WXM marks as personal (`piiSettings.isPII`, or the `Name`/`Email`/`Mobile`
tags) and users' contact fields go through the same `PiiPolicy`. Hashing is HMAC-SHA-256 keyed with
the salt from secrets (a salted SHA-256 that resists length extension), hex encoded, so equal values
still join and count as equal without being readable.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from transforms.answer_typing import TypedValue

logger = logging.getLogger(__name__)

PiiMode = Literal["keep", "hash", "drop"]
PII_MODES: tuple[PiiMode, ...] = ("keep", "hash", "drop")

CONTACT_FIELDS: tuple[str, ...] = ("email", "mobilePhone", "mobile_phone", "name")
"""Users' contact fields (SubUser wire names and their snake_case forms)."""


@dataclass(frozen=True)
class PiiPolicy:
    """How personal values are written: `keep` (clear text), `hash` (default) or `drop` (None).

    Attributes:
        mode: `"keep"`, `"hash"` or `"drop"`.
        salt: The secret key of the hash (from `.dlt/secrets.toml`); never logged.
    """

    mode: PiiMode = "hash"
    salt: str = ""

    def __post_init__(self) -> None:
        if self.mode not in PII_MODES:
            raise ValueError(f"pii mode must be one of {PII_MODES}, got {self.mode!r}")
        if self.mode == "hash" and not self.salt:
            logger.warning("PII mode `hash` without a salt: hashes of short values can be guessed")

    def __repr__(self) -> str:
        return f"PiiPolicy(mode={self.mode!r}, salt=***)"

    def hash(self, value: str) -> str:
        """The salted SHA-256 (HMAC) hex digest of a value."""
        return hmac.new(
            self.salt.encode("utf-8"), value.encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def protect(self, value: Any) -> Any:
        """Apply the policy to one personal value (None stays None).

        In `hash` mode a non-string value is hashed from its `str()` form.
        """
        if value is None or self.mode == "keep":
            return value
        if self.mode == "drop":
            return None
        return self.hash(value if isinstance(value, str) else str(value))

    def protect_answer(self, value: TypedValue) -> TypedValue:
        """Apply the policy to every typed column of a personal answer.

        `hash` keeps one hashed form in `value_text` (of the text, or of the number when there is
        no text) and hashes each option; the number and date columns become None because a hash
        does not fit them. `drop` empties every column.
        """
        if self.mode == "keep":
            return value
        if self.mode == "drop":
            return replace(
                value, value_number=None, value_text=None, value_date=None, value_options=None
            )
        clear = value.value_text
        if clear is None and value.value_number is not None:
            clear = _number_text(value.value_number)
        if clear is None and value.value_date is not None:
            clear = value.value_date.isoformat()
        options = [self.hash(o) for o in value.value_options] if value.value_options else None
        return replace(
            value,
            value_number=None,
            value_text=self.protect(clear),
            value_date=None,
            value_options=options,
        )

    def protect_contact(
        self, record: Mapping[str, Any], fields: Iterable[str] = CONTACT_FIELDS
    ) -> dict[str, Any]:
        """Apply the policy to a user's contact fields (for the source's `users` resource).

        Args:
            record: A SubUser (camelCase) or an already snake_cased user row.
            fields: The personal fields; by default `email`, `mobilePhone`/`mobile_phone`, `name`.

        Returns:
            A copy of the record with those fields kept, hashed or set to None.
        """
        protected = dict(record)
        for name in fields:
            if name in protected:
                protected[name] = self.protect(protected[name])
        return protected


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)
