# eeforecast — the Makefile is the single source of set-up.
# On a fresh clone with Python 3.11+ and make, `make forecast` and `make test` work as first commands.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Options passed through to the pipeline, e.g. `make forecast AS_OF=2025-06-30`
AS_OF  ?=
SOURCE ?=
SEED   ?= 20251217
PIPELINE_OPTS := $(if $(AS_OF),--as-of $(AS_OF)) $(if $(SOURCE),--source '$(SOURCE)')

.DEFAULT_GOAL := help
.PHONY: help install data forecast test test-fast lint bench evaluate replay backtest odds-backtest scenarios fuzz notebooks docs clean

help: ## Show this menu
	@echo "eeforecast — Express Entry pool model and forecasts"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'
	@echo
	@echo "Options: AS_OF=YYYY-MM-DD  SOURCE=path/to/feed.json  SEED=$(SEED)"

install: $(STAMP) ## Create .venv and install eeforecast (editable) with the dev extra

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "eeforecast needs Python >= 3.11; set PYTHON=python3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

data: $(STAMP) ## Build data/processed/ from the feed the commands read (every time: ~1 s)
	$(PY) -m eeforecast data $(if $(SOURCE),--source '$(SOURCE)')

forecast: $(STAMP) data ## Run the whole pipeline on the bundled data and write reports/forecast.html
	$(PY) -m eeforecast report --seed $(SEED) $(PIPELINE_OPTS)

test: $(STAMP) ## Run the full test suite (slow tests and notebooks included)
	$(PY) -m pytest -n 2 -q

test-fast: $(STAMP) ## Run the tests not marked slow
	$(PY) -m pytest -n 2 -q -m "not slow"

lint: $(STAMP) ## Check the code with ruff
	$(PY) -m ruff check eeforecast tests benchmarks scripts notebooks
	$(PY) -m ruff format --check eeforecast tests benchmarks scripts

bench: $(STAMP) ## Run the benchmarks (prints speed-ups against reference implementations)
	$(PY) benchmarks/run.py --write-results

evaluate: $(STAMP) ## Conditional-cutoff evaluation vs naive on 2024-2025 (writes docs/results/conditional.md)
	$(PY) scripts/evaluate_conditional.py --write-results

replay: $(STAMP) ## Multi-round replay of the 2024-2025 rounds from quarterly origins (writes docs/results/replay.md)
	$(PY) scripts/evaluate_replay.py --write-results

backtest: $(STAMP) ## Rolling-origin backtest of the forecasts on 2023-2025, CRPS and size mixture included (writes docs/results/backtest.md)
	$(PY) scripts/evaluate_backtest.py --sizemix --write-results

odds-backtest: $(STAMP) ## Backtest of the odds at monthly origins 2023-2025 against two baselines (writes docs/results/odds.md)
	$(PY) scripts/evaluate_odds.py --write-results

scenarios: $(STAMP) ## The policy questions of notebook 04 on the bundled data (writes docs/results/scenarios.md)
	$(PY) scripts/policy_scenarios.py --write-results

fuzz: $(STAMP) ## Every adversarial case through every command (writes docs/results/fuzz.md; about 6 min on 2 cores)
	$(PY) tests/fuzz/explore.py --write-results

notebooks: $(STAMP) ## Execute the notebooks and save executed copies in notebooks/executed/
	$(PY) scripts/run_notebooks.py notebooks notebooks/executed

docs: $(STAMP) ## Build the documentation into docs/_build/html (warnings are errors)
	$(PY) -m sphinx -W --keep-going -n -q -b html docs docs/_build/html
	@echo "docs/_build/html/index.html"

clean: ## Remove the environment, processed data, reports and caches
	rm -rf $(VENV) data/processed/* reports/* notebooks/executed .pytest_cache .ruff_cache .hypothesis
	touch data/processed/.gitkeep reports/.gitkeep
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
