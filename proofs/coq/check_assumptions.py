#!/usr/bin/env python3
"""Check the output of `coqc Assumptions.v` (Print Assumptions per lemma).

Fails (exit 1) when a lemma depends on an axiom outside ALLOWED, when a
block is missing or malformed, or when one of the lemmas that issue 15 names
(and their spec/paper_lemmas.h restatements in Module ACSL) is not printed.
Writes a one-line-per-lemma summary with --summary.  Standard library only.
"""
import argparse
import re
import sys

# The axioms of Coq 8.16's construction of the real numbers (Rdefinitions via
# ClassicalDedekindReals): every statement about R depends on them.
# Classical_Prop.classic is deliberately absent (ExpBounds.v avoids the
# Reals lemmas that use it).
ALLOWED = {
    "ClassicalDedekindReals.sig_forall_dec",
    "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep",
}

# Flocq's core library (definition of binary64 and of rounding) depends on
# the excluded middle; it is allowed for the statements of Binary64.v only.
FLOCQ_LEMMAS = {"mul_quarter_exact", "two_sum_error_free_holds"}
FLOCQ_ALLOWED = ALLOWED | {"Classical_Prop.classic"}

REQUIRED = ["mul_quarter_exact", "two_sum_error_free_holds", "hellinger2_le_tv", "tv_le_sqrt2_hellinger", "lemma_a1_identity",
            "lemma_a1_h2", "lemma_a1_tv", "lemma_3_3_h2", "lemma_3_3_tv",
            "sech_bound", "tanh_bound"]
# Frame.v: frame facts of the softmax(A x) logic functions, proved for the
# softmax_core proof in progress (issue 14 item 4); no ACSL.* twin yet.
FRAME = ["Frame.logit_ax_frame", "Frame.logit_max_frame", "Frame.shift_ax_frame"]


def parse(text):
    """lemma name -> list of axiom names (None when no block followed)."""
    blocks, current = {}, None
    for line in text.splitlines():
        if line.startswith("== "):
            current = line[3:].strip()
            blocks[current] = None
        elif current is None or not line or line[0].isspace():
            continue
        elif line.startswith("Closed under the global context"):
            blocks[current] = []
        elif line.startswith("Axioms:"):
            blocks[current] = []
        elif blocks[current] is not None:
            m = re.match(r"([A-Za-z_][\w.']*)", line)
            blocks[current].append(m.group(1) if m else line)
        else:
            blocks[current] = ["<unparsed: %s>" % line]
    return blocks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", help="stdout of coqc Assumptions.v")
    ap.add_argument("--summary", help="write the per-lemma summary here")
    args = ap.parse_args()
    with open(args.output) as f:
        blocks = parse(f.read())
    problems = []
    for name in REQUIRED + ["ACSL." + n for n in REQUIRED if n not in FLOCQ_LEMMAS] + FRAME:
        if name not in blocks:
            problems.append("%s: not printed" % name)
    lines = ["# Print Assumptions for every proved statement (make coq-proofs).",
             "# Allowed: the axioms of Coq's real numbers, " + ", ".join(sorted(ALLOWED)) + ";",
             "# for " + ", ".join(sorted(FLOCQ_LEMMAS)) + " (Flocq) also Classical_Prop.classic."]
    for name, axioms in blocks.items():
        if axioms is None:
            problems.append("%s: no Print Assumptions output" % name)
            continue
        allowed = FLOCQ_ALLOWED if name in FLOCQ_LEMMAS else ALLOWED
        extra = sorted(set(axioms) - allowed)
        if extra:
            problems.append("%s: depends on %s" % (name, ", ".join(extra)))
        lines.append("%-30s %s" % (name, " ".join(sorted(axioms)) or "(none)"))
    if args.summary:
        with open(args.summary, "w") as f:
            f.write("\n".join(lines) + "\n")
    if problems:
        print("\n".join(problems))
        return 1
    print("Print Assumptions: %d statements, only the axioms of Coq's reals"
          " (and the excluded middle for the Flocq statements %s)"
          % (len(blocks), ", ".join(sorted(FLOCQ_LEMMAS))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
