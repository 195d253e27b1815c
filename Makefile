# Two entry points for a fresh Debian 12 machine, run as root:
#   make demo   runs the save/restore tutorial in C++ and inspects its files with the CLI
#   make test   builds a release and an ASan+UBSan build (clang, with the
#               fuzzers), runs every test, and fuzzes each parser briefly
# Each one first installs what is missing: Debian packages (apt-get) and the
# Python packages of the interop tests (a project-local venv, .venv).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

DEB_PACKAGES := cmake ninja-build g++ clang libclang-rt-14-dev libprotobuf-dev protobuf-compiler \
  libleveldb-dev libisal-dev libeigen3-dev libcli11-dev nlohmann-json3-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libsnappy-dev python3 \
  python3-venv python3-pip
# apt-get needs root; anyone else gets sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

VENV := .venv
REQUIREMENTS := tests/interop/requirements.txt
# Rebuilt only when the requirements change (or the venv is deleted).
VENV_STAMP := $(VENV)/.requirements.stamp

BUILD_DIR := build
ASAN_BUILD_DIR := build-asan
DEMO_DIR := demo-out
CTEST_JOBS ?= 2
CMAKE_ARGS := -G Ninja -DTFCKPT_WERROR=ON

.PHONY: help deps venv build build-asan demo test clean

help:
	@echo "make demo   build, run the tutorial in C++ into demo-out/, inspect it with the CLI"
	@echo "make test   build (release, clang ASan/UBSan + fuzzers, TSan), run all tests, fuzz briefly"
	@echo "make tsan   build the threaded tests with ThreadSanitizer and run them"
	@echo "make clean  remove build, build-asan, build-tsan and demo-out"

# Installs only the Debian packages that are missing, so a ready machine
# skips apt-get entirely.
deps:
	@missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS) | deps
	@echo "Installing $(REQUIREMENTS) into $(VENV) (TensorFlow: a minute or two)"
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(REQUIREMENTS)
	touch $@

build: deps venv
	cmake -S . -B $(BUILD_DIR) $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR)

# The sanitized build uses clang, so the same libraries also make the
# libFuzzer binaries: CTest's <target>_fuzz tests fuzz each parser for
# FUZZ_SECONDS (and a second compiler checks the code with -Werror).
FUZZ_SECONDS ?= 20
build-asan: deps venv
	cmake -S . -B $(ASAN_BUILD_DIR) $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Debug -DTFCKPT_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER=clang++ -DTFCKPT_BUILD_FUZZERS=ON -DTFCKPT_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(ASAN_BUILD_DIR)

demo: build
	$(BUILD_DIR)/bin/tutorial $(DEMO_DIR)
	@echo; echo '$$ tfckpt ls $(DEMO_DIR)/3-restoring/my_test_model-1000'
	@$(BUILD_DIR)/bin/tfckpt ls $(DEMO_DIR)/3-restoring/my_test_model-1000
	@echo; echo '$$ tfckpt graph $(DEMO_DIR)/3-restoring/my_test_model-1000.meta'
	@$(BUILD_DIR)/bin/tfckpt graph $(DEMO_DIR)/3-restoring/my_test_model-1000.meta

# The ASan run fuzzes each parser for FUZZ_SECONDS (label "fuzz") and skips
# the interop tests (every label matching "interop": the
# Python side gains nothing from a sanitized build and they take the longest).
# ASan aborts on a huge allocation unless told to return null, and tests
# check that the library then fails cleanly. The release run comes last so
# CTest's summary is the final line of output, which CI reads.
SANITIZER_ENV := ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1
test: build build-asan tsan
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j$(CTEST_JOBS) -LE interop
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) $(DEMO_DIR)

# ThreadSanitizer over the tests whose code runs threads (Session and its
# thread pools, parallel bundle reads and writes, the async saver); part of
# `make test`. Only the libraries these tests link are built, which keeps the
# third build to a few minutes.
TSAN_BUILD_DIR := build-tsan
TSAN_TESTS := session_test kernels_test bundle_test bundle_parallel_test write_bundle_test \
  checkpoint_saver_test async_checkpoint_saver_test
.PHONY: tsan
tsan: deps
	cmake -S . -B $(TSAN_BUILD_DIR) $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Debug \
	  -DTFCKPT_SANITIZE=ON -DTFCKPT_SANITIZER=thread
	cmake --build $(TSAN_BUILD_DIR) --target $(TSAN_TESTS)
	for t in $(TSAN_TESTS); do \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(TSAN_BUILD_DIR)/bin/$$t \
	    --gtest_brief=1 || exit 1; \
	done

# Save/restore against TensorFlow, safetensors and PyTorch, plus the
# micro-benchmarks; writes docs/performance.md (bench/compare.py, ~30 min).
# PyTorch goes into a venv of its own, bench/.venv, from PyPI (its CUDA
# wheels: a few GB); when that fails the table says so.
BENCH_VENV := bench/.venv
.PHONY: bench
bench: build
	@if ! $(BENCH_VENV)/bin/python -c 'import torch, numpy' 2>/dev/null; then \
	  python3 -m venv $(BENCH_VENV) && \
	  $(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check torch numpy \
	  || echo "PyTorch could not be installed into $(BENCH_VENV): the table will say so"; \
	fi
	$(VENV)/bin/python bench/compare.py --build-dir $(BUILD_DIR)
