# The project's commands. `make help` lists them; the README's two set-up commands are `demo` and `test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
SHARED_DATA ?= ../shared/data
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

RUST_SOURCES := Cargo.toml Cargo.lock $(shell find crates proto -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.proto' \) 2>/dev/null)

.PHONY: help
help:  ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36mmake %-12s\033[0m %s\n", $$1, $$2}'

# --- bootstrap: a virtualenv with the locked dependencies, then the release build of trader._core ---------

$(VENV)/.deps: pyproject.toml uv.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --frozen --inexact --group dev --quiet
	touch $@

# The peers the benchmarks run against (large wheels: nautilus_trader, vectorbt), installed only for `make bench`.
$(VENV)/.bench: $(VENV)/.deps
	$(VENV)/bin/uv sync --frozen --inexact --all-groups --quiet
	touch $@

$(VENV)/.core: $(VENV)/.deps $(RUST_SOURCES) pyproject.toml
	$(VENV)/bin/maturin develop --release --uv --quiet
	touch $@

# Python gRPC stubs from proto/ (gitignored, regenerated when the proto changes). The `-I<package dir>=<proto dir>`
# mapping makes grpcio-tools write package-relative imports (trader.execution._pb.gateway_pb2).
PB_DIR := python/trader/execution/_pb
$(PB_DIR)/.stamp: $(VENV)/.deps proto/trader/v1/gateway.proto
	mkdir -p $(PB_DIR)
	$(PY) -m grpc_tools.protoc -I$(PB_DIR:python/%=%)=proto/trader/v1 --python_out=python --grpc_python_out=python \
		--pyi_out=python $(PB_DIR:python/%=%)/gateway.proto
	touch $(PB_DIR)/__init__.py $@

# The gateway server binary (debug build) that the Python integration tests start.
$(VENV)/.gateway: $(VENV)/.deps $(RUST_SOURCES)
	cargo build -p gateway_server --locked --quiet
	touch $@

.PHONY: setup
setup: $(VENV)/.core $(PB_DIR)/.stamp $(VENV)/.gateway  ## Bootstrap the virtualenv, Python deps, the extension, gRPC stubs

# --- the two README commands ------------------------------------------------------------------------------

.PHONY: demo
demo: setup  ## Run the main job on embedded defaults (bundled samples, simulated venue, no keys, no network)
	$(VENV)/bin/trader data check data/samples/*.csv
	$(VENV)/bin/trader backtest --strategy ema_cross --data data/samples/SPY_1d.csv \
		--param fast=10 --param slow=30 --out runs/demo
	rm -rf runs/demo-paper
	TRADER_HOME=runs/demo-paper $(VENV)/bin/trader daemon --mode paper --config deploy/config/daemon.demo.toml \
		--duration 45
	$(VENV)/bin/trader compare --paper runs/demo-paper --backtest runs/demo | tail -n 15
	@echo "Paper session state: $(abspath runs/demo-paper) (journal: $(abspath runs/demo-paper/journal))"
	@echo "Open the report: $(abspath runs/demo/report.html)"

.PHONY: test
test: setup  ## Run every check: fmt, clippy, Rust tests, ruff, mypy, stubtest, pytest
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo test --workspace --locked --quiet
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest trader._core
	$(PY) -m pytest -m "not shared_data and not system" -q

.PHONY: test-system
test-system: setup  ## Run the tests that need system services: a PostgreSQL server build and Chromium (CI installs them)
	$(PY) -m pytest -m "system and not shared_data" -q

.PHONY: test-shared
test-shared: setup  ## Run the tests that need ../shared/data (CI runs these after `make test`)
	TRADER_SHARED_DATA=$(abspath $(SHARED_DATA)) $(PY) -m pytest -m shared_data -q

# --- everything else --------------------------------------------------------------------------------------

.PHONY: bench
bench: setup $(VENV)/.bench  ## Run the benchmarks against peers (never part of `make test`)
	@for b in benches/*.py; do echo "== $$b"; $(PY) $$b; done
	cargo bench --workspace --locked

.PHONY: lint
lint: setup  ## Lint and type-check without running tests
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest trader._core

.PHONY: fmt
fmt: $(VENV)/.deps  ## Format Rust and Python sources in place
	cargo fmt --all
	$(VENV)/bin/ruff format python tests benches
	$(VENV)/bin/ruff check --fix python tests benches

.PHONY: clean
clean:  ## Remove build outputs and the virtualenv
	rm -rf $(VENV) target python/trader/*.so $(PB_DIR)
