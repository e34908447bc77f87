# Two commands a newcomer needs: `make run` (the app on SQLite with the demo) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: help install run test quick typecheck lint bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/qi: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(BIN)/qi

install: $(BIN)/qi  ## the pinned virtual environment (.venv)

run: install  ## the app on SQLite with the demo, for this machine only (127.0.0.1)
	$(BIN)/qi demo --if-empty
	$(BIN)/streamlit run app.py --server.headless true --browser.gatherUsageStats false \
		--server.address 127.0.0.1

test: install  ## lint, types, then every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

quick: install  ## the tests without a browser or PostgreSQL
	$(BIN)/python -m pytest -q -m "not browser and not postgres"

typecheck: install  ## mypy, strict on the engine, vocabulary and text
	$(BIN)/mypy

lint: install  ## fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## every benchmark, printing figures
	for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:  ## remove the virtual environment
	rm -rf $(VENV) .pytest_cache
