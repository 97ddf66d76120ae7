"""A file lock that keeps two runs of the same pipeline from working at once."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.errors import PipelineError

logger = logging.getLogger(__name__)


@contextmanager
def pipeline_lock(path: Path, pipeline_name: str) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on `path` for the duration of a run.

    The lock is an `flock` on a file in the pipeline's working folder, so the operating system
    releases it when the process dies, even on SIGKILL: a stale lock file never blocks a later
    run. The holder writes its PID into the file so a second run can name it.

    Args:
        path: the lock file (created if missing).
        pipeline_name: named in the error message.

    Raises:
        PipelineError: at once, when another process holds the lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            by = f" by PID {holder}" if holder else ""
            raise PipelineError(
                f"pipeline `{pipeline_name}` is already running{by} (lock {path}): wait for it "
                "to finish; do not start two syncs of one pipeline at once"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        logger.debug("Took the pipeline lock `%s`", path)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    """Read the PID the lock holder wrote, if any."""
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
