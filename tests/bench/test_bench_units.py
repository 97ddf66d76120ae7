"""Unit tests of the harness's pure parts: paginator URL rewriting, ratios, timelines, growth."""

from __future__ import annotations

from dlt.sources.helpers.requests import Request

from bench.baseline import PathPageNumberPaginator
from bench.sampler import Sample, StatsSampler
from bench.scenarios import Figure, _marginal_ratio, ceiling_s
from bench.variants import ours_phases


class _FakeResponse:
    def __init__(self, body: dict[str, object]) -> None:
        self._body = body

    def json(self) -> dict[str, object]:
        return self._body


def test_paginator_writes_the_page_into_the_path_and_stops_at_total_pages() -> None:
    paginator = PathPageNumberPaginator(base_page=1, total_path="totalPages")
    request = Request("POST", "http://h/api/answers/page/1/1000", json={"sortByOldest": True})
    paginator.init_request(request)
    assert request.url == "http://h/api/answers/page/1/1000"

    paginator.update_state(_FakeResponse({"totalPages": 3}), [{"id": "a"}])  # type: ignore[arg-type]
    paginator.update_request(request)
    assert request.url == "http://h/api/answers/page/2/1000"
    assert paginator.has_next_page

    paginator.update_state(_FakeResponse({"totalPages": 3}), [{"id": "b"}])  # type: ignore[arg-type]
    paginator.update_request(request)
    assert request.url == "http://h/api/answers/page/3/1000"
    paginator.update_state(_FakeResponse({"totalPages": 3}), [{"id": "c"}])  # type: ignore[arg-type]
    assert not paginator.has_next_page
    assert request.params in (None, {})


def test_ceiling_counts_full_pages_at_the_rate_limit() -> None:
    assert ceiling_s(200_000, 15) == 200 / 15
    assert ceiling_s(1_001, 10) == 0.2


def test_figure_ratios_read_as_times_better_and_times_the_ceiling() -> None:
    time_figure = Figure("t", "s", ours=10.0, baseline=40.0, ceiling=8.0)
    assert time_figure.vs_baseline == 4.0
    assert time_figure.vs_ceiling == 1.25
    rate_figure = Figure("r", "responses/s", ours=300.0, baseline=100.0, better="higher")
    assert rate_figure.vs_baseline == 3.0
    assert Figure("x", "s", ours=None, baseline=1.0).vs_baseline is None


def test_marginal_ratio_is_one_for_linear_growth_and_above_for_quadratic() -> None:
    linear = [(100, 2 + 1.0), (200, 2 + 2.0), (400, 2 + 4.0)]
    assert _marginal_ratio(linear) == 1.0
    quadratic = [(n, (n / 100) ** 2) for n in (100, 200, 400)]
    ratio = _marginal_ratio(quadratic)
    assert ratio is not None and ratio > 1.9
    assert _marginal_ratio(linear[:2]) is None


def test_timeline_finds_the_api_phase_and_429s_after_warmup() -> None:
    sampler = StatsSampler.__new__(StatsSampler)
    sampler.samples = [
        Sample(0.0, 10, 0),
        Sample(1.0, 10, 0),  # start-up: no requests yet
        Sample(2.0, 20, 3),  # first requests, with warm-up 429s
        Sample(3.0, 40, 4),
        Sample(6.0, 60, 6),  # two 429s after warm-up (first request ~1.0 s, warm-up to 3.0 s)
        Sample(8.0, 60, 6),  # normalize/load: no requests
    ]
    timeline = sampler.timeline(warmup_s=2.0)
    assert timeline.api_first_s == 1.0
    assert timeline.api_last_s == 6.0
    assert timeline.api_span_s == 5.0
    assert timeline.rate_limited_after_warmup == 2


def test_ours_phases_sums_the_steps_of_every_chunk() -> None:
    log = (
        "Steps took: extract 10.5 s, normalize 20.0 s, compare 1.0 s, load 5.0 s\n"
        "Steps took: extract 0.5 s, normalize 1.0 s, compare 0.0 s, load 1.0 s\n"
        "INFO pipelines.run: Models took 2.5 s\n"
    )
    assert ours_phases(log) == {
        "extract": 11.0,
        "normalize": 21.0,
        "compare": 1.0,
        "load": 6.0,
        "models": 2.5,
    }
