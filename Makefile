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

.PHONY: sync lint test test-fast run fleet allow-operator bench protos clean images local-base fleet-up fleet-down chaos evm-node

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml libs/*/pyproject.toml libs/crypto/setup.py libs/crypto/src/guardian_crypto/_goldilocks.c protos/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml tools/*/pyproject.toml
	$(UV) sync --frozen --all-packages --compile-bytecode --python $(PYTHON)
	@touch $@

sync: $(VENV)/.synced evm-node

# The EVM node for tests and `make run` (docs/evm-node.md): anvil and solc from npm, then the contracts compiled.
# Both steps are skipped while their inputs are unchanged. anvil's install script is not needed (its binary
# ships in the platform package), so npm runs none.
EVM_NODE := tools/evm-node
$(EVM_NODE)/node_modules/.package-lock.json: $(EVM_NODE)/package.json $(EVM_NODE)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are required for the EVM node (npm not found)"; exit 1; }
	cd $(EVM_NODE) && npm ci --ignore-scripts --no-audit --no-fund

$(EVM_NODE)/build/.built: $(EVM_NODE)/node_modules/.package-lock.json $(EVM_NODE)/build.mjs $(wildcard $(EVM_NODE)/contracts/*.sol)
	cd $(EVM_NODE) && node build.mjs
	@touch $@

evm-node: $(EVM_NODE)/build/.built

lint: sync
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The suite without lint, for quick iterations.
test-fast: sync
	$(BIN)/pytest -x -q

# The whole stack in the foreground; data persists in .run/ (GUARDIAN_COORDINATOR_BACKEND=memory make run:
# a throwaway stack that keeps nothing). Ctrl-C stops it all.
run: sync
	$(BIN)/python scripts/run_stack.py

# N of every service (FLEET_SIZE, default 2) on loopback, with their database and files under .run/fleet/.
FLEET_SIZE ?= 2
fleet: sync
	$(BIN)/python scripts/fleet.py --size $(FLEET_SIZE)

# Allow an operator key to log in: make allow-operator KEY=my.key [PERMISSIONS=dashboard:read,accounts:pause]
# [ALLOWLIST=.run/fleet/operators.json]. Running services pick the change up without a restart.
allow-operator: sync
	@test -n "$(KEY)" || { echo "usage: make allow-operator KEY=FILE [PERMISSIONS=dashboard:read,...] [ALLOWLIST=FILE]"; exit 2; }
	$(BIN)/python scripts/allow_operator.py --key "$(KEY)" $(if $(PERMISSIONS),--permissions "$(PERMISSIONS)") $(if $(ALLOWLIST),--allowlist "$(ALLOWLIST)")

# Containers (docs/deploy.md): the five service images; LOCAL_BASE=1 builds them on the Debian-made base of
# `make local-base` instead of the public python image. `make fleet-up` starts the fleet of
# deploy/compose/fleet.yml on 127.0.0.1 (build the images first; TLS=1: mutual TLS for internal gRPC);
# `make fleet-down` removes it (VOLUMES=1:
# its database too).
images: sync
	$(BIN)/python scripts/fleet_compose.py build $(if $(LOCAL_BASE),--local-base)

local-base:
	deploy/local-base/build.sh

fleet-up: sync
	$(BIN)/python scripts/fleet_compose.py up $(if $(LOCAL_BASE),--local-base) $(if $(TLS),--tls)

fleet-down: sync
	$(BIN)/python scripts/fleet_compose.py down $(if $(VOLUMES),--volumes)

# A fault campaign on the running container fleet (scripts/chaos.py): CHAOS_SECONDS of faults (default 600);
# ROLLING=1 for a rolling restart instead. Start the fleet with high rate limits (docs/deploy.md).
CHAOS_SECONDS ?= 600
chaos: sync
	$(BIN)/python scripts/chaos.py --duration $(CHAOS_SECONDS) $(if $(ROLLING),--rolling)

# Every bench, then bench/REPORT.md with its charts (matplotlib: the bench dependency group, added here only).
# Sizes and concurrencies: GUARDIAN_BENCH_* (docs/CONFIGURATION.md "Tests and benchmarks").
bench: sync
	$(UV) sync --frozen --all-packages --group bench --inexact --python $(PYTHON)
	$(BIN)/python bench/run_all.py

protos: sync
	$(BIN)/python protos/generate.py

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
	rm -rf libs/crypto/build libs/crypto/src/*.egg-info libs/crypto/src/guardian_crypto/_goldilocks*.so
	rm -rf $(EVM_NODE)/node_modules $(EVM_NODE)/build
