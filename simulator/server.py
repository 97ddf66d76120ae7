"""Running the simulator: uvicorn in a background thread, and `run_simulator`."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from simulator.account import Account
from simulator.admin import AdminRoutes
from simulator.app import SimulatorApp
from simulator.config import SimulatorConfig
from simulator.faults import Faults
from simulator.protocol import ResettableH11Protocol
from simulator.stats import Stats
from simulator.tokens import TokenStore

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether `host` names a loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Simulator:
    """A running simulator: its URL, credentials, live account, fault script and counters."""

    def __init__(self, config: SimulatorConfig) -> None:
        if not is_loopback(config.host) and not config.allow_remote:
            raise ValueError(
                f"refusing to bind to non-loopback host {config.host!r}; set allow_remote=True "
                "(CLI: --allow-remote) to do it anyway"
            )
        self.config = config
        self.account = Account(config)
        self.faults = Faults()
        self.stats = Stats()
        self.tokens = TokenStore(config.token_ttl)
        self.app = SimulatorApp(self.account, self.faults, self.stats, self.tokens)
        if config.admin:
            self.app.admin = AdminRoutes(self.account, self.faults, self.stats)
        self.username = config.username
        self.api_key = config.api_key
        self.password = config.password
        self.host = config.host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, without trailing slash (`http://127.0.0.1:PORT`)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Bind the port and serve in a daemon thread; returns once the server accepts requests.

        Raises:
            RuntimeError: when the server does not come up within `timeout` seconds.
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.config.port))
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=ResettableH11Protocol,
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
            backlog=512,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="wxm-simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        logger.info("simulator serving at %s", self.url)

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


@contextmanager
def run_simulator(config: SimulatorConfig | None = None) -> Iterator[Simulator]:
    """Serve a simulated account for the duration of a `with` block.

    Example:
        >>> with run_simulator(SimulatorConfig(responses=500, rate_limit=0)) as sim:
        ...     requests.post(f"{sim.url}/api/answers/count", json={}).status_code
    """
    simulator = Simulator(config or SimulatorConfig())
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()
