# The README's commands. Each target creates the virtualenv and installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Spark engine's extra (pyspark, ~300 MB): for the tests and the type check, not for the demo.
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: demo report report-picture model-picture test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	touch $(SPARK_STAMP)

## Generate a demo district, sync it into the embedded graph, serve the API and ask it a query.
demo: $(STAMP)
	$(BIN)/gridhub demo $(ARGS)

## The data quality report per source of the synced data (terminal tables and data/report.html).
report: $(STAMP)
	$(BIN)/gridhub report --html data/report.html $(ARGS)

## Regenerate the README's picture of the report (needs chromium).
report-picture: $(STAMP)
	PYTHONPATH=. $(BIN)/python tools/report_picture.py docs/report.png

## Regenerate the README's picture of the match model (needs chromium and a CJK font).
model-picture: $(STAMP)
	PYTHONPATH=. $(BIN)/python tools/model_picture.py docs/model.png

## Unit and integration tests, including the ones against a real Neo4j (started by the tests).
test: $(SPARK_STAMP)
	$(BIN)/python -m pytest $(ARGS)

lint: $(SPARK_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/store_write.py $(ARGS)
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/febrl4.py
	$(BIN)/python bench/district_quality.py
	$(BIN)/python bench/resolution_scale.py

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache tools/neo4j-test-server/target
