# mgc: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# librosa's numba kernels are compiled once into a cache inside the venv, so the
# first analysis after start-up does not stall for ~17 s.
export NUMBA_CACHE_DIR := $(CURDIR)/$(VENV)/numba_cache
export TF_CPP_MIN_LOG_LEVEL := 2
# Use the shared GTZAN copy beside the checkout when there is one and none is configured.
export MGC_GTZAN_DIR ?= $(wildcard $(CURDIR)/../shared/data/gtzan)

.PHONY: run test setup setup-dev test-tools screenshots bench clean

run: $(VENV)/.installed
	$(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --server.headless true

# The tests run in TEST_WORKERS processes, a test file to each (its module fixtures run once).
TEST_WORKERS ?= 2

test: $(VENV)/.installed-dev test-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m mgc_core warmup
	touch $@

# Test tools, mgc itself (editable: the `mgc` command, and the Ray extra that
# `classify --engine ray` needs), and the musicnn wheel for its pretrained checkpoint only
# (its own code is never imported: its metadata pins numpy<1.17, hence --no-deps).
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet -e ".[ray]" -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps musicnn==0.1.0
	touch $@

# Debian's packages the tests need: chromium serves the browser tests (Playwright drives
# it; it downloads no browser) and espeak-ng speaks for the music/speech gate's tests.
test-tools:
	@command -v chromium >/dev/null && command -v espeak-ng >/dev/null || { \
	  echo "Installing Debian's chromium and espeak-ng for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium espeak-ng >/dev/null; }

screenshots: $(VENV)/.installed-dev test-tools
	$(BIN)/python -m mgc_devtools.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

bench: $(VENV)/.installed
	$(BIN)/python -m mgc_core bench
