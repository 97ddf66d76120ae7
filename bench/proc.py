"""Run one command as a subprocess and measure its wall time and peak resident memory.

Peak RSS is taken two ways and the larger is kept: the kernel's own high-water mark of the
largest process in the tree (`wait4` rusage, exact but per process), and the sum of RSS over the
process tree sampled every few tens of milliseconds (catches worker processes, may miss a spike).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

_POLL_S = 0.02


@dataclasses.dataclass
class ProcResult:
    """What one measured subprocess did."""

    argv: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float
    peak_rss_tree_mb: float
    maxrss_mb: float
    cpu_user_s: float
    cpu_sys_s: float
    stdout_path: Path
    stderr_path: Path

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.returncode == 0

    def tail(self, lines: int = 30) -> str:
        """Return the last lines of the command's stderr and stdout (for error reports)."""
        out = []
        for path in (self.stderr_path, self.stdout_path):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()
                out.extend(text[-lines:])
        return "\n".join(out)


def _tree_rss(proc: psutil.Process) -> int:
    """Sum the RSS of a process and all its descendants (bytes); vanished processes count 0."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log_dir: Path,
    name: str,
    timeout_s: float = 3600.0,
) -> ProcResult:
    """Run `argv` to completion and measure it.

    Args:
        argv: The command and its arguments.
        env: The full environment for the child (None = inherit).
        cwd: Working directory of the child.
        log_dir: Where the child's stdout and stderr are written (`<name>.out`, `<name>.err`).
        name: A file-safe label for the logs.
        timeout_s: Kill the child (and its tree) after this many seconds.

    Returns:
        The measurements; `returncode` is non-zero (or -9 on timeout) when the command failed.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / f"{name}.out"
    stderr_path = log_dir / f"{name}.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            list(argv), env=dict(env) if env is not None else None, cwd=cwd, stdout=out, stderr=err
        )
        ps = psutil.Process(child.pid)
        peak_tree = 0
        status = 0
        rusage = None
        while True:
            pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
            if pid == child.pid:
                break
            peak_tree = max(peak_tree, _tree_rss(ps))
            if time.perf_counter() - start > timeout_s:
                for p in [*ps.children(recursive=True), ps]:
                    with contextlib.suppress(psutil.Error):
                        p.kill()
                _, status, rusage = os.wait4(child.pid, 0)
                break
            time.sleep(_POLL_S)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)

    maxrss_mb = rusage.ru_maxrss / 1024 if rusage else 0.0  # Linux: kilobytes
    tree_mb = peak_tree / 2**20
    return ProcResult(
        argv=list(argv),
        returncode=child.returncode,
        wall_s=wall,
        peak_rss_mb=max(maxrss_mb, tree_mb),
        peak_rss_tree_mb=tree_mb,
        maxrss_mb=maxrss_mb,
        cpu_user_s=rusage.ru_utime if rusage else 0.0,
        cpu_sys_s=rusage.ru_stime if rusage else 0.0,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
    )
