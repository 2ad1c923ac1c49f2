# proofs/mutants/mutants.mk: formula mutation harness (issue 14 item 6),
# included by proofs/proofs.mk.  Not part of `make test` (slow).
#
#   make proofs-mutants        apply every mutant of proofs/mutants/mutants.txt
#                              in a scratch copy of the tree, run its proof
#                              unit's WP on the mutated function, write
#                              proofs/mutants/report.txt (killed / survived and
#                              why); fails while a mutant survives
#   MUTANTS_FLAGS=--full       run each unit's whole function list instead
#   MUTANTS_FLAGS=--only=a,b   only the named mutants
#   MUTANTS_JOBS=N             mutants run at a time (default 2, one per core)

MUTANTS_FLAGS ?=
MUTANTS_JOBS  ?= 2

.PHONY: proofs-mutants
proofs-mutants: $(WHY3_CONF)
	python3 proofs/mutants/run.py --jobs $(MUTANTS_JOBS) $(MUTANTS_FLAGS)
