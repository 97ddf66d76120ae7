"""The `wxm` command: sync, backfill, status, reset, dictionary and demo.

This is the only module that prints. Results go to stdout (one summary line per run, made for
cron mail and log files); logs, the progress display and errors go to stderr. Every failure ends
with one line that names the fix and a non-zero exit code.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from pipelines.errors import PipelineError
from pipelines.redaction import RedactingFilter, configured_secrets
from pipelines.settings import (
    DEFAULT_DATA_DIR,
    DEFAULT_DESTINATION,
    RunSettings,
    no_dlt_telemetry,
)

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
INTERRUPTED = (
    "interrupted; what was loaded stays loaded and the cursor only covers it: run the same "
    "command again to continue"
)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

app = typer.Typer(
    name="wxm",
    help="Load Webex Experience Management (WXM) feedback into DuckDB, Parquet or any dlt "
    "destination.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Folder for outputs (warehouse.duckdb, parquet/).")
]
PipelinesDir = Annotated[
    Path | None,
    typer.Option("--pipelines-dir", help="dlt working folder [default: DATA_DIR/.dlt-pipelines]."),
]
DestinationOpt = Annotated[
    str,
    typer.Option(
        "--destination", "-d", help="duckdb, parquet (Delta tables) or any dlt destination name."
    ),
]
Verbose = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More logs: -v info, -vv debug.")
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing on success; errors only.")
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress", help="Progress display [default: only on a terminal]."
    ),
]

_redactor = RedactingFilter()


def setup_logging(verbose: int, quiet: bool) -> None:
    """Send logs to stderr at WARNING (INFO with -v, DEBUG with -vv, ERROR with --quiet).

    Every handler carries the redacting filter, dlt's own logger included (dlt keeps the first
    handler it finds on its logger, so the filter installed here stays in place). dlt's own
    messages (warnings included) show only from -v on, so a successful cron run stays silent.

    Args:
        verbose: how many times `-v` was given.
        quiet: `--quiet`.
    """
    if quiet:
        level = logging.ERROR
    else:
        level = (logging.WARNING, logging.INFO)[verbose] if verbose < 2 else logging.DEBUG
    # dlt logs a failed load job with its whole traceback at ERROR, and warns about things the
    # pipeline handles; the CLI's own error line says what to fix, so dlt speaks only from -v on.
    dlt_level = logging.CRITICAL if verbose == 0 else level
    # both before the first dlt lookup (the secrets below): dlt sets its logger up from its
    # runtime configuration then, and again in worker processes
    os.environ["RUNTIME__LOG_LEVEL"] = logging.getLevelName(dlt_level)
    no_dlt_telemetry()
    for secret in configured_secrets():
        _redactor.add(secret)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(_redactor)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)

    dlt_handler = logging.StreamHandler(sys.stderr)
    dlt_handler.addFilter(_redactor)
    # dlt may reset its logger's level when it re-reads its configuration; the handler's level
    # is ours alone
    dlt_handler.setLevel(dlt_level)
    dlt_logger = logging.getLogger("dlt")
    dlt_logger.handlers = [dlt_handler]
    dlt_logger.propagate = False
    dlt_logger.setLevel(dlt_level)


def _settings(data_dir: Path, pipelines_dir: Path | None, destination: str) -> RunSettings:
    """Bundle the common options."""
    return RunSettings(data_dir=data_dir, pipelines_dir=pipelines_dir, destination=destination)


def _fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one error line to stderr and exit."""
    typer.echo(f"wxm: error: {_redactor.redact(message)}", err=True)
    raise typer.Exit(code)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into an interrupt, so a run stops between steps like on Ctrl-C."""
    raise KeyboardInterrupt


@contextmanager
def _errors_as_one_line() -> Iterator[None]:
    """Run a command; turn any failure into one line and a non-zero exit."""
    from pipelines.failures import causes, explain

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    except typer.Exit:
        raise
    except PipelineError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail(INTERRUPTED, EXIT_INTERRUPTED)
    except Exception as exc:
        logger.debug("The run failed", exc_info=True)
        if any(isinstance(found, KeyboardInterrupt) for found in causes(exc)):
            _fail(INTERRUPTED, EXIT_INTERRUPTED)  # dlt wraps the interrupt of a step
        _fail(explain(exc))
    finally:
        signal.signal(signal.SIGTERM, previous)


def _with_progress(enabled: bool, work: Callable[[Any], Any]) -> Any:
    """Run `work(stats)` with a progress display fed by fresh `SyncStats`."""
    from pipelines.progress import progress_display
    from sources.wxm.stats import SyncStats

    stats = SyncStats()
    with progress_display(stats, enabled=enabled):
        return work(stats)


def _run_and_summarise(
    data_dir: Path,
    pipelines_dir: Path | None,
    destination: str,
    quiet: bool,
    progress: bool | None,
    work: Callable[[Any, Any], Any],
) -> None:
    """Run `work(settings, stats)` (a sync or a backfill) and print its one summary line.

    Args:
        data_dir: the `--data-dir` option.
        pipelines_dir: the `--pipelines-dir` option.
        destination: the `--destination` option.
        quiet: print nothing on success (and show no progress).
        progress: the `--progress/--no-progress` option (None: only on a terminal).
        work: the run, called with the settings and fresh `SyncStats`.
    """
    from pipelines.progress import wants_progress

    with _errors_as_one_line():
        settings = _settings(data_dir, pipelines_dir, destination)
        show = wants_progress(progress) and not quiet
        summary = _with_progress(show, lambda stats: work(settings, stats))
    if not quiet:
        typer.echo(summary.line())


@app.command()
def sync(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    destination: DestinationOpt = DEFAULT_DESTINATION,
    rescan: Annotated[
        float | None,
        typer.Option(help="Re-read this many days before the cursor [default: lookback, 7]."),
    ] = None,
    start_date: Annotated[
        str | None,
        typer.Option(help="Where the first sync starts (ISO 8601) [default: whole history]."),
    ] = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
    progress: ProgressOpt = None,
) -> None:
    """Incremental sync (for cron): new, late and edited responses since the cursor."""
    setup_logging(verbose, quiet)
    from pipelines import run

    _run_and_summarise(
        data_dir,
        pipelines_dir,
        destination,
        quiet,
        progress,
        lambda settings, stats: run.sync(
            settings, start_date=start_date, rescan_days=rescan, stats=stats
        ),
    )


@app.command()
def backfill(
    date_from: Annotated[str, typer.Option("--from", help="Start of the range (ISO 8601, UTC).")],
    date_to: Annotated[
        str, typer.Option("--to", help="End of the range; a date includes the day.")
    ],
    chunk_days: Annotated[float, typer.Option(help="Days per load.")] = 30.0,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    destination: DestinationOpt = DEFAULT_DESTINATION,
    verbose: Verbose = 0,
    quiet: Quiet = False,
    progress: ProgressOpt = None,
) -> None:
    """Load a date range in chunks without moving the incremental cursor."""
    setup_logging(verbose, quiet)
    from pipelines import run

    _run_and_summarise(
        data_dir,
        pipelines_dir,
        destination,
        quiet,
        progress,
        lambda settings, stats: run.backfill(
            settings, date_from=date_from, date_to=date_to, chunk_days=chunk_days, stats=stats
        ),
    )


@app.command()
def status(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    destination: DestinationOpt = DEFAULT_DESTINATION,
    verbose: Verbose = 0,
) -> None:
    """Show the cursor, the last load and row counts per table."""
    setup_logging(verbose, False)
    from pipelines import run

    with _errors_as_one_line():
        report = run.status(_settings(data_dir, pipelines_dir, destination))
    last = report.last_load_at.isoformat() if report.last_load_at else "never"
    typer.echo(f"pipeline     {report.pipeline_name} ({report.destination})")
    typer.echo(f"working dir  {report.working_dir}")
    typer.echo(f"cursor       {report.cursor or 'none (next sync reads the whole history)'}")
    typer.echo(
        f"last load    {last}"
        + (f" (load id {report.last_load_id})" if report.last_load_id else "")
    )
    pending = report.pending_packages
    typer.echo(
        f"pending      {pending} load package{'' if pending == 1 else 's'}"
        + ("; the next run loads them first" if pending else "")
    )
    if report.row_counts is None:
        typer.echo(f"rows         unknown ({report.unreadable})")
    elif not report.row_counts:
        typer.echo("rows         none")
    else:
        width = max(len(name) for name in report.row_counts)
        typer.echo("rows")
        for name, count in report.row_counts.items():
            typer.echo(f"  {name:<{width}}  {count:>10,}")


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    drop_data: Annotated[
        bool, typer.Option("--drop-data", help="Also drop the loaded tables.")
    ] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    destination: DestinationOpt = DEFAULT_DESTINATION,
    verbose: Verbose = 0,
) -> None:
    """Forget the pipeline state (cursor); the next sync reads the whole history again."""
    setup_logging(verbose, False)
    from pipelines import run

    what = "the state and ALL loaded tables" if drop_data else "the state (cursor); data is kept"
    settings = _settings(data_dir, pipelines_dir, destination)
    if not yes:
        if not sys.stdin.isatty():
            _fail("reset needs confirmation: run it on a terminal or pass --yes")
        typer.confirm(
            f"Forget {what} of pipeline {settings.pipeline_name} ({destination})?", abort=True
        )
    with _errors_as_one_line():
        had_state = run.reset(settings, drop_data=drop_data)
    typer.echo(f"wxm reset ok: forgot {what}" if had_state else "wxm reset ok: nothing to forget")


@app.command()
def dictionary(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    destination: DestinationOpt = DEFAULT_DESTINATION,
    verbose: Verbose = 0,
) -> None:
    """Print (or write) the data dictionary: every table, column, type and meaning."""
    setup_logging(verbose, False)
    from pipelines.dictionary import render_dictionary

    with _errors_as_one_line():
        text = render_dictionary(_settings(data_dir, pipelines_dir, destination))
        if out is not None:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise PipelineError(
                    f"cannot write {out} ({exc.strerror}): choose another --out"
                ) from exc
    if out is None:
        typer.echo(text)
    else:
        typer.echo(f"wxm dictionary ok: wrote {out}")


@app.command()
def demo(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    pipelines_dir: PipelinesDir = None,
    responses: Annotated[int, typer.Option(help="Responses in the simulated account.")] = 20_000,
    days: Annotated[float, typer.Option(help="Days of history.")] = 90.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated data.")] = 7,
    verbose: Verbose = 0,
    progress: ProgressOpt = None,
) -> None:
    """Start the simulator, sync it into DATA_DIR/warehouse.duckdb and show queries to try."""
    setup_logging(verbose, False)
    from pipelines.demo import run_demo
    from pipelines.progress import wants_progress

    started = time.monotonic()
    with _errors_as_one_line():
        settings = _settings(data_dir, pipelines_dir, DEFAULT_DESTINATION)
        result = _with_progress(
            wants_progress(progress),
            lambda stats: run_demo(
                settings,
                responses=responses,
                days=days,
                seed=seed,
                stats=stats,
                on_secret=_redactor.add,
            ),
        )

    console = Console(highlight=False)
    console.print(result.summary.line(), soft_wrap=True)
    loaded = Table(title=f"Loaded into {result.database} (schema wxm)", title_justify="left")
    loaded.add_column("table / view")
    loaded.add_column("rows", justify="right")
    for name, count in result.tables:
        loaded.add_row(name, f"{count:,}")
    console.print(loaded)
    for query in result.queries:
        console.print(f"\n[bold]{query.title}[/bold]")
        console.print(query.sql, markup=False)
        answer = Table(*query.columns)
        for row in query.rows:
            answer.add_row(*("" if value is None else str(value) for value in row))
        console.print(answer)
    console.print(
        f'\nTry your own: .venv/bin/python -c "import duckdb; '
        f"duckdb.connect('{result.database}', read_only=True)"
        f".sql('SELECT * FROM wxm.responses LIMIT 5').show()\"   (or the separate duckdb CLI)",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"demo finished in {time.monotonic() - started:.1f} s", markup=False)


def main() -> None:
    """Entry point of the `wxm` console script."""
    app()


if __name__ == "__main__":
    main()
