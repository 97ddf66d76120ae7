# One command per job; each bootstraps .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench simulator clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wxm demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench

simulator: $(STAMP)
	$(BIN)/python -m simulator

clean:
	rm -rf $(VENV) data/warehouse.duckdb data/warehouse.duckdb.wal data/wxm_parquet.duckdb \
		data/parquet data/.dlt-pipelines .pytest_cache .mypy_cache .ruff_cache
