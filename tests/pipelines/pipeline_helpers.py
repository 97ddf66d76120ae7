"""Helpers of the pipeline tests: source arguments, ground truth and what was loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.destinations import open_dataset
from pipelines.settings import RunSettings
from simulator import Simulator, content_hash

SALT = "pipeline-tests-salt"


def source_args(sim: Simulator, **extra: Any) -> dict[str, Any]:
    """`wxm_source` arguments pointing at the simulator."""
    return {
        "base_url": sim.url,
        "username": sim.username,
        "api_key": sim.api_key,
        "rate_limit": 0,
        "pii_salt": SALT,
        **extra,
    }


def cli_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Configure the source through the environment, as cron would, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCES__WXM__BASE_URL", sim.url)
    monkeypatch.setenv("SOURCES__WXM__USERNAME", sim.username)
    monkeypatch.setenv("SOURCES__WXM__API_KEY", sim.api_key)
    monkeypatch.setenv("SOURCES__WXM__PII_SALT", SALT)
    monkeypatch.setenv("SOURCES__WXM__RATE_LIMIT", "0")


def truth_hashes(sim: Simulator, **bounds: Any) -> dict[str, str]:
    """id -> content hash of every response the account holds (archived included)."""
    return {rid: content_hash(answer) for rid, answer in sim.account.ground_truth(**bounds).items()}


def truth_answer_keys(sim: Simulator) -> set[tuple[str, str]]:
    """(response id, question id) of every answered question the account holds."""
    return {
        (rid, item["questionId"])
        for rid, answer in sim.account.ground_truth().items()
        for item in answer["responses"]
    }


def loaded_hashes(settings: RunSettings, *, live_only: bool = True) -> dict[str, str]:
    """id -> content hash of the loaded responses (not marked deleted, unless asked)."""
    where = "WHERE deleted_at IS NULL" if live_only else ""
    with open_dataset(settings) as con:
        assert con is not None
        rows = con.execute(f"SELECT id, content_hash FROM wxm.responses {where}").fetchall()
    return {str(rid): str(digest) for rid, digest in rows}


def loaded_answer_keys(settings: RunSettings) -> set[tuple[str, str]]:
    """(response id, question id) of the loaded answers of live responses."""
    with open_dataset(settings) as con:
        assert con is not None
        rows = con.execute(
            "SELECT a.response_id, a.question_id FROM wxm.answers AS a "
            "JOIN wxm.responses AS r ON r.id = a.response_id WHERE r.deleted_at IS NULL"
        ).fetchall()
    return {(str(a), str(b)) for a, b in rows}


def duplicates(settings: RunSettings) -> dict[str, int]:
    """Rows beyond the first per primary key, for the response tables."""
    keys = {
        "responses": "id",
        "answers": "response_id, question_id",
        "notes": "response_id, note_index",
        "tickets": "response_id",
    }
    found: dict[str, int] = {}
    with open_dataset(settings) as con:
        assert con is not None
        for table, key in keys.items():
            distinct = f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM wxm.{table})"
            row = con.execute(f"SELECT count(*) - ({distinct}) FROM wxm.{table}").fetchone()
            found[table] = int(row[0]) if row else -1
    return found
