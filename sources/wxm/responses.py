"""The `responses` resource: windows of WXM Answers, fetched concurrently, reconciled, shaped.

How each point of wxm-api.md §4 is answered (with `windows.py`):

1. *Client-set `responseDateTime`, late arrivals*: every sync re-scans `lookback_days` (default 7)
   before the stored cursor; older late arrivals need a backfill (`backfill_from/_to`).
2. *Responses change without a modified stamp*: the re-scan re-reads them; rows are upserted on
   their keys (merge), and `responses.content_hash` shows what changed.
3. *Archived responses are hidden by default*: every FilterBy asks for `mashup.withArchived`.
4. *Deletions leave no trace*: only a re-scan can see them; the ids of every re-scanned window are
   fetched in full, so the pipeline can compare them (the source itself never deletes rows).
5. *Many responses per second*: windows share their inclusive boundaries and are cut on
   milliseconds; responses are de-duplicated by id within a window and against the previous one.
6. *Shifting pages*: each sync's range ends at a fixed instant in the past; pages are read oldest
   first (`sortByOldest`); page numbering is detected once (0-based, or 1-based with 0 as an alias
   of 1) and every window is reconciled, so a wrong reading cannot pass silently.
7. *15 requests/s with slow pages*: pages of several windows are fetched by a pool of
   `max_in_flight` threads through the shared rate limiter; windows are still yielded in order.

Reconciliation: a window's distinct ids must equal the `totalCount` its pages report (or
`/api/answers/count` when pages carry none), and all pages must agree on it. A mismatch re-fetches
the window (twice), then raises `ReconciliationError`.

Cursor: `state["cursor"]` (dlt resource state, ISO text, parsed to a tz-aware datetime before any
comparison) is the end of the last window that was reconciled and yielded; after the last window
it is the scan range's fixed end. dlt commits state with the load package, so the cursor moves only
with loaded data; an error stops the extract and the cursor stays where the last load left it. A
backfill (`backfill_from` and `backfill_to`) scans exactly that range and never touches the cursor.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dlt
from dlt.common.schema.typing import TWriteDispositionConfig
from dlt.extract import DltResource

from sources.wxm.client import AnswersPage, WxmClient
from sources.wxm.exceptions import ApiError, ReconciliationError
from sources.wxm.stats import SyncStats
from sources.wxm.windows import (
    EARLIEST,
    Span,
    Window,
    fixed_end,
    floor_ms,
    format_instant,
    pages_for,
    parse_instant,
    plan_windows,
    scan_range,
)
from transforms.arrow import rows_to_arrow
from transforms.shape import RESPONSE_TABLES, TABLES, Shaper, dlt_columns

logger = logging.getLogger(__name__)

PAGES_PER_WINDOW = 8
"""A window holds at most this many pages: enough to keep the pool busy, small enough to hold."""
RECONCILE_ATTEMPTS = 3
SHAPE_BATCH = 2000
"""Answers shaped into one Arrow table per table at a time (bounds the Python rows held)."""
BOUND_PAD = timedelta(milliseconds=1)
MERGE: TWriteDispositionConfig = {"disposition": "merge", "strategy": "upsert"}


def filter_by(start: datetime, end: datetime) -> dict[str, Any]:
    """The FilterBy body of a window: oldest first, archived included.

    The bounds are widened by `BOUND_PAD` on each side, so `[start, end]` is covered whether the API
    reads `afterdate`/`beforedate` as inclusive (documented guess) or exclusive.
    """
    return {
        "afterdate": format_instant(start - BOUND_PAD),
        "beforedate": format_instant(end + BOUND_PAD),
        "sortByOldest": True,
        "mashup": {"withArchived": True},
    }


@dataclass
class FetchSettings:
    """How windows are fetched.

    Attributes:
        page_size: rows per page (`{rows}` in the path; WXM clients use 25-1000).
        max_in_flight: concurrent requests.
        pages_per_window: the most pages a planned window should hold.
    """

    page_size: int = 1000
    max_in_flight: int = 8
    pages_per_window: int = PAGES_PER_WINDOW


class WindowFetcher:
    """Counts, plans and fetches windows of responses with a pool of threads.

    Args:
        client: the shared client.
        settings: page size and concurrency.
        stats: the sync's counters.
    """

    def __init__(self, client: WxmClient, settings: FetchSettings, stats: SyncStats) -> None:
        if not 1 <= settings.page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        self.client = client
        self.settings = settings
        self.stats = stats
        self.pool = ThreadPoolExecutor(max(1, settings.max_in_flight), "wxm-request")
        self._page_base: int | None = None
        self._base_lock = threading.Lock()
        self._kept: dict[tuple[datetime, datetime, int], AnswersPage] = {}
        """Pages read while planning, handed to the window's first read (then forgotten)."""
        self._kept_lock = threading.Lock()

    def close(self) -> None:
        """Stop the request pool (queued requests are dropped)."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    # --- counting and planning ----------------------------------------------------------------

    def count(self, span: Span) -> int:
        """`/api/answers/count` of a span (archived included)."""
        return self.client.answers_count(filter_by(*span))

    def count_many(self, spans: Sequence[Span]) -> list[int]:
        """Counts of several spans, sent concurrently, in order."""
        return list(self.pool.map(self.count, spans))

    def earliest(self) -> datetime | None:
        """Where the account's history starts, or None when it holds no responses.

        Two one-row pages sorted oldest first give the oldest response; one count then checks
        that nothing lies before it (if the API ignored the sort order, the scan starts in 1900
        and the empty years cost a few counts). None only when the whole range counts 0.
        """
        oldest = self._probe_oldest()
        if oldest is None:
            return EARLIEST if self.count((EARLIEST, fixed_end())) else None
        start = floor_ms(oldest) - timedelta(seconds=1)
        if start <= EARLIEST:
            return EARLIEST
        if self.count((EARLIEST, start)) == 0:
            return start
        logger.warning("responses older than the oldest one listed exist: scanning from 1900")
        return EARLIEST

    def _probe_oldest(self) -> datetime | None:
        body = filter_by(EARLIEST, fixed_end())
        instants = []
        for page in (0, 1):
            try:
                result = self.client.answers_page(body, page, 1)
            except ApiError as error:
                if not _is_client_error(error):
                    raise  # retries spent on a 5xx or 429: never read that as "no responses"
                logger.debug("probe of page %d refused: %s", page, error)
                continue
            for answer in result.responses:
                try:
                    instants.append(parse_instant(answer.get("responseDateTime") or ""))
                except ValueError:
                    continue
        return min(instants) if instants else None

    def plan(self, start: datetime, end: datetime) -> list[Window]:
        """Windows of at most `pages_per_window` pages over `[start, end]`.

        The span's first page is read first: its `totalCount` plans a span that fits one window
        without any `/api/answers/count` call (that page is then the window's first page), and
        is the first count of a larger span's planning.
        """
        target = self.settings.page_size * self.settings.pages_per_window
        whole = Window(start, end)
        base = self.page_base(whole)
        first = self._kept_page(whole, base)
        total = first.total_count
        if total is not None and 0 < total <= target:
            logger.info(
                "planned 1 window over %s (%d responses, from its first page)", whole, total
            )
            return [Window(start, end, total)]
        self._forget(whole)
        if total is None or total <= 0:  # no count on pages, or nothing: counts decide
            return plan_windows(start, end, self.count_many, target=target)
        known = {(start, end): total}

        def count_many(spans: Sequence[Span]) -> list[int]:
            if len(spans) == 1 and spans[0] in known:
                return [known.pop(spans[0])]  # only once: a recount asks the API
            return self.count_many(spans)

        return plan_windows(start, end, count_many, target=target)

    def _kept_page(self, window: Window, number: int) -> AnswersPage:
        """Page `number` of a window, read now or earlier, kept for the window's first read."""
        key = (window.start, window.end, number)
        with self._kept_lock:
            kept = self._kept.get(key)
        if kept is not None:
            return kept
        page = self.client.answers_page(
            filter_by(window.start, window.end), number, self.settings.page_size
        )
        self._keep(window, number, page)
        return page

    def _keep(self, window: Window, number: int, page: AnswersPage) -> None:
        with self._kept_lock:
            self._kept[(window.start, window.end, number)] = page

    def _forget(self, window: Window) -> None:
        with self._kept_lock:
            for key in [k for k in self._kept if k[:2] == (window.start, window.end)]:
                del self._kept[key]

    # --- pages ---------------------------------------------------------------------------------

    def page(self, window: Window, number: int) -> AnswersPage:
        """One page of a window (a page kept from planning is used once, then read anew)."""
        with self._kept_lock:
            kept = self._kept.pop((window.start, window.end, number), None)
        if kept is not None:
            return kept
        return self.client.answers_page(
            filter_by(window.start, window.end), number, self.settings.page_size
        )

    def page_base(self, window: Window) -> int:
        """The number of the first page (0 or 1), detected once on the first non-empty window.

        Page 0 and page 1 are read: identical ids (or a failing or empty page 0) mean 1-based
        numbering with 0 accepted as an alias; different ids mean 0-based numbering.
        """
        with self._base_lock:
            if self._page_base is None:
                detected = self._detect_page_base(window)
                if detected is None:  # an empty page 0 proves nothing: ask again next time
                    return 1
                self._page_base = detected
                logger.info("WXM page numbering starts at %d", self._page_base)
            return self._page_base

    def _detect_page_base(self, window: Window) -> int | None:
        try:
            first = self.page(window, 0)
        except ApiError as error:
            if _is_client_error(error):
                return 1
            raise
        if not first.responses:
            return None
        if first.current_page == 1:
            self._keep(window, 1, first)
            return 1
        second = self.page(window, 1)
        same = [a.get("id") for a in first.responses] == [a.get("id") for a in second.responses]
        if not same:
            self._keep(window, 0, first)
        self._keep(window, 1, second)
        return 1 if same else 0

    def fetch_window(self, window: Window) -> list[dict[str, Any]]:
        """Every response of a window, de-duplicated by id, oldest first, reconciled.

        Raises:
            ReconciliationError: the distinct ids never matched the window's count.
        """
        base = self.page_base(window)
        expected = window.count
        fetched = 0
        repeated: tuple[int, int] | None = None
        for attempt in range(1, RECONCILE_ATTEMPTS + 1):
            answers, totals, rows = self._read_window(window, base, expected)
            fetched = len(answers)
            if not totals:
                totals = {self.count((window.start, window.end))}
            expected = max(totals)
            if len(totals) == 1 and fetched == expected:
                self.stats.add("responses", fetched, progress=True)
                return list(answers.values())
            if len(totals) == 1 and rows == expected > fetched and repeated == (rows, fetched):
                # twice the same listing whose count includes repeated ids: the API's own
                # duplicates, not shifted pages (those change between reads)
                logger.warning(
                    "window %s: the API lists %d responses but repeats ids (%d distinct); "
                    "loading the distinct ones",
                    window,
                    rows,
                    fetched,
                )
                self.stats.add("responses", fetched, progress=True)
                return list(answers.values())
            repeated = (rows, fetched) if len(totals) == 1 and rows == expected else None
            if attempt < RECONCILE_ATTEMPTS:
                self.stats.add("reconciliation_retries")
                logger.warning(
                    "window %s: %d distinct responses fetched, the API reports %s; fetching again",
                    window,
                    fetched,
                    sorted(totals),
                )
        raise ReconciliationError(str(window), expected, fetched, RECONCILE_ATTEMPTS)

    def _read_window(
        self, window: Window, base: int, expected: int
    ) -> tuple[dict[str, dict[str, Any]], set[int], int]:
        """One read of a window: answers by id, `totalCount`s seen, rows listed (repeats too)."""
        size = self.settings.page_size
        numbers = list(range(base, base + pages_for(expected, size)))
        pages = list(self.pool.map(lambda n: self.page(window, n), numbers))
        answers: dict[str, dict[str, Any]] = {}
        totals: set[int] = set()
        rows = 0

        def take(page: AnswersPage) -> None:
            nonlocal rows
            if page.total_count is not None:
                totals.add(page.total_count)
            rows += len(page.responses)
            for answer in page.responses:
                answers.setdefault(str(answer.get("id")), answer)

        for page in pages:
            take(page)
        # the window grew, or `totalCount` promises more: read on until an empty page
        total = max(totals) if totals else expected
        next_number = numbers[-1] + 1
        extra = 0
        while len(answers) < total and pages[-1].responses and extra <= pages_for(total, size):
            pages.append(self.page(window, next_number))
            take(pages[-1])
            total = max(totals) if totals else total
            next_number += 1
            extra += 1
        return answers, totals, rows

    def iter_windows(
        self, windows: Sequence[Window]
    ) -> Iterator[tuple[Window, list[dict[str, Any]]]]:
        """Fetch windows concurrently (bounded look-ahead) and yield them in order."""
        # the window being consumed plus this many fetched ahead: enough to keep `max_in_flight`
        # requests busy, few enough that memory stays bounded (a window is up to 8,000 answers)
        lookahead = max(2, -(-self.settings.max_in_flight // self.settings.pages_per_window) + 1)
        runner = ThreadPoolExecutor(lookahead, "wxm-window")
        pending: deque[tuple[Window, Future[list[dict[str, Any]]]]] = deque()
        queue = iter(windows)
        try:
            for window in queue:
                pending.append((window, runner.submit(self.fetch_window, window)))
                if len(pending) >= lookahead:
                    break
            while pending:
                window, future = pending.popleft()
                answers = future.result()
                following = next(queue, None)
                if following is not None:
                    pending.append((following, runner.submit(self.fetch_window, following)))
                yield window, answers
        finally:
            for _, future in pending:
                future.cancel()
            runner.shutdown(wait=False, cancel_futures=True)


@dataclass
class ResponsesConfig:
    """What one sync of the `responses` resource scans.

    Attributes:
        start_date: first sync's start; None = whole history.
        lookback: re-scan before the cursor.
        backfill: explicit `[from, to]`; the cursor is neither read nor written.
    """

    start_date: datetime | None
    lookback: timedelta
    backfill: Span | None


def responses_resource(
    fetcher: WindowFetcher,
    shaper_factory: Callable[[], Shaper],
    config: ResponsesConfig,
    stats: SyncStats,
) -> DltResource:
    """The `responses` resource (tables `responses`, `answers`, `notes`, `tickets`).

    Args:
        fetcher: counts, plans and fetches windows.
        shaper_factory: builds the `Shaper` (fetches the questions and settings once).
        config: scan settings.
        stats: the sync's counters.

    Returns:
        A resource whose rows carry table names; every table merges (upsert) on its keys.
    """

    def responses() -> Iterator[Any]:
        state = dlt.current.resource_state()
        end = fixed_end()
        incremental = config.backfill is None
        span: Span | None = None
        if config.backfill is not None:
            if config.backfill[0] <= min(config.backfill[1], end):
                span = (config.backfill[0], min(config.backfill[1], end))
        else:
            cursor = parse_instant(state["cursor"]) if state.get("cursor") else None
            span = scan_range(
                end=end,
                cursor=cursor,
                lookback=config.lookback,
                start_date=config.start_date,
                earliest=fetcher.earliest,
            )
        logger.info(
            "scanning responses %s (%s)",
            f"{format_instant(span[0])}..{format_instant(span[1])}" if span else "nothing",
            "incremental" if incremental else "backfill, cursor untouched",
        )
        finished = False
        try:
            windows = fetcher.plan(*span) if span else []
            stats.add("windows_total", len(windows), progress=True)
            shaper = shaper_factory() if windows else None
            previous_ids: set[str] = set()
            for window, answers in fetcher.iter_windows(windows):
                assert shaper is not None
                ids: set[str] = set()
                for first in range(0, len(answers), SHAPE_BATCH):
                    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
                    for answer in answers[first : first + SHAPE_BATCH]:
                        answer_id = str(answer.get("id"))
                        ids.add(answer_id)
                        if answer_id in previous_ids:  # on the boundary shared with the last one
                            continue
                        for table, row in shaper.rows(answer):
                            rows[table].append(row)
                    for table in RESPONSE_TABLES:
                        if rows.get(table):
                            # an Arrow table per table and batch: dlt writes it to Parquet as is
                            yield dlt.mark.with_table_name(rows_to_arrow(table, rows[table]), table)
                    del rows
                del answers
                previous_ids = ids
                if incremental:
                    _advance(state, window.end)
                stats.add("windows_done", progress=True)
            if incremental and span is not None:
                _advance(state, span[1])
            elif incremental and span is None and config.start_date is None:
                _advance(state, end)  # an empty account: the next sync starts at the lookback
            finished = True
        finally:
            if not finished:  # an error, or the generator was closed (SIGTERM, Ctrl-C)
                fetcher.client.cancel()
            fetcher.close()

    # NOTE: a table variant starts from a copy of the resource's own hints, so those carry only
    # the write disposition; each table's keys and columns live in its variant alone.
    resource = dlt.resource(responses, name="responses", write_disposition=MERGE)
    for table in RESPONSE_TABLES:
        resource.apply_hints(
            table_name=table,
            write_disposition=MERGE,
            primary_key=list(TABLES[table].primary_key),
            columns=dlt_columns(table),
            create_table_variant=True,
        )
    return resource


def _is_client_error(error: ApiError) -> bool:
    """A 4xx other than 429: the API refused the request itself (e.g. page 0 when 1-based)."""
    return error.status is not None and 400 <= error.status < 500 and error.status != 429


def _advance(state: dict[str, Any], instant: datetime) -> None:
    """Move the cursor forward to `instant` (never backwards; compared as datetimes)."""
    current = parse_instant(state["cursor"]) if state.get("cursor") else None
    if current is None or instant > current:
        state["cursor"] = format_instant(instant)
