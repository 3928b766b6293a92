# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
DEMO_PEOPLE ?= 2000
DEMO_SEED   ?= 20260116
DEMO_ANCHOR ?= 2026-11-29
export CERTBRIDGE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test check lint typecheck pytest install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: demo database (created once), sample holders printed, web app on :8000
run: $(STAMP)
	$(BIN)/certbridge demo-data --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --anchor $(DEMO_ANCHOR) --if-empty --samples $(CERTBRIDGE_DATA_DIR)/samples.json
	$(BIN)/certbridge serve --host 127.0.0.1 --port 8000

## make test: lint, types, layer contracts, then the whole suite
test: check pytest

check: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/query_vs_datasette.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
