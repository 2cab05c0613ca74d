# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

NATIVE := build/native/digest.txt

.PHONY: demo test bench lint venv native system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

## The guard's request path compiled with mypyc (aisac.enforce.native); the source runs if this fails.
$(NATIVE): $(STAMP) $(wildcard src/aisac/enforce/*.py) scripts/build_native.py
	@$(BIN)/python scripts/build_native.py

native: $(NATIVE)

## Simulate a week of one lab's traffic, run the evaluation, print what was found.
demo: $(STAMP) $(NATIVE)
	$(BIN)/aisac demo --out demo-out

## The whole test suite; installs the Debian servers the tests start (PostgreSQL, Redis) when missing.
test: $(STAMP) $(NATIVE) system-deps
	$(BIN)/python -m pytest -q

system-deps:
	@bash scripts/system-deps.sh

## Benchmarks (slow; not part of CI). Results go to bench/out/ and are recorded in docs/benchmarks.md.
bench: $(STAMP) $(NATIVE)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
