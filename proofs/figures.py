#!/usr/bin/env python3
"""Proof figures for README.md, read from the committed unit reports.

  python3 proofs/figures.py            print the block
  python3 proofs/figures.py --update   rewrite the block between
                                       <!-- proof-figures --> and
                                       <!-- /proof-figures --> in README.md
Standard library only.
"""
import re
import sys

UNITS = [
    ("softmax kernel, error-free transformations, long accumulator", "proofs/report.txt"),
    ("output stages of leverage, local analysis, model distances", "proofs/kernels/report.txt"),
    ("distances and Lemma A.1", "proofs/distance/report.txt"),
    ("lemmas of spec/distance.h (the Lemma A.1 chain)", "proofs/distance/lemmas/report.txt"),
    ("softmax regression", "proofs/regression/report.txt"),
    ("lemmas over spec/formulas.h and the model formulas of spec/nu.h, leverage.h, model_distance.h", "proofs/lemmas/report.txt"),
]


def figures(path):
    text = open(path).read()
    g = re.search(r"goals \(not counting smoke tests\): (\d+), proved: (\d+)", text)
    s = re.search(r"smoke tests: (\d+), passed: (\d+)", text)
    return int(g.group(1)), int(g.group(2)), int(s.group(1)), int(s.group(2))


def block():
    lines = ["| unit | report | goals | proved | smoke tests | passed |",
             "|---|---|---|---|---|---|"]
    tot = [0, 0, 0, 0]
    for name, path in UNITS:
        f = figures(path)
        tot = [a + b for a, b in zip(tot, f)]
        lines.append("| %s | `%s` | %d | %d | %d | %d |" % ((name, path) + f))
    lines.append("| all | | %d | %d | %d | %d |" % tuple(tot))
    return "\n".join(lines)


def main():
    b = block()
    if "--update" not in sys.argv:
        print(b)
        return 0
    text = open("README.md").read()
    new, n = re.subn(r"(<!-- proof-figures -->\n).*?(<!-- /proof-figures -->)",
                     lambda m: m.group(1) + b + "\n" + m.group(2), text, flags=re.S)
    if n != 1:
        sys.exit("README.md: no proof-figures block")
    open("README.md", "w").write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
