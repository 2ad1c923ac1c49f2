#!/usr/bin/python3
"""Independent references for the distance and Lemma A.1 oracles of libbht.

Writes tests/data/distance_mpmath.txt, read by tests/distance/test_mpmath_distance.c.
Nothing here uses libbht, and the formulas differ from the oracle's:
  * H^2 = 1/2 sum (sqrt p_i - sqrt q_i)^2 evaluated literally at PREC bits
    (the oracle uses (p - q)^2 / (sqrt p + sqrt q)^2), H = sqrt(H^2);
  * TV = 1/2 sum |p_i - q_i| in exact rational arithmetic (Fraction);
  * h2max = (1 - e^{eps/4})^2 / (1 + e^{eps/2}), the paper's printed form
    (the oracle uses expm1), at PREC bits, enough for its cancellation at
    eps >= 1e-300; tvmax = tanh(eps/4) with mpmath.tanh.
Rounding to binary64 and the two safety checks (same rounding at
CHECK_PREC, far from every midpoint) come from mpmath_softmax_refs.py.

Regenerate:  /usr/bin/python3 tests/mpmath_distance_refs.py
"""

import os
import sys
from fractions import Fraction

import mpmath

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpmath_softmax_refs import (MARGIN_BITS, exact_mpf, round_binary64,  # noqa: E402
                                 self_test_rounding)

PREC = 4000
CHECK_PREC = 5000
OUT_REL = os.path.join("tests", "data", "distance_mpmath.txt")


def checked(values_at, exact=False):
    """values_at(prec) -> list of mpf; rounded, identical at both precisions.
    exact=True: the values are exact, so a midpoint is a true tie (RNE)."""
    results = []
    for prec in (PREC, CHECK_PREC):
        rounded = []
        for i, v in enumerate(values_at(prec)):
            if v == 0:
                rounded.append(0.0)
                continue
            r, dist = round_binary64(v)
            if not exact and dist is not None and dist <= Fraction(2) ** (MARGIN_BITS - prec):
                raise ArithmeticError("value %d too close to a midpoint" % i)
            rounded.append(r)
        results.append(rounded)
    if [x.hex() for x in results[0]] != [x.hex() for x in results[1]]:
        raise ArithmeticError("rounding differs between precisions")
    return results[0]


def exact_sqrt(x):
    """sqrt of a non-negative dyadic Fraction if it is itself rational, else None."""
    import math
    num, den = x.numerator, x.denominator
    rn, rd = math.isqrt(num), math.isqrt(den)
    return Fraction(rn, rd) if rn * rn == num and rd * rd == den else None


def distances(p, q):
    pairs = [(a, b) for a, b in zip(p, q) if a != b]   # equal pairs add 0
    roots = [exact_sqrt(Fraction(v)) for pair in pairs for v in pair]
    if all(r is not None for r in roots):
        # Every square root is rational: H^2 is an exact dyadic (possibly a
        # rounding tie), computed exactly and rounded with ties to even.
        h2_exact = sum(((roots[2 * i] - roots[2 * i + 1]) ** 2
                       for i in range(len(pairs))), Fraction(0)) / 2
        (h2,) = checked(lambda prec: [exact_mpf(h2_exact)], exact=True)
        h_exact = exact_sqrt(h2_exact)
        if h_exact is not None:
            (h,) = checked(lambda prec: [exact_mpf(h_exact)], exact=True)
        else:
            def at_h(prec):
                with mpmath.workprec(prec):
                    return [mpmath.sqrt(exact_mpf(h2_exact))]
            (h,) = checked(at_h)
        tv_exact = sum(abs(Fraction(a) - Fraction(b)) for a, b in zip(p, q)) / 2
        (tv,) = checked(lambda prec: [exact_mpf(tv_exact)], exact=True)
        return [h2, h, tv]

    def at(prec):
        with mpmath.workprec(prec):
            h2 = mpmath.fsum((mpmath.sqrt(mpmath.mpf(a)) - mpmath.sqrt(mpmath.mpf(b))) ** 2
                             for a, b in zip(p, q)) / 2
            return [h2, mpmath.sqrt(h2)]
    h2, h = checked(at)
    tv_exact = sum(abs(Fraction(a) - Fraction(b)) for a, b in zip(p, q)) / 2
    (tv,) = checked(lambda prec: [exact_mpf(tv_exact)], exact=True)
    return [h2, h, tv]


def lemma(eps):
    def at(prec):
        with mpmath.workprec(prec):
            e = mpmath.mpf(eps)
            h2 = (1 - mpmath.exp(e / 4)) ** 2 / (1 + mpmath.exp(e / 2))
            return [h2, mpmath.tanh(e / 4)]
    return checked(at)


def normalised(weights):
    s = sum(weights)
    return [w / s for w in weights]


def distance_cases():
    cases = [
        ("identical", [0.25, 0.5, 0.25], [0.25, 0.5, 0.25]),
        ("disjoint", [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]),
        ("half_overlap", [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]),
        ("point_mass_vs_tiny", [1.0, 0.0, 0.0], [1.0 - 2.0 ** -52, 2.0 ** -53, 2.0 ** -53]),
        ("one_ulp_apart", [0.5, 0.5], [0.5, 0.5 + 2.0 ** -53]),
        ("subnormal_entries", [0.5, 0.5, 2.0 ** -1074], [0.5, 0.5, 2.0 ** -1070]),
        ("tenths", [0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]),
        ("n1", [1.0], [1.0]),
    ]
    base = [0.1, 0.2, 0.3, 0.4]
    for k, rel in enumerate([1e-12, 1e-9, 1e-6, 1e-3]):
        q = [b * (1 + rel * (1 if i % 2 else -1)) for i, b in enumerate(base)]
        cases.append(("near_identical_%d" % k, base, q))
    ramp = normalised([float(i + 1) for i in range(32)])
    cases.append(("ramp32_vs_reversed", ramp, list(reversed(ramp))))
    geo = normalised([2.0 ** -i for i in range(60)])
    cases.append(("geometric60_vs_uniform", geo, normalised([1.0] * 60)))
    return cases


LEMMA_EPS = [5e-324, 1e-300, 1e-200, 1e-100, 1e-30, 1e-12, 1e-6, 0.001, 0.1, 0.5, 1.0,
             2.0, 7.5, 20.0, 50.0, 75.0, 100.0, 150.0]


def render():
    lines = [
        "# distance_mpmath.txt: independent references for the distance and Lemma A.1",
        "# oracles.  Generated by tests/mpmath_distance_refs.py (mpmath %s, backend %s)."
        % (mpmath.__version__, mpmath.libmp.BACKEND),
        "# Working precision %d bits, re-checked at %d bits; binary64 round-to-nearest-even"
        % (PREC, CHECK_PREC),
        "# with subnormals by integer arithmetic.  TV is exact (Fractions); H^2 uses the",
        "# literal formula, the Lemma A.1 values the paper's printed closed form.",
        "# Regenerate: /usr/bin/python3 tests/mpmath_distance_refs.py",
        "#",
        "# Format: 'distance NAME' / 'P v...' / 'Q v...' / 'expect h2 h tv', or",
        "# 'lemma NAME' / 'eps v' / 'expect h2max tvmax'.  Values are C99 hex floats.",
        "",
    ]
    for name, p, q in distance_cases():
        lines += ["distance " + name, "P " + " ".join(v.hex() for v in p),
                  "Q " + " ".join(v.hex() for v in q),
                  "expect " + " ".join(v.hex() for v in distances(p, q)), ""]
    for eps in LEMMA_EPS:
        lines += ["lemma eps_%r" % eps, "eps " + eps.hex(),
                  "expect " + " ".join(v.hex() for v in lemma(eps)), ""]
    return "\n".join(lines)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, OUT_REL)
    self_test_rounding()
    text = render()
    with open(out + ".tmp", "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    print("wrote %s" % OUT_REL)


if __name__ == "__main__":
    main()
