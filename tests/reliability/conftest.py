"""Fixtures of the reliability suite and its one figure line.

Each scenario counts itself, the faults its simulators fired, and the rows it compared with the
ground truth (`reliability_helpers.Figures`). At the end of the session the suite prints ONE line:
`reliability: N scenarios, F faults injected, R rows compared, M mismatches`.

Under pytest-xdist the controller never imports this file (it does not collect), so each worker
writes its figures to a folder named after the run (`PYTEST_XDIST_TESTRUNUID`); the last worker
to finish, seeing every worker's file, sums them and prints the line on the terminal (stderr).
Without xdist the line comes from `pytest_terminal_summary`.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from reliability_helpers import Figures, Scenario

FIGURES = Figures()


@pytest.fixture
def figures() -> Figures:
    """The figures of this process."""
    return FIGURES


@pytest.fixture
def scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> Iterator[Scenario]:
    """One counted scenario: start simulators with `.start()`, end with `.verify(sim)`."""
    for name in list(os.environ):
        if name.startswith(("SOURCES__WXM__", "WXM__")):
            monkeypatch.delenv(name)
    case = Scenario(tmp_path=tmp_path, figures=figures, monkeypatch=monkeypatch)
    figures.scenarios += 1
    try:
        yield case
    finally:
        case.close()


@pytest.fixture
def quick_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cap every retry wait and the hold after a bare 429 at 50 ms (the waits are still real)."""
    from sources.wxm import ratelimit, retry

    original: Callable[..., object] = retry.pause

    def short(seconds: float, stop: object) -> object:
        return original(min(seconds, 0.05), stop)

    monkeypatch.setattr(retry, "pause", short)
    monkeypatch.setattr(retry.time, "sleep", lambda s: None)
    monkeypatch.setattr(ratelimit, "DEFAULT_COOLDOWN_S", 0.05)  # the hold after a bare 429


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figure line (a run without xdist)."""
    if FIGURES.scenarios:
        terminalreporter.write_line(FIGURES.line())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: publish this worker's figures; the last worker prints the sum."""
    config = session.config
    if not hasattr(config, "workerinput"):
        return
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "run")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    folder = Path(tempfile.gettempdir()) / f"wxm-reliability-{run}"
    folder.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (folder / f"{worker}.json").write_text(json.dumps(asdict(FIGURES)))
        parts = sorted(folder.glob("*.json"))
        if len(parts) < workers:
            return
        total = Figures()
        for part in parts:
            total.add(json.loads(part.read_text()))
        shutil.rmtree(folder, ignore_errors=True)
    if not total.scenarios:
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            sys.stderr.write(f"\n{total.line()}\n")
            sys.stderr.flush()
    else:
        sys.stderr.write(f"\n{total.line()}\n")
