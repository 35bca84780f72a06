# Two commands on a fresh machine:  make build   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN    := $(BIN)/python build.py
ARGS   ?=

.PHONY: build test check serve clean deploy bench venv help node-tools bytecode audit

help:
	@echo "make build   - create .venv, install pinned dependencies, build the site into output/"
	@echo "make test    - run the whole test suite"
	@echo "make audit   - Lighthouse on four pages in Debian's chromium (make test runs it too)"
	@echo "make check   - validate content, data and templates (writes nothing)"
	@echo "make serve   - live preview on http://127.0.0.1:8000/"
	@echo "make clean   - delete output/ and the build cache"
	@echo "make deploy  - strict build, checks, then publish (see README)"
	@echo "make bench   - build benchmarks (COMPARE=1 to compare with other generators)"

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime

# The engine's .pyc files, as pip writes them for installed packages; without them a shell
# with PYTHONDONTWRITEBYTECODE set compiles the engine from source on every run (~80 ms).
# Only changed files are compiled again.
bytecode: $(VENV)/.runtime
	@$(BIN)/python -m compileall -q engine

build: bytecode
	$(RUN) build $(ARGS)

check: bytecode
	$(RUN) check $(ARGS)

serve: bytecode
	$(RUN) serve $(ARGS)

clean:
	@if [ -x $(BIN)/python ]; then $(RUN) clean; else rm -rf output .cache; fi

# Pinned Node tools for the publish tests (axe-core, html-validate), from package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-tools: node_modules/.installed

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest $(ARGS)

# Lighthouse (pinned in package.json) on the home page, an article, a nutrient page and the FAQ hub,
# against Debian's chromium: every category at least 0.95. Part of 'make test'; skips, saying why,
# when Node, the npm packages or chromium are missing.
audit: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest -rs tests/test_lighthouse.py $(ARGS)

deploy: $(VENV)/.dev bytecode
	$(RUN) deploy $(ARGS)

bench: $(VENV)/.dev
	$(BIN)/python bench/run.py $(if $(COMPARE),--compare,) $(ARGS)
