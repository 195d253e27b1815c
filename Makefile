# Two entry points for a fresh Debian 12 machine, run as root:
#   make demo   writes a checkpoint with the library and inspects it with the CLI
#   make test   builds a release and an ASan+UBSan build and runs every test
# Each one first installs what is missing: Debian packages (apt-get) and the
# Python packages of the interop tests (a project-local venv, .venv).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

DEB_PACKAGES := cmake ninja-build g++ clang libprotobuf-dev protobuf-compiler \
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
DEMO_PREFIX := demo-out/model-1000
CTEST_JOBS ?= 2
CMAKE_ARGS := -G Ninja -DTFCKPT_WERROR=ON

.PHONY: help deps venv build build-asan demo test clean

help:
	@echo "make demo   build, write demo-out/model-1000 with the library, inspect it with the CLI"
	@echo "make test   build (release + ASan/UBSan) and run all tests with CTest"
	@echo "make clean  remove build, build-asan and demo-out"

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

build-asan: deps venv
	cmake -S . -B $(ASAN_BUILD_DIR) $(CMAKE_ARGS) -DCMAKE_BUILD_TYPE=Debug -DTFCKPT_SANITIZE=ON
	cmake --build $(ASAN_BUILD_DIR)

demo: build
	rm -rf $(dir $(DEMO_PREFIX))
	$(BUILD_DIR)/bin/write_demo $(DEMO_PREFIX)
	$(BUILD_DIR)/bin/tfckpt ls $(DEMO_PREFIX)
	$(BUILD_DIR)/bin/tfckpt verify $(DEMO_PREFIX)

# The ASan run skips the interop tests (every label matching "interop": the
# Python side gains nothing from a sanitized build and they take the longest).
# ASan aborts on a huge allocation unless told to return null, and tests
# check that the library then fails cleanly. The release run comes last so
# CTest's summary is the final line of output, which CI reads.
SANITIZER_ENV := ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1
test: build build-asan
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j$(CTEST_JOBS) -LE interop
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(dir $(DEMO_PREFIX))
