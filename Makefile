# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test bench lint venv system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

## Simulate a week of one lab's traffic, run the evaluation, print what was found.
demo: $(STAMP)
	$(BIN)/aisac demo --out demo-out

## The whole test suite; installs the Debian servers the tests start (PostgreSQL, Redis) when missing.
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

system-deps:
	@bash scripts/system-deps.sh

## Benchmarks (slow; not part of CI). Results go to bench/out/ and are recorded in docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
