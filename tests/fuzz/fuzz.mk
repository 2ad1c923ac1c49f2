# tests/fuzz/fuzz.mk: `make fuzz` (included by tests/robustness.mk).
#
# libFuzzer harnesses built with clang (Debian: clang + libclang-rt-dev):
#   fuzz_parse     bytes -> bht_parse_matrix / bht_parse_vector, the _ex forms
#                  with options from the first byte, bht_locate_value
#   fuzz_json      bytes -> the CLI's JSON reader (src/cli/json.c over jansson),
#                  strict and results (NaN/Infinity) modes: tree consistency
#   fuzz_softmax   bytes -> n, d, finite doubles or hazard shapes (ties, near
#                  ties, the -745 edge, exactly cancelling products) and
#                  exact invariance pairs -> bht_softmax_logits, bht_softmax,
#                  bht_check_energy (+ oracle for n <= 8)
#   fuzz_distance  bytes -> distributions, raw vectors of hazard shapes,
#                  near-distributions, eps near the cut-offs ->
#                  bht_check_distribution (exact verdict), bht_distance,
#                  bht_lemma_a1 (+ oracles)
#   fuzz_leverage  bytes -> n <= 8, d <= 4, A (incl. rank-deficient), s (zeros,
#                  NULL), c, C -> bht_leverage, bht_oracle_leverage (every
#                  input), bht_check_leverage_query
#   fuzz_local     bytes -> n <= 6, d <= 3, A, M, x or s -> bht_nu_softmax,
#                  bht_nu_leverage (+ oracles on every input; derivatives
#                  included; softmax oracle capped at 2^12 bits for speed)
#   fuzz_model_distance  bytes -> n <= 6, d <= 3, A, B = A + 2^-k M, x or s ->
#                  bht_distance_softmax, bht_distance_leverage (+ oracles on
#                  every input; softmax oracle capped at 2^12 bits for speed)
#   fuzz_sup       bytes -> n <= 5, d <= 3, models, constraint set, budget <= 48
#                  cells -> bht_nu_softmax_sup, bht_nu_leverage_sup,
#                  bht_plan_softmax, bht_plan_leverage, bht_simulate_* (the
#                  oracle at the returned and at sampled admissible queries
#                  must respect the bracket; simulations repeat bit for bit);
#                  first byte >= 0xC0: the hazard generators of tests/sup_hazards.h
#   fuzz_regression bytes -> n <= 6, d <= 3, A, b, w, x -> bht_regression,
#                  bht_oracle_regression (capped at 2^12 bits),
#                  bht_regression_certify (budgets, symmetry, certificate
#                  consistent with the oracle's gradient)
# The first six reach >= 10^6 executions in 300 s on one core (e.g.
# FUZZ_SECONDS=300); fuzz_sup runs a branch and bound with oracle calls per
# input and reaches far fewer (its figure is in README.md).
# The library is rebuilt in $(FUZZ_BUILD) with ASan + UBSan and coverage
# instrumentation.  Each harness first replays tests/fuzz/regressions/NAME-*
# (inputs that once failed: they must pass now), then fuzzes for
# FUZZ_SECONDS from its corpus ($(FUZZ_BUILD)/corpus/NAME, kept between runs;
# fuzz_parse is also seeded from tests/bad/inputs).  A failure leaves the
# input in $(FUZZ_BUILD)/artifacts/ and fails the target; copy it to
# tests/fuzz/regressions/ and add a test for it.

FUZZ_BUILD ?= $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS ?= -O1 -g $(FUZZ_SAN)
FUZZ_HARNESSES ?= parse json softmax distance leverage local model_distance sup regression
FUZZ_WARN := -std=c11 -Wall -Wextra -Werror -Wvla -pedantic -ffp-contract=off -fno-fast-math

$(FUZZ_BUILD)/fuzz_sup: tests/sup_hazards.h
# The JSON reader is CLI code, not in libbht: linked as its own unit.
$(FUZZ_BUILD)/fuzz_json: FUZZ_EXTRA_SOURCES := src/cli/json.c
$(FUZZ_BUILD)/fuzz_json: src/cli/json.c src/cli/json.h
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_BUILD)/libbht.a
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer \
	  -o $@ $< $(FUZZ_EXTRA_SOURCES) $(FUZZ_BUILD)/libbht.a $(CLI_LDLIBS) $(LDLIBS)

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) not found (apt-get install clang)"; exit 1; }
	CFLAGS='$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link' $(MAKE) --no-print-directory \
	  CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) $(FUZZ_BUILD)/libbht.a
	$(MAKE) --no-print-directory $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)
	@mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/corpus/%)
	@status=0; summary=""; for h in $(FUZZ_HARNESSES); do \
	  bin=$(FUZZ_BUILD)/fuzz_$$h; log=$(FUZZ_BUILD)/fuzz_$$h.log; \
	  regs=$$(ls tests/fuzz/regressions/$$h-* 2>/dev/null); \
	  if [ -n "$$regs" ]; then \
	    echo "== fuzz_$$h: replaying regressions"; \
	    if ! $$bin $$regs > $(FUZZ_BUILD)/replay_$$h.log 2>&1; then \
	      echo "fuzz_$$h: a regression input fails again:"; \
	      grep -E 'runtime error|property failed|^  |ERROR' $(FUZZ_BUILD)/replay_$$h.log | head -8; \
	      status=1; summary="$$summary\n  fuzz_$$h: REGRESSION FAILS"; continue; fi; \
	  fi; \
	  seeds=""; [ $$h = parse ] && seeds=tests/bad/inputs; \
	  echo "== fuzz_$$h: $(FUZZ_SECONDS) s"; \
	  rc=0; $$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -timeout=30 \
	    -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- \
	    $(FUZZ_BUILD)/corpus/$$h $$seeds > $$log 2>&1 || rc=$$?; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	  if [ $$rc -ne 0 ]; then status=1; \
	    grep -E 'runtime error|property failed|^  |ERROR|Test unit written' $$log | head -10; \
	    summary="$$summary\n  fuzz_$$h: FAILED after $${execs:-?} executions (see $$log)"; \
	  else summary="$$summary\n  fuzz_$$h: $$execs executions, 0 failures"; fi; \
	done; \
	printf "fuzz summary ($(FUZZ_SECONDS) s each):$$summary\n"; exit $$status
