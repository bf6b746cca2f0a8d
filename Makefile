# Two commands do all the set-up: `make demo` and `make test`. Everything lands in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint format bench serve socket clean

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime  ## the console on the built-in sample data; ARGS="--tz Asia/Kolkata" passes options
	@PLIVO_SAMPLE_DATA=true $(BIN)/python -m bot console $(ARGS)

test: lint  ## linters, then every test
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev  ## the benchmark against the textbook Bolt app (minutes, not a test)
	$(BIN)/python -m bench $(ARGS)

serve: $(VENV)/.runtime
	$(BIN)/python -m bot serve

socket: $(VENV)/.runtime
	$(BIN)/python -m bot socket

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
