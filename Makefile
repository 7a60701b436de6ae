# steepest: set-up in two commands.  `make demo` and `make test` each create
# the virtual environment when it is missing and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
export MPLBACKEND := Agg

.PHONY: demo test lint bench bench-quick peer clean docs-examples

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-all: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[all,test,browser,notebook,dask]'
	touch $@

demo: $(VENV)/.installed-all
	$(BIN)/steepest tour --out steepest-tour

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

$(VENV)/.installed-bench: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py --quick

# HIPS autograd's own tests against steepest (downloads autograd's sources; not part of test).
peer: $(VENV)/.installed-test
	$(BIN)/python benchmarks/peer/run.py

# Run the example notebooks and render them into docs/examples/ (docs/notebooks.md).
docs-examples: $(VENV)/.installed-test
	$(BIN)/python examples/render.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis
