# tests/robustness.mk: robustness targets of issue 8, included by the main
# Makefile (after its own rules, so it reuses CC, CPPFLAGS, CFLAGS, LDLIBS and
# the `unit` rule).  None of them is part of `make test`.
#
#   make sanitize  the library, the CLI and every tests/*/test_*.c rebuilt in
#                  build/sanitize/ with ASan + UBSan (no recovery), then the
#                  whole Criterion suite with BHT = the sanitized CLI.
#   make memcheck  valgrind memcheck on the CLI: every tests/bad case and the
#                  CLI tests (test_bad_inputs's bad_inputs suite, test_cli;
#                  BHT = a valgrind wrapper) plus a list of valid invocations;
#                  any memcheck error or definite/indirect/possible leak
#                  fails.  MPFR's caches are "still reachable" at exit and
#                  are not counted.
#   make fuzz      libFuzzer harnesses (clang) for the parser and the kernels,
#                  each run for FUZZ_SECONDS (see tests/fuzz/fuzz.mk).
#
# The sub-builds pass CFLAGS through the environment, not the command line:
# the main Makefile does `CFLAGS ?= -O2` then `CFLAGS += -std=c11 -Wall ...`,
# and a command-line CFLAGS would silently drop those appended flags.


# ------------------------------------------------------------------ sanitize

SANITIZE_BUILD ?= $(BUILD)/sanitize
# -O2 as in the normal build (same code, plus instrumentation).  Note: with
# -O1 gcc 12's value-range analysis under -fsanitize emits extra
# -Wformat-truncation warnings, which -Werror turns into errors.
SANITIZE_CFLAGS ?= -O2 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                   -fno-sanitize-recover=all
SANITIZE_LOG := $(SANITIZE_BUILD)/sanitize.log
SANITIZE_SUPP := $(abspath $(SANITIZE_BUILD))/lsan.supp
# Leak detection (LeakSanitizer):
#  - the CLI (spawned by the CLI tests, inheriting these variables) runs with
#    full leak detection: a leak makes it exit 23 with a report on stderr,
#    which the CLI tests see as a failure;
#  - the test programs effectively run without it.  Criterion's runner leaks
#    a 48-byte calloc of its own at exit (exit 23 for the whole program); the
#    suppression "libcriterion.so" matches every stack with a libcriterion
#    frame, i.e. everything allocated under a Criterion test.  (A precise
#    suppression of the runner, leak:criterion_run_all_tests, needs
#    fast_unwind_on_malloc=0 because libcriterion has no frame pointers; that
#    slows the sanitized CLI so much that test_cli_golden times out.)
#    `make memcheck` covers leaks of the CLI independently;
#  - a sanitizer report that Criterion does not turn into a failure (e.g. in
#    a worker after its test passed) still fails the target: the recipe
#    greps the log.
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                LSAN_OPTIONS=exitcode=23:suppressions=$(SANITIZE_SUPP):print_suppressions=0

.PHONY: sanitize memcheck fuzz
sanitize:
	@mkdir -p $(SANITIZE_BUILD) && printf 'leak:libcriterion.so\n' > $(SANITIZE_SUPP)
	@{ $(SANITIZE_ENV) CFLAGS='$(SANITIZE_CFLAGS)' $(MAKE) --no-print-directory \
	  BUILD=$(SANITIZE_BUILD) unit 2>&1 || echo "sanitize: make unit failed" ; } | tee $(SANITIZE_LOG); \
	if grep -q -e 'sanitize: make unit failed' -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
	     -e 'runtime error:' -e 'Sanitizer:DEADLYSIGNAL' $(SANITIZE_LOG); then \
	  echo "sanitize: FAILED (sanitizer report or test failure, see $(SANITIZE_LOG))"; exit 1; fi
	@echo "sanitize: the whole suite passed under -fsanitize=address,undefined"

# ------------------------------------------------------------------ memcheck

MEMCHECK_BUILD ?= $(BUILD)/memcheck
MEMCHECK_CFLAGS ?= -O2 -g
MEMCHECK_LOGS := $(MEMCHECK_BUILD)/valgrind-logs
VALGRIND_OPTS := -q --tool=memcheck --leak-check=full \
                 --show-leak-kinds=definite,indirect,possible \
                 --errors-for-leak-kinds=definite,indirect,possible \
                 --track-origins=yes --error-exitcode=9
MEMCHECK_TESTS ?= cli/test_bad_inputs cli/test_cli
BAD_IN := tests/bad/inputs

# Valid invocations (exit 0 expected), one per line; "|" separates them.
MEMCHECK_VALID := \
  softmax --logits $(BAD_IN)/logits.txt | \
  softmax --logits $(BAD_IN)/logits.txt --hex | \
  softmax --logits $(BAD_IN)/logits.txt --oracle | \
  softmax --logits $(BAD_IN)/logits_huge.txt --oracle --hex | \
  softmax --logits $(BAD_IN)/logits_huge.txt | \
  softmax -A $(BAD_IN)/A_huge.txt -x $(BAD_IN)/x_huge.txt --hex | \
  softmax -A $(BAD_IN)/A.txt -x $(BAD_IN)/x.txt | \
  softmax -A $(BAD_IN)/A.txt -x $(BAD_IN)/x.txt --oracle --precision-cap 4096 | \
  softmax -A $(BAD_IN)/A.txt -x $(BAD_IN)/x_big.txt --energy=5 --oracle --hex | \
  softmax -A $(BAD_IN)/A_huge.txt -x $(BAD_IN)/x_huge.txt --oracle | \
  distance -P $(BAD_IN)/P.txt -Q $(BAD_IN)/Q.txt | \
  distance -P $(BAD_IN)/P.txt -Q $(BAD_IN)/Q.txt --oracle --hex | \
  lemma-a1 --eps 1 | \
  lemma-a1 --eps 0 --hex | \
  lemma-a1 --eps 1e300 --oracle | \
  lemma-a1 --eps 0x1p-1074 --oracle --hex | \
  demo | \
  --help | \
  --version | \
  help softmax | \
  softmax --help | \
  distance --help | \
  lemma-a1 --help | \
  demo --help

memcheck:
	@command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed (apt-get install valgrind)"; exit 1; }
	CFLAGS='$(MEMCHECK_CFLAGS)' $(MAKE) --no-print-directory BUILD=$(MEMCHECK_BUILD) \
	  $(MEMCHECK_BUILD)/bht $(MEMCHECK_TESTS:%=$(MEMCHECK_BUILD)/tests/%)
	@rm -rf $(MEMCHECK_LOGS) && mkdir -p $(MEMCHECK_LOGS)
	@printf '#!/bin/sh\n# bht under valgrind memcheck (generated by tests/robustness.mk)\nexec valgrind %s --log-file=%s/vg.%%p.log %s "$$@"\n' \
	  '$(VALGRIND_OPTS)' '$(abspath $(MEMCHECK_LOGS))' '$(abspath $(MEMCHECK_BUILD)/bht)' \
	  > $(MEMCHECK_BUILD)/bht-valgrind && chmod +x $(MEMCHECK_BUILD)/bht-valgrind
	@set -e; echo "== valid invocations under valgrind"; \
	echo '$(MEMCHECK_VALID)' | tr '|' '\n' | while read -r args; do \
	  [ -n "$$args" ] || continue; \
	  rc=0; $(MEMCHECK_BUILD)/bht-valgrind $$args >/dev/null 2>$(MEMCHECK_LOGS)/stderr.txt || rc=$$?; \
	  if [ $$rc -ne 0 ]; then echo "memcheck: bht $$args: exit $$rc"; cat $(MEMCHECK_LOGS)/stderr.txt; exit 1; fi; \
	  echo "ok   bht $$args"; \
	done
	@set -e; for t in $(MEMCHECK_TESTS); do \
	  echo "== $$t with BHT under valgrind"; \
	  BHT=$(abspath $(MEMCHECK_BUILD)/bht-valgrind) BHT_TESTDATA=$(abspath tests/data) \
	  BHT_BAD_TIMEOUT=600 $(MEMCHECK_BUILD)/tests/$$t --jobs 2 \
	    $$([ $$t = cli/test_bad_inputs ] && echo "--filter=bad_inputs/*"); \
	done
	@n=$$(ls $(MEMCHECK_LOGS)/vg.*.log | wc -l); bad=0; \
	for f in $(MEMCHECK_LOGS)/vg.*.log; do \
	  if [ -s "$$f" ]; then bad=$$((bad + 1)); echo "== $$f"; cat "$$f"; fi; \
	done; \
	if [ $$bad -ne 0 ]; then echo "memcheck: $$bad of $$n valgrind runs reported errors or leaks"; exit 1; fi; \
	echo "memcheck: $$n bht runs under valgrind, no errors, no leaks (still-reachable not counted)"

# ---------------------------------------------------------------------- fuzz

-include tests/fuzz/fuzz.mk
