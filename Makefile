# Guardian coordination plane. `make test` and `make run` install everything they need (uv included).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: sync lint test test-fast run bench protos clean

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml libs/*/pyproject.toml libs/crypto/setup.py libs/crypto/src/guardian_crypto/_goldilocks.c protos/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml tools/*/pyproject.toml
	$(UV) sync --frozen --all-packages --compile-bytecode --python $(PYTHON)
	@touch $@

sync: $(VENV)/.synced

lint: sync
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The suite without lint, for quick iterations.
test-fast: sync
	$(BIN)/pytest -x -q

run: sync
	$(BIN)/python scripts/run_stack.py

bench: sync
	$(BIN)/python bench/run_all.py

protos: sync
	$(BIN)/python protos/generate.py

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
	rm -rf libs/crypto/build libs/crypto/src/*.egg-info libs/crypto/src/guardian_crypto/_goldilocks*.so
