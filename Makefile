# libzmq-rs: build, install, demo and test entry points.
#
#   make                  release build, laid out in build/lib like libzmq's install
#   make install PREFIX=/opt/zmq [DESTDIR=...]
#   make header           regenerate include/zmq.h (cbindgen, via tests/header.rs)
#   make demo             build and run the demo programs against build/lib
#   make test             fmt, clippy, cargo test (unit + C + header), interop, pyzmq
#   make valgrind         C, integration and unit tests under valgrind memcheck
#                         (tests/valgrind.sh, about a minute on 2 cores)
#   make test-system      the C tests, interop, pyzmq scripts and demos against the
#                         system libzmq: proves the tests themselves
#   make bench            side-by-side benchmarks, ours vs Debian's libzmq (and the
#                         zeromq crate where bench/zeromq-rs builds): < 10 min;
#                         results in build/bench/ and bench/results/
#   make bench-quick      the same, one repetition and smaller counts (~1-2 min)
#   make bench-ab BASE=rev  before/after in one run: the second column is our
#                         library built at commit `rev` instead of libzmq
#   make fuzz             libFuzzer on the ZMTP core, FUZZ_SECONDS (300) per target
#                         (nightly + cargo-fuzz, see fuzz/README.md)
#
# ZMQ_SYSTEM=1 makes `demo` and `interop` use the system libzmq instead of ours.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all

CARGO ?= cargo
CC ?= cc
CXX ?= c++
PYTHON ?= python3
SYS_PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
DESTDIR ?=
ZMQ_SYSTEM ?= 0
# bounded failure time while our library is incomplete; override to see all
PYTEST_ARGS ?= --maxfail=5

VERSION := 4.3.5
SOVERSION := 5.2.5
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
BUILD := $(CURDIR)/build
VENV := $(CURDIR)/.venv
SYSTEM_LIB := /usr/lib/x86_64-linux-gnu/libzmq.so.5
CFLAGS_TEST := -std=c99 -O1 -g -Wall -Wextra -Werror=implicit-function-declaration

# Which library the demo and the interop tests put on "our" side.
ifeq ($(ZMQ_SYSTEM),1)
  TEST_DIR := $(BUILD)/test-system
  DEMO_DIR := $(BUILD)/demo-system
  TEST_ZMQ_CFLAGS :=
  TEST_ZMQ_LIBS := -lzmq
  DEMO_ZMQ_CFLAGS :=
  DEMO_ZMQ_LIBS := -lzmq
  OUR_LIB := $(SYSTEM_LIB)
  OUR_INCLUDE := /usr/include
else
  TEST_DIR := $(BUILD)/test
  DEMO_DIR := $(BUILD)/demo
  TEST_ZMQ_CFLAGS := -I$(CURDIR)/include
  TEST_ZMQ_LIBS := -L$(TEST_DIR)/lib -Wl,-rpath,$(TEST_DIR)/lib -lzmq
  DEMO_ZMQ_CFLAGS := -I$(CURDIR)/include
  DEMO_ZMQ_LIBS := -L$(BUILD)/lib -Wl,-rpath,$(BUILD)/lib -lzmq
  OUR_LIB := $(TEST_DIR)/lib/libzmq.so.5
  OUR_INCLUDE := $(CURDIR)/include
endif

.PHONY: all release install header demo test test-system interop deps builddeps sysdeps valgrind \
        test-debian-header test-install test-cppzmq test-czmq \
        venv test-lib peer clean bench bench-quick bench-build bench-ab test-pyzmq-suite fuzz

# ------------------------------------------------------------------ build

all: release
	rm -rf $(BUILD)/lib $(BUILD)/include
	mkdir -p $(BUILD)/lib/pkgconfig $(BUILD)/include
	cp $(TARGET_DIR)/release/libzmq.so $(BUILD)/lib/libzmq.so.$(SOVERSION)
	ln -s libzmq.so.$(SOVERSION) $(BUILD)/lib/libzmq.so.5
	ln -s libzmq.so.5 $(BUILD)/lib/libzmq.so
	cp $(TARGET_DIR)/release/libzmq.a $(BUILD)/lib/libzmq.a
	cp include/zmq.h include/zmq_utils.h $(BUILD)/include/
	sed 's|@prefix@|$(BUILD)|' libzmq.pc.in > $(BUILD)/lib/pkgconfig/libzmq.pc
	@echo "built $(BUILD)/lib/libzmq.so.$(SOVERSION) (pkg-config: PKG_CONFIG_PATH=$(BUILD)/lib/pkgconfig)"

release: builddeps
	$(CARGO) build --release

# What building the library needs besides Rust: libsodium (the CURVE boxes,
# as for libzmq itself). Installed from Debian when missing.
builddeps:
	@[ -f /usr/include/sodium.h ] || { echo "installing libsodium-dev"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libsodium-dev; }

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/lib/libzmq.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libzmq.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libzmq.so.5
	ln -sf libzmq.so.5 $(DESTDIR)$(PREFIX)/lib/libzmq.so
	install -m 644 $(BUILD)/lib/libzmq.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/zmq.h include/zmq_utils.h $(DESTDIR)$(PREFIX)/include/
	sed 's|@prefix@|$(PREFIX)|' libzmq.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libzmq.pc
	@echo "installed into $(DESTDIR)$(PREFIX)"

header:
	UPDATE_HEADER=1 $(CARGO) test --test header

# ------------------------------------------------------------------- demo

DEMOS := reqrep pubsub pipeline curve_server

ifeq ($(ZMQ_SYSTEM),1)
demo:
else
demo: all
endif
	mkdir -p $(DEMO_DIR)
	for d in $(DEMOS); do \
	  $(CC) $(CFLAGS_TEST) $(DEMO_ZMQ_CFLAGS) demo/$$d.c -o $(DEMO_DIR)/$$d $(DEMO_ZMQ_LIBS) -lpthread; \
	done
	failed=0; for d in $(DEMOS); do \
	  echo "=== demo $$d"; \
	  if timeout 60 $(DEMO_DIR)/$$d; then echo "=== demo $$d: OK"; \
	  else echo "=== demo $$d: FAILED"; failed=1; fi; \
	done; exit $$failed

# ------------------------------------------------------------------- test

test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test
	$(MAKE) --no-print-directory interop
	$(MAKE) --no-print-directory test-debian-header
	$(MAKE) --no-print-directory test-install
	$(MAKE) --no-print-directory test-cppzmq
	$(MAKE) --no-print-directory test-czmq

# Programs compiled against Debian's /usr/include/zmq.h and linked with its
# -lzmq run unchanged on our library (LD_LIBRARY_PATH swaps it in).
test-debian-header: test-lib
	mkdir -p $(BUILD)/debian-header
	for d in $(DEMOS) version_check; do \
	  src=demo/$$d.c; [ -f $$src ] || src=tests/install/$$d.c; \
	  $(CC) $(CFLAGS_TEST) -I/usr/include $$src -o $(BUILD)/debian-header/$$d -lzmq -lpthread; \
	done
	LD_LIBRARY_PATH=$(TEST_DIR)/lib $(BUILD)/debian-header/version_check 4.3.5
	for d in $(DEMOS); do \
	  LD_LIBRARY_PATH=$(TEST_DIR)/lib timeout 60 $(BUILD)/debian-header/$$d > /dev/null \
	    || { echo "=== $$d (Debian header, our library): FAILED"; exit 1; }; \
	  echo "=== $$d (Debian header, our library): OK"; \
	done

# cppzmq (a header-only C++ binding) compiled against our header, stable and
# draft, and run on our library.
test-cppzmq: test-lib
	mkdir -p $(BUILD)/cppzmq
	$(CXX) -std=c++17 -Wall -Werror -I$(CURDIR)/include tests/install/cppzmq_check.cpp \
	  -o $(BUILD)/cppzmq/check $(TEST_ZMQ_LIBS)
	$(CXX) -std=c++17 -Wall -Werror -DZMQ_BUILD_DRAFT_API -I$(CURDIR)/include \
	  -c tests/install/cppzmq_check.cpp -o $(BUILD)/cppzmq/check-draft.o
	timeout 60 $(BUILD)/cppzmq/check

# `make install` into a scratch prefix, then build a program with pkg-config.
test-install:
	rm -rf $(BUILD)/inst
	$(MAKE) --no-print-directory install PREFIX=$(BUILD)/inst
	$(CC) $(CFLAGS_TEST) tests/install/version_check.c -o $(BUILD)/inst/version_check \
	  $$(PKG_CONFIG_PATH=$(BUILD)/inst/lib/pkgconfig pkg-config --cflags --libs libzmq)
	LD_LIBRARY_PATH=$(BUILD)/inst/lib $(BUILD)/inst/version_check 4.3.5

# Memory errors and leaks (needs valgrind; not part of `test` yet).
valgrind:
	tests/valgrind.sh

# pyzmq's own test suite (Debian's python3-zmq ships it) on our library: a
# consumer's tests that no one here wrote. Not in `test` (timing-based tests
# of a third party); about 30 s. Expected: everything passes but
# test_cython (needs a Cython tool chain) and the CURVE tests (skipped).
PYZMQ_SUITE_VENV := $(BUILD)/pyzmq-suite
test-pyzmq-suite: test-lib
	[ -x $(PYZMQ_SUITE_VENV)/bin/pytest ] || { $(SYS_PYTHON) -m venv --system-site-packages $(PYZMQ_SUITE_VENV) && \
	  $(PYZMQ_SUITE_VENV)/bin/pip install --quiet pytest pytest-timeout; }
	tests=$$($(SYS_PYTHON) -c 'import zmq, os; print(os.path.join(os.path.dirname(zmq.__file__), "tests"))'); \
	cd $$tests && LD_LIBRARY_PATH=$(TEST_DIR)/lib $(PYZMQ_SUITE_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  --timeout=60 --deselect test_cython.py .

# czmq (Debian's libczmq, linked to libzmq.so.5) on our library: its zauth
# actor as the ZAP handler and zcert certificates drive CURVE and PLAIN.
test-czmq: test-lib
	mkdir -p $(TEST_DIR)/czmq
	$(CC) $(CFLAGS_TEST) $(TEST_ZMQ_CFLAGS) tests/install/czmq_check.c -o $(TEST_DIR)/czmq/check \
	  $(TEST_ZMQ_LIBS) -lczmq
	LD_LIBRARY_PATH=$(TEST_DIR)/lib timeout 60 $(TEST_DIR)/czmq/check $(OUR_LIB)

# Runs everything that can run against the real libzmq, on both sides.
test-system: deps
	ZMQ_CTESTS_SYSTEM=1 $(CARGO) test --test ctests
	$(MAKE) --no-print-directory interop ZMQ_SYSTEM=1
	$(MAKE) --no-print-directory demo ZMQ_SYSTEM=1
	$(MAKE) --no-print-directory test-czmq ZMQ_SYSTEM=1

# Our library (or the system one with ZMQ_SYSTEM=1) against real libzmq:
# the C peer + PyPI pyzmq, Debian python3-zmq running tests/pyzmq/, ABI check.
interop: deps test-lib peer
	cd tests/interop && \
	ZMQ_SYSTEM=$(ZMQ_SYSTEM) ZMQ_PEER=$(TEST_DIR)/peer ZMQ_OUR_LIB=$(OUR_LIB) \
	ZMQ_OUR_INCLUDE=$(OUR_INCLUDE) ZMQ_SYSTEM_LIB=$(SYSTEM_LIB) \
	ZMQ_SYS_PYTHON=$(SYS_PYTHON) ZMQ_PYZMQ_SCRIPTS=$(CURDIR)/tests/pyzmq \
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) .

ifeq ($(ZMQ_SYSTEM),1)
test-lib:
else
# The debug cdylib `cargo test` just built, behind its soname.
test-lib: builddeps
	$(CARGO) build
	mkdir -p $(TEST_DIR)/lib
	ln -sf $(TARGET_DIR)/debug/libzmq.so $(TEST_DIR)/lib/libzmq.so.5
	ln -sf libzmq.so.5 $(TEST_DIR)/lib/libzmq.so
endif

peer: test-lib
	mkdir -p $(TEST_DIR)
	$(CC) $(CFLAGS_TEST) $(TEST_ZMQ_CFLAGS) tests/interop/peer.c -o $(TEST_DIR)/peer \
	  $(TEST_ZMQ_LIBS) -lpthread

# ------------------------------------------------------------------ bench

# The C programs are built once against our include/zmq.h and linked with
# -lzmq without an rpath; bench/run.py picks the library per run with
# LD_LIBRARY_PATH: build/lib (ours) or build/bench/libzmq-debian (only a
# libzmq.so.5 symlink to Debian's).
BENCH_DIR := $(BUILD)/bench
BENCH_PROGS := thr_recv thr_send lat_rep lat_req thr_inproc lat_inproc raw_thr \
               handshake_server handshake_client curve_keypair \
               pubsub router_dealer mem_sockets mem_conns which_lib
BENCH_CFLAGS := -std=c99 -O2 -Wall -Wextra -Werror=implicit-function-declaration
ZEROMQ_RS := bench/zeromq-rs
# when this make started: run.py's time budget counts the builds too
BENCH_START := $(shell date +%s)

bench-build: all
	@[ -e $(SYSTEM_LIB) ] || $(MAKE) --no-print-directory sysdeps
	@command -v valgrind >/dev/null || { echo "installing valgrind (callgrind rows)"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind \
	  || echo "warning: no valgrind; the callgrind rows are skipped"; }
	mkdir -p $(BENCH_DIR)/bin $(BENCH_DIR)/libzmq-debian
	ln -sfn $$(readlink -f $(SYSTEM_LIB)) $(BENCH_DIR)/libzmq-debian/libzmq.so.5
	for p in $(BENCH_PROGS); do \
	  $(CC) $(BENCH_CFLAGS) -I$(CURDIR)/include bench/$$p.c -o $(BENCH_DIR)/bin/$$p \
	    -L$(BUILD)/lib -lzmq -lpthread; \
	done
	$(CC) $(BENCH_CFLAGS) -DTHR_LOCAL -I$(CURDIR)/include bench/thr_inproc.c \
	  -o $(BENCH_DIR)/bin/thr_local -L$(BUILD)/lib -lzmq -lpthread
	@if [ -f $(ZEROMQ_RS)/Cargo.toml ]; then \
	  echo "building $(ZEROMQ_RS) (the zmq.rs column; skipped if it fails)"; \
	  $(CARGO) build --release --manifest-path $(ZEROMQ_RS)/Cargo.toml \
	    --target-dir $(CURDIR)/$(ZEROMQ_RS)/target \
	    || echo "warning: $(ZEROMQ_RS) did not build; no zmq.rs column"; \
	fi

bench: bench-build
	BENCH_START=$(BENCH_START) $(PYTHON) bench/run.py
	mkdir -p bench/results
	cp $(BENCH_DIR)/results.md $(BENCH_DIR)/chart.svg bench/results/

bench-quick: bench-build
	BENCH_START=$(BENCH_START) BENCH_QUICK=1 BENCH_REPS=$${BENCH_REPS:-1} $(PYTHON) bench/run.py

# Before/after: our library at commit BASE (built from `git archive` into
# build/bench/base-*) in the second column, the working tree in the first.
# Results in build/bench/results.md (bench/results/ is left alone).
BASE ?= HEAD~1
BASE_DIR := $(BENCH_DIR)/base
bench-ab: bench-build
	rm -rf $(BASE_DIR)/src $(BASE_DIR)/lib && mkdir -p $(BASE_DIR)/src $(BASE_DIR)/lib
	git archive $$(git rev-parse --verify '$(BASE)^{commit}') | tar -x -C $(BASE_DIR)/src
	CARGO_TARGET_DIR=$(BASE_DIR)/target $(CARGO) build --release --lib \
	  --manifest-path $(BASE_DIR)/src/Cargo.toml
	cp $(BASE_DIR)/target/release/libzmq.so $(BASE_DIR)/lib/libzmq.so.5
	BENCH_START=$(BENCH_START) BENCH_BUDGET=$${BENCH_BUDGET:-900} \
	  BENCH_BASELINE=$(BASE_DIR)/lib $(PYTHON) bench/run.py

# ------------------------------------------------------------------ fuzz

# Each target for FUZZ_SECONDS with libFuzzer (cargo-fuzz on the nightly
# toolchain; both come from crates.io / rustup, see fuzz/README.md). New
# inputs go to target/fuzz-corpus/<target>, the seeds in fuzz/corpus/ are
# only read; crashes land in fuzz/artifacts/<target>/ and fail the run.
# A single allocation over 16 MiB counts as a crash (a peer's announced size
# must never be trusted). Logs: target/fuzz-logs/<target>.log.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= frame_decoder greeting null_client null_server plain_client plain_server null_zap_server curve_client curve_server
FUZZ_ARGS ?= -max_len=16384 -timeout=5 -rss_limit_mb=512 -malloc_limit_mb=16
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	mkdir -p $(TARGET_DIR)/fuzz-logs
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(TARGET_DIR)/fuzz-corpus/$$t; \
	  cargo +nightly fuzz run $$t $(TARGET_DIR)/fuzz-corpus/$$t corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS) 2>&1 | tee $(TARGET_DIR)/fuzz-logs/$$t.log \
	    | grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done|==|SUMMARY)|panicked' ; \
	done

# --------------------------------------------------------------- set-up

deps: builddeps sysdeps venv

# Debian packages the tests compare against (skipped when present).
sysdeps:
	@if [ ! -f /usr/include/zmq.h ] || ! $(SYS_PYTHON) -c 'import zmq' 2>/dev/null \
	    || ! command -v nm >/dev/null || ! command -v $(CC) >/dev/null \
	    || ! command -v $(CXX) >/dev/null || [ ! -f /usr/include/zmq.hpp ] \
	    || [ ! -f /usr/include/czmq.h ]; then \
	  echo "installing libzmq5 libzmq3-dev python3-zmq cppzmq-dev libczmq-dev"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    libzmq5 libzmq3-dev python3-zmq python3-venv binutils gcc g++ libc6-dev cppzmq-dev \
	    libczmq-dev; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed:
	$(PYTHON) -m venv $(VENV) || { \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install --quiet pyzmq==27.3.0 pytest
	touch $@

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
