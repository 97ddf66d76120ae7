"""Secrets never land anywhere: tables (DuckDB and Parquet, every column of every row), dlt's
state and trace files, DEBUG logs of whole runs; TLS verification is on unless told otherwise;
the simulator binds to loopback only unless told otherwise."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import requests
from reliability_helpers import Scenario, dump, iter_files, sim_config

from pipelines.destinations import open_dataset
from simulator import Simulator, SimulatorConfig, run_simulator


def _secrets(sim: Simulator) -> list[str]:
    values = [sim.api_key, sim.password, *sim.tokens.issued(), *sim.account.secret_values()]
    assert len(values) > 4 and all(len(v) >= 8 for v in values)
    return values


def _table_text(scenario: Scenario, destination: str) -> str:
    """Every row of every table and view of the dataset, all columns, as text."""
    parts: list[str] = []
    with open_dataset(scenario.settings(destination)) as con:
        assert con is not None
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('information_schema', 'pg_catalog')"
        ).fetchall()
        assert len(tables) >= 10
        for schema, table in tables:
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            parts.append(dump(rows))
            if table == "_dlt_pipeline_state":  # the state travels compressed
                for row in con.execute(f'SELECT state FROM "{schema}"."{table}"').fetchall():
                    parts.append(zlib.decompress(base64.b64decode(row[0])).decode())
    return "\n".join(parts)


def _files_text(root: Path) -> str:
    """Every file under `root`: raw bytes as text, and every Parquet file's decoded rows."""
    parts: list[str] = []
    for path in iter_files(root):
        parts.append(path.read_bytes().decode("utf-8", "replace"))
        if path.suffix == ".parquet":
            parts.append(dump(pq.read_table(path).to_pylist()))
    return "\n".join(parts)


@pytest.mark.parametrize("destination", ["duckdb", "parquet"])
def test_no_secret_in_tables_state_trace_or_debug_logs(
    scenario: Scenario, destination: str
) -> None:
    sim = scenario.start(sim_config(responses=150, token_ttl=2, latency_ms=5))
    sim.faults.add("revoke_token", count=1, route="answers/page", after=2)  # more tokens
    sim.faults.add("5xx", count=1, route="deliveryplan")  # an error path at DEBUG
    process = scenario.popen("sync", "--destination", destination, verbose="-vv")
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    assert "DEBUG" in err and " 401" in err  # the DEBUG logs were on, a token was refused
    sim.account.advance(60, new_responses=3)
    again = scenario.popen("sync", "--destination", destination, verbose="-vv")
    out2, err2 = again.communicate(timeout=180)
    assert again.returncode == 0, err2
    scenario.verify(sim, destination=destination)

    tokens = sim.tokens.issued()
    assert len(tokens) >= 2
    haystacks = {
        "tables": _table_text(scenario, destination),
        "data folder (duckdb, parquet, state, trace)": _files_text(scenario.data_dir),
        "logs and output": out + err + out2 + err2,
    }
    some_id = next(iter(sim.account.ground_truth()))
    for where in ("tables", "data folder (duckdb, parquet, state, trace)"):
        assert some_id in haystacks[where], f"the scan of the {where} read no data"
    assert "/api/answers/page/" in haystacks["logs and output"]
    trace = list(scenario.data_dir.rglob("trace.pickle"))
    assert trace, "dlt's trace file is part of the scan"
    for where, text in haystacks.items():
        for secret in _secrets(sim):
            assert secret not in text, f"a secret ({secret[:4]}...) in {where}"
        assert "access_token" not in text, where


def test_simulator_binds_to_loopback_only_unless_told() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        run_simulator(SimulatorConfig(responses=1, host="0.0.0.0")).__enter__()
    with run_simulator(SimulatorConfig(responses=1, host="localhost", rate_limit=0)) as sim:
        assert requests.get(f"{sim.url}/api/status", timeout=5).status_code == 200


SPY = """
import json, sys
import requests
from typer.testing import CliRunner
from pipelines.cli import app

sent = []
original = requests.Session.send

def spy(self, request, **kwargs):
    sent.append([str(request.url), kwargs.get("verify")])
    return original(self, request, **kwargs)

requests.Session.send = spy
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "stderr": result.stderr, "sent": sent}))
"""


@pytest.mark.parametrize(
    ("setting", "ca_env", "expected"),
    [
        (None, None, True),
        ("false", None, False),
        ("{bundle}", "/etc/ssl/some-other-bundle.pem", "{bundle}"),  # the setting wins
        (None, "{bundle}", "{bundle}"),  # REQUESTS_CA_BUNDLE serves verify_tls = true
    ],
    ids=["default", "off", "ca-bundle-setting", "ca-bundle-env"],
)
def test_verify_tls_reaches_every_request_and_nothing_else_is_called(
    scenario: Scenario, setting: str | None, ca_env: str | None, expected: Any
) -> None:
    bundle = scenario.tmp_path / "corporate-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    env = {} if setting is None else {"SOURCES__WXM__VERIFY_TLS": setting.format(bundle=bundle)}
    sim = scenario.start(sim_config(responses=40), **env)
    child_env = {
        k: v
        for k, v in {**os.environ, **scenario.env}.items()
        if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "RUNTIME__DLTHUB_TELEMETRY")
    }
    if ca_env is not None:
        child_env["REQUESTS_CA_BUNDLE"] = ca_env.format(bundle=bundle)
    done = subprocess.run(
        [sys.executable, "-c", SPY, "sync", "--data-dir", str(scenario.data_dir), "--no-progress"],
        cwd=scenario.tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0, report["stderr"]
    urls = {url for url, _ in report["sent"]}
    assert {url for url in urls if not url.startswith(sim.url)} == set()  # no telemetry either
    want = expected.format(bundle=bundle) if isinstance(expected, str) else expected
    assert report["sent"] and {verify for _, verify in report["sent"]} == {want}
    scenario.verify(sim)
