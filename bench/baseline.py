"""The baseline: dlt's generic `rest_api` source configured the way its documentation suggests.

This is what a dlt user would write for WXM's feedback endpoint without this project: one
declarative resource on `POST /api/answers/page/{page}/{rows}` with a FilterBy body, a page-number
paginator, `data_selector="responses"`, `total_path="totalPages"`, merge on `id`, a bearer token
from one login call, dlt's default HTTP retries (no rate limiter) and dlt's default nesting of the
answers, notes and ticket into child tables. The page number is a path segment, which no built-in
paginator writes, so a small `PageNumberPaginator` subclass puts it there (dlt's docs suggest
subclassing a paginator for such APIs). Into DuckDB it loads Parquet files
(`loader_file_format="parquet"`, the faster format dlt's DuckDB docs recommend; dlt's default,
insert statements, measured ~10x slower and ~5x the memory here), so the baseline is the fast,
documented configuration rather than a straw man; `--loader-file-format insert_values` runs
dlt's default instead.

Run as a subprocess by the harness, so its time and memory are measured alone:

    python -m bench.baseline --base-url URL --username U --api-key K --data-dir DIR \
        --destination duckdb --from 2024-01-01T00:00:00Z --to 2024-02-01T00:00:00Z

`--incremental` instead loads with a `responseDateTime` cursor (`afterdate` from dlt's
incremental state, no `beforedate`), so a second run reads only what is new.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import dlt
import requests
from dlt.sources.helpers.requests import Request
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator
from dlt.sources.rest_api import RESTAPIConfig, rest_api_source

PIPELINE_NAME = "wxm_baseline"
DATASET_NAME = "wxm"
_PAGE_SEGMENT = re.compile(r"/page/\d+/")


class PathPageNumberPaginator(PageNumberPaginator):
    """A `PageNumberPaginator` that writes the page number into the URL path (`/page/{n}/`)."""

    def __init__(self, base_page: int = 1, total_path: str = "totalPages") -> None:
        """Start at `base_page` and stop at the page count found at `total_path`."""
        super().__init__(base_page=base_page, page_param="page", total_path=total_path)

    def update_request(self, request: Request) -> None:
        """Replace the page segment of the request URL with the current page number."""
        request.url = _PAGE_SEGMENT.sub(f"/page/{self.current_value}/", request.url, count=1)


def login(base_url: str, username: str, api_key: str) -> str:
    """Get a bearer token from `POST /api/LoginToken` (one request)."""
    resp = requests.post(
        f"{base_url}/api/LoginToken",
        data={"grant_type": "password", "username": username, "password": api_key},
        timeout=60,
    )
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def build_source(
    base_url: str,
    token: str,
    *,
    after: str,
    before: str | None,
    incremental: bool,
    rows: int,
) -> Any:
    """Build the declarative `rest_api` source for the feedback endpoint."""
    body: dict[str, Any] = {"sortByOldest": True, "mashup": {"withArchived": True}}
    endpoint: dict[str, Any] = {
        "path": f"answers/page/1/{rows}",
        "method": "POST",
        "json": body,
        "paginator": PathPageNumberPaginator(base_page=1, total_path="totalPages"),
        "data_selector": "responses",
    }
    if incremental:
        body["afterdate"] = "{incremental.start_value}"
        endpoint["incremental"] = {"cursor_path": "responseDateTime", "initial_value": after}
    else:
        body["afterdate"] = after
        if before is not None:
            body["beforedate"] = before

    config: RESTAPIConfig = {
        "client": {"base_url": f"{base_url}/api/", "auth": {"type": "bearer", "token": token}},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [{"name": "responses", "endpoint": endpoint}],  # type: ignore[list-item]
    }
    return rest_api_source(config)


def build_pipeline(destination: str, data_dir: Path) -> dlt.Pipeline:
    """A pipeline with its own working dir under `data_dir`, into DuckDB or Delta/Parquet files."""
    dest: Any
    if destination == "duckdb":
        dest = dlt.destinations.duckdb(str(data_dir / "baseline.duckdb"))
    elif destination == "parquet":
        dest = dlt.destinations.filesystem(bucket_url=(data_dir / "parquet").as_uri())
    else:
        raise ValueError(f"unknown destination {destination!r}")
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(data_dir / "pipelines"),
        destination=dest,
        dataset_name=DATASET_NAME,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, log in, run the `rest_api` pipeline once, print a JSON summary line."""
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--base-url", default=os.environ.get("SOURCES__WXM__BASE_URL"))
    parser.add_argument("--username", default=os.environ.get("SOURCES__WXM__USERNAME"))
    parser.add_argument("--api-key", default=os.environ.get("SOURCES__WXM__API_KEY"))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--destination", choices=["duckdb", "parquet"], default="duckdb")
    parser.add_argument("--from", dest="after", required=True, help="afterdate, ISO 8601 UTC")
    parser.add_argument("--to", dest="before", default=None, help="beforedate, ISO 8601 UTC")
    parser.add_argument("--rows", type=int, default=1000, help="rows per page")
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument(
        "--loader-file-format",
        choices=["parquet", "insert_values", "jsonl"],
        default="parquet",
        help="file format of the load into DuckDB (Delta always loads Parquet)",
    )
    args = parser.parse_args(argv)
    if not (args.base_url and args.username and args.api_key):
        parser.error("--base-url, --username and --api-key (or SOURCES__WXM__* env) are required")

    base_url = args.base_url.rstrip("/")
    token = login(base_url, args.username, args.api_key)
    source = build_source(
        base_url,
        token,
        after=args.after,
        before=args.before,
        incremental=args.incremental,
        rows=args.rows,
    )
    pipeline = build_pipeline(args.destination, args.data_dir)
    if args.destination == "parquet":
        info = pipeline.run(source, table_format="delta")
    else:
        info = pipeline.run(source, loader_file_format=args.loader_file_format)
    normalize_info = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    counts = normalize_info.row_counts if normalize_info else {}
    print(json.dumps({"loads": len(info.loads_ids), "row_counts": dict(counts)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
