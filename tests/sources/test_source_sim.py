"""Integration tests: the whole source over HTTP against the simulator, into DuckDB in tmp_path.

Each test compares the `responses` table (ids and content hashes) with the simulator's ground
truth. The simulated account's `now` is a day in the past, so the sync's fixed end (now minus a
safety margin) lies after every response.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from simulator import SimulatorConfig, content_hash, run_simulator
from sources.wxm import ReconciliationError, SyncStats
from tests.sources.conftest import loaded_hashes, query, run_sync

PAST_NOW = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)


def config(**changes: Any) -> SimulatorConfig:
    base = SimulatorConfig(seed=11, responses=400, days=20, rate_limit=0, now=PAST_NOW)
    return base.replace(**changes)


def truth_hashes(sim: Any) -> dict[str, str]:
    return {rid: content_hash(answer) for rid, answer in sim.account.ground_truth().items()}


def cursor_of(pipeline: Any) -> str | None:
    resources = pipeline.state["sources"]["wxm"].get("resources", {})
    return resources.get("responses", {}).get("cursor")


def test_first_sync_is_exact_and_a_second_sync_adds_nothing(tmp_path: Path) -> None:
    with run_simulator(config()) as sim:
        stats = SyncStats()
        pipeline = run_sync(sim, tmp_path, stats=stats, page_size=20)
        truth = truth_hashes(sim)
        assert loaded_hashes(tmp_path) == truth
        assert stats.responses >= len(truth) and stats.windows_done == stats.windows_total >= 2
        assert stats.requests == sim.stats.requests
        first_cursor = cursor_of(pipeline)
        assert first_cursor is not None

        answers = query(
            tmp_path, "select count(*), count(distinct (response_id, question_id)) from wxm.answers"
        )
        assert answers[0][0] == answers[0][1] > len(truth)
        for table in (
            "questions",
            "questionnaires",
            "users",
            "dispatches",
            "delivery_plans",
            "content_templates",
            "account_settings",
            "notes",
            "tickets",
        ):
            assert query(tmp_path, f"select count(*) from wxm.{table}")[0][0] > 0, table

        run_sync(sim, tmp_path, page_size=20)
        assert loaded_hashes(tmp_path) == truth
        assert query(tmp_path, "select count(*) from wxm.responses")[0][0] == len(truth)
        assert (
            query(
                tmp_path,
                "select count(*) - count(distinct (response_id, question_id)) from wxm.answers",
            )[0][0]
            == 0
        )
        assert cursor_of(pipeline) >= first_cursor  # type: ignore[operator]


def test_no_secret_reaches_a_table_or_the_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with run_simulator(config(responses=100)) as sim:
        pipeline = run_sync(sim, tmp_path, pii="hash")
        secrets = [*sim.account.secret_values(), sim.api_key, *sim.tokens.issued()]
        assert len(secrets) > 3
        dump = []
        for (table,) in query(
            tmp_path, "select table_name from information_schema.tables where table_schema = 'wxm'"
        ):
            dump.append(json.dumps(query(tmp_path, f"select * from wxm.{table}"), default=str))
        text = "\n".join(dump) + json.dumps(pipeline.state, default=str) + caplog.text
        for secret in secrets:
            assert secret not in text
        assert "access_token" not in caplog.text
        # users' contact fields are hashed
        emails = [e for (e,) in query(tmp_path, "select email from wxm.users")]
        assert emails and all("@" not in e for e in emails)


@pytest.mark.parametrize(
    "changes",
    [
        {"first_page": "zero"},
        {"first_page": "one"},
        {"inclusive_bounds": False},
        {"fraction_digits": 7, "trailing_z": False},
        {"fraction_digits": 0},
    ],
    ids=["0-based", "1-based", "exclusive-bounds", "7-digits-no-z", "whole-seconds"],
)
def test_exact_under_every_reading_of_the_api(tmp_path: Path, changes: dict[str, Any]) -> None:
    with run_simulator(config(responses=200, **changes)) as sim:
        run_sync(sim, tmp_path, page_size=15)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)


@pytest.mark.parametrize(
    "faults",
    [
        [
            ("5xx", 5, "answers/page", 1),
            ("reset", 2, "answers/page", 3),
            ("5xx", 2, "answers/count", 1),
        ],
        [
            ("truncated", 3, "answers/page", 1),
            ("html200", 2, "answers/page", 1),
            ("empty", 2, "answers/page", 1),
            ("null", 1, "answers/page", 1),
            ("empty", 1, "answers/count", 1),
        ],
        [("429", 25, None, 1)],
    ],
    ids=["5xx-burst-and-resets", "bad-bodies", "429-storm"],
)
@pytest.mark.usefixtures("fast_retries")
def test_faults_end_in_an_exact_load(
    tmp_path: Path, faults: list[tuple[str, int, str | None, int]]
) -> None:
    with run_simulator(config(responses=200, retry_after_seconds=0)) as sim:
        for kind, count, route, after in faults:
            sim.faults.add(kind, count=count, route=route, after=after)
        stats = SyncStats()
        run_sync(sim, tmp_path, stats=stats, page_size=15)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)
        assert not sim.faults.pending()
        assert stats.retries + stats.reconciliation_retries > 0


@pytest.mark.usefixtures("fast_retries")
def test_429_storm_without_retry_after(tmp_path: Path) -> None:
    with run_simulator(config(responses=200, send_retry_after=False)) as sim:
        sim.faults.add("429", count=4, route="answers/page")
        stats = SyncStats()
        run_sync(sim, tmp_path, stats=stats, page_size=20)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)
        assert stats.rate_limited == 4 == sim.stats.rate_limited


@pytest.mark.usefixtures("fast_retries")
def test_read_timeouts_are_retried(tmp_path: Path) -> None:
    with run_simulator(config(responses=100)) as sim:
        sim.faults.add("slow", count=2, route="answers/page", after=1, seconds=2.0)
        stats = SyncStats()
        run_sync(sim, tmp_path, stats=stats, page_size=20, request_timeout=0.5)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)
        assert stats.retries >= 2


def test_token_expiring_and_revoked_mid_run(tmp_path: Path) -> None:
    # 1 s tokens and a run of ~2 s (30+ requests of 100 ms, two at a time)
    with run_simulator(config(responses=200, token_ttl=1, latency_ms=100)) as sim:
        sim.faults.add("revoke_token", count=1, route="answers/page", after=3)
        stats = SyncStats()
        run_sync(sim, tmp_path, stats=stats, page_size=10, max_in_flight=2)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)
        assert sim.stats.logins >= 3  # first login, after the revocation, after expiries
        assert stats.logins == sim.stats.logins


def test_rate_limit_is_never_exceeded(tmp_path: Path) -> None:
    with run_simulator(config(responses=600, rate_limit=15, latency_ms=50)) as sim:
        stats = SyncStats()
        run_sync(sim, tmp_path, stats=stats, rate_limit=14, page_size=25, max_in_flight=8)
        assert loaded_hashes(tmp_path) == truth_hashes(sim)
        assert sim.stats.requests > 30
        assert sim.stats.max_rate(1.0) <= 14
        assert sim.stats.rate_limited == 0


def test_incremental_sync_picks_up_new_late_edited_and_archived(tmp_path: Path) -> None:
    with run_simulator(config(responses=200)) as sim:
        pipeline = run_sync(sim, tmp_path, lookback_days=7)
        first_cursor = cursor_of(pipeline)
        account_now = sim.account.now
        recent = sorted(sim.account.ground_truth(after=account_now - timedelta(days=5)))
        sim.account.advance(3600, new_responses=20)
        sim.account.insert_late(6, at=account_now - timedelta(days=3), spread_seconds=1)
        sim.account.edit(recent[0], append_note="called back", flip_archived=True)
        sim.account.edit(recent[-1], add_answer=True)
        sim.account.insert_late(3, at=account_now - timedelta(days=15))  # outside the lookback

        run_sync(sim, tmp_path, lookback_days=7)
        truth = truth_hashes(sim)
        loaded = loaded_hashes(tmp_path)
        missing = set(truth) - set(loaded)
        assert len(missing) == 3  # only the three stamped before cursor - lookback
        assert {k: v for k, v in loaded.items() if k in truth} == {
            k: v for k, v in truth.items() if k not in missing
        }
        assert cursor_of(pipeline) > first_cursor  # type: ignore[operator]

        # a backfill over the old range loads them and leaves the cursor alone
        cursor = cursor_of(pipeline)
        run_sync(
            sim,
            tmp_path,
            backfill_from=account_now - timedelta(days=16),
            backfill_to=account_now - timedelta(days=14),
        )
        assert loaded_hashes(tmp_path) == truth
        assert cursor_of(pipeline) == cursor


def test_start_date_narrows_the_first_sync(tmp_path: Path) -> None:
    with run_simulator(config(responses=200)) as sim:
        start = sim.account.now - timedelta(days=5)
        run_sync(sim, tmp_path, start_date=start.isoformat())
        expected = {
            rid: content_hash(a) for rid, a in sim.account.ground_truth(after=start).items()
        }
        assert loaded_hashes(tmp_path) == expected


def test_persistent_mismatch_raises_and_keeps_the_cursor(tmp_path: Path) -> None:
    with run_simulator(config(responses=200)) as sim:
        pipeline = run_sync(sim, tmp_path, page_size=20)
        cursor = cursor_of(pipeline)
        sim.account.advance(60, new_responses=5)
        sim.faults.add("empty", count=1000, route="answers/page")
        with pytest.raises(PipelineStepFailed) as failed:
            run_sync(sim, tmp_path, page_size=20)
        causes = []
        error: BaseException | None = failed.value
        while error is not None:
            causes.append(error)
            error = error.__cause__
        assert any(isinstance(c, ReconciliationError) for c in causes)
        assert cursor_of(pipeline) == cursor
