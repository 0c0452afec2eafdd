# Card application checks: one-command set-up, report and tests. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
DATA ?= data/sample/applications.csv
OUT ?= reports
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# The value of a variable, as given, as one shell word, whatever it holds (spaces, Chinese, quotes, $):
# make flag DATA="申领 导出/2026年11月 申领.xlsx" OUT="结果/2026年11月"
quote = '$(subst ','\'',$(value $(1)))'

.DEFAULT_GOAL := help
.PHONY: help install report flag test lint format notebooks lab sample reference lock bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --compile-bytecode: byte-compiled at install, so no command pays ~1.5 s compiling pandas at start-up
# (machines with PYTHONDONTWRITEBYTECODE set never cache it otherwise).
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install -q --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## create .venv (when missing) and install the pinned stack

report: $(STAMP) ## the main job on DATA (default: the bundled sample; LEDGER=, FUND_YEAR=, PROVINCE_YEAR= for notebook 04, PROVINCE= for one province's view, REGISTER= to record the run in a case register): flags, workbooks, HTML in OUT
	$(PY) -m analysis report $(call quote,DATA) --out $(call quote,OUT) $(if $(LEDGER),--ledger $(call quote,LEDGER),) $(if $(PROVINCE),--province $(call quote,PROVINCE),) $(if $(REGISTER),--register $(call quote,REGISTER),) $(if $(FUND_YEAR),--fund-year $(call quote,FUND_YEAR),) $(if $(PROVINCE_YEAR),--province-year $(call quote,PROVINCE_YEAR),)

flag: $(STAMP) ## flags.csv and summary.json for DATA in OUT (REGISTER= to record the run in a case register)
	$(PY) -m analysis flag $(call quote,DATA) --out $(call quote,OUT) $(if $(REGISTER),--register $(call quote,REGISTER),)

test: lint ## style check, then unit tests and strict nbval over every notebook, in one pytest run
	$(PY) -m pytest

lint: $(STAMP) ## check style and formatting with ruff (what `make test` and CI enforce)
	$(VENV)/bin/ruff format --check --quiet analysis tests benchmarks
	$(VENV)/bin/ruff check --quiet analysis tests benchmarks

format: $(STAMP) ## rewrite the code in the project's style (ruff format, then ruff's safe fixes)
	$(VENV)/bin/ruff format --quiet analysis tests benchmarks
	$(VENV)/bin/ruff check --quiet --fix analysis tests benchmarks

notebooks: $(STAMP) ## re-execute every notebook in place (their stored outputs are part of the product)
	cd notebooks && for nb in *.ipynb; do ../$(VENV)/bin/jupyter nbconvert --log-level=WARN --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; done

lab: $(STAMP) ## open JupyterLab on notebooks/ with the project's environment
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

sample: $(STAMP) ## regenerate the synthetic sample in data/sample (seeded: same files every time)
	$(PY) -m analysis sample

reference: $(STAMP) ## rebuild data/reference/fund_figures.csv from the source files in data/reference/sources
	$(PY) -m analysis.funds.build_reference

lock: $(STAMP) ## re-resolve requirements.lock from pyproject.toml (then commit it)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 -q -c requirements.lock -o benchmarks/requirements.lock

bench: $(STAMP) ## benchmark flag against DuckDB and Polars (installs benchmarks/requirements.lock)
	$(UV) pip install -q --compile-bytecode --python $(PY) -r benchmarks/requirements.lock
	$(PY) benchmarks/bench_engines.py --rows 1000000 10000000

# Only what flag/report wrote into OUT (their list OUT/.analysis-files.json), and only files unchanged since;
# then OUT if it is empty. An analyst's own files in OUT stay. Needs no .venv.
clean: ## remove only the files flag/report wrote into OUT (as listed there, unless changed since), then OUT if empty
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m analysis clean --out $(call quote,OUT)
