# Two set-up commands, both self-contained on a fresh clone:
#   make demo   -> creates .venv if missing, installs, runs the backtest demo
#   make test   -> creates .venv if missing, installs, runs the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# NautilusTrader 2 lives in a venv of its own (it cannot share one with the 1.231.0 pin);
# tests/nautilus2 run its nodes as subprocesses against the kit's sandbox.
VENV_V2 := .venv-v2
PY_V2 := $(VENV_V2)/bin/python
STAMP_V2 := $(VENV_V2)/.installed-$(shell cat requirements/nautilus-v2.txt | sha1sum | cut -c1-12)

.PHONY: demo test lint install clean

$(PY):
	@PYTHON=$$(bash .ci/find-python) && echo "using $$PYTHON" && $$PYTHON -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

$(PY_V2):
	@PYTHON=$$(bash .ci/find-python) && $$PYTHON -m venv $(VENV_V2)

$(STAMP_V2): $(PY_V2) requirements/nautilus-v2.txt
	$(PY_V2) -m pip install --quiet --upgrade pip
	$(PY_V2) -m pip install --quiet -r requirements/nautilus-v2.txt
	@rm -f $(VENV_V2)/.installed-* && touch $(STAMP_V2)

install: $(STAMP) $(STAMP_V2)

demo: $(STAMP)
	$(VENV)/bin/exec-kit backtest

test: $(STAMP) $(STAMP_V2)
	bash .ci/system-deps
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies

clean:
	rm -rf $(VENV) $(VENV_V2) .pytest_cache .mypy_cache .ruff_cache
