# Minsheng: `make run` (the local stack) and `make test` (the whole suite) set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint types format bench package clean

STAGE ?= dev
BUILD := build/$(STAGE)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m chalicelib.local

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

types: $(STAMP)
	$(PY) -m mypy

check: lint types test

# The deployable template and zip under build/$(STAGE)/, then cfn-lint on the template.
package: $(STAMP)
	$(PY) -m infra.package $(STAGE) $(BUILD)
	$(VENV)/bin/cfn-lint $(BUILD)/template.json

bench: $(STAMP)
	$(PY) bench/cold_start.py
	$(PY) bench/lifecycle_cost.py
	$(PY) bench/sla_sweep.py
	$(PY) bench/rankings.py
	$(PY) bench/package_size.py
	$(PY) bench/topics_cost.py
	$(PY) bench/notifications_cost.py

clean:
	rm -rf $(VENV) .local build .pytest_cache .mypy_cache .ruff_cache
