"""Command line of the simulator: `python -m simulator --responses 1000000 --rate-limit 15`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from simulator.config import SimulatorConfig
from simulator.server import is_loopback, run_simulator

logger = logging.getLogger(__name__)


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a time zone (e.g. 2024-05-01T00:00:00Z)")
    return moment


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every SimulatorConfig field has a flag."""
    d = SimulatorConfig()
    p = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Local simulator of the WXM REST API.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--host", default=d.host, help="interface to bind (loopback only by default)")
    p.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    p.add_argument(
        "--seed", type=int, default=d.seed, help="seed of all generated data (same seed, same data)"
    )
    p.add_argument(
        "--responses", type=int, default=d.responses, help="responses generated at start-up"
    )
    p.add_argument(
        "--days", type=float, default=d.days, help="days of history the responses spread over"
    )
    p.add_argument(
        "--now",
        type=_instant,
        default=None,
        help="pin the account's start-up instant (ISO 8601 with zone)",
    )
    p.add_argument("--rate-limit", type=float, default=d.rate_limit, help="requests/s; 0 = off")
    p.add_argument(
        "--latency-ms", type=float, default=d.latency_ms, help="latency added to every request"
    )
    p.add_argument(
        "--row-cost-us",
        type=float,
        default=d.row_cost_us,
        help="extra latency per response served (microseconds)",
    )
    p.add_argument("--username", default=d.username, help="the accepted login user")
    p.add_argument("--api-key", default=d.api_key, help="the accepted API key")
    p.add_argument(
        "--password", default=d.password, help="accepted login password (besides the API key)"
    )
    p.add_argument(
        "--token-ttl", type=float, default=d.token_ttl, help="access token lifetime in seconds"
    )
    p.add_argument(
        "--first-page",
        choices=["both", "zero", "one"],
        default=d.first_page,
        help="page numbering: both (pages 0 and 1 are the first), zero- or one-based",
    )
    p.add_argument(
        "--exclusive-bounds",
        action="store_true",
        help="afterdate/beforedate exclusive (default inclusive)",
    )
    p.add_argument(
        "--retry-after",
        type=_bool,
        default=d.send_retry_after,
        help="send Retry-After with 429 (true/false)",
    )
    p.add_argument(
        "--retry-after-seconds",
        type=int,
        default=d.retry_after_seconds,
        help="the Retry-After value sent with a 429",
    )
    p.add_argument(
        "--fraction-digits",
        type=int,
        choices=[0, 3, 7],
        default=d.fraction_digits,
        help="fraction-of-second digits in timestamps",
    )
    p.add_argument("--no-z", action="store_true", help="timestamps without the trailing Z")
    p.add_argument(
        "--max-rows", type=int, default=d.max_rows, help="largest accepted page size (400 above)"
    )
    p.add_argument(
        "--cache-size", type=int, default=d.cache_size, help="served responses kept serialized"
    )
    p.add_argument("--admin", action="store_true", help="enable the /_admin routes")
    return p


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The SimulatorConfig a parsed command line asks for."""
    return SimulatorConfig(
        seed=args.seed,
        responses=args.responses,
        days=args.days,
        now=args.now,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
        row_cost_us=args.row_cost_us,
        username=args.username,
        api_key=args.api_key,
        password=args.password,
        token_ttl=args.token_ttl,
        first_page=args.first_page,
        inclusive_bounds=not args.exclusive_bounds,
        send_retry_after=args.retry_after,
        retry_after_seconds=args.retry_after_seconds,
        fraction_digits=args.fraction_digits,
        trailing_z=not args.no_z,
        max_rows=args.max_rows,
        cache_size=args.cache_size,
        admin=args.admin,
        host=args.host,
        port=args.port,
        allow_remote=args.allow_remote,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until SIGINT or SIGTERM."""
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        sys.stderr.write(
            f"refusing to bind to non-loopback host {args.host!r}; "
            "pass --allow-remote to do it anyway\n"
        )
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with run_simulator(config_from_args(args)) as sim:
        sys.stdout.write(
            f"WXM simulator ready at {sim.url} (user {sim.username!r}, "
            f"{args.responses} responses)\n"
        )
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0
