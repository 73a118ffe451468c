# The two commands of the README: `make run` and `make test`. Both work from a clean clone with only
# Python 3.11 and make; installs are pinned by constraints.txt.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DB := data/dashboard.duckdb
SOURCES := $(wildcard data/sources/*.csv) data/review_log.csv data/release_manifest.json
# `make run PORT=8600`; `make run ADDRESS=127.0.0.1` serves this computer only (the default, 0.0.0.0, is every
# network interface, so others on the network can open it).
PORT ?= 8501
ADDRESS ?= 0.0.0.0
# The build also stores the default views' results, answered by the serving queries themselves
# (dashboard/serving/default_views.py): a change to those queries rebuilds the file too.
BUILD_CODE := $(wildcard dashboard/curation/*.py) dashboard/schema.py dashboard/taxonomy.py dashboard/config.py \
	$(addprefix dashboard/serving/,default_views.py queries.py metrics.py db.py filters.py)

.PHONY: run test check build validate lock clean benchmark screenshot serve

run: $(VENV)/.installed $(DB)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

# Cheapest first, stopping at the first stage that fails: lint, types, the tests without a browser, then the
# browser tests (Debian chromium). `make check` runs the first two alone. Each pytest stage runs in TEST_WORKERS
# processes (pytest-xdist): a browser test spends much of its time waiting for the page, so two workers on two
# cores finish the browser stage about 1.4x sooner. The long tests run first (tests/conftest.py) and a worker with
# nothing left takes over tests the other has not started (worksteal), so neither waits long for the other at the
# end. `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 2
test: check $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not browser" -n $(TEST_WORKERS) --dist worksteal
	$(BIN)/python -m pytest -m browser -n $(TEST_WORKERS) --dist worksteal

check: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

build: $(VENV)/.installed
	$(BIN)/python -m dashboard build

validate: $(VENV)/.installed
	$(BIN)/python -m dashboard validate

benchmark: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_queries.py

# The README's screenshot, taken from the app itself (Debian chromium), never by hand.
screenshot: $(VENV)/.installed-test $(DB)
	$(BIN)/python -m tests.screenshot

# `make serve REPLICAS=4`: that many app processes (on 127.0.0.1 only) behind nginx, which listens on PORT and
# ADDRESS like `make run` (README: "Serving a crowd").
REPLICAS ?= 2
serve: $(VENV)/.installed $(DB)
	$(BIN)/python deploy/serve.py --replicas $(REPLICAS) --port $(PORT) --address $(ADDRESS)

$(DB): $(SOURCES) $(BUILD_CODE) | $(VENV)/.installed
	$(BIN)/python -m dashboard build --out $(DB)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(VENV)/.installed $@

# Regenerate the pins after changing dependencies in pyproject.toml.
lock: | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) $(DB)
