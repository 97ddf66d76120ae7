"""A live progress display for long runs, fed by the source's `SyncStats` counters."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from sources.wxm.stats import SyncStats


def wants_progress(requested: bool | None, stream: TextIO | None = None) -> bool:
    """Decide whether to show progress: as requested, else only on an interactive terminal.

    Args:
        requested: `--progress` (True), `--no-progress` (False) or neither (None).
        stream: the stream the display would draw on (stderr by default).

    Returns:
        True to show the display; False under cron, pipes and CI.
    """
    if requested is not None:
        return requested
    target = stream if stream is not None else sys.stderr
    return bool(getattr(target, "isatty", lambda: False)())


@contextmanager
def progress_display(
    stats: SyncStats, *, enabled: bool, console: Console | None = None
) -> Iterator[None]:
    """Show windows done/total, responses and requests/s while the block runs.

    The display draws on stderr, so the summary line on stdout stays clean for logs; it is
    transient (erased at the end). `on_progress` is called from the source's worker threads;
    rich's `Progress` is thread-safe.

    Args:
        stats: the counters the source updates; its `on_progress` is set for the block.
        enabled: when False nothing is drawn and `stats` is left alone.
        console: where to draw (stderr by default).
    """
    if not enabled:
        yield
        return

    progress = Progress(
        TextColumn("[bold]windows[/bold]"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.fields[planned]}"),
        TextColumn("· {task.fields[responses]} responses · {task.fields[rate]:.1f} req/s"),
        TextColumn("· {task.fields[throttled]} 429s"),
        TimeElapsedColumn(),
        console=console if console is not None else Console(stderr=True),
        transient=True,
    )
    task: TaskID = progress.add_task(
        "sync", total=None, planned="?", responses=0, rate=0.0, throttled=0
    )

    def update(current: SyncStats) -> None:
        counters = current.snapshot()
        progress.update(
            task,
            total=counters["windows_total"] or None,
            completed=counters["windows_done"],
            planned=counters["windows_total"] or "?",
            responses=counters["responses"],
            rate=current.requests_per_second(),
            throttled=counters["rate_limited"],
        )

    previous = stats.on_progress
    stats.on_progress = update
    with progress:
        try:
            yield
        finally:
            stats.on_progress = previous
