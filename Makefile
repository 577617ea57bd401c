# Two commands do all set-up on a fresh machine:
#   make demo   -- creates .venv, installs clusteratlas, builds the synthetic Demoland atlas
#                  (once) and serves it on http://127.0.0.1:8000/ (clusteratlas serve --demo)
#   make test   -- creates .venv, installs clusteratlas[dev], runs lint and the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo demo-report test lint bench bench-web clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench,spatial,spark]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clusteratlas serve --demo

demo-report: $(STAMP)
	$(BIN)/clusteratlas demo --store demo/demoland.duckdb --out-dir demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --suite mapping --size small --json benchmarks/results/mapping-small.json

bench-web: $(STAMP)
	$(BIN)/python benchmarks/run.py --suite web --size large --json benchmarks/results/web.json

clean:
	rm -rf $(VENV) demo .pytest_cache
