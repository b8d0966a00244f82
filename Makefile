# Two commands: `make up` runs the whole system, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The ONNX Runtime build for this machine's NVIDIA driver (pyproject's extras; README's support matrix):
# the CUDA major the driver runs, from nvidia-smi's "CUDA Version: X.Y" (or its series: >= 580 runs 13);
# gpu for CUDA 13 and later, gpu-cu12 below, cpu without a driver. Override: make up RUNTIME=gpu-cu12.
ifeq ($(origin RUNTIME),undefined)
DRIVER_CUDA := $(shell nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\)\..*/\1/p' | head -n 1)
ifeq ($(DRIVER_CUDA),)
DRIVER_CUDA := $(shell s=`nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1`; \
	s=$${s%%.*}; if [ "$$s" -ge 580 ] 2>/dev/null; then echo 13; elif [ "$$s" -gt 0 ] 2>/dev/null; then echo 12; fi)
endif
RUNTIME := $(if $(DRIVER_CUDA),$(shell if [ $(DRIVER_CUDA) -ge 13 ]; then echo gpu; else echo gpu-cu12; fi),cpu)
endif
STAMP := $(VENV)/.installed-$(RUNTIME)

.PHONY: install up test lint bench bench-load clean runtime

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Another RUNTIME installed before: its ONNX Runtime wheel (the same module) goes first. The postgres
# extra too: the storage tests run on PostgreSQL as well as on SQLite.
$(STAMP): pyproject.toml | $(BIN)/python
	if [ ! -e $@ ] && ls $(VENV)/.installed-* >/dev/null 2>&1; then \
		$(BIN)/python -m pip uninstall --quiet -y onnxruntime onnxruntime-gpu; fi
	$(BIN)/python -m pip install --quiet -e ".[$(RUNTIME),test,postgres]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# On a GPU host, goat doctor first: it stops here, saying why, if the GPUs cannot be used.
up: $(STAMP)
	if [ "$(RUNTIME)" != cpu ]; then $(BIN)/goat doctor; fi
	$(BIN)/goat up

runtime:
	@echo $(RUNTIME)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks test_api.py
	$(BIN)/python -m pytest

# Benchmarks: commands, not tests (docs/benchmarks.md). BENCH_FLAGS=--quick for a shorter run.
bench: $(STAMP)
	benchmarks/run.sh $(BENCH_FLAGS)

# The deadline rush under locust (benchmarks/load.py, docs/benchmarks.md): 5 minutes, not part of make test.
# LOAD_FLAGS="--goat-src ../old/src" runs the same load against another checkout's goat (a baseline).
bench-load: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[$(RUNTIME),test,postgres,load]"
	$(BIN)/python -m benchmarks.load $(LOAD_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks test_api.py
	$(BIN)/ruff format --check src tests benchmarks test_api.py

clean:
	rm -rf $(VENV) data
