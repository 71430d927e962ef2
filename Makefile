# The two commands a newcomer needs: `make dev` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint format redis chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## dev: install, then serve examples/ on http://127.0.0.1:3000 with reload
dev: $(STAMP)
	$(BIN)/approute dev examples --port 3000 --hostname 127.0.0.1

## redis: a real redis-server for the cache tests (apt, as root, when missing)
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "redis-server is missing: run 'sudo apt-get install redis-server'"; exit 1; fi; }

## chromium: headless Chromium for the docs page test (apt, as root, when missing)
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; }

## lint: formatting, lints, mypy --strict, import layers
lint: $(STAMP)
	$(BIN)/ruff format --check approute tests examples
	$(BIN)/ruff check approute tests examples
	$(BIN)/mypy
	$(BIN)/lint-imports

## format: apply ruff's formatting and fixes
format: $(STAMP)
	$(BIN)/ruff format approute tests examples
	$(BIN)/ruff check --fix approute tests examples

## test: lint, then the whole suite (unit + end-to-end on real uvicorn)
test: $(STAMP) redis chromium lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## bench: approute vs raw ASGI, Starlette, FastAPI (+ Litestar): docs/benchmarks.md
## (installs wrk from apt as root, and the peers + matplotlib into the venv;
## knobs: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_TARGETS, BENCH_ROUTES)
BENCH_WRK = command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; fi; }

.PHONY: bench bench-smoke
bench: $(STAMP)
	@$(BENCH_WRK)
	$(BIN)/python -m pip install --quiet starlette fastapi matplotlib
	$(BIN)/python -m pip install --quiet litestar || echo "litestar did not install: skipped"
	$(BIN)/python -m pip install --quiet granian || echo "granian did not install: skipped"
	$(BIN)/python -m bench
	@# A declared body beside validating by hand and the plain echo, in instructions
	@# per request (valgrind; docs/benchmarks.md): "-" so a machine without it goes on.
	-$(BIN)/python -m bench.instructions --case "echo POST" --case "validated POST" --case "by-hand POST"

## bench-smoke: does the harness still run? (1 round, 2 s, approute + raw; not in `make test`)
bench-smoke: $(STAMP)
	@$(BENCH_WRK)
	$(BIN)/python -m bench --smoke

## soak: SOAK_CLIENTS (32) clients for SOAK_MINUTES (3) against a copy of examples/
## under `approute start --workers 2` with its own redis-server, restarted, frozen and
## a worker killed mid-run: docs/reliability.md (not in `make test`; knobs there)
.PHONY: soak
soak: $(STAMP) redis
	$(BIN)/python -m soak
