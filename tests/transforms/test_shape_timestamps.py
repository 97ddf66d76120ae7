"""WXM timestamps and dates parse to tz-aware UTC whatever their fraction digits and zone."""

from __future__ import annotations

import datetime as dt

import pytest

from transforms.timestamps import parse_date, parse_timestamp

UTC = dt.UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2014-12-20T14:34:08Z", dt.datetime(2014, 12, 20, 14, 34, 8, tzinfo=UTC)),
        ("2014-12-20T14:34:08.4Z", dt.datetime(2014, 12, 20, 14, 34, 8, 400000, tzinfo=UTC)),
        ("2014-12-20T14:34:08.426Z", dt.datetime(2014, 12, 20, 14, 34, 8, 426000, tzinfo=UTC)),
        ("2014-12-20T14:34:08.426123Z", dt.datetime(2014, 12, 20, 14, 34, 8, 426123, tzinfo=UTC)),
        ("2014-12-20T14:34:08.4261239Z", dt.datetime(2014, 12, 20, 14, 34, 8, 426123, tzinfo=UTC)),
        ("2014-12-20T14:34:08.4261239", dt.datetime(2014, 12, 20, 14, 34, 8, 426123, tzinfo=UTC)),
        ("2014-12-20T14:34:08", dt.datetime(2014, 12, 20, 14, 34, 8, tzinfo=UTC)),
        ("2014-12-20T14:34", dt.datetime(2014, 12, 20, 14, 34, tzinfo=UTC)),
        ("2014-12-20 14:34:08.5", dt.datetime(2014, 12, 20, 14, 34, 8, 500000, tzinfo=UTC)),
        (
            "2014-12-20T20:04:08.1234567+05:30",
            dt.datetime(2014, 12, 20, 14, 34, 8, 123456, tzinfo=UTC),
        ),
        ("2014-12-20T09:34:08-0500", dt.datetime(2014, 12, 20, 14, 34, 8, tzinfo=UTC)),
        ("2014-12-21T00:34:08+10", dt.datetime(2014, 12, 20, 14, 34, 8, tzinfo=UTC)),
        ("2014-12-20", dt.datetime(2014, 12, 20, tzinfo=UTC)),
        (dt.datetime(2014, 12, 20, 14, 34, 8), dt.datetime(2014, 12, 20, 14, 34, 8, tzinfo=UTC)),
    ],
)
def test_timestamps_parse_to_utc(raw: object, expected: dt.datetime) -> None:
    parsed = parse_timestamp(raw)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("raw", [None, "", "not a date", "2014-13-45T00:00:00Z", True, [1]])
def test_bad_timestamps_give_none(raw: object) -> None:
    assert parse_timestamp(raw) is None


def test_dates_are_taken_as_written() -> None:
    assert parse_date("2024-04-30") == dt.date(2024, 4, 30)
    assert parse_date("2024-04-30T23:30:00-05:00") == dt.date(2024, 4, 30)
    assert parse_date("30/04/2024") is None
    assert parse_date(None) is None
