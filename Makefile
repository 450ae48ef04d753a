# scengine: build, test, run and benchmark on Debian.
#   make run    install missing system packages, build (release), run the quickstart scenario
#   make test   install missing system packages (and Chromium for the report test), build and
#               run every test (with test-portable: a second, baseline x86-64 build)
#   make bench  benchmarks against numpy (see Benchmarks/README.md)
#   make notebooks  write, execute and export Notebooks-export/ (notebooks-check: execute only)

SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev libzstd-dev
# Only for `make test`: the browser that opens report.html (Tests/python/test_validate_browser.py).
TEST_APT_PACKAGES := chromium
PYTHON ?= python3
VENV := .venv
# Code generation for the CPU of the build machine: where it has the x86-64-v3 set (AVX2, FMA,
# BMI1/2, MOVBE, F16C: Intel Haswell, AMD Zen and later) the vector loops use 256-bit
# registers; elsewhere, or with `make PORTABLE=1`, baseline code for the architecture. The
# results are bit-identical either way: Swift emits no fused multiply-add unless asked to.
PORTABLE ?=
CPU_FLAGS := $(if $(PORTABLE),,$(shell for f in avx2 fma bmi1 bmi2 movbe f16c; do   grep -qw $$f /proc/cpuinfo 2>/dev/null || exit 0; done; echo -Xswiftc -target-cpu -Xswiftc haswell))
export CPU_FLAGS
RELEASE_FLAGS := -c release $(CPU_FLAGS)
TEST_FLAGS := -c release -Xswiftc -enable-testing $(CPU_FLAGS)

.PHONY: all build test run bench deps test-deps python-deps clean lint format notebooks

all: build

# $(call apt_install,PACKAGES): installs those of the Debian PACKAGES that are missing (as root,
# or with sudo), or says which to install.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  elif command -v sudo >/dev/null 2>&1; then \
	    echo "Installing with sudo:$$missing"; \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing. Install them with: apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

# What the tests need besides: Chromium, which opens report.html headless.
test-deps:
	$(call apt_install,$(TEST_APT_PACKAGES))

# A virtual environment with the Python packages the end-to-end tests use.
python-deps: $(VENV)/.installed
$(VENV)/.installed: requirements-test.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing: apt-get install python3-venv" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

build: deps
	$(SWIFT) build $(RELEASE_FLAGS)

LINT_PATHS := Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources Benchmarks/Benchmarks

test: deps test-deps python-deps lint
	$(SWIFT) build $(TEST_FLAGS)
	@# The benchmarks' package graph loads (a target named like one of its dependencies' fails).
	$(SWIFT) package --package-path Benchmarks show-dependencies >/dev/null
	$(SWIFT) test $(TEST_FLAGS)
	@if ls Tests/python/test_*.py >/dev/null 2>&1; then \
	  SCENGINE_BIN=$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/scengine SCENGINE_REQUIRE_BROWSER=1 \
	    $(VENV)/bin/python -m pytest -q Tests/python --ignore=Tests/python/test_cpu_independence.py; \
	fi
	$(MAKE) --no-print-directory test-portable

# A real one-node Slurm on this machine runs deploy/slurm/ (a 4-task shard array and the merge
# job) and checks the merged files against a one-process run (Tests/slurm/test_slurm.sh). As
# root: installs slurm-wlm and munge when missing, starts and then stops its own munged,
# slurmctld and slurmd; skipped otherwise. SCENGINE_BIN=... tests that binary instead of
# building one.
.PHONY: test-slurm
test-slurm: $(if $(SCENGINE_BIN),,deps)
	$(if $(SCENGINE_BIN),,$(SWIFT) build $(TEST_FLAGS) --product scengine)
	SCENGINE_BIN="$(or $(SCENGINE_BIN),$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/scengine)" \
	  Tests/slurm/test_slurm.sh

# Output bits independent of the instruction set: a baseline x86-64 build of the CLI (SSE2
# only, in .build-portable) and the build of `make test` (AVX2/FMA code generation where the
# machine has it) write files with the same SHA-256 for 3, 50 and 500 assets, GBM and regimes;
# a third run emulates an older CPU for glibc (Tests/python/test_cpu_independence.py).
.PHONY: test-portable
test-portable: deps python-deps
	@test -n "$(CPU_FLAGS)" || echo "test-portable: this machine lacks AVX2/FMA, so both builds are baseline x86-64; the comparison still runs"
	$(SWIFT) build -c release --scratch-path .build-portable --product scengine
	$(SWIFT) build $(TEST_FLAGS) --product scengine
	SCENGINE_BIN=$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/scengine \
	  SCENGINE_PORTABLE_BIN=$$($(SWIFT) build -c release --scratch-path .build-portable --show-bin-path)/scengine \
	  $(VENV)/bin/python -m pytest -q Tests/python/test_cpu_independence.py

# The formatter configured in .swift-format (2 spaces, 100 columns); `make format` fixes what
# `make lint` reports.
lint:
	$(SWIFT) format lint --strict --recursive $(LINT_PATHS)

format:
	$(SWIFT) format format --in-place --recursive $(LINT_PATHS)

run: build
	$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/scengine run Scenarios/quickstart.yaml --out out/quickstart
	@echo "Path files in out/quickstart/ (manifest.json lists them); the binary is $$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/scengine"

# Writes, executes and exports the notebooks of Notebooks-export/ (see its README.md).
NB_VENV := Notebooks-export/.venv
NB_RUN := JUPYTER_PATH=$(NB_VENV)/share/jupyter $(NB_VENV)/bin/python Notebooks-export/make_notebooks.py
.PHONY: notebooks-venv notebooks-check
notebooks-venv: $(NB_VENV)/.installed
$(NB_VENV)/.installed: Notebooks-export/requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing: apt-get install python3-venv" >&2; exit 1; fi; }
	@test -x $(NB_VENV)/bin/python || $(PYTHON) -m venv $(NB_VENV)
	$(NB_VENV)/bin/pip install -q -r Notebooks-export/requirements.txt
	$(NB_VENV)/bin/python -m ipykernel install --prefix $(NB_VENV) --name python3 >/dev/null
	touch $@

notebooks: build notebooks-venv
	$(NB_RUN) --bin "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/scengine"

# Executes every notebook from a fresh kernel and fails on any cell error (or on committed
# notebooks whose cells differ from Notebooks-export/notebook_cells/), rewriting no committed
# file. Uses the optimized build of `make test` (already built in CI, so no second compile);
# SCENGINE_BIN=... checks that binary instead.
notebooks-check: $(if $(SCENGINE_BIN),,deps) notebooks-venv
	$(if $(SCENGINE_BIN),,$(SWIFT) build $(TEST_FLAGS) --product scengine)
	$(NB_RUN) --check --bin "$(or $(SCENGINE_BIN),$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/scengine)"

bench: deps
	$(MAKE) -C Benchmarks bench

clean:
	rm -rf .build $(VENV) out
