"""Measure how fast the simulator serves answer pages (pages/s and ms/page), and its footprint.

Starts `python -m simulator` as a subprocess (rate limit off), reports its start-up time and RSS,
then fetches pages cold (generated) and warm (cached), single-threaded and with several threads.

Usage:
    python bench/simulator_pages.py [--responses 1000000] [--rows 500] [--pages 16] [--threads 4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests


def _session(url: str) -> requests.Session:
    session = requests.Session()
    form = {"grant_type": "password", "username": "demo", "password": "wxm-demo-api-key"}
    token = session.post(f"{url}/api/LoginToken", data=form, timeout=10).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _fetch(url: str, rows: int, pages: range, body: dict[str, object]) -> int:
    session = _session(url)
    served = 0
    for number in pages:
        reply = session.post(f"{url}/api/answers/page/{number}/{rows}", json=body, timeout=60)
        reply.raise_for_status()
        served += len(reply.content)
    return served


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--port",
            "0",
            "--rate-limit",
            "0",
            "--responses",
            str(args.responses),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        startup = time.perf_counter() - started
        url = line.split(" at ")[1].split()[0]
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        print(f"responses={args.responses:,} start-up={startup:.2f}s rss_at_start={rss:.0f} MiB")

        body: dict[str, object] = {"sortByOldest": True, "mashup": {"withArchived": True}}
        pages = range(1, args.pages + 1)
        for label in ("cold (generated)", "warm (cached)"):
            t0 = time.perf_counter()
            size = _fetch(url, args.rows, pages, body)
            spent = time.perf_counter() - t0
            print(
                f"{label:>18}: {args.pages / spent:7.1f} pages/s  "
                f"{spent / args.pages * 1000:6.1f} ms/page  "
                f"{args.pages * args.rows / spent:9.0f} rows/s  {size / spent / 2**20:6.1f} MiB/s"
            )

        offset = args.pages + 1
        chunks = [
            range(offset + i * args.pages, offset + (i + 1) * args.pages)
            for i in range(args.threads)
        ]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda c: _fetch(url, args.rows, c, body), chunks))
        spent = time.perf_counter() - t0
        total = args.pages * args.threads
        print(
            f"{args.threads} threads, cold: {total / spent:7.1f} pages/s  "
            f"{total * args.rows / spent:9.0f} rows/s"
        )
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        print(f"rss after the run: {rss:.0f} MiB")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
