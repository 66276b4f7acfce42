# citedb: `make run` serves the API beside a webhook worker; `make test` runs lint, types and
# the whole suite.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Test processes: each serves the app in a thread of its own process, so one a core.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help
.PHONY: help install run migrate seed serve lint typecheck test test-fast fuzz bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.synced ## Create .venv with the locked dependencies

migrate: install ## Migrate the database (CITEDB_DATABASE_URL) to the newest schema
	$(BIN)/citedb migrate

seed: migrate ## Load the seed content (idempotent)
	$(BIN)/citedb seed

run: seed ## Migrate, seed, serve on http://127.0.0.1:8000 (docs at /docs) and run a webhook worker
	@$(BIN)/citedb worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/citedb serve

lint: install ## Ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict
	$(BIN)/mypy

test: lint typecheck ## Lint, types, then the whole suite on SQLite and PostgreSQL
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

test-fast: install ## The suite only, stopping at the first failure
	$(BIN)/python -m pytest -x -q

fuzz: install ## Schemathesis, every phase, 5 minutes per database (FUZZ_SECONDS=300)
	$(BIN)/python -m tests.fuzz --seconds $(or $(FUZZ_SECONDS),300)

bench: install ## Benchmarks (see bench/README.md)
	$(UV) sync --frozen --group bench
	$(BIN)/python -m bench

clean: ## Remove the virtual environments and local data
	rm -rf $(VENV) .uv var .mypy_cache .ruff_cache .pytest_cache
