# Two set-up commands, both self-contained on a fresh clone:
#   make demo   -> creates .venv if missing, installs, runs the backtest demo
#   make test   -> creates .venv and .venv-v2 if missing, installs, runs the whole test suite:
#                  the core without Nautilus, the v1 suite (NautilusTrader 1.231.0, .venv) and
#                  the v2 suite (NautilusTrader 2.0.0rc6, .venv-v2)
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# NautilusTrader 2 lives in a venv of its own (it cannot share one with the 1.231.0 pin): the
# kit's v2 binding is tested there (tests/v2), and tests/nautilus2 run v2 nodes from it.
VENV_V2 := .venv-v2
PY_V2 := $(VENV_V2)/bin/python
STAMP_V2 := $(VENV_V2)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint install clean

$(PY):
	@PYTHON=$$(bash .ci/find-python) && echo "using $$PYTHON" && $$PYTHON -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

$(PY_V2):
	@PYTHON=$$(bash .ci/find-python) && $$PYTHON -m venv $(VENV_V2)

$(STAMP_V2): $(PY_V2) pyproject.toml
	$(PY_V2) -m pip install --quiet --upgrade pip
	$(PY_V2) -m pip install --quiet -e '.[v2,test,lint]'
	@rm -f $(VENV_V2)/.installed-* && touch $(STAMP_V2)

install: $(STAMP) $(STAMP_V2)

demo: $(STAMP)
	$(VENV)/bin/exec-kit backtest

test: $(STAMP) $(STAMP_V2)
	bash .ci/system-deps
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies --exclude '^(nautilus_exec_kit|strategies)/v2/'
	$(PY_V2) -m mypy --follow-imports=silent nautilus_exec_kit/v2 strategies/v2
	EXEC_KIT_NO_NAUTILUS=1 $(PY) -m pytest --confcutdir tests/core tests/core
	$(PY) -m pytest
	$(PY_V2) -m pytest --confcutdir tests/v2 tests/v2

lint: $(STAMP) $(STAMP_V2)
	$(PY) -m ruff check nautilus_exec_kit strategies tests benchmarks
	$(PY) -m mypy nautilus_exec_kit strategies --exclude '^(nautilus_exec_kit|strategies)/v2/'
	$(PY_V2) -m mypy --follow-imports=silent nautilus_exec_kit/v2 strategies/v2

clean:
	rm -rf $(VENV) $(VENV_V2) .pytest_cache .mypy_cache .ruff_cache
