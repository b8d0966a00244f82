# Two commands: `make up` runs the whole system, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# onnxruntime-gpu where an NVIDIA driver answers, onnxruntime otherwise (override: make RUNTIME=gpu).
RUNTIME ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(RUNTIME)

.PHONY: install up test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(RUNTIME),test]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

up: $(STAMP)
	$(BIN)/goat up

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks test_api.py
	$(BIN)/python -m pytest

# Benchmarks: commands, not tests (docs/benchmarks.md). BENCH_FLAGS=--quick for a shorter run.
bench: $(STAMP)
	benchmarks/run.sh $(BENCH_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks test_api.py
	$(BIN)/ruff format --check src tests benchmarks test_api.py

clean:
	rm -rf $(VENV) data
