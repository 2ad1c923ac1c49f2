# proofs/kernels.mk: Frama-C WP proofs of the leverage, local-analysis and
# model-distance kernels (src/leverage/leverage.c, src/nu/local_softmax.c,
# src/softmax/softmax_dd.c, src/nu/local_leverage.c, src/model_distance/model_distance.c,
# src/model_distance/model_distance_leverage.c).
# Included after proofs/proofs.mk (reuses $(WHY3_CONF), $(WP_SPEC),
# $(WP_CHECK), $(space)).
#
#   make proofs-kernels            prove, write proofs/kernels/report.json and
#                                  report.txt, fail on any goal that is not
#                                  Valid, a failed smoke test or a difference
#                                  from proofs/kernels/baseline.txt
#   make proofs-kernels-baseline   same run, then rewrite the baseline
#
# See proofs/kernels/README.md (Coverage) and proofs/TRUSTED_BASE.md.

KWP_DIR         := proofs/kernels
KWP_REPORT_JSON := $(KWP_DIR)/report.json
KWP_REPORT_TXT  := $(KWP_DIR)/report.txt
KWP_LOG         := $(KWP_DIR)/wp.log
KWP_BASELINE    := $(KWP_DIR)/baseline.txt
KWP_SESSION     := $(KWP_DIR)/wp-session
KWP_SOURCES     := src/leverage/leverage.c src/nu/local_softmax.c src/softmax/softmax_dd.c \
                   src/nu/local_leverage.c src/model_distance/model_distance.c src/model_distance/model_distance_leverage.c
KWP_SPEC        := spec/bht_spec.h
# Parsing stub for <gmp.h> (Frama-C's libc has none; see the file).
KWP_INCLUDE     := $(KWP_DIR)/include
KWP_CHECK       := python3 proofs/check_report.py
KWP_WHY3_CONF   := $(if $(WHY3_CONF),$(WHY3_CONF),proofs/why3.conf)

# Functions whose proof obligations are generated (all must be Valid).
# Every other function's contract, where present, is assumed by callers;
# see proofs/kernels/README.md, "Coverage".
KWP_FUNCTIONS   := clamp01,store_scores,unit_row_scores,row_scores, \
                   store_nu,bht__round_scaled_nonneg,nu_term,derivative_component, \
                   store_nu_leverage,store_derivative, \
                   direct_hellinger_term,round_scaled_unit,softmax_hellinger_root, \
                   store_distances_softmax, \
                   round_half_unit,leverage_hellinger_root,store_distances_leverage

KWP_TIMEOUT     ?= 10
KWP_PAR         ?= 2
KWP_CACHE       ?= update

kwp_space := $(subst ,, )

KWP_FLAGS = -cpp-extra-args="$(CPPFLAGS) -I$(KWP_INCLUDE) -include $(KWP_SPEC)" \
            -c11 -kernel-warn-key annot-error=abort \
            -kernel-warn-key typing:implicit-function-declaration=abort \
            -wp -wp-rte -wp-smoke-tests -wp-split \
            -wp-prover cvc5,z3,gappa -wp-fct $(subst $(kwp_space),,$(KWP_FUNCTIONS)) \
            -wp-timeout $(KWP_TIMEOUT) -wp-par $(KWP_PAR) \
            -wp-session $(KWP_SESSION) -wp-cache $(KWP_CACHE) \
            -wp-report-json $(KWP_REPORT_JSON)

.PHONY: proofs-kernels proofs-kernels-baseline proofs-kernels-run

proofs-kernels-run: $(KWP_WHY3_CONF)
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@rm -f $(KWP_REPORT_JSON)
	@mkdir -p $(KWP_SESSION)
	@echo "frama-c -wp on $(KWP_SOURCES) (log: $(KWP_LOG))"
	@start=$$(date +%s); \
	WHY3CONFIG=$(abspath $(KWP_WHY3_CONF)) frama-c $(KWP_FLAGS) $(KWP_SOURCES) > $(KWP_LOG) 2>&1; \
	rc=$$?; echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s"; \
	if [ $$rc -ne 0 ]; then tail -40 $(KWP_LOG); exit $$rc; fi

proofs-kernels: proofs-kernels-run
	$(KWP_CHECK) --report $(KWP_REPORT_JSON) --log $(KWP_LOG) \
	  --baseline $(KWP_BASELINE) --summary $(KWP_REPORT_TXT)

proofs-kernels-baseline: proofs-kernels-run
	$(KWP_CHECK) --report $(KWP_REPORT_JSON) --log $(KWP_LOG) \
	  --baseline $(KWP_BASELINE) --summary $(KWP_REPORT_TXT) --write-baseline
