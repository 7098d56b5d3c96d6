# Two commands for a fresh machine: `make setup` (install, data, first map) and `make test`.
PYTHON ?= python3
VENV ?= .venv
MIRROR ?= ../shared/boundaries
BIN := $(VENV)/bin

.PHONY: setup test browser lint bench docs

# The echo lines announce the two long silent steps, so that a first run does not look hung.
setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "== installing geozone and its dev tools into $(VENV) (a minute or two, quietly)"
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/geozone data fetch --mirror $(MIRROR)
	@echo "== agreement 2; the first time, the commune layer is read and cached as GeoParquet (~1 min)"
	$(BIN)/geozone agreements show csh-tay-nam-2025
	mkdir -p build && $(BIN)/geozone map csh-tay-nam-2025 -o build/csh-tay-nam-2025.html
	@echo "== done: open build/csh-tay-nam-2025.html in a browser (it needs no internet)"

test:
	$(BIN)/python -m pytest

# Headless Chromium for the browser tests (Debian packages; needs root).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

lint:
	$(BIN)/ruff check geozone tests benchmarks
	$(BIN)/ruff format --check geozone tests benchmarks

bench:
	$(BIN)/python benchmarks/bench_topology.py
	$(BIN)/python benchmarks/bench_classify.py

docs:
	$(BIN)/python -m mkdocs build --strict
