# Two set-up commands, both self-contained on a fresh clone:
#   make demo   -> creates .venv if missing, installs, runs the backtest demo
#   make test   -> creates .venv if missing, installs, runs the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint install clean

$(PY):
	@PYTHON=$$(bash .ci/find-python) && echo "using $$PYTHON" && $$PYTHON -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/exec-kit backtest

test: $(STAMP)
	bash .ci/system-deps
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
