# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
DEMO_PEOPLE ?= 2000
DEMO_SEED   ?= 20260116
DEMO_ANCHOR ?= 2026-11-29
export CERTBRIDGE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test check pytest install clean bench bench-deps bench-query bench-import bench-credentials bench-recognition

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

## make bench: every issue's benchmark against its peer (needs Debian's wrk for the query one)
bench: bench-query bench-import bench-credentials bench-recognition

bench-deps: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@command -v wrk >/dev/null || { echo "install wrk: apt-get install -y wrk"; exit 1; }

bench-query: bench-deps
	$(BIN)/python bench/query_vs_datasette.py

bench-import: bench-deps
	$(BIN)/python bench/import_vs_sqlite_utils.py --rows 1000000

bench-credentials: bench-deps
	$(BIN)/python bench/verify_vs_raw_ed25519.py --verify 20000 --issue 1000000

bench-recognition: bench-query
	$(BIN)/python bench/recognition_batch.py bench/out/query/certbridge.sqlite3

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
