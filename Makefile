# Two commands a newcomer needs: `make run` (the app on SQLite with the demo) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint format bench clean

$(BIN)/qi: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(BIN)/qi

install: $(BIN)/qi

run: install
	$(BIN)/qi demo --if-empty
	$(BIN)/streamlit run app.py --server.headless true --browser.gatherUsageStats false

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
