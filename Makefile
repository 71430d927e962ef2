# The two commands a newcomer needs: `make dev` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test test-pure lint format redis chromium cc clean compiled test-compiled

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

## cc: a C compiler and Python's headers for the compiled build (apt, as root, when missing)
cc:
	@command -v cc >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential python3-dev >/dev/null; \
	  else echo "a C compiler is missing: run 'sudo apt-get install build-essential python3-dev'"; exit 1; fi; }

## chromium: headless Chromium for the docs page test (apt, as root, when missing)
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; }

## lint: formatting, lints, mypy --strict, import layers
lint: $(STAMP)
	$(BIN)/ruff format --check approute tests examples hatch_build.py
	$(BIN)/ruff check approute tests examples hatch_build.py
	$(BIN)/mypy
	$(BIN)/lint-imports

## format: apply ruff's formatting and fixes
format: $(STAMP)
	$(BIN)/ruff format approute tests examples
	$(BIN)/ruff check --fix approute tests examples

## test: lint, then the whole suite (unit + end-to-end on real servers) on the
## pure-Python package, then on the compiled build (test-compiled); the compiled
## build is made, niced, while the pure suite runs (it leaves a core mostly idle:
## servers waiting, timeouts), so the two cost about one suite more, not two
test: $(STAMP) redis chromium lint
	$(MAKE) --no-print-directory -j2 test-pure compiled
	$(MAKE) --no-print-directory test-compiled

# pytest-xdist: one worker per core; worksteal evens out the long e2e files.
PYTEST_WORKERS ?= -n 2 --dist worksteal

## test-pure: the whole suite on the pure-Python package (the checkout's sources)
test-pure: $(STAMP) redis chromium
	$(BIN)/python -m pytest $(PYTEST_WORKERS)

## compiled: the mypyc build of the wheel (docs/compiled.md) installed, with the
## test dependencies, into .venv-compiled; rebuilt when a source changes
COMPILED_VENV := .venv-compiled
COMPILED_BIN := $(COMPILED_VENV)/bin
COMPILED_STAMP := $(COMPILED_VENV)/.installed
COMPILED_WHEELS := $(COMPILED_VENV)/wheels

$(COMPILED_STAMP): pyproject.toml hatch_build.py $(shell find approute -name '*.py') | cc
	test -x $(COMPILED_BIN)/python || $(PYTHON) -m venv $(COMPILED_VENV)
	$(COMPILED_BIN)/python -m pip install --quiet --upgrade pip
	rm -rf $(COMPILED_WHEELS)
	APPROUTE_COMPILE=1 nice -n 19 $(COMPILED_BIN)/python -m pip wheel --quiet --no-deps \
	  --wheel-dir $(COMPILED_WHEELS) .
	$(COMPILED_BIN)/python -m pip install --quiet --force-reinstall --no-deps $(COMPILED_WHEELS)/*.whl
	$(COMPILED_BIN)/python -m pip install --quiet "$$(ls $(COMPILED_WHEELS)/*.whl)[dev]"
	@# The checkout's tests/ and bench/ importable, after site-packages: the
	@# installed (compiled) approute wins over the checkout's sources.
	$(COMPILED_BIN)/python -c 'import pathlib, site; \
	  pathlib.Path(site.getsitepackages()[0], "approute-checkout.pth").write_text("$(CURDIR)\n")'
	touch $@

compiled: $(COMPILED_STAMP)

# What `make test` runs on the compiled build: all but the CLI and type-checker
# suites (they test the CLI and generated types, not the compiled modules) and
# the e2e runs on uvicorn's h11 parser (httptools and granian stay: the same
# app code, one uvicorn parser is enough). `make test-compiled COMPILED_TESTS=`
# runs everything.
COMPILED_TESTS ?= --ignore=tests/cli --ignore=tests/typegen -k "not h11"

## test-compiled: the suite against the compiled build, from the checkout's tests/
## (APPROUTE_EXPECT_COMPILED=1: tests/test_compiled.py fails unless exactly the
## listed modules are mypyc's extensions and approute is the installed one)
test-compiled: $(COMPILED_STAMP) redis chromium
	APPROUTE_EXPECT_COMPILED=1 PYTHONSAFEPATH=1 $(COMPILED_BIN)/python -m pytest \
	  -o pythonpath= -p no:cacheprovider $(PYTEST_WORKERS) $(COMPILED_TESTS)

clean:
	rm -rf $(VENV) $(COMPILED_VENV) .mypy_cache .ruff_cache .pytest_cache

## bench: approute (pure and compiled) vs raw ASGI, Starlette, FastAPI (+ Litestar):
## docs/benchmarks.md (installs wrk from apt as root, and the peers + matplotlib into the venv;
## knobs: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_TARGETS, BENCH_ROUTES)
BENCH_WRK = command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; fi; }

.PHONY: bench bench-smoke
bench: $(STAMP) $(COMPILED_STAMP)
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
