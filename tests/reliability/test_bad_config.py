"""Bad configuration: every mistake ends in ONE stderr line naming what to fix, and exit 1.

(Unknown destination, unparsable `--start-date`, missing credentials and an unwritable
`--data-dir` are covered by tests/pipelines/test_cli_errors.py.)
"""

from __future__ import annotations

import pytest
from reliability_helpers import Scenario, one_error_line, sim_config

CASES = {
    "start-date-in-config": (
        {"SOURCES__WXM__START_DATE": "yesterday"},
        [],
        "sources.wxm.start_date",
    ),
    "rate-limit-not-a-number": ({"SOURCES__WXM__RATE_LIMIT": "abc"}, [], "sources.wxm.rate_limit"),
    "page-size-too-big": ({"SOURCES__WXM__PAGE_SIZE": "5000"}, [], "sources.wxm.page_size"),
    "pii-mode-unknown": ({"SOURCES__WXM__PII": "maybe"}, [], "sources.wxm.pii"),
    "negative-lookback": ({"SOURCES__WXM__LOOKBACK_DAYS": "-3"}, [], "sources.wxm.lookback_days"),
    "base-url-not-a-url": ({"SOURCES__WXM__BASE_URL": "not a url"}, [], "sources.wxm.base_url"),
    "api-unreachable": (
        {"SOURCES__WXM__BASE_URL": "http://127.0.0.1:9"},
        [],
        "sources.wxm.base_url",
    ),
    "ca-bundle-missing": (
        {"SOURCES__WXM__VERIFY_TLS": "/no/such/ca.pem"},
        [],
        "sources.wxm.verify_tls",
    ),
    "username-empty": ({"SOURCES__WXM__USERNAME": ""}, [], "SOURCES__WXM__USERNAME"),
    "negative-rescan": ({}, ["--rescan", "-1"], "--rescan"),
    "pipelines-dir-unwritable": ({}, ["--pipelines-dir", "{blocker}/p"], "--pipelines-dir"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.usefixtures("quick_waits")
def test_bad_configuration_is_one_line_naming_the_fix(scenario: Scenario, case: str) -> None:
    env, args, named = CASES[case]
    sim = scenario.start(sim_config(responses=30), **env)
    blocker = scenario.tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = scenario.cli("sync", *(arg.format(blocker=blocker) for arg in args))
    assert result.exit_code == 1, result.stdout
    line = one_error_line(result.stderr)
    assert named in line, line
    assert sim.api_key not in result.stderr
    assert sim.stats.by_route.get("answers/page", 0) == 0  # stopped before reading responses
