"""A local, faithful simulator of the Webex Experience Management (WXM) REST API.

Usage:
    from simulator import SimulatorConfig, run_simulator, content_hash

    with run_simulator(SimulatorConfig(seed=7, responses=2_000)) as sim:
        sim.url, sim.username, sim.api_key, sim.account, sim.faults, sim.stats
"""

from simulator.account import Account
from simulator.config import DEMO_API_KEY, DEMO_PASSWORD, DEMO_USERNAME, SimulatorConfig
from simulator.faults import KINDS as FAULT_KINDS
from simulator.faults import Fault, Faults
from simulator.hashing import content_hash
from simulator.server import Simulator, run_simulator
from simulator.stats import Stats

__all__ = [
    "DEMO_API_KEY",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "FAULT_KINDS",
    "Account",
    "Fault",
    "Faults",
    "Simulator",
    "SimulatorConfig",
    "Stats",
    "content_hash",
    "run_simulator",
]
