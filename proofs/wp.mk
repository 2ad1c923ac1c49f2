# proofs/wp.mk: the one Frama-C/WP recipe of bht, instantiated once per proof
# unit.  Included by every unit file (proofs/proofs.mk, proofs/kernels.mk,
# proofs/distance.mk, proofs/regression.mk, proofs/lemmas/lemmas.mk).
#
# A unit file sets its variable block, then calls
#     $(eval $(call wp_unit,PREFIX,TARGET,DIR))
# with, before the call (PREFIX is the unit's variable prefix: WP, KWP, ...):
#   PREFIX_SOURCES     the translation units, analysed together (calls across
#                      files use the callee's proved or assumed contract)
#   PREFIX_FUNCTIONS   -wp-fct list, comma separated (blanks after commas are
#                      dropped); empty: every function of the sources
#   PREFIX_SPECS       ACSL headers force-included before each source
#   PREFIX_CPPFLAGS    extra preprocessor flags (e.g. -I of a parsing stub)
#   PREFIX_WP_EXTRA    extra WP options (e.g. -wp-split)
#   PREFIX_PROVERS     -wp-prover list, in the order they are tried
#   PREFIX_GAPPA_FUNCTIONS  the functions of PREFIX_FUNCTIONS whose goals are
#                      also given to Gappa (tried first there); the others get
#                      PREFIX_PROVERS without gappa.  Why: Gappa proves
#                      floating-point rounding bounds only, and on the
#                      smoke tests of integer and control code it ran to the
#                      2 s limit each time (proofs/README.md, "Provers").
#   PREFIX_SOLO_FUNCTIONS  functions (not in the Gappa list) proved in a
#                      Frama-C run of their own, so that make -j runs them
#                      beside the rest of the unit
#   PREFIX_FCT_TIMEOUT -wp-fct-timeout list (function:seconds,...)
# A unit with a function list and a Gappa or solo list has up to three goal
# parts, each its own make target and Frama-C run (TARGET-part-gappa,
# -part-solo, -part-rest), sharing the session cache; without such lists one
# goal run (the rest part) with every prover.  Every unit also has a smoke
# run (TARGET-part-smoke, WP_SMOKE_PROVERS).  TARGET-run merges their JSON
# reports (proofs/merge_reports.py) and logs.
# Provers run one at a time (PREFIX_PAR = 1): a goal goes to the next prover
# only when the previous one failed, so z3 no longer races cvc5 on the goals
# cvc5 proves (with -wp-par 2 it took 6.3 CPU-minutes to cvc5's 7.0 in a
# from-scratch sample, proofs/README.md), and with make -j2 at most two
# provers run on the two cores,
# so cvc5's wall-clock limit is close to CPU time (with -wp-par 2 and two
# units at once, five softmax_core goals that need 3.8-9.0 s timed out at 10 s).
# It defines
#   make TARGET-run        run frama-c: DIR/report.json (or REPORT_JSON), DIR/wp.log
#   make TARGET            run, then fail on any goal not Valid, a failed smoke
#                          test or a difference from the baseline; write the
#                          summary report.txt
#   make TARGET-baseline   same run, then rewrite the baseline (commit it)
# and the variables PREFIX_REPORT_JSON, _REPORT_TXT, _LOG, _BASELINE, _SESSION
# (all under DIR), PREFIX_FLAGS (the frama-c command line of an unsplit run)
# and the knobs
#   PREFIX_TIMEOUT (10 s), PREFIX_PAR (1), PREFIX_CACHE (update: reuse
#   DIR/wp-session/cache for goals proved before -- goals are keyed by their
#   full text, so any change to code or contract re-runs the provers; 'none'
#   proves everything from scratch; 'replay' never writes).
# See proofs/README.md (reading a report) and proofs/TRUSTED_BASE.md.

ifndef BHT_WP_MK
BHT_WP_MK := 1

PROOF_DIR  := proofs
WHY3_CONF  := $(PROOF_DIR)/why3.conf
WP_DRIVER  := $(PROOF_DIR)/cvc5.drv
WP_CHECK   := python3 $(PROOF_DIR)/check_report.py
WP_MERGE   := python3 $(PROOF_DIR)/merge_reports.py

# Smoke-test prover timeout (Frama-C's default, stated so that the cache
# fix below uses the same value).
WP_SMOKE_TIMEOUT := 2
# Smoke tests run in a Frama-C run of their own (TARGET-part-smoke), with one
# prover: a smoke test passes when no prover derives false, so each ran every
# prover of its part to the 2 s limit (from scratch: 502 cvc5, 171 z3 and 79
# Gappa runs, 25 of 62 CPU-minutes; proofs/README.md, "Provers").
WP_SMOKE_PROVERS := cvc5
# -wp-prop of the smoke run: every category of Frama-C 25's -wp-help removed
# but @assigns (WP makes no smoke test for a function none of whose
# properties is selected: clamp01 lost its four dead-code tests).  The smoke
# run's assigns goals are left out of the merged report (the goal runs prove
# them; most are Qed's, the others cached by whichever run came first).
WP_SMOKE_ONLY := -@lemma,-@requires,-@ensures,-@exits,-@assert,-@invariant,-@variant,-@breaks,-@continues,-@returns,-@complete_behaviors,-@disjoint_behaviors,-@terminates,-@decreases,-@check
# Gappa runs under a CPU-time limit (proofs/gappa_cpu_limit.sh) shorter than
# -wp-timeout: it stopped at 10 s on 67 goals it cannot prove before cvc5 got
# them (11 CPU-minutes from scratch); its slowest proof took 3.6 s.
WP_GAPPA_WRAPPER := $(PROOF_DIR)/gappa_cpu_limit.sh
# After each run: make cached cvc5 timeouts of smoke tests reusable (Frama-C
# 25 records them with a time below the limit, or none, or as "2." which it
# does not read back, so it re-ran them on every replay; see the script).
# $(call wp_cache_fix,SESSION_DIR)
wp_cache_fix = python3 $(PROOF_DIR)/wp_cache_fix.py $(WP_SMOKE_TIMEOUT) $(1)/cache

space := $(subst ,, )
comma := ,
# Comma list <-> make word list.
wp_words  = $(strip $(subst $(comma),$(space),$(1)))
wp_commas = $(subst $(space),$(comma),$(strip $(1)))

# Project-local Why3 configuration (generated; see toolchain notes): detect
# the installed provers, raise the memory limit (z3 runs out of memory at the
# default 1000 MB), and declare cvc5 1.0.3, which Why3 1.5.1 does not know.
$(WHY3_CONF): $(PROOF_DIR)/wp.mk $(WP_DRIVER) $(WP_GAPPA_WRAPPER)
	@rm -f $@.tmp
	why3 -C $@.tmp config detect >/dev/null
	sed -i 's/^memlimit = .*/memlimit = 4000/' $@.tmp
	grep -q '^path = "$(shell command -v gappa)"$$' $@.tmp
	sed -i 's|^path = "$(shell command -v gappa)"$$|path = "$(abspath $(WP_GAPPA_WRAPPER))"|' $@.tmp
	printf '%s\n' '' '[prover]' \
	  'command = "cvc5 --stats --tlimit-per=%t000 --lang=smt2 %f"' \
	  'driver = "$(abspath $(WP_DRIVER))"' \
	  'editor = ""' 'in_place = false' 'interactive = false' \
	  'name = "CVC5"' 'shortcut = "cvc5"' 'version = "1.0.3"' >> $@.tmp
	mv $@.tmp $@

# One Frama-C run of a part of a unit: $(call wp_run_part,LOG,JSON,ARGS_VARIABLE)
# (the arguments are passed by variable name: they contain commas).
define wp_run_part
@rm -f $(1) $(2); start=$$(date +%s); export WHY3CONFIG=$(abspath $(WHY3_CONF)); \
frama-c $($(3)) -wp-report-json $(2) > $(1) 2>&1; rc=$$?; \
echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s ($(1))"; \
if [ $$rc -ne 0 ]; then tail -40 $(1); fi; exit $$rc
endef

# $(call wp_unit,PREFIX,TARGET,DIR)
define wp_unit
$(1)_REPORT_JSON ?= $(3)/report.json
$(1)_REPORT_TXT  ?= $(3)/report.txt
$(1)_LOG         ?= $(3)/wp.log
$(1)_BASELINE    ?= $(3)/baseline.txt
$(1)_SESSION     ?= $(3)/wp-session
$(1)_SPECS       ?= spec/bht_spec.h
$(1)_PROVERS     ?= cvc5,z3,gappa
$(1)_TIMEOUT     ?= 10
$(1)_FCT_TIMEOUT ?=
$(1)_PAR         ?= 1
$(1)_CACHE       ?= update

$(1)_GAPPA_FUNCTIONS ?=
$(1)_SOLO_FUNCTIONS  ?=

# Options common to every frama-c run of the unit (no -wp-fct, -wp-prover,
# -wp-report-json: those differ between the parts).
$(1)_BASE_FLAGS = -cpp-extra-args="$$(CPPFLAGS) $$($(1)_CPPFLAGS) $$($(1)_SPECS:%=-include %)" \
             -c11 -kernel-warn-key annot-error=abort \
             -kernel-warn-key typing:implicit-function-declaration=abort \
             -wp -wp-rte $$($(1)_WP_EXTRA) \
             -wp-timeout $$($(1)_TIMEOUT) -wp-smoke-timeout $$(WP_SMOKE_TIMEOUT) -wp-par $$($(1)_PAR) \
             $$(if $$(strip $$($(1)_FCT_TIMEOUT)),-wp-fct-timeout $$(subst $$(space),,$$(strip $$($(1)_FCT_TIMEOUT)))) \
             -wp-session $$($(1)_SESSION) -wp-cache $$($(1)_CACHE)
$(1)_FN_LIST      = $$(call wp_words,$$($(1)_FUNCTIONS))
$(1)_GAPPA_LIST   = $$(call wp_words,$$($(1)_GAPPA_FUNCTIONS))
$(1)_SOLO_LIST    = $$(call wp_words,$$($(1)_SOLO_FUNCTIONS))
$(1)_PROVER_LIST  = $$(call wp_words,$$($(1)_PROVERS))
$(1)_PROVERS_NO_GAPPA = $$(call wp_commas,$$(filter-out gappa,$$($(1)_PROVER_LIST)))
# Gappa first where it runs: it answers at once on goals it cannot read, and
# with -wp-par 1 a goal it proves never waits for cvc5's timeout.
$(1)_PROVERS_GAPPA_FIRST = $$(call wp_commas,$$(filter gappa,$$($(1)_PROVER_LIST)) $$(filter-out gappa,$$($(1)_PROVER_LIST)))
# Split into parts when there is a function list and a Gappa or solo list.
$(1)_SPLIT        = $$(if $$($(1)_FN_LIST),$$(or $$($(1)_GAPPA_LIST),$$($(1)_SOLO_LIST)))
$(1)_FNS_gappa    = $$(if $$($(1)_SPLIT),$$(filter $$($(1)_GAPPA_LIST),$$($(1)_FN_LIST)))
$(1)_FNS_solo     = $$(if $$($(1)_SPLIT),$$(filter $$($(1)_SOLO_LIST),$$(filter-out $$($(1)_GAPPA_LIST),$$($(1)_FN_LIST))))
$(1)_FNS_rest     = $$(if $$($(1)_SPLIT),$$(filter-out $$($(1)_GAPPA_LIST) $$($(1)_SOLO_LIST),$$($(1)_FN_LIST)),all)
# The lemmas of the specs are proved by the rest part (when it has functions).
$(1)_NO_LEMMAS    = $$(if $$(filter-out all,$$($(1)_FNS_rest)),-wp-prop=-@lemma)
$(1)_ARGS_gappa   = $$($(1)_BASE_FLAGS) -wp-no-smoke-tests $$($(1)_NO_LEMMAS) \
                    -wp-prover $$($(1)_PROVERS_GAPPA_FIRST) \
                    -wp-fct $$(call wp_commas,$$($(1)_FNS_gappa)) $$($(1)_SOURCES)
$(1)_ARGS_solo    = $$($(1)_BASE_FLAGS) -wp-no-smoke-tests $$($(1)_NO_LEMMAS) \
                    -wp-prover $$($(1)_PROVERS_NO_GAPPA) \
                    -wp-fct $$(call wp_commas,$$($(1)_FNS_solo)) $$($(1)_SOURCES)
# Unsplit: one run, every function of the list (or of the sources), the
# provers in the order given.
$(1)_ARGS_rest    = $$($(1)_BASE_FLAGS) -wp-no-smoke-tests \
                    $$(if $$($(1)_SPLIT),-wp-prover $$($(1)_PROVERS_NO_GAPPA) \
                      -wp-fct $$(call wp_commas,$$($(1)_FNS_rest)), \
                      -wp-prover $$($(1)_PROVERS) \
                      $$(if $$($(1)_FN_LIST),-wp-fct $$(call wp_commas,$$($(1)_FN_LIST)))) \
                    $$($(1)_SOURCES)
# The smoke tests of every function of the unit, and nothing else.
$(1)_FNS_smoke    = all
$(1)_ARGS_smoke   = $$($(1)_BASE_FLAGS) -wp-smoke-tests -wp-prop=$$(WP_SMOKE_ONLY) \
                    -wp-prover $$(WP_SMOKE_PROVERS) \
                    $$(if $$($(1)_FN_LIST),-wp-fct $$(call wp_commas,$$($(1)_FN_LIST))) \
                    $$($(1)_SOURCES)
# The goal run of an unsplit unit (documentation, proofs/README.md).
$(1)_FLAGS = $$($(1)_ARGS_rest)

.PHONY: $(2) $(2)-baseline $(2)-run $(2)-part-solo $(2)-part-rest $(2)-part-gappa $(2)-part-smoke

# Each part is its own make target, so that make -j runs parts of every unit
# side by side; they share the session cache (one file per goal and prover).
$(2)-part-solo $(2)-part-rest $(2)-part-gappa $(2)-part-smoke: $(2)-part-%: $$(WHY3_CONF)
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@mkdir -p $$($(1)_SESSION)
	$$(if $$($(1)_FNS_$$*),$$(call wp_run_part,$$($(1)_LOG).$$*,$$($(1)_REPORT_JSON).$$*,$(1)_ARGS_$$*),@rm -f $$($(1)_LOG).$$* $$($(1)_REPORT_JSON).$$*)

$(2)-run: $(2)-part-solo $(2)-part-rest $(2)-part-smoke $(2)-part-gappa
	@rm -f $$($(1)_REPORT_JSON); rc=0; ins=; : > $$($(1)_LOG); \
	for p in rest solo gappa smoke; do \
	  if [ -f $$($(1)_REPORT_JSON).$$$$p ]; then \
	    echo "[bht] part $$$$p" >> $$($(1)_LOG); cat $$($(1)_LOG).$$$$p >> $$($(1)_LOG); \
	    ins="$$$$ins $$$$([ $$$$p = smoke ] && echo smoke:)$$($(1)_REPORT_JSON).$$$$p"; \
	  fi; \
	done; \
	$$(WP_MERGE) $$($(1)_REPORT_JSON) $$$$ins || rc=$$$$?; \
	$$(call wp_cache_fix,$$($(1)_SESSION)); exit $$$$rc

$(2): $(2)-run
	$$(WP_CHECK) --report $$($(1)_REPORT_JSON) --log $$($(1)_LOG) \
	  --baseline $$($(1)_BASELINE) --summary $$($(1)_REPORT_TXT)

$(2)-baseline: $(2)-run
	$$(WP_CHECK) --report $$($(1)_REPORT_JSON) --log $$($(1)_LOG) \
	  --baseline $$($(1)_BASELINE) --summary $$($(1)_REPORT_TXT) --write-baseline
endef

endif
