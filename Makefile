# anythread's developer commands.  On a fresh clone:
#   make tour   set up .venv-tour (anythread[cooperative] only) and run the tour
#   make test   set up .venv and run every test (what CI runs)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# pytest-xdist workers: twice the machine's 2 cores.  The suites mostly wait (for
# timeouts, subprocesses and other threads): 2 workers kept the cores under half busy.
XDIST  ?= 4

.PHONY: tour demo test test-full test-quick test-pythons contract lint docs bench mutation clean venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The tour (examples/tour.py) needs only anythread[cooperative] (anythread, its
# dependencies and greenlet), not the dev toolchain: its own venv, so that a fresh
# clone runs it in well under a minute.
TOUR_VENV ?= .venv-tour

tour: $(TOUR_VENV)/.installed
	$(TOUR_VENV)/bin/python examples/tour.py

$(TOUR_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TOUR_VENV)
	$(TOUR_VENV)/bin/python -m pip install --quiet -e '.[cooperative]'
	touch $@

# The former demo is part of the tour; every example runs in `make test`
# (tests/test_examples.py).
demo: tour

# Every test: lint and types, the project's tests, the contract suite certifying every
# available backend, the docs build, then the quick suite on the other Pythons.
test: venv lint test-full contract docs test-pythons

test-full: venv
	$(BIN)/python -m pytest tests -n $(XDIST)
	$(BIN)/python tests/thirdparty/check_fasteners.py  # a real package's suite under anythread run (needs the package index)
	$(BIN)/python tests/thirdparty/check_pykka.py  # two more, on cooperative too (need the package index)
	$(BIN)/python tests/thirdparty/check_apscheduler.py
	$(BIN)/python tests/thirdparty/check_cpython_lock_tests.py  # CPython's own test.lock_tests on each backend
	$(BIN)/python tests/thirdparty/check_cpython_queue_tests.py  # and its test.test_queue, under anythread run

test-quick: venv
	$(BIN)/python -m pytest tests -n $(XDIST) -m "not slow"

# Every available backend, plus the variants that matter: debug over pure and over
# cooperative (debug wraps any backend) and cooperative on its virtual clock.  One run
# for all of them, with a report for each.
VARIANTS := debug:pure debug:cooperative cooperative:virtual
contract: venv
	$(BIN)/anythread certify -n $(XDIST) $$($(BIN)/python -c "import anythread; names = [r.name for r in anythread.list_backends() if r.available]; print(' '.join(names + [v for v in '$(VARIANTS)'.split() if all(p in names for p in v.split(':') if p != 'virtual')]))")

test-pythons:
	bash .ci/other-pythons

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core/anythread backends/anythread_backends contract_tests/anythread_contract
	$(BIN)/mypy tests/typing_cases  # typing tests: types reach users (see its README)

bench: venv
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/report.py  # every bench_*.py; writes docs/_generated/

# Mutation testing of core/anythread/semantics/ against the contract suite on pure
# (cosmic-ray, MUTATION_WORKERS in parallel, resumable); writes mutation/REPORT.md.
# Long (see the report for how long): not part of `make test`.
MUTATION_WORKERS ?= 2

$(VENV)/.mutation-installed: pyproject.toml | venv
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	touch $@

mutation: venv $(VENV)/.mutation-installed
	$(BIN)/python mutation/run.py --workers $(MUTATION_WORKERS)

docs: venv
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(TOUR_VENV) .venv-py* docs/_build .pytest_cache .mypy_cache .ruff_cache
