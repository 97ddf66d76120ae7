"""The simulator in its own process, so its CPU and memory never mix with a measured pipeline's.

`SimulatorProcess` starts `python -m simulator` on a free loopback port with the admin routes on,
waits for `/api/status`, reads the request counters over HTTP between runs, and stops the process.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from bench.timeutil import iso_z


@dataclasses.dataclass(frozen=True)
class SimSpec:
    """The simulator settings one scenario needs (everything else keeps the simulator default)."""

    responses: int
    rate_limit: float
    latency_ms: float
    now: datetime
    days: float = 30.0
    seed: int = 7

    def label(self) -> str:
        """A short human label, e.g. `200k @15/s +200ms`."""
        size = f"{self.responses // 1000}k" if self.responses >= 1000 else str(self.responses)
        limit = f"@{self.rate_limit:g}/s" if self.rate_limit else "no limit"
        latency = f" +{self.latency_ms:g}ms" if self.latency_ms else ""
        return f"{size} {limit}{latency}"


@dataclasses.dataclass(frozen=True)
class StatsDelta:
    """Requests the simulator saw between two snapshots."""

    requests: int
    rate_limited: int
    logins: int
    by_route: dict[str, int]


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimulatorProcess:
    """A `python -m simulator` subprocess serving one scenario's data.

    Use as a context manager; `url`, `username` and `api_key` are what a client needs.
    """

    def __init__(self, spec: SimSpec, log_dir: Path, *, startup_timeout_s: float = 900.0) -> None:
        """Prepare (but do not start) a simulator for `spec`, logging into `log_dir`."""
        self.spec = spec
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.username = "demo"
        self.api_key = "wxm-demo-api-key"
        self.log_dir = log_dir
        self.startup_timeout_s = startup_timeout_s
        self.startup_s = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._http = requests.Session()

    def argv(self) -> list[str]:
        """The command line that starts this simulator."""
        s = self.spec
        return [
            sys.executable,
            "-m",
            "simulator",
            "--seed",
            str(s.seed),
            "--responses",
            str(s.responses),
            "--days",
            f"{s.days:g}",
            "--rate-limit",
            f"{s.rate_limit:g}",
            "--latency-ms",
            f"{s.latency_ms:g}",
            "--now",
            iso_z(s.now),
            "--port",
            str(self.port),
            "--admin",
        ]

    def __enter__(self) -> SimulatorProcess:
        """Start the process and wait until `/api/status` answers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        name = f"simulator-{self.port}"
        out = (self.log_dir / f"{name}.out").open("wb")
        err = (self.log_dir / f"{name}.err").open("wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        start = time.perf_counter()
        self._proc = subprocess.Popen(self.argv(), stdout=out, stderr=err, env=env)
        out.close()
        err.close()
        deadline = start + self.startup_timeout_s
        while True:
            if self._proc.poll() is not None:
                tail = (self.log_dir / f"{name}.err").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"simulator exited with {self._proc.returncode}:\n{tail}")
            try:
                if self._http.get(f"{self.url}/api/status", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.perf_counter() > deadline:
                self.stop()
                raise TimeoutError(f"simulator did not start within {self.startup_timeout_s:.0f}s")
            time.sleep(0.2)
        self.startup_s = time.perf_counter() - start
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the process."""
        self.stop()

    def stop(self) -> None:
        """Terminate the simulator process (kill it if it does not stop in 10 s)."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def stats(self) -> dict[str, Any]:
        """The simulator's request counters (admin route)."""
        resp = self._http.get(f"{self.url}/_admin/stats", timeout=30)
        resp.raise_for_status()
        return dict(resp.json())

    def count(self, after: datetime | None = None, before: datetime | None = None) -> int:
        """How many responses the account holds in `[after, before]` (admin ground truth)."""
        params = {}
        if after is not None:
            params["after"] = iso_z(after)
        if before is not None:
            params["before"] = iso_z(before)
        resp = self._http.get(f"{self.url}/_admin/ground_truth", params=params, timeout=120)
        resp.raise_for_status()
        return int(resp.json()["count"])

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> StatsDelta:
        """The requests made between two `stats()` snapshots."""
        routes_before = before.get("by_route", {})
        routes_after = after.get("by_route", {})
        by_route = {
            route: int(n) - int(routes_before.get(route, 0))
            for route, n in routes_after.items()
            if int(n) - int(routes_before.get(route, 0))
        }
        return StatsDelta(
            requests=int(after.get("requests", 0)) - int(before.get("requests", 0)),
            rate_limited=int(after.get("rate_limited", 0)) - int(before.get("rate_limited", 0)),
            logins=int(after.get("logins", 0)) - int(before.get("logins", 0)),
            by_route=by_route,
        )
