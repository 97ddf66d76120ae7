"""Translating any failure of a run into one line that names the fix."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigValueCannotBeCoercedException,
)
from dlt.common.destination.exceptions import InvalidDestinationReference, UnknownDestinationModule

from pipelines.errors import PipelineError
from pipelines.settings import PIPELINE_NAME
from sources.wxm.exceptions import (
    ApiError,
    AuthenticationError,
    ReconciliationError,
    WxmError,
)

_DUCKDB_LOCK = re.compile(r"Could not set lock on file \"?([^\"\n:]+)\"?.*?(?:PID (\d+))?", re.S)
_PID = re.compile(r"PID (\d+)")


def causes(exc: BaseException) -> Iterator[BaseException]:
    """Walk an exception and everything it wraps, outermost first.

    Follows `__cause__`, `__context__` and the `exception` attribute dlt's `PipelineStepFailed`
    carries, so a WXM error raised inside an extraction thread is found under dlt's wrappers.

    Args:
        exc: the exception caught at the top.

    Yields:
        each exception in the chain once.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # `raise ... from None` hides the context on purpose (a message naming the setting
        # replaces a bare parser error): do not dig it up again
        context = None if current.__suppress_context__ else current.__context__
        for inner in (getattr(current, "exception", None), current.__cause__, context):
            if isinstance(inner, BaseException):
                pending.append(inner)


def explain(exc: BaseException) -> str:
    """Turn any failure of a run into one line that names the fix.

    Args:
        exc: the exception that ended the run.

    Returns:
        a single line, never containing a secret (WXM errors are written without them).
    """
    chain = list(causes(exc))
    for found in chain:
        if isinstance(found, PipelineError):
            return _one_line(str(found))
    for found in chain:
        # the source's messages already say what to do; add a fix only where one does not
        if isinstance(found, AuthenticationError):
            fix = (
                "set SOURCES__WXM__USERNAME and SOURCES__WXM__API_KEY "
                "(or [sources.wxm] in .dlt/secrets.toml)"
            )
            return _one_line(_with_fix("login to WXM failed", found, fix))
        if isinstance(found, ReconciliationError):
            return _one_line(f"reconciliation failed: {found}")
        if isinstance(found, ApiError):
            return _one_line(_with_fix("WXM API error", found, "check sources.wxm.base_url"))
        if isinstance(found, WxmError):
            return _one_line(_with_fix("WXM error", found, "check the [sources.wxm] settings"))
    for found in chain:
        if isinstance(found, ConfigFieldMissingException):
            return _one_line(_missing_config(found))
        if isinstance(found, ConfigValueCannotBeCoercedException):
            name = found.field_name
            env = f"SOURCES__WXM__{name.upper()}"
            return _one_line(
                f"configuration value {name}={found.field_value!r} is not a valid "
                f"{getattr(found.hint, '__name__', found.hint)}: fix sources.wxm.{name} in "
                f".dlt/config.toml or {env}"
            )
        if isinstance(found, UnknownDestinationModule | InvalidDestinationReference):
            return _one_line(
                f"unknown destination: use duckdb, parquet or a dlt destination name ({found})"
            )
        message = str(found)
        if "Could not set lock on file" in message:
            return _one_line(_duckdb_locked(message))
    root = chain[-1]
    return _one_line(f"{type(root).__name__}: {root}")


_SETTING_WORDS = ("sources.wxm.", "SOURCES__WXM__", "check ", "use ")


def _with_fix(what: str, error: BaseException, fix: str) -> str:
    """`what: message`, with `fix` added only when the message names no setting to fix itself."""
    message = str(error)
    if any(word in message for word in _SETTING_WORDS):
        return f"{what}: {message}"
    if "again" in message:  # "try again later": the fix is for when it does not pass
        return f"{what}: {message}; if it persists, {fix}"
    return f"{what}: {message}: {fix} and retry"


def duckdb_locked_error(exc: BaseException) -> PipelineError | None:
    """Recognise DuckDB's "file is locked by another process" error.

    Args:
        exc: an error raised while opening a DuckDB file.

    Returns:
        a `PipelineError` naming the fix, or None when `exc` is something else.
    """
    for found in causes(exc):
        if "Could not set lock on file" in str(found):
            return PipelineError(_duckdb_locked(str(found)))
    return None


def _duckdb_locked(message: str) -> str:
    """Build the line for a DuckDB file held by another process."""
    match = _DUCKDB_LOCK.search(message)
    path = match.group(1).strip() if match else "the DuckDB file"
    pid = _PID.search(message)
    holder = f" (PID {pid.group(1)})" if pid else ""
    return (
        f"{path} is locked by another process{holder}: close the program holding it "
        "(DuckDB shell, BI tool, another sync) and retry"
    )


def _missing_config(exc: ConfigFieldMissingException) -> str:
    """Build the line for missing configuration or credentials, naming where to set them."""
    fields = ", ".join(exc.fields)
    keys = [_env_name(field, exc.traces.get(field, [])) for field in exc.fields]
    sections = sorted({".".join(key.lower().split("__")[:-1]) for key in keys} - {""})
    where = " or ".join(f"[{section}]" for section in sections)
    return (
        f"missing configuration ({fields}): set {', '.join(dict.fromkeys(keys))} "
        f"(or {where or 'them'} in .dlt/secrets.toml, see .dlt/secrets.toml.example)"
    )


def _env_name(field: str, traces: Iterable[object]) -> str:
    """The environment variable a user should set for `field`, from dlt's lookup trace.

    dlt first looks under the pipeline's name (`WXM__SOURCES__WXM__WXM__USERNAME`) and under the
    section doubled; the name to give is the full one without either
    (`SOURCES__WXM__USERNAME`).
    """
    best = ""
    for trace in traces:
        key = str(getattr(trace, "key", ""))
        parts = key.split("__")
        if not key.isupper() or parts[0].startswith(PIPELINE_NAME.upper()):
            continue
        if any(first == second for first, second in itertools.pairwise(parts)):
            continue
        if len(parts) > len(best.split("__")) or not best:
            best = key
    return best or field.upper()


def _one_line(message: str) -> str:
    """Collapse a message onto one line."""
    return " ".join(message.split())
