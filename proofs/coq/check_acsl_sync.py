#!/usr/bin/env python3
"""Check that proofs/coq/Acsl.v quotes spec/formulas.h and spec/paper_lemmas.h,
and that proofs/coq/Binary64.v quotes spec/dd_eft.h.

Every ACSL declaration of those headers (logic function, predicate, axiom,
lemma) must appear verbatim, up to blanks, in a comment of its Coq file, and
that file must define (Definition) or prove (Theorem) a Coq object of the
same name.
So an edit to a header that is not carried over to its Coq transcription
fails `make coq-proofs`.  Whether each transcription says the same as its
quote is checked by reading (proofs/coq/README.md).  Standard library only.
"""
import re
import sys

# Coq file -> the headers it transcribes.
PAIRS = [("proofs/coq/Acsl.v", ["spec/formulas.h", "spec/paper_lemmas.h"]),
         ("proofs/coq/Binary64.v", ["spec/dd_eft.h"])]


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def acsl_declarations(path):
    """(kind, name, text) for every declaration in the /*@ ... */ blocks."""
    with open(path) as f:
        source = f.read()
    decls = []
    for block in re.findall(r"/\*@(.*?)\*/", source, re.S):
        block = re.sub(r"//[^\n]*", "", block)
        block = re.sub(r"axiomatic\s+\w+\s*\{", ";", block)
        block = re.sub(r"^\s*\}\s*$", ";", block, flags=re.M)  # end of an axiomatic
        # A declaration starts after a ';' (or at the start) with its keyword
        # and ends at the last ';' before the next declaration.
        starts = [m.start(1) for m in re.finditer(
            r"(?:^|;)\s*((?:logic\s+\w+|predicate|axiom|lemma)\s+\w+)", block)]
        if block.strip(" \n;") and not starts:
            raise SystemExit("%s: no declaration in an annotation block" % path)
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(block)
            stmt = squash(block[start:end]).rstrip("; ")
            m = re.match(r"(logic\s+\w+|predicate|axiom|lemma)\s+(\w+)", stmt)
            kind = m.group(1).split()[0]
            decls.append((kind, m.group(2), stmt + ";"))
    return decls


def check(coq_path, headers):
    with open(coq_path) as f:
        coq = f.read()
    quoted = squash(" ".join(re.findall(r"\(\*(?!\*)(.*?)\*\)", coq, re.S)))
    problems, count = [], 0
    for header in headers:
        for kind, name, text in acsl_declarations(header):
            count += 1
            if squash(text) not in quoted:
                problems.append("%s: %s %s is not quoted verbatim in %s" % (header, kind, name, coq_path))
            keyword = "Theorem" if kind in ("axiom", "lemma") else "Definition"
            if not re.search(r"^%s %s\b" % (keyword, re.escape(name)), coq, re.M):
                problems.append("%s: no '%s %s' in %s" % (header, keyword, name, coq_path))
    if not problems:
        print("%s quotes and transcribes all %d ACSL declarations of %s"
              % (coq_path, count, " and ".join(headers)))
    return problems


def main():
    problems = []
    for coq_path, headers in PAIRS:
        problems += check(coq_path, headers)
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
