#!/usr/bin/python3
"""Independent softmax references for libbht, computed with mpmath only.

Writes tests/data/softmax_mpmath.txt, read by tests/softmax/test_mpmath_refs.c.
Nothing here uses libbht: inputs are binary64 values taken exactly
(float.hex / mpmath.mpf(float) are exact), softmax is evaluated with mpmath
at PREC bits, and every component is rounded to binary64 (round to nearest,
ties to even, subnormals included) by the integer routine round_binary64
below, not by mpmath's float() conversion.

A result is accepted only if
  * the rounding at PREC bits equals the rounding at CHECK_PREC bits, and
  * the PREC-bit value is farther than 2^(MARGIN_BITS - PREC) (relative)
    from every binary64 rounding boundary (midpoint), so the PREC-bit
    error cannot have changed the rounding.
Otherwise the script stops with an error.

Deterministic: rerunning it yields a byte-identical file (no dates, no
randomness; the header records the mpmath version and the command).

Regenerate:  /usr/bin/python3 tests/mpmath_softmax_refs.py
"""

import math
import os
import random
import sys
from fractions import Fraction

import mpmath

PREC = 2000         # working precision (bits)
CHECK_PREC = 3000   # recomputation that must give the same roundings
MARGIN_BITS = 100   # required distance from a midpoint: 2^(MARGIN_BITS - prec) relative

OUT_REL = os.path.join("tests", "data", "softmax_mpmath.txt")

# ------------------------------------------------------------------ rounding

EMIN_NORMAL = -1022   # 2^-1022: smallest normal binary64
QUANTUM_MIN = -1074   # 2^-1074: spacing of subnormals
MANT_BITS = 53


def mpf_parts(v):
    """Exact (sign, man, exp) of an mpf: v = (-1)^sign * man * 2^exp, man >= 0."""
    sign, man, exp, _bc = v._mpf_
    if man == 0:
        if v != 0:
            raise ValueError("non-finite mpf %r" % (v,))
        return 0, 0, 0
    return sign, int(man), int(exp)


def round_binary64_exact(sign, man, exp):
    """Round (-1)^sign * man * 2^exp (exact dyadic) to binary64, RNE.

    Returns (double, distance_info) where distance_info is the relative
    distance |v - midpoint| / |v| to the nearest rounding boundary as a
    Fraction (None if v is exactly representable: no boundary matters).
    """
    if man == 0:
        return (-0.0 if sign else 0.0), None
    bc = man.bit_length()
    e = exp + bc - 1                  # 2^e <= |v| < 2^(e+1)
    if e <= QUANTUM_MIN - 2:
        # |v| < 2^-1075 (the smallest midpoint): rounds to zero, and the
        # relative distance to that midpoint exceeds 1.
        return (-0.0 if sign else 0.0), Fraction(1)
    q = max(e - (MANT_BITS - 1), QUANTUM_MIN)   # quantum of binary64 at |v|
    shift = q - exp
    if shift <= 0:
        m = man << (-shift)           # exactly representable
        dist = None
    else:
        m = man >> shift
        rem = man - (m << shift)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and (m & 1)):
            m += 1
        # Distance to the midpoint of the interval containing v, relative to v.
        if rem == 0:
            dist = None
        else:
            dist = Fraction(abs(rem - half), 1 << shift) / Fraction(man, 1 << shift)
    if e >= 1024 or m.bit_length() + q > 1024:
        raise OverflowError("value exceeds binary64 range")
    # m <= 2^53 and m * 2^q is representable by construction: ldexp is exact.
    r = math.ldexp(float(m), q)
    if float(m) != m or Fraction(r) != Fraction(m) * Fraction(2) ** q:
        raise AssertionError("rounded value not exact")
    return (-r if sign else r), dist


def round_binary64(v):
    """Correctly round the mpf v (taken as exact) to binary64; also margin."""
    return round_binary64_exact(*mpf_parts(v))


def self_test_rounding():
    """The rounding routine on hand-made dyadic values with known answers."""
    def rb(fr):
        fr = Fraction(fr)
        sign = 1 if fr < 0 else 0
        fr = abs(fr)
        # fr = num / 2^k exactly (all test values are dyadic)
        num, den = fr.numerator, fr.denominator
        k = den.bit_length() - 1
        assert den == 1 << k
        return round_binary64_exact(sign, num, -k)[0]

    two = Fraction(2)
    cases = [
        (two ** -1075, 0.0),                                  # tie, even is 0
        (two ** -1075 * 3, 2.0 ** -1073),                     # 1.5 ulp tie -> 2 ulp
        (two ** -1075 + two ** -1200, 2.0 ** -1074),          # just above the tie
        (two ** -1075 - two ** -1200, 0.0),                   # just below the tie
        (two ** -1074 * 5 / 2, 2.0 ** -1073),                 # 2.5 -> 2 (even)
        (two ** -1074 * 7 / 2, 2.0 ** -1072),                 # 3.5 -> 4 (even)
        (two ** -1022 - two ** -1076, 2.0 ** -1022),          # rounds up into normals
        (two ** -1022 - two ** -1074, float.fromhex("0x0.fffffffffffffp-1022")),
        (1 - two ** -54, 1.0),                                # tie below 1 -> 1 (even)
        (1 - two ** -54 - two ** -200, float.fromhex("0x1.fffffffffffffp-1")),
        (1 + two ** -53, 1.0),                                # tie above 1 -> 1
        (1 + two ** -53 + two ** -200, float.fromhex("0x1.0000000000001p+0")),
        (Fraction(3, 4), 0.75),
        (-two ** -1075 * 3, -2.0 ** -1073),
        (-two ** -1075, -0.0),
    ]
    for value, want in cases:
        got = rb(value)
        if got != want or (got == 0 and str(got) != str(want)):
            raise AssertionError("rounding self-test: %r gave %r, want %r"
                                 % (value, got.hex(), want.hex()))
    # Random dyadic cross-check against Fraction-based reference (normal range,
    # where Python's float(Fraction) is correctly rounded, ties to even).
    rng = random.Random(12345)
    for _ in range(20000):
        num = rng.getrandbits(rng.randint(1, 200)) | 1
        k = rng.randint(-60, 300)
        fr = Fraction(num, 1) / (Fraction(2) ** k)
        want = float(fr)               # correctly rounded (CPython's algorithm)
        if want == 0.0 or abs(want) < 2.0 ** -1022:
            continue
        got = round_binary64_exact(0, num, -k)[0]
        if got != want:
            raise AssertionError("random self-test: %d/2^%d gave %s, want %s"
                                 % (num, k, got.hex(), want.hex()))


# ------------------------------------------------------------------- softmax

def exact_mpf(fr):
    """A dyadic Fraction as an exact mpf (precision raised as needed)."""
    num, den = fr.numerator, fr.denominator
    k = den.bit_length() - 1
    if den != 1 << k:
        raise ValueError("not dyadic")
    with mpmath.workprec(max(abs(num).bit_length() + 8, 64)):
        v = mpmath.ldexp(mpmath.mpf(num), -k)
    sign, man, exp = mpf_parts(v)
    back = Fraction(man) * Fraction(2) ** exp
    if (-back if sign else back) != fr:
        raise AssertionError("inexact conversion of %r" % (fr,))
    return v


def softmax_mp(logits_exact, prec):
    """softmax of exact rational logits at `prec` bits; mpf components.

    The shift by the maximum is done exactly (Fractions) so the only
    approximations are exp, the sum and the division, all at `prec` bits.
    """
    m = max(logits_exact)
    shifted = [z - m for z in logits_exact]       # exact, all <= 0
    with mpmath.workprec(prec):
        exps = [mpmath.exp(exact_mpf(t)) for t in shifted]
        total = mpmath.fsum(exps)
        return [e / total for e in exps]


def rounded_softmax(logits_exact):
    """Correctly rounded binary64 softmax, with the two safety checks."""
    out = []
    for prec in (PREC, CHECK_PREC):
        comps = softmax_mp(logits_exact, prec)
        rounded = []
        for i, c in enumerate(comps):
            r, dist = round_binary64(c)
            if dist is not None and dist <= Fraction(2) ** (MARGIN_BITS - prec):
                raise ArithmeticError("component %d too close to a midpoint at %d bits"
                                      % (i, prec))
            rounded.append(r)
        out.append(rounded)
    a, b = out
    if [x.hex() for x in a] != [x.hex() for x in b]:
        raise ArithmeticError("rounding differs between %d and %d bits" % (PREC, CHECK_PREC))
    return a


def exact(x):
    """A binary64 value as an exact Fraction."""
    return Fraction(*float(x).as_integer_ratio())


def case_logits(name, z):
    z = [float(v) for v in z]
    p = rounded_softmax([exact(v) for v in z])
    return {"name": name, "logits": z, "expect": p}


def case_affine(name, A, x):
    rows, cols = len(A), len(A[0])
    A = [[float(v) for v in row] for row in A]
    x = [float(v) for v in x]
    # Logits (A x)_i as exact rationals: products and sums of doubles are dyadic.
    logits = [sum((exact(A[i][j]) * exact(x[j]) for j in range(cols)), Fraction(0))
              for i in range(rows)]
    p = rounded_softmax(logits)
    return {"name": name, "A": A, "rows": rows, "cols": cols, "x": x, "expect": p}


def build_cases():
    ln2_1022 = 708.3964185322641   # ~ 1022 ln 2: e^-gap ~ 2^-1022
    cases = [
        case_logits("plain_small", [1.0, 2.0, 3.0]),
        case_logits("plain_small_negative", [-1.0, -2.5, 0.25, -0.125]),
        case_logits("n1", [0.5]),
        case_logits("n1_huge_negative", [-1e300]),
        case_logits("equal_n3", [7.25, 7.25, 7.25]),
        case_logits("equal_n6", [-3.0] * 6),
        case_logits("equal_n2_half", [123.456, 123.456]),
        case_logits("near_plus_1000", [1000.0, 999.0, 998.0]),
        case_logits("near_minus_1000", [-1000.0, -999.5, -1001.0]),
        case_logits("plus_minus_1000", [1000.0, -1000.0]),
        case_logits("gap_700_740_subnormal", [0.0, -700.0, -720.0, -740.0]),
        case_logits("gap_745_edge", [0.0, -745.0, -745.1332, -745.2, -746.0, -800.0]),
        case_logits("gap_over_745_zero", [3.0, 3.0 - 760.0, 3.0 - 1e5]),
        case_logits("subnormal_boundary",
                    [0.0, -ln2_1022, -708.39641853226, -708.3964185323, -708.0, -709.0]),
        case_logits("mixed_signs", [-3.5, 2.25, 0.0, -0.0, 1e-10, -7.75]),
        case_logits("decimal_tenths", [0.1, 0.2, 0.3]),
        case_logits("tiny_logits", [1e-300, 2.0 ** -1074, -1e-300]),
        case_logits("huge_logits", [1e300, 1e300, -1e300]),
        case_logits("ramp_64", [((i * 37) % 64) / 8.0 - 4.0 for i in range(64)]),
        case_affine("affine_3x2", [[0.1, -1.5], [2.0, 0.3], [-0.7, 0.25]], [1.3, -0.4]),
        case_affine("affine_3x2_near_1000",
                    [[1000.0, 1e-3], [1000.0, -1e-3], [-5.0, 3.0]], [1.0, 0.5]),
    ]
    return cases


def hexs(values):
    return " ".join(float(v).hex() for v in values)


def render(cases):
    lines = [
        "# softmax_mpmath.txt: independent softmax references for libbht.",
        "# Generated by tests/mpmath_softmax_refs.py (mpmath %s, backend %s, "
        "Python %d.%d)." % (mpmath.__version__, mpmath.libmp.BACKEND,
                           sys.version_info[0], sys.version_info[1]),
        "# Working precision %d bits; roundings re-checked at %d bits and required"
        % (PREC, CHECK_PREC),
        "# to be farther than 2^(%d - prec) (relative) from every midpoint."
        % MARGIN_BITS,
        "# Expectations are binary64, round-to-nearest-even, subnormals included,",
        "# rounded by integer arithmetic on mpmath's exact mantissa/exponent.",
        "# Regenerate: /usr/bin/python3 tests/mpmath_softmax_refs.py",
        "#",
        "# Format: 'case NAME', then either 'logits v...' or 'A rows cols v...' and",
        "# 'x v...', then 'expect v...' (ends the case).  Values are C99 hex floats",
        "# (Python float.hex), parsed exactly by strtod.",
    ]
    for c in cases:
        lines.append("")
        lines.append("case " + c["name"])
        if "logits" in c:
            lines.append("logits " + hexs(c["logits"]))
        else:
            flat = [v for row in c["A"] for v in row]
            lines.append("A %d %d %s" % (c["rows"], c["cols"], hexs(flat)))
            lines.append("x " + hexs(c["x"]))
        lines.append("expect " + hexs(c["expect"]))
    return "\n".join(lines) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, OUT_REL)
    self_test_rounding()
    text = render(build_cases())
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    os.replace(tmp, out)
    print("wrote %s (%d cases)" % (OUT_REL, text.count("\ncase ")))


if __name__ == "__main__":
    main()
