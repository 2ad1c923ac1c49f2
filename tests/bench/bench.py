#!/usr/bin/python3
"""Softmax benchmark driver for `make bench`.

usage: /usr/bin/python3 tests/bench/bench.py --bht build/bench_softmax
           [--sizes 1000,1000000] [--seed S] [--mpmath-prefix K]

For each n, runs the C program (tests/bench/bench_softmax.c), which times
libbht's double kernel (bht_softmax_logits) and MPFR oracle
(bht_oracle_softmax_logits) on seeded logits and writes the logits and both
outputs as raw little-endian binary64.  On the same logits this script times
scipy.special.softmax, numpy exp/sum (naive and max-shifted) and mpmath at
the oracle's working precision, and measures every method's max ulp error
against the oracle (same ulp definition as bht_ulp_error).

mpmath is pure Python here (~35 us per component), so for n larger than
--mpmath-prefix (default 20000) it is run on the first K logits only: its
time is extrapolated linearly to n and its ulp error is measured against
the oracle run by the C program on that same prefix.  The table says so.

Goals (issue 17; reported, never enforced: the exit status is 0 whenever
every measurement ran): double kernel time <= 1x SciPy's; oracle >= 20x
faster than mpmath.  The header names the CPU and NumPy's BLAS.  All timings
are single-threaded wall clock.  The machine may be shared: each size runs
--rounds interleaved rounds (the C program, then SciPy and mpmath on the same
logits), each ratio is the median of the per-round ratios (range printed),
and the load average is printed with the goals.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import mpmath
    import numpy as np
    import scipy
    import scipy.special
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit("bench.py: %s (run with /usr/bin/python3 after `make bench-deps`)" % exc)

DOUBLE_GOAL = 1.0    # double kernel time / scipy time must be <= this
ORACLE_GOAL = 20.0   # mpmath time / oracle time must be >= this
RUNS = 7             # samples per fast method (median reported)
MIN_SAMPLE = 0.05    # seconds per sample for fast methods (calls repeated)


# ------------------------------------------------------------------- helpers

def load_f64(path):
    return np.fromfile(path, dtype="<f8").astype(np.float64, copy=False)


def ulp_errors(computed, reference):
    """Elementwise bht_ulp_error(computed, reference) (src/core/ulp.c)."""
    c = np.asarray(computed, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    with np.errstate(all="ignore"):
        _, e = np.frexp(r)
        ulp = np.where(np.abs(r) < 2.0 ** -1022, 2.0 ** -1074,
                       np.ldexp(1.0, (e - 53).astype(np.int32)))
        err = np.abs(c / ulp - r / ulp)
        finite = np.isfinite(c) & np.isfinite(r)
        err = np.where(finite, err, np.where(c == r, 0.0, np.inf))
        err = np.where(np.isnan(err), np.inf, err)
    same = c.view(np.uint64) == r.view(np.uint64)
    return np.where(same, 0.0, err)


def max_ulp(computed, reference):
    return float(np.max(ulp_errors(computed, reference)))


def time_fast(fn, runs=RUNS, min_sample=MIN_SAMPLE):
    """(median, min) per-call time; each sample repeats fn for >= min_sample s."""
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if time.perf_counter() - t0 >= min_sample or inner >= 1 << 20:
            break
        inner *= 2
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples), min(samples)


def time_slow(fn, runs):
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), min(samples), result


# ------------------------------------------------------------------- methods

def softmax_scipy(z):
    return scipy.special.softmax(z)


def softmax_numpy_naive(z):
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / np.sum(e)


def softmax_numpy_shifted(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_mpmath(z, prec):
    """softmax at prec bits with mpmath; binary64 by mpmath's float()."""
    with mpmath.workprec(prec):
        zz = [mpmath.mpf(v) for v in z]          # exact: prec >= 53
        m = max(zz)
        e = [mpmath.exp(v - m) for v in zz]
        s = mpmath.fsum(e)
        return np.array([float(x / s) for x in e], dtype=np.float64)


def run_c(bht, args):
    out = subprocess.run([bht] + [str(a) for a in args], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True)
    return json.loads(out.stdout)


# ---------------------------------------------------------------- benchmark

def spread(values):
    """'median [min-max]' of per-round ratios."""
    return statistics.median(values), min(values), max(values)


def bench_size(bht, n, seed, prefix_limit, workdir, rounds):
    """Interleaved rounds: each round runs the C program (bht kernel and
    oracle) and then times SciPy and mpmath on the same logits, so every
    ratio is between two measurements taken seconds apart; the ratio
    reported is the median of the per-round ratios (range in brackets)."""
    d = os.path.join(workdir, "n%d" % n)
    os.makedirs(d)
    k = min(n, prefix_limit)
    dp = os.path.join(workdir, "n%d_prefix%d" % (n, k))
    os.makedirs(dp)
    z = zp = None
    r_double, r_oracle, r_oracle_prefix = [], [], []
    t_double, t_scipy_all, t_oracle, t_mp_all, t_oracle_prefix = [], [], [], [], []
    load = []
    for rnd in range(rounds):
        load.append(os.getloadavg()[0])
        c = run_c(bht, ["--n", n, "--seed", seed, "--out", d, "--runs", RUNS if rnd == 0 else 3,
                        "--oracle-runs", 1])
        if rnd == 0:
            c0 = c
            z = load_f64(os.path.join(d, "logits.f64"))
            zp = np.ascontiguousarray(z[:k])
            zp.astype("<f8").tofile(os.path.join(dp, "prefix.f64"))
        t_scipy, _ = time_fast(lambda: softmax_scipy(z), runs=RUNS if rnd == 0 else 3)
        prec = int(c["oracle_precision_used"])
        if k < n:  # mpmath on the prefix only; the C oracle on the same prefix
            cp = run_c(bht, ["--logits", os.path.join(dp, "prefix.f64"), "--out", dp,
                             "--runs", 1, "--min-sample", 0, "--oracle-runs", 1])
            t_oracle_prefix.append(cp["oracle_seconds"])
        t0 = time.perf_counter()
        p_mp = softmax_mpmath(zp, prec)
        t_mp = (time.perf_counter() - t0) * n / k
        t_double.append(c["double_seconds"])
        t_scipy_all.append(t_scipy)
        t_oracle.append(c["oracle_seconds"])
        t_mp_all.append(t_mp)
        r_double.append(c["double_seconds"] / t_scipy)
        r_oracle.append(t_mp / c["oracle_seconds"])
        if k < n:
            r_oracle_prefix.append(t_mp * k / n / cp["oracle_seconds"])
    load.append(os.getloadavg()[0])

    c = c0
    p_double = load_f64(os.path.join(d, "double.f64"))
    p_oracle = load_f64(os.path.join(d, "oracle.f64"))
    assert z.size == n == p_double.size == p_oracle.size
    prec = int(c["oracle_precision_used"])
    p_oracle_prefix = (load_f64(os.path.join(dp, "oracle.f64")) if k < n else p_oracle)

    rows = []
    med = statistics.median
    ulp_double = max_ulp(p_double, p_oracle)
    if ulp_double != c["double_max_ulp_vs_oracle"]:
        print("warning: C and Python disagree on the double kernel's ulp error "
              "(%g vs %g)" % (c["double_max_ulp_vs_oracle"], ulp_double))
    rd = spread(r_double)
    rows.append(("bht double kernel", n, med(t_double), min(t_double),
                 "%.2fx scipy [%.2f-%.2f]" % rd, ulp_double, ""))
    t_scipy = med(t_scipy_all)
    rows.append(("scipy.special.softmax", n, t_scipy, min(t_scipy_all), "1.00x scipy",
                 max_ulp(softmax_scipy(z), p_oracle), ""))
    t, b = time_fast(lambda: softmax_numpy_naive(z))
    rows.append(("numpy exp(z)/sum (naive)", n, t, b, "%.2fx scipy" % (t / t_scipy),
                 max_ulp(softmax_numpy_naive(z), p_oracle), "exp overflows"))
    t, b = time_fast(lambda: softmax_numpy_shifted(z))
    rows.append(("numpy exp(z-max)/sum", n, t, b, "%.2fx scipy" % (t / t_scipy),
                 max_ulp(softmax_numpy_shifted(z), p_oracle), ""))
    rows.append(("bht oracle (%d bits)" % prec, n, med(t_oracle), min(t_oracle), "", 0.0,
                 "reference; %d attempt(s)" % c["oracle_attempts"]))
    ro = spread(r_oracle)
    rows.append(("mpmath (%d bits)" % prec, n, med(t_mp_all), min(t_mp_all),
                 "%.1fx oracle [%.1f-%.1f]" % ro, max_ulp(p_mp, p_oracle_prefix),
                 "measured" if k == n else "EXTRAPOLATED x%g from first %d logits" % (n / k, k)))
    note = None
    if k < n:
        note = ("n=%d: mpmath was run on the first %d logits only (median %.3f s per round); "
                "its time above is that x%g, and its ulp error is against the oracle on "
                "the same %d-logit prefix (oracle %.4f s there, measured ratio "
                "mpmath/oracle on the prefix %.1fx [%.1f-%.1f])."
                % ((n, k, med(t_mp_all) * k / n, n / k, k, med(t_oracle_prefix))
                   + spread(r_oracle_prefix)))
    goals = {"double": rd[0], "oracle": ro[0], "load": (min(load), max(load))}
    return rows, goals, note


def fmt_time(t):
    if t < 1e-3:
        return "%.1f us" % (t * 1e6)
    if t < 1.0:
        return "%.2f ms" % (t * 1e3)
    return "%.2f s" % t


def fmt_ulp(u):
    return "inf" if u == float("inf") else "%.3g" % u


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_name():
    """NumPy's BLAS as numpy.show_config() reports it, with the library file
    the dynamic linker resolves (Debian's alternatives pick the implementation)."""
    info = {}
    try:
        info = np.__config__.get_info("blas_opt_info") or {}
    except AttributeError:
        info = getattr(np.__config__, "blas_opt_info", {}) or {}
    libs = ",".join(info.get("libraries", [])) or "unknown"
    resolved = ""
    for d in info.get("library_dirs", []):
        for lib in info.get("libraries", []):
            path = os.path.join(d, "lib%s.so.3" % lib)
            if os.path.exists(path):
                resolved = os.path.realpath(path)
                break
        if resolved:
            break
    return "BLAS %s%s" % (libs, " (%s)" % resolved if resolved else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bht", required=True, help="path of the bench_softmax program")
    ap.add_argument("--sizes", default="1000,1000000")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds (bht, then SciPy and mpmath) per size")
    ap.add_argument("--mpmath-prefix", type=int, default=20000,
                    help="run mpmath in full only up to this n (default 20000)")
    a = ap.parse_args()
    sizes = [int(float(s)) for s in a.sizes.split(",") if s]
    if not os.access(a.bht, os.X_OK):
        sys.exit("bench.py: %s is not an executable (make build/bench_softmax)" % a.bht)

    print("softmax benchmark: %s; Python %s, numpy %s (%s), scipy %s, mpmath %s (backend %s)"
          % (cpu_name(), platform.python_version(), np.__version__, blas_name(),
             scipy.__version__, mpmath.__version__, mpmath.libmp.BACKEND))
    print("logits: seed %d, normal(950, 10) plus 1000, -1000, 999.5, -999 "
          "(exp(z) overflows binary64); single thread; %d interleaved rounds (bht, then "
          "SciPy and mpmath), times are medians over the rounds, ratios the median of the "
          "per-round ratios [range]" % (a.seed, a.rounds))
    print("max ulp = largest bht_ulp_error against the MPFR oracle (correctly rounded)")
    try:
        print("load average before the run: %.2f %.2f %.2f on %d CPU(s) "
              "(other load makes timings noisy)" % (os.getloadavg() + (os.cpu_count() or 1,)))
    except OSError:
        pass
    print()

    started = time.perf_counter()
    all_rows, all_goals, notes = [], [], []
    with tempfile.TemporaryDirectory(prefix="bht-bench-") as workdir:
        for n in sizes:
            rows, goals, note = bench_size(a.bht, n, a.seed, a.mpmath_prefix, workdir,
                                           a.rounds)
            all_rows += rows
            all_goals.append((n, goals))
            if note:
                notes.append(note)

    header = ("method", "n", "time (median)", "best", "ratio (medians)", "max ulp", "note")
    table = [header] + [(m, str(n), fmt_time(t), fmt_time(b), r, fmt_ulp(u), note)
                        for m, n, t, b, r, u, note in all_rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    for note in notes:
        print("note: " + note)
    print()
    print("goals (reported only, not enforced):")
    for n, g in all_goals:
        print("  n=%-8d double kernel <= %.0fx SciPy time: %.2fx -> %s (load %.1f-%.1f)"
              % (n, DOUBLE_GOAL, g["double"], "MET" if g["double"] <= DOUBLE_GOAL
                 else "NOT MET", g["load"][0], g["load"][1]))
        print("  n=%-8d oracle >= %.0fx faster than mpmath: %.1fx -> %s%s"
              % (n, ORACLE_GOAL, g["oracle"], "MET" if g["oracle"] >= ORACLE_GOAL
                 else "NOT MET", " (mpmath time extrapolated)" if n > a.mpmath_prefix
                 else ""))
    print()
    print("bench finished in %.1f s" % (time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
