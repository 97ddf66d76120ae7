"""Configuration of the WXM API simulator: one dataclass, one field per knob (and per CLI flag)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FirstPage = Literal["both", "zero", "one"]

DEMO_USERNAME = "demo"
DEMO_API_KEY = "wxm-demo-api-key"
DEMO_PASSWORD = "wxm-demo-password"


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that shapes a simulated WXM account and its API.

    Defaults are the documented guesses of `wxm-api.md`; every ambiguous reading of the public
    sources is a field so a client can be proven right under each reading.

    Attributes:
        seed: seed of all generated data (same seed, same `now` -> same account).
        responses: number of responses generated at start-up.
        days: the responses are spread over the `days` days ending at `now`.
        rate_limit: accepted requests per second per token (sliding 1 s window); 0 = off.
        latency_ms: latency added to every API request.
        row_cost_us: extra latency per Answer served (pages and the unpaged call).
        username: accepted login.
        api_key: accepted API key (login password and Basic-auth secret).
        password: accepted login password (besides the API key).
        token_ttl: lifetime of an access token in seconds (`expires_in`).
        first_page: "both" (page 0 and 1 are the first page), "zero" (0-based) or "one" (1-based).
        inclusive_bounds: `afterdate`/`beforedate` inclusive (True) or exclusive (False).
        send_retry_after: whether a 429 carries a `Retry-After` header.
        retry_after_seconds: the `Retry-After` value sent with a 429.
        fraction_digits: fractional-second digits of served timestamps (0, 3 or 7).
        trailing_z: whether served timestamps end with `Z`.
        now: the account's start-up instant (tz-aware); None = the wall clock at start-up,
            truncated to the second.
        max_rows: largest accepted `rows` of a page (400 above it).
        admin: enable the `/_admin/...` HTTP routes.
        host: interface to bind (`run_simulator` and the CLI); loopback only unless
            `allow_remote`.
        allow_remote: allow a non-loopback `host` (the simulator's credentials are public).
        port: port to bind; 0 = a free port.
        cache_size: number of served Answers kept serialized in the LRU cache.
        extra_fields: every Answer (and each of its answered questions) also carries fields the
            API reference does not name; `sentimentScore` is a number on some Answers and text
            on others (a field that changes type).
    """

    seed: int = 7
    responses: int = 2_000
    days: float = 30.0
    rate_limit: float = 15.0
    latency_ms: float = 0.0
    row_cost_us: float = 0.0
    username: str = DEMO_USERNAME
    api_key: str = DEMO_API_KEY
    password: str = DEMO_PASSWORD
    token_ttl: float = 43199.0
    first_page: FirstPage = "both"
    inclusive_bounds: bool = True
    send_retry_after: bool = True
    retry_after_seconds: int = 1
    fraction_digits: int = 3
    trailing_z: bool = True
    now: datetime | None = None
    max_rows: int = 1000
    admin: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    allow_remote: bool = False
    cache_size: int = 10_000
    extra_fields: bool = False

    def __post_init__(self) -> None:
        """Validate the fields that would otherwise fail late and obscurely."""
        if self.responses < 0:
            raise ValueError("responses must be >= 0")
        if self.days <= 0:
            raise ValueError("days must be > 0")
        if self.fraction_digits not in (0, 3, 7):
            raise ValueError("fraction_digits must be 0, 3 or 7")
        if self.first_page not in ("both", "zero", "one"):
            raise ValueError("first_page must be 'both', 'zero' or 'one'")
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")

    def replace(self, **changes: object) -> SimulatorConfig:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
