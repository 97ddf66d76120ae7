"""Unit tests of the window fetcher on a canned answers API: page numbering, repeats, counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sources.wxm.exceptions import ReconciliationError
from sources.wxm.responses import FetchSettings, WindowFetcher
from sources.wxm.windows import Window
from tests.sources.conftest import canned_client, login_ok

WINDOW = Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC), 0)


class AnswersApi:
    """Serves `ids` in pages; `first` is the first page number (0, or 1 with 0 as an alias)."""

    def __init__(
        self,
        ids: list[str],
        first: int,
        *,
        alias_zero: bool = True,
        total: int | None = None,
        with_totals: bool = True,
    ) -> None:
        self.ids = ids
        self.first = first
        self.alias_zero = alias_zero
        self.total = total
        self.with_totals = with_totals
        self.pages_served: list[int] = []

    def __call__(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        path = request.path_url
        if path.endswith("LoginToken"):
            return login_ok()
        if path.endswith("/count"):
            return 200, self.total if self.total is not None else len(self.ids), {}
        assert json.loads(request.body)["mashup"] == {"withArchived": True}
        page, rows = (int(x) for x in path.rsplit("/", 2)[1:])
        self.pages_served.append(page)
        if self.first == 1 and page == 0 and not self.alias_zero:
            return 400, {"Message": "The request is invalid: page out of range."}, {}
        index = max(page - self.first, 0)
        chunk = self.ids[index * rows : (index + 1) * rows]
        body: dict[str, Any] = {"currentPage": page, "responses": [{"id": i} for i in chunk]}
        if self.with_totals:
            body["totalCount"] = self.total if self.total is not None else len(self.ids)
            body["totalPages"] = 99
        return 200, body, {}


def fetcher_for(api: AnswersApi, page_size: int = 10) -> WindowFetcher:
    client = canned_client(api)
    return WindowFetcher(client, FetchSettings(page_size=page_size, max_in_flight=4), client.stats)


@pytest.mark.parametrize(
    ("first", "alias_zero"),
    [(0, False), (1, True), (1, False)],
    ids=["0-based", "1-alias", "1-strict"],
)
@pytest.mark.parametrize("count", [5, 10, 35])
def test_every_page_numbering_gives_the_whole_window(
    first: int, alias_zero: bool, count: int
) -> None:
    ids = [f"r{i:03d}" for i in range(count)]
    fetcher = fetcher_for(AnswersApi(ids, first, alias_zero=alias_zero))
    window = Window(WINDOW.start, WINDOW.end, count)
    got = [a["id"] for a in fetcher.fetch_window(window)]
    assert got == ids
    assert fetcher.page_base(window) == first


def test_window_that_grew_since_planning_is_read_to_the_end() -> None:
    ids = [f"r{i:03d}" for i in range(47)]
    fetcher = fetcher_for(AnswersApi(ids, 1))
    got = fetcher.fetch_window(Window(WINDOW.start, WINDOW.end, 20))  # planned 20, holds 47
    assert len(got) == 47


def test_pages_without_total_count_reconcile_against_the_count_call() -> None:
    ids = [f"r{i:03d}" for i in range(23)]
    api = AnswersApi(ids, 0, with_totals=False)
    fetcher = fetcher_for(api)
    assert len(fetcher.fetch_window(Window(WINDOW.start, WINDOW.end, 23))) == 23


def test_ids_the_api_itself_repeats_are_loaded_once_after_a_second_identical_read() -> None:
    ids = [f"r{i:03d}" for i in range(20)] + ["r005"]  # the API lists r005 twice, counts 21
    fetcher = fetcher_for(AnswersApi(ids, 1))
    got = fetcher.fetch_window(Window(WINDOW.start, WINDOW.end, 21))
    assert sorted(a["id"] for a in got) == sorted(set(ids))
    assert fetcher.stats.reconciliation_retries == 1


def test_a_count_the_pages_never_reach_raises() -> None:
    ids = [f"r{i:03d}" for i in range(20)]
    fetcher = fetcher_for(AnswersApi(ids, 1, total=25))
    with pytest.raises(ReconciliationError, match="25 responses but 20"):
        fetcher.fetch_window(Window(WINDOW.start, WINDOW.end, 25))
    assert fetcher.stats.reconciliation_retries == 2


class CountingApi(AnswersApi):
    """An `AnswersApi` that also counts `/api/answers/count` calls."""

    def __init__(self, ids: list[str], first: int) -> None:
        super().__init__(ids, first)
        self.counts = 0

    def __call__(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        if request.path_url.endswith("/count"):
            self.counts += 1
        return super().__call__(request)


@pytest.mark.parametrize("first", [0, 1])
def test_a_span_that_fits_one_window_is_planned_from_its_first_page(first: int) -> None:
    ids = [f"r{i}" for i in range(35)]
    api = CountingApi(ids, first)
    fetcher = fetcher_for(api)
    windows = fetcher.plan(WINDOW.start, WINDOW.end)
    assert windows == [Window(WINDOW.start, WINDOW.end, 35)]
    assert [a["id"] for a in fetcher.fetch_window(windows[0])] == ids
    assert api.counts == 0
    assert len(api.pages_served) == 4 + (1 if first == 1 else 0)  # detection reads are reused
