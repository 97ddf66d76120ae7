"""A million responses: built quickly, windows found by binary search, ids round-trip."""

from __future__ import annotations

from datetime import timedelta

from sim_helpers import BASE, NOW

from simulator.account import Account


def test_million_responses_small_window_and_id_lookup() -> None:
    account = Account(BASE.replace(responses=1_000_000, days=365))
    assert account.count() == 1_000_000
    truth = account.ground_truth(NOW - timedelta(hours=1), NOW)
    assert 50 < len(truth) < 500
    assert all(account.key_of(rid) is not None for rid in list(truth)[:20])
    assert all("2024-06-01T1" in a["responseDateTime"] for a in truth.values())
    assert account.times.nbytes <= 8_000_000  # columns only; no Answer is held
    assert len(account._bytes) <= account.config.cache_size
