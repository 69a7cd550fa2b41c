# hnviz developer entry points. Everything runs inside ./.venv, created on demand.
#   make run    - start the Streamlit app (PORT=8501)
#   make test   - run the test suite (PYTEST_ARGS="-k foo -x")
#   make test-fast - the everyday loop: everything but the tests marked slow or e2e (real
#                 Dask/Ray, subprocess sweeps, reproductions, Chromium); CI runs them all
#   make lint   - ruff check
#   make bench  - run every benchmarks/bench_*.py except the peer comparison
#   make bench-peer - hnviz vs hypnettorch 0.0.4 (BENCH_ARGS=--quick; see docs/SPEED.md)
#   make assets - regenerate the demo runs and the lecture's curves (scripts/make_assets.py,
#                 scripts/make_lecture_assets.py); sweeps: scripts/make_sweeps.py
#   make clean  - remove caches, test and build artifacts (make distclean also removes .venv)

PYTHON      ?= python3
PORT        ?= 8501
PYTEST_ARGS ?=
PIP_ARGS    ?=
BENCH_ARGS  ?=

VENV       := .venv
VENV_PY    := $(VENV)/bin/python
VENV_CFG   := $(VENV)/pyvenv.cfg
STAMP_RUN  := $(VENV)/.stamp-run
STAMP_DEV  := $(VENV)/.stamp-dev
PIP        := $(VENV_PY) -m pip --disable-pip-version-check --quiet

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint bench bench-peer assets clean distclean venv FORCE

# A venv whose interpreter is missing or no longer runs (e.g. the base python moved) is rebuilt.
VENV_OK := $(shell $(VENV_PY) -c 'import sys' >/dev/null 2>&1 && echo 1)
ifneq ($(VENV_OK),1)
VENV_FORCE := FORCE
endif

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

# pyvenv.cfg (a real file, fresh mtime) rather than bin/python (a symlink to an old interpreter) is
# what the install stamps depend on, so a recreated venv always gets its packages reinstalled.
$(VENV_CFG): $(VENV_FORCE)
	@if [ -e $(VENV) ]; then echo "Recreating broken $(VENV)"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)

# Installing requirements-dev.txt also installs requirements.txt (-r), so it refreshes both stamps.
$(STAMP_RUN): requirements.txt $(VENV_CFG)
	@echo "Installing requirements.txt into $(VENV) (the first time takes a few minutes)"
	$(PIP) install $(PIP_ARGS) -r requirements.txt
	@touch $@

$(STAMP_DEV): requirements-dev.txt requirements.txt $(VENV_CFG)
	@echo "Installing requirements-dev.txt into $(VENV) (the first time takes a few minutes)"
	$(PIP) install $(PIP_ARGS) -r requirements-dev.txt
	@touch $@ $(STAMP_RUN)

venv: $(STAMP_DEV)

run: $(STAMP_RUN)
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(STAMP_DEV)
	$(VENV_PY) -m pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP_DEV)
	$(VENV_PY) -m pytest -q -m "not slow and not e2e" $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(VENV_PY) -m ruff check .

bench: $(STAMP_RUN)
	@set -e; found=0; \
	for f in benchmarks/bench_*.py; do \
	  [ -e "$$f" ] || continue; [ "$$f" = benchmarks/bench_peer.py ] && continue; found=1; \
	  echo "== $$f"; PYTHONPATH=. $(VENV_PY) "$$f"; \
	done; \
	[ $$found = 1 ] || echo "no benchmarks/bench_*.py found"

# Needs the development requirements (hypnettorch, matplotlib); full mode takes ~25 min on 2 cores.
bench-peer: $(STAMP_DEV)
	PYTHONPATH=. $(VENV_PY) benchmarks/bench_peer.py $(BENCH_ARGS)

assets: $(STAMP_RUN)
	PYTHONPATH=. $(VENV_PY) scripts/make_assets.py
	PYTHONPATH=. $(VENV_PY) scripts/make_lecture_assets.py

clean:
	rm -rf .pytest_cache .ruff_cache test-artifacts build dist *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

FORCE:
