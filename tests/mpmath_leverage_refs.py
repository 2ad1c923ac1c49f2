#!/usr/bin/python3
"""Independent references for the leverage-score oracle of libbht.

Writes tests/data/leverage_mpmath.txt, read by tests/leverage/test_mpmath_leverage.c.
Nothing here uses libbht, and the method differs from the oracle's (MPFR
Cholesky with a Ziv loop, GMP Gauss-Jordan only as a tie fallback):
  * every input double is converted exactly to a Fraction;
  * G = A_s^T A_s is formed exactly and h_ii = a_i^T G^-1 a_i / s_i^2 is
    obtained by solving G x = a_i exactly with fraction Gaussian
    elimination (partial pivoting on the first nonzero), per row;
  * rank deficiency is decided exactly (a zero pivot column);
  * each rational is rounded to binary64 (round to nearest, ties to even,
    subnormals exact) with integer arithmetic only (round_fraction below);
    mpmath is used only to cross-check that rounding at 200 bits.
The file name keeps the "mpmath" convention of the other reference sets.

Regenerate:  /usr/bin/python3 tests/mpmath_leverage_refs.py
"""

import os
import random
import sys
from fractions import Fraction

import mpmath

OUT_REL = os.path.join("tests", "data", "leverage_mpmath.txt")


def round_fraction(q):
    """Nearest binary64 to the non-negative Fraction q (ties to even)."""
    if q < 0:
        return -round_fraction(-q)
    if q == 0:
        return 0.0
    num, den = q.numerator, q.denominator
    # exponent e with 2^e <= q < 2^(e+1)
    e = num.bit_length() - den.bit_length()
    if Fraction(2) ** e > q:
        e -= 1
    # spacing of the binary64 grid at q: 2^(e-52) for normals, 2^-1074 below
    k = max(e - 52, -1074)
    scaled = q / Fraction(2) ** k           # value in units of the spacing
    m, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and m % 2 == 1):
        m += 1
    if m * Fraction(2) ** k >= Fraction(2) ** 1024:
        return float("inf")
    return float(Fraction(m) * Fraction(2) ** k)  # exact: m has <= 53 bits


def cross_check(q, value):
    with mpmath.workprec(200):
        approx = mpmath.mpf(q.numerator) / q.denominator
        if value != 0.0 and abs(approx - mpmath.mpf(value)) > abs(mpmath.mpf(value)) * 2.0 ** -52:
            raise ArithmeticError("rounding cross-check failed")


def solve(G, b):
    """Exact solution of G x = b (G square, nonsingular) by Gaussian elimination."""
    d = len(G)
    M = [row[:] + [b[i]] for i, row in enumerate(G)]
    for k in range(d):
        piv = next((i for i in range(k, d) if M[i][k] != 0), None)
        if piv is None:
            return None
        M[k], M[piv] = M[piv], M[k]
        for i in range(k + 1, d):
            f = M[i][k] / M[k][k]
            if f:
                for j in range(k, d + 1):
                    M[i][j] -= f * M[k][j]
    x = [Fraction(0)] * d
    for k in range(d - 1, -1, -1):
        acc = M[k][d] - sum(M[k][j] * x[j] for j in range(k + 1, d))
        x[k] = acc / M[k][k]
    return x


def leverage(A, s):
    """Exact (h, p) as Fractions, or None when A is rank deficient."""
    n, d = len(A), len(A[0])
    F = [[Fraction(v) for v in row] for row in A]
    w = [1 / Fraction(v) ** 2 for v in (s if s is not None else [1.0] * n)]
    G = [[sum(F[i][a] * F[i][b] * w[i] for i in range(n)) for b in range(d)] for a in range(d)]
    h = []
    for i in range(n):
        x = solve(G, F[i])
        if x is None:
            return None
        h.append(sum(F[i][a] * x[a] for a in range(d)) * w[i])
    return h, [v / d for v in h]


def hexs(values):
    return " ".join(float(v).hex() for v in values)


def squares_summing_to(r, count):
    """count non-negative integers whose squares sum to r (small search)."""
    import math
    if count == 1:
        x = math.isqrt(r)
        return [x] if x * x == r else None
    x = math.isqrt(r)
    for t in range(x, max(x - 2000, -1), -1):
        rest = squares_summing_to(r - t * t, count - 1)
        if rest is not None:
            return [t] + rest
    return None


def tie_case():
    """d = 1, s = 1: h_1 = x_1^2 / 2^55 with x_1 = 2^27 - 1, a 54-bit odd
    significand: an exact rounding midpoint (ties to even decide it)."""
    x1 = 2 ** 27 - 1
    rest = squares_summing_to(2 ** 55 - x1 * x1, 4)
    return [[float(x1)]] + [[float(v)] for v in rest]


def cases():
    rng = random.Random(20240603)
    out = []
    out.append(("exact_midpoint_tie", tie_case(), None))
    # closed forms
    out.append(("line_4x2", [[1.0, float(x)] for x in range(4)], None))
    out.append(("line_4x2_scaled", [[1.0, float(x)] for x in range(4)], [1.0, 2.0, 0.5, 1.0]))
    out.append(("square_3x3", [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], [1.0, -3.0, 7.0]))
    out.append(("single_column", [[1.0], [2.0], [0.0], [3.0]], [1.0, 4.0, 3.0, 0.1]))
    out.append(("zero_row", [[1.0, 2.0], [0.0, 0.0], [3.0, 1.0], [1.0, 1.0]], None))
    out.append(("near_collinear", [[1.0, 1.0], [1.0, 1.0 + 2.0 ** -52], [1.0, 1.0 - 2.0 ** -52]], None))
    out.append(("rank_deficient", [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], None))
    out.append(("duplicate_column", [[1.0, 5.0, 1.0], [2.0, 3.0, 2.0], [0.5, 1.0, 0.5], [7.0, 1.0, 7.0]], None))
    # Vandermonde, degree 6..10 on equispaced and random points
    for degree in (6, 8, 10):
        n = degree + 4
        xs = [i / (n - 1) for i in range(n)]
        out.append(("vandermonde_%d" % degree, [[x ** j for j in range(degree + 1)] for x in xs], None))
    for degree in (8, 9):
        n = degree + 6
        xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
        out.append(("vandermonde_rand_%d" % degree, [[x ** j for j in range(degree + 1)] for x in xs], None))
    # rows scaled 1e-8..1e8, columns of different scale, collinear plus noise
    for k in range(6):
        n, d = rng.randint(4, 12), rng.randint(1, 5)
        n = max(n, d)
        A = [[rng.gauss(0.0, 1.0) for _ in range(d)] for _ in range(n)]
        s = [10.0 ** rng.uniform(-8.0, 8.0) for _ in range(n)]
        out.append(("row_scaled_%d" % k, A, s))
    for k in range(6):
        n, d = rng.randint(5, 12), rng.randint(2, 5)
        A = [[rng.gauss(0.0, 1.0) * 10.0 ** (3 * j - 6) for j in range(d)] for _ in range(n)]
        for row in A:
            row[-1] = row[0] * 1e6 + 10.0 ** -rng.uniform(3, 12) * rng.gauss(0.0, 1.0)
        out.append(("column_scaled_collinear_%d" % k, A, [rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0) for _ in range(n)]))
    # random general designs
    for k in range(14):
        d = rng.randint(1, 6)
        n = d + rng.randint(0, 10)
        A = [[rng.gauss(0.0, 1.0) for _ in range(d)] for _ in range(n)]
        s = None if k % 3 == 0 else [rng.uniform(0.25, 4.0) * rng.choice([-1.0, 1.0]) for _ in range(n)]
        out.append(("random_%d" % k, A, s))
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    lines = [
        "# Leverage-score references (exact rational arithmetic, Python fractions).",
        "# Generated by tests/mpmath_leverage_refs.py (python %s, mpmath %s); do not edit."
        % (sys.version.split()[0], mpmath.__version__),
        "# Per case: 'case NAME', 'shape N D', 'A' row-major hex floats, 's' values or 'none',",
        "# then 'h' and 'p' (correctly rounded, ties to even) or 'expect singular'.",
    ]
    for name, A, s in cases():
        n, d = len(A), len(A[0])
        lines.append("case %s" % name)
        lines.append("shape %d %d" % (n, d))
        lines.append("A " + hexs(v for row in A for v in row))
        lines.append("s " + ("none" if s is None else hexs(s)))
        result = leverage(A, s)
        if result is None:
            lines.append("expect singular")
            continue
        h, p = result
        hr = [round_fraction(v) for v in h]
        pr = [round_fraction(v) for v in p]
        for q, v in zip(h + p, hr + pr):
            cross_check(q, v)
        lines.append("h " + hexs(hr))
        lines.append("p " + hexs(pr))
    with open(os.path.join(root, OUT_REL), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d cases)" % (OUT_REL, sum(1 for l in lines if l.startswith("case "))))


if __name__ == "__main__":
    main()
