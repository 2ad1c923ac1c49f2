# bht: build, test, prove, demo, bench.  See README.md.
# Everything a fresh Debian 12 machine needs is installed by `make deps`.

CC      ?= gcc
# -ffp-contract=off: no silent FMA contraction; fma() is only used explicitly.
CFLAGS  ?= -O2
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wvla -pedantic -ffp-contract=off -fno-fast-math
CPPFLAGS += -Isrc -D_POSIX_C_SOURCE=200809L
LDLIBS  := -lmpfr -lgmp -lm -pthread
# The CLI (not the library) also uses nettle (SHA-256) and jansson (JSON).
CLI_LDLIBS := -lnettle -ljansson
BUILD   ?= build

DEBIAN_PACKAGES := libmpfr-dev libgmp-dev libcriterion-dev pkg-config python3 \
                   python3-numpy python3-pytest nettle-dev libjansson-dev libflint-dev \
                   frama-c-base why3 cvc5 z3 gappa \
                   coq libcoq-coquelicot libcoq-interval libcoq-flocq
BENCH_PACKAGES  := python3-numpy python3-scipy python3-mpmath r-base-core

LIB_DIRS := core oracle softmax leverage distance model_distance nu search golden claims regression
LIB_SRC := $(wildcard $(LIB_DIRS:%=src/%/*.c))
LIB_HDR := src/bht.h src/bht_tools.h $(wildcard $(LIB_DIRS:%=src/%/*.h))
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
# tests/<folder>/test_*.c mirrors src/<folder>/ (tests/proofs: the admitted
# facts of the WP proofs checked against MPFR).
TEST_SRC := $(wildcard tests/*/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps bench-deps test unit api-test pytest demo proofs bench golden install clean FORCE
all: $(BUILD)/libbht.a $(BUILD)/libbht.so $(BUILD)/bht

# Install only what is missing (CI has no standard input and starts bare).
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBIAN_PACKAGES))
bench-deps: deps
	$(call install_missing,$(BENCH_PACKAGES))

$(BUILD)/obj/%.o: src/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
# The lane-structured softmax kernel: -O3 lets GCC vectorise its loops (the
# results do not depend on it: same operations per element, no contraction).
$(BUILD)/obj/softmax/softmax_lanes.o $(BUILD)/pic/softmax/softmax_lanes.o: CFLAGS += -O3
$(BUILD)/obj/cli/%.o: src/cli/%.c src/bht.h src/bht_tools.h $(wildcard src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libbht.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/bht: $(CLI_OBJ) $(BUILD)/libbht.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libbht.a $(CLI_LDLIBS) $(LDLIBS)

# The CLI's JSON reader and SHA-256 (not part of libbht), for the tests that
# read the golden corpus.
$(BUILD)/libbhtcli.a: $(BUILD)/obj/cli/json.o $(BUILD)/obj/cli/sha256.o
	rm -f $@ && ar rcs $@ $^
# Extra libraries of single test programs (FLINT: tests only).
TEST_LDLIBS_test_flint_rank := -lflint

$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(BUILD)/libbht.a $(BUILD)/libbhtcli.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(BUILD)/libbhtcli.a $(BUILD)/libbht.a \
	  -lcriterion $(CLI_LDLIBS) $(TEST_LDLIBS_$(*F)) $(LDLIBS)

# The Criterion suite: every tests/*/test_*.c is one program.  BHT is the CLI
# under test (CLI tests run it as a subprocess).
unit: $(TEST_BIN) $(BUILD)/bht
	@failed=""; for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  BHT=$(abspath $(BUILD)/bht) BHT_TESTDATA=$(abspath tests/data) $$t --jobs 2 || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi
	$(MAKE) api-test

# The Python bindings (python/bht) against build/libbht.so, Debian's
# python3 with python3-numpy and python3-pytest.
PYTHON ?= /usr/bin/python3
pytest: $(BUILD)/libbht.so $(BUILD)/bht
	BHT=$(abspath $(BUILD)/bht) BHT_LIBRARY=$(abspath $(BUILD)/libbht.so) \
	  BHT_TESTDATA=$(abspath tests/data) PYTHONPATH=$(abspath python) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider python/tests

# The proof units run two at a time: a cached unit spends most of its time in
# Frama-C's own single-threaded goal generation (proofs/README.md).
test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) pytest
	$(MAKE) -j2 --output-sync=target proofs

demo: deps
	$(MAKE) all
	$(BUILD)/bht demo
	$(BUILD)/bht claims --fast
	@echo; echo "softmax regression, 8x3 example: damped Newton with a certified distance to the minimizer"
	$(BUILD)/bht regression --solve -A tests/data/cli/regression_A.txt \
	  -b tests/data/cli/regression_b.txt -w tests/data/cli/regression_w.txt

-include proofs/proofs.mk
-include proofs/coq/coq.mk
proofs: coq-proofs proofs-lemmas
-include proofs/regression.mk
-include tests/robustness.mk

bench: bench-deps all $(BUILD)/bench_softmax $(BUILD)/bench_leverage $(BUILD)/bench_sup \
       $(BUILD)/bench_regression
	@echo "bench machine: $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),\
	  $$(nproc) CPU(s), load $$(cut -d' ' -f1-3 /proc/loadavg)"
	@/usr/bin/python3 -c 'import numpy as n, os; i = n.__config__.get_info("blas_opt_info"); \
	  print("NumPy", n.__version__, "BLAS", ",".join(i.get("libraries", [])) or "unknown", \
	        os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"))'
	/usr/bin/python3 tests/bench/bench.py --bht $(BUILD)/bench_softmax
	/usr/bin/python3 tests/bench/bench_leverage.py --bht $(BUILD)/bench_leverage
	$(BUILD)/bench_sup
	/usr/bin/python3 tests/bench/bench_regression.py --bht $(BUILD)/bench_regression

$(BUILD)/bench_%: tests/bench/bench_%.c tests/bench/bench_clock.h $(BUILD)/libbht.a
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(BUILD)/libbht.a $(LDLIBS)

# Regenerates the committed golden corpus (after a kernel or oracle change).
# The manifest records the generator's commit: the generator sources (src/,
# Makefile) must be committed, and the describe is that of HEAD, so that
# golden/v1 itself being modified (e.g. by an earlier run) never makes it
# "-dirty".
golden: all
	@if git status --porcelain -- src Makefile | grep -q .; then \
	  echo "make golden: uncommitted changes in src/ or Makefile; commit them first" \
	       "(golden/v1/manifest.json records the generator's commit)" >&2; exit 2; fi
	BHT_GIT_DESCRIBE=$$(git describe --always HEAD) $(BUILD)/bht golden --out golden/v1

# Installation: the CLI, static and shared libraries, the header, a
# pkg-config file and the man page.  PREFIX=/usr/local by default; DESTDIR
# is honoured for staged installs.
PREFIX ?= /usr/local
PIC_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/pic/%.o)
# The Python package goes where Debian's python3 looks for PREFIX's modules
# (PREFIX/lib/pythonX.Y/dist-packages); bht/_lib.py finds PREFIX/lib/libbht.so.0
# relative to it.
PYTHON_SITE ?= $(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages

# The shared library exports only the BHT_API declarations of bht.h and
# bht_tools.h (every other symbol hidden: see BHT_API in bht.h).
$(BUILD)/pic/%.o: src/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
$(BUILD)/libbht.so: $(PIC_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libbht.so.0 -o $@ $^ $(LDLIBS)
$(BUILD)/libbht.so.0: $(BUILD)/libbht.so
	ln -sf libbht.so $@

# The public interface (tests/api; under make sanitize the C++ program gets
# the sanitizer flags of the library it links): libbht.so exports only bht_* names; a
# program defining the library's former internal names (is_broken, evidence,
# rng_next) and linking libbht.so gets the same claim verdicts as the static
# CLI; bht.h and bht_tools.h compile and link as C++.
CXX ?= g++
$(BUILD)/api/interpose: tests/api/interpose.c $(BUILD)/libbht.so.0 src/bht.h src/bht_tools.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -rdynamic -o $@ $< $(BUILD)/libbht.so \
	  -Wl,-rpath,'$$ORIGIN/..' $(LDLIBS)
$(BUILD)/api/cxx_header: tests/api/cxx_header.cpp $(BUILD)/libbht.a src/bht.h src/bht_tools.h
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) -O2 $(filter -fsanitize=% -fno-omit-frame-pointer,$(CFLAGS)) \
	  -std=c++11 -Wall -Wextra -Werror -pedantic -o $@ $< $(BUILD)/libbht.a $(LDLIBS)
api-test: $(BUILD)/bht $(BUILD)/api/interpose $(BUILD)/api/cxx_header
	@leaked=$$(nm -D --defined-only $(BUILD)/libbht.so | awk '{print $$3}' | grep -v '^bht_'); \
	if [ -n "$$leaked" ]; then echo "libbht.so exports non-bht_ names:" $$leaked; exit 1; fi; \
	echo "api: libbht.so exports $$(nm -D --defined-only $(BUILD)/libbht.so | wc -l) names, all bht_*"
	@$(BUILD)/bht claims --fast | grep -E '^[^ ].*: (HOLDS|HOLDS_WITH_CORRECTION|FAILS)$$' \
	  > $(BUILD)/api/verdicts.static
	@$(BUILD)/api/interpose > $(BUILD)/api/verdicts.shared
	@cmp $(BUILD)/api/verdicts.static $(BUILD)/api/verdicts.shared && \
	  echo "api: $$(wc -l < $(BUILD)/api/verdicts.shared) claim verdicts through libbht.so with interposing names = static CLI's"
	@$(BUILD)/api/cxx_header

# bht.pc embeds PREFIX: the stamp changes (and bht.pc is rebuilt) whenever
# PREFIX differs from the last build's.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ 2>/dev/null || echo '$(PREFIX)' > $@
FORCE:
$(BUILD)/bht.pc: src/bht.pc.in $(BUILD)/prefix.stamp
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|'"$$(sed -n 's/^#define BHT_VERSION "\(.*\)"/\1/p' src/bht.h)"'|g' $< > $@

install: all $(BUILD)/libbht.so $(BUILD)/bht.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/bht $(DESTDIR)$(PREFIX)/bin/bht
	install -m 644 $(BUILD)/libbht.a $(DESTDIR)$(PREFIX)/lib/libbht.a
	install -m 755 $(BUILD)/libbht.so $(DESTDIR)$(PREFIX)/lib/libbht.so.0
	ln -sf libbht.so.0 $(DESTDIR)$(PREFIX)/lib/libbht.so
	install -m 644 src/bht.h $(DESTDIR)$(PREFIX)/include/bht.h
	install -m 644 src/bht_tools.h $(DESTDIR)$(PREFIX)/include/bht_tools.h
	install -m 644 $(BUILD)/bht.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/bht.pc
	install -m 644 src/cli/bht.1 $(DESTDIR)$(PREFIX)/share/man/man1/bht.1
	install -d $(DESTDIR)$(PYTHON_SITE)/bht
	install -m 644 python/bht/*.py $(DESTDIR)$(PYTHON_SITE)/bht/

clean:
	rm -rf $(BUILD)
