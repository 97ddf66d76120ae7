"""Unit tests of the pipeline's small parts: dates, locking, summary, redaction, error lines."""

from __future__ import annotations

import io
import itertools
import logging
import multiprocessing
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from pipelines.dates import chunks, parse_instant
from pipelines.errors import PipelineError
from pipelines.failures import explain
from pipelines.locking import pipeline_lock
from pipelines.progress import progress_display, wants_progress
from pipelines.redaction import RedactingFilter
from pipelines.state import find_cursor
from pipelines.summary import ResponseChanges, RunSummary
from sources.wxm.exceptions import AuthenticationError, ReconciliationError
from sources.wxm.stats import SyncStats


def test_parse_instant_reads_dates_and_offsets_as_utc() -> None:
    assert parse_instant("2024-03-01", "--from") == datetime(2024, 3, 1, tzinfo=UTC)
    assert parse_instant("2024-03-01", "--to", end_of_day=True) == datetime(
        2024, 3, 1, 23, 59, 59, 999000, tzinfo=UTC
    )
    assert parse_instant("2024-03-01T12:00:00+02:00", "--from") == datetime(
        2024, 3, 1, 10, tzinfo=UTC
    )
    assert parse_instant("2024-03-01T12:00:00", "--to", end_of_day=True) == datetime(
        2024, 3, 1, 12, tzinfo=UTC
    )
    with pytest.raises(PipelineError, match="is not a date"):
        parse_instant("31/12/2024", "--from")


def test_chunks_cover_the_range_without_gaps() -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    parts = list(chunks(start, end, 25))
    assert parts[0][0] == start and parts[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    assert len(parts) == 3


def _hold_lock(path: str, ready: multiprocessing.synchronize.Event, done: object) -> None:
    with pipeline_lock(Path(path), "wxm"):
        ready.set()
        done.wait(10)  # type: ignore[attr-defined]


def test_lock_refuses_a_second_holder_and_names_the_pid(tmp_path: Path) -> None:
    lock = tmp_path / "wxm.lock"
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(lock), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        expected = f"already running by PID {holder.pid}"
        with pytest.raises(PipelineError, match=expected), pipeline_lock(lock, "wxm"):
            pass
    finally:
        done.set()
        holder.join(10)
    with pipeline_lock(lock, "wxm"):
        assert lock.read_text().strip() == str(os.getpid())


def test_summary_is_one_line_with_every_figure() -> None:
    summary = RunSummary(
        command="sync",
        destination="duckdb",
        windows=4,
        requests=31,
        rate_limited=2,
        retries=3,
        changes=ResponseChanges(new=10, changed=2, unchanged=5),
        rows={"responses": 17, "answers": 120},
        duration_s=3.25,
    )
    line = summary.line()
    assert "\n" not in line
    for part in ("4 windows", "31 requests", "2 429s", "10 new", "2 changed", "answers=120"):
        assert part in line
    assert line.endswith("3.2 s")


def test_redacting_filter_blanks_secrets_and_tokens() -> None:
    redactor = RedactingFilter(["s3cret-key"])
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "login with %s, header Bearer abcdef123456",
        ("s3cret-key",),
        None,
    )
    assert redactor.filter(record)
    text = record.getMessage()
    assert "s3cret-key" not in text and "abcdef123456" not in text
    assert "***" in text
    assert redactor.redact("password=hunter22&x=1") == "password=***&x=1"


def test_explain_unwraps_to_the_wxm_error() -> None:
    try:
        try:
            raise AuthenticationError("WXM refused the login for user `demo`")
        except AuthenticationError as inner:
            raise RuntimeError("Pipeline execution failed at step=extract") from inner
    except RuntimeError as outer:
        line = explain(outer)
    assert line.startswith("login to WXM failed")
    assert "SOURCES__WXM__USERNAME" in line
    recon = explain(ReconciliationError("a..b", 10, 9, 3))
    assert recon.startswith("reconciliation failed") and "\n" not in recon


def test_find_cursor_reads_the_responses_state() -> None:
    assert find_cursor({}) is None
    state = {"sources": {"wxm": {"resources": {"responses": {"cursor": "2024-03-01T00:00:00Z"}}}}}
    assert find_cursor(state) == "2024-03-01T00:00:00Z"


def test_progress_display_follows_the_stats() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    stats = SyncStats()
    with progress_display(stats, enabled=True, console=console):
        assert stats.on_progress is not None
        stats.add("responses", 5, progress=True)
        stats.add("windows_total", 4, progress=True)
        stats.add("windows_done", 1, progress=True)
        console.file.flush()
    assert stats.on_progress is None
    assert wants_progress(None, io.StringIO()) is False
    assert wants_progress(True, io.StringIO()) is True
