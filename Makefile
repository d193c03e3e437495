# anythread's developer commands.  On a fresh clone:
#   make demo   set up .venv and run the demo under every available backend
#   make test   set up .venv and run every test (what CI runs)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
XDIST  ?= 2

.PHONY: demo test test-full test-quick test-pythons contract lint docs bench mutation clean venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/anythread backends
	@for backend in $$($(BIN)/python -c "import anythread; print(' '.join(r.name for r in anythread.list_backends() if r.available))"); do \
		echo; echo "== ANYTHREAD_BACKEND=$$backend python examples/demo.py"; \
		ANYTHREAD_BACKEND=$$backend $(BIN)/python examples/demo.py || exit 1; \
	done
	@echo; echo "== ANYTHREAD_BACKEND=cooperative python examples/green_pool.py"
	ANYTHREAD_BACKEND=cooperative $(BIN)/python examples/green_pool.py
	@echo; echo "== ANYTHREAD_BACKEND=debug python examples/latent_inversion.py"
	ANYTHREAD_BACKEND=debug $(BIN)/python examples/latent_inversion.py

# Every test: lint and types, the project's tests, the contract suite certifying every
# available backend, the docs build, then the quick suite on the other Pythons.
test: venv lint test-full contract docs test-pythons

test-full: venv
	$(BIN)/python -m pytest tests -n $(XDIST)
	$(BIN)/python tests/thirdparty/check_fasteners.py  # a real package's suite under anythread run (needs the package index)

test-quick: venv
	$(BIN)/python -m pytest tests -n $(XDIST) -m "not slow"

# Every available backend, plus the variants that matter: debug over pure and over
# cooperative (debug wraps any backend) and cooperative on its virtual clock.
VARIANTS := debug:pure debug:cooperative cooperative:virtual
contract: venv
	@for backend in $$($(BIN)/python -c "import anythread; names = [r.name for r in anythread.list_backends() if r.available]; print(' '.join(names + [v for v in '$(VARIANTS)'.split() if all(p in names for p in v.split(':') if p != 'virtual')]))"); do \
		echo "== anythread certify $$backend"; \
		$(BIN)/anythread certify $$backend -n $(XDIST) || exit 1; \
	done

test-pythons:
	bash .ci/other-pythons

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core/anythread backends/anythread_backends contract_tests/anythread_contract
	$(BIN)/mypy tests/typing_cases  # typing tests: types reach users (see its README)

bench: venv
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_pure.py
	$(BIN)/python benchmarks/bench_debug.py
	$(BIN)/python benchmarks/bench_cooperative.py

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
	rm -rf $(VENV) .venv-py* docs/_build .pytest_cache .mypy_cache .ruff_cache
