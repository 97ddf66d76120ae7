"""Benchmark harness: this pipeline beside dlt's generic `rest_api` source and the API's ceiling.

`python -m bench` (or `make bench`) starts the WXM simulator out of process, runs every variant as a
subprocess against the same simulator data, measures wall time, requests, 429s and peak RSS, and
writes the table to `bench/results.md`.
"""
