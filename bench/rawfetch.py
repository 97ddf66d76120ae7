"""The floor of this machine: fetch every answer page as raw bytes, concurrently, at the rate limit.

No parsing, no shaping, no loading: the time this takes is the best any client can do against the
same simulator on the same machine (the simulator generates every answer it serves), so it tells
whether the API's ceiling (pages ÷ rate limit) is reachable here at all.

    python -m bench.rawfetch --base-url URL --from ISO --to ISO [--rate 15] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.baseline import login


class Spacer:
    """Spaces request starts `1/rate` seconds apart across threads (no limit when rate is 0)."""

    def __init__(self, rate: float) -> None:
        """Allow `rate` request starts per second."""
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller's slot comes."""
        if not self.interval:
            return
        with self._lock:
            slot = max(self._next, time.monotonic())
            self._next = slot + self.interval
        time.sleep(max(0.0, slot - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    """Fetch all pages of the window and print a JSON summary line."""
    parser = argparse.ArgumentParser(prog="python -m bench.rawfetch", description=__doc__)
    parser.add_argument("--base-url", default=os.environ.get("SOURCES__WXM__BASE_URL"))
    parser.add_argument("--username", default=os.environ.get("SOURCES__WXM__USERNAME"))
    parser.add_argument("--api-key", default=os.environ.get("SOURCES__WXM__API_KEY"))
    parser.add_argument("--from", dest="after", required=True)
    parser.add_argument("--to", dest="before", required=True)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=15.0, help="request starts/s; 0 = no limit")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    base = args.base_url.rstrip("/")
    token = login(base, args.username, args.api_key)
    body = {
        "afterdate": args.after,
        "beforedate": args.before,
        "sortByOldest": True,
        "mashup": {"withArchived": True},
    }
    spacer = Spacer(args.rate)
    local = threading.local()
    retries = 0

    def fetch(page: int) -> bytes:
        nonlocal retries
        session: requests.Session | None = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
        while True:
            spacer.wait()
            reply = session.post(
                f"{base}/api/answers/page/{page}/{args.rows}", json=body, timeout=120
            )
            if reply.status_code == 429:
                retries += 1
                time.sleep(float(reply.headers.get("Retry-After", "1")))
                continue
            reply.raise_for_status()
            return reply.content

    first: dict[str, Any] = json.loads(fetch(1))
    pages = int(first["totalPages"])
    with ThreadPoolExecutor(args.threads) as pool:
        size = sum(len(content) for content in pool.map(fetch, range(2, pages + 1)))
    print(json.dumps({"pages": pages, "bytes": size, "retries_429": retries}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
