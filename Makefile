# The two commands of the README: `make start` and `make test`. Everything else helps them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Never let uv fetch an interpreter: the machine's Python 3.11+ is the one we use.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

HOST ?= 127.0.0.1
PORT ?= 8000
# Serial by default: on these two-core machines `-p xdist -n 2` measured no faster, and the
# suite has thread- and process-based tests. Try it with PYTEST_ARGS="-p xdist -n 2".
PYTEST_ARGS ?=

.PHONY: help setup start test lint fmt typecheck clean bench

help:
	@echo "make start   set up, create the demo organisation (SQLite under var/) and run closeloop"
	@echo "make test    set up, check formatting, lint, type-check and run the whole test suite"
	@echo "make setup   create .tools (uv $(UV_VERSION)) and .venv from uv.lock"
	@echo "make lint    ruff format --check, ruff check, mypy, lint-imports (the layers)"
	@echo "make fmt     ruff format and ruff check --fix"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The stamp makes a second `make setup` instant; a changed lock file re-syncs.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

start: setup
	$(BIN)/closeloop init --demo --host $(HOST) --port $(PORT)
	$(BIN)/closeloop run --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy closeloop config benchmarks
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy closeloop config benchmarks

# pytest's exit code 5 means it collected no test: a broken suite, not a green one.
test: lint
	@sh scripts/ensure-browser.sh
	@echo "pytest on $${DATABASE_URL:-SQLite (DATABASE_URL unset)}"
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

# The benchmark (docs/performance.md): its own database, never the user's. ARGS=--quick etc.
bench: setup
	$(BIN)/closeloop bench $(ARGS)
