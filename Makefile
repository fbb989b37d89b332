# Minsheng: `make run` (the local stack) and `make test` (the whole suite) set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint types format bench package clean fuzz load docs mutants month

STAGE ?= dev
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
ZBARIMG := /usr/bin/zbarimg
BUILD := build/$(STAGE)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

# The district opens on a month of history (30 days x 60 appeals, seed 12345, ending now),
# written in the background once the URLs are printed; HISTORY=none: an empty district.
HISTORY ?= month
run: $(STAMP)
	$(PY) -m chalicelib.local --history $(HISTORY)

test: $(STAMP) $(CHROMIUM) $(CJK_FONT) $(ZBARIMG)
	$(PY) -m pytest

# The fuzz test of `make test`, with many more generated requests per operation and caller,
# from a new seed each run (printed; FUZZ_SEED=<seed> make fuzz repeats a run).
FUZZ_EXAMPLES ?= 50
fuzz: $(STAMP)
	@seed=$${FUZZ_SEED:-$$(date +%s)}; echo "fuzz seed $$seed (FUZZ_SEED=$$seed make fuzz repeats this run)"; \
	MINSHENG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MINSHENG_FUZZ_SEED=$$seed $(PY) -m pytest -n 0 tests/e2e/test_fuzz.py

# A bounded traffic mix against the local stack, then its invariants (load/run.py).
LOAD_ARGS ?=
load: $(STAMP)
	$(PY) -m load.run $(LOAD_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

types: $(STAMP)
	$(PY) -m mypy

check: lint types test

# The documentation site (mkdocs.yml, docs/) in build/site/. Strict: a broken link or anchor,
# or a page missing from the navigation, fails it (and tests/unit/test_docs.py in make test).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -d build/site

# The deployable templates (template.json: every optional part behind its parameter;
# core-template.json: the core alone; core-issuer-template.json: the core without the user
# pool) and zips under build/$(STAGE)/, cfn-lint on each, then the SAM transform of each
# (aws-sam-translator, as CloudFormation runs it) measured against CloudFormation's limits
# and linted again (build/$(STAGE)/*.expanded.json).
TEMPLATES := template core-template core-issuer-template
package: $(STAMP)
	$(PY) -m infra.package $(STAGE) $(BUILD)
	$(VENV)/bin/cfn-lint $(TEMPLATES:%=$(BUILD)/%.json)
	$(PY) -m infra.transform --write $(TEMPLATES:%=$(BUILD)/%.json)
	$(VENV)/bin/cfn-lint $(TEMPLATES:%=$(BUILD)/%.expanded.json)

# Every benchmark in its own process, then one table: figure, value, baseline, ratio, target,
# holds (bench/run_all.py; about 6 minutes on two cores). BENCH_ARGS="--only cold_start".
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) bench/run_all.py $(BENCH_ARGS)

# The simulated-month oracle (tests/integration/test_simulated_month.py) at the README's
# size, 30 days x 60 appeals (the suite runs 30 x 6), then its figures; MONTH=30x200 for the
# district's real rate.
MONTH ?= 30x60
month: $(STAMP)
	MINSHENG_MONTH=$(MONTH) $(PY) -m pytest -n 0 -p no:randomly -s -q tests/integration/test_simulated_month.py

# Mutation testing, not part of `make test`: mutmut mutates the masking, the workflow, the
# statistics domain and its consumer ([tool.mutmut] in pyproject.toml) and runs, against
# each mutant, the selected tests that reach the mutated function: the domain's mutants
# against the unit tests alone, the consumer's also against the integration statistics
# tests. Then the score and the mutants no test caught (tests/mutants.md says why each
# lives). From scratch each time, in mutants/ (git-ignored); about 3 minutes on two cores.
MUTMUT_INTEGRATION := tests/integration/test_statistics.py
mutants: $(STAMP)
	rm -rf mutants && mkdir mutants
	PYTEST_ADDOPTS="--deselect=$(MUTMUT_INTEGRATION)" $(PY) -m mutmut run "chalicelib.core.domain.*" "chalicelib.figures.domain.*" \
		> mutants/run-domain.log || (tail -40 mutants/run-domain.log; exit 1)
	$(PY) -m mutmut run "chalicelib.figures.services.statistics.*" \
		> mutants/run-consumer.log || (tail -40 mutants/run-consumer.log; exit 1)
	$(PY) -m mutmut export-cicd-stats > /dev/null && cat mutants/mutmut-cicd-stats.json && echo
	$(PY) -m mutmut results

clean:
	rm -rf $(VENV) .local build .pytest_cache .mypy_cache .ruff_cache mutants

# Browser tests drive Debian's chromium through Playwright (no browser download); the CJK
# fonts make Chinese render in their screenshots; zbarimg reads back the QR code the console
# draws. Installed with apt-get when missing.
$(CHROMIUM) $(CJK_FONT) $(ZBARIMG):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium, fonts-noto-cjk and zbar-tools for the browser tests (apt-get) ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk zbar-tools; \
	else \
		echo "The browser tests need $(CHROMIUM), $(CJK_FONT) and $(ZBARIMG): run 'sudo apt-get install chromium fonts-noto-cjk zbar-tools' (Debian) and try again." >&2; \
		exit 1; \
	fi
