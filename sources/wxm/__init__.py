"""The WXM (Webex Experience Management) dlt source: responses and configuration, rate-aware.

Usage::

    import dlt
    from sources.wxm import wxm_source, SyncStats

    stats = SyncStats()
    pipeline = dlt.pipeline("wxm", destination="duckdb", dataset_name="wxm")
    pipeline.run(wxm_source(stats=stats), loader_file_format="parquet")

Configuration the dlt way: `[sources.wxm]` in `.dlt/config.toml` (base_url, rate_limit,
lookback_days, page_size, ...) and `.dlt/secrets.toml` (username, api_key, pii_salt), or env vars
such as `SOURCES__WXM__BASE_URL`, `SOURCES__WXM__USERNAME`, `SOURCES__WXM__API_KEY`.

One module per concern: `client` (the shared session), `auth` (login token), `ratelimit` (the
limiter every attempt passes), `retry` (transient failures), `windows` (UTC windows and their
adaptive split), `responses` (the responses resource: cursor, lookback, reconciliation), `config`
(configuration resources), `stats` (counters), `exceptions`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import dlt
from dlt.extract import DltResource

from sources.wxm.client import WxmClient
from sources.wxm.config import ApiCache, config_resources
from sources.wxm.exceptions import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ReconciliationError,
    WxmError,
)
from sources.wxm.responses import FetchSettings, ResponsesConfig, WindowFetcher, responses_resource
from sources.wxm.stats import SyncStats
from sources.wxm.windows import parse_instant
from transforms.catalog import Catalog
from transforms.pii import PII_MODES, PiiPolicy
from transforms.shape import Shaper

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "ReconciliationError",
    "SyncStats",
    "WxmError",
    "wxm_source",
]

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a connection to the API (the read timeout is `request_timeout`)."""


@dlt.source(name="wxm", max_table_nesting=0)
def wxm_source(
    base_url: str = dlt.config.value,
    username: str = dlt.secrets.value,
    api_key: str = dlt.secrets.value,
    start_date: str | None = None,
    lookback_days: float = 7.0,
    rate_limit: float = 14.0,
    max_in_flight: int = 8,
    page_size: int = 1000,
    backfill_from: datetime | None = None,
    backfill_to: datetime | None = None,
    pii: str = "hash",
    pii_salt: str | None = dlt.secrets.value,
    stats: SyncStats | None = None,
    verify_tls: bool | str = True,
    request_timeout: float = 120.0,
) -> Sequence[DltResource]:
    """WXM responses (tables responses, answers, notes, tickets) and configuration tables.

    Args:
        base_url: the API root, ``https://api.getcloudcherry.com`` for the real API.
        username: WXM login (a user without two-factor login).
        api_key: the login's API key.
        start_date: where a first sync begins (ISO date or instant, UTC); None = the whole history.
        lookback_days: how much before the stored cursor every sync re-scans.
        rate_limit: requests per second over every attempt (retries, logins); <= 0 turns it off.
        max_in_flight: concurrent requests.
        page_size: responses per page (1-1000).
        backfill_from: with `backfill_to`, load exactly this range and leave the cursor alone.
        backfill_to: end of the backfill range (inclusive; clamped to the sync's fixed end).
        pii: personal values are kept, hashed (HMAC-SHA-256 with `pii_salt`) or dropped.
        pii_salt: the secret key of the PII hash; optional but recommended with `hash`.
        stats: counters the caller reads (summary line, progress display).
        verify_tls: True, False, or a CA bundle path (a corporate CA).
        request_timeout: seconds to wait for a reply before the attempt counts as failed (and
            is retried); connecting is capped at 10 s (or this, when smaller).

    Returns:
        The resources `responses`, `questions`, `questionnaires`, `users`, `dispatches`,
        `delivery_plans`, `content_templates` and `settings`.
    """
    stats = stats if stats is not None else SyncStats()
    _check_settings(base_url, lookback_days, max_in_flight, page_size, pii, request_timeout)
    if (backfill_from is None) != (backfill_to is None):
        raise ConfigurationError("a backfill needs both backfill_from and backfill_to")
    backfill = None
    if backfill_from is not None and backfill_to is not None:
        backfill = (_utc(backfill_from), _utc(backfill_to))
        if backfill[0] > backfill[1]:
            raise ConfigurationError("backfill_from must not be after backfill_to")
    policy = PiiPolicy(mode=pii, salt=pii_salt or "")  # type: ignore[arg-type]

    client = WxmClient(
        base_url,
        username,
        api_key,
        rate_limit=rate_limit,
        max_in_flight=max_in_flight,
        verify_tls=_verify_tls(verify_tls),
        stats=stats,
        timeout=(min(CONNECT_TIMEOUT, request_timeout), request_timeout),
    )
    cache = ApiCache(client)
    fetcher = WindowFetcher(
        client, FetchSettings(page_size=page_size, max_in_flight=max_in_flight), stats
    )

    def shaper() -> Shaper:
        catalog = Catalog.from_api(
            cache.get_list("/api/questions"), cache.get_object("/api/settings")
        )
        return Shaper(catalog, pii=policy)

    responses = responses_resource(
        fetcher,
        shaper,
        ResponsesConfig(
            start_date=_start_date(start_date),
            lookback=timedelta(days=lookback_days),
            backfill=backfill,
        ),
        stats,
    )
    return [responses, *config_resources(cache, policy, account_fallback=username)]


def _check_settings(
    base_url: str,
    lookback_days: float,
    max_in_flight: int,
    page_size: int,
    pii: str,
    request_timeout: float,
) -> None:
    """Refuse settings that cannot work, naming the setting (`ConfigurationError`)."""
    if not isinstance(base_url, str) or not base_url.lower().startswith(("http://", "https://")):
        raise ConfigurationError(
            f"sources.wxm.base_url {base_url!r} is not an http(s) URL "
            "(the real API is https://api.getcloudcherry.com)"
        )
    if not 1 <= page_size <= 1000:
        raise ConfigurationError(f"sources.wxm.page_size must be 1-1000 (got {page_size})")
    if lookback_days < 0:
        raise ConfigurationError(f"sources.wxm.lookback_days must be >= 0 (got {lookback_days})")
    if max_in_flight < 1:
        raise ConfigurationError(f"sources.wxm.max_in_flight must be >= 1 (got {max_in_flight})")
    if request_timeout <= 0:
        raise ConfigurationError(
            f"sources.wxm.request_timeout must be > 0 seconds (got {request_timeout})"
        )
    if pii not in PII_MODES:
        raise ConfigurationError(
            f"sources.wxm.pii must be one of {', '.join(PII_MODES)} (got {pii!r})"
        )


def _verify_tls(value: bool | str) -> bool | str:
    """`verify_tls` as requests wants it: True, False or the path of a CA bundle.

    NOTE: dlt does not resolve a `bool | str` argument from config, so the configured value
    (`[sources.wxm] verify_tls` or `SOURCES__WXM__VERIFY_TLS`) is read here when the argument is
    left at its default.
    """
    raw: object = value
    if value is True:
        configured: object = dlt.config.get("sources.wxm.verify_tls")
        if configured is not None:
            raw = configured
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in ("true", "yes", "1", "on"):
            return True
        if word in ("false", "no", "0", "off"):
            logger.warning("TLS certificate verification is off (sources.wxm.verify_tls)")
            return False
        if not os.path.isfile(raw):
            raise ConfigurationError(
                f"sources.wxm.verify_tls {raw!r} is neither true/false nor an existing CA bundle"
            )
        return raw
    if not raw:
        logger.warning("TLS certificate verification is off (sources.wxm.verify_tls)")
    return bool(raw)


def _start_date(value: str | None) -> datetime | None:
    """The `start_date` setting as a UTC instant (a ValueError naming the setting otherwise)."""
    if not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise ConfigurationError(
            f"sources.wxm.start_date {value!r} is not an ISO date or instant (e.g. 2024-01-31)"
        ) from None


def _utc(value: datetime) -> datetime:
    """A datetime in UTC; a naive one is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
