#!/usr/bin/python3
"""Softmax-regression benchmark driver for `make bench`.

usage: /usr/bin/python3 tests/bench/bench_regression.py --bht build/bench_regression
           [--sizes 1000x10,10000x20] [--solve 100000x20] [--seed S]

Kernel: for each n x d, the C program (tests/bench/bench_regression.c) builds
a seeded problem, times libbht's double kernel bht_regression (median of
runs) and the MPFR oracle (one run), and writes the inputs and both outputs
as raw binary64.  This script evaluates the same formulas with NumPy,
single-threaded (OMP/OPENBLAS/MKL_NUM_THREADS=1 before numpy is imported):
    z = A x, f = softmax(z) (shifted by max z), c = f - b, s = <f, c>,
    q = f (c - s), r = f (f + c - s), abar = A^T f, rho = A^T r,
    L = (|c|^2 + |w z|^2) / 2, g = A^T (q + w^2 z),
    H = A^T diag(r + w^2) A - rho abar^T - abar rho^T + |f|^2 abar abar^T,
and reports each implementation's time and max ulp error against the oracle
(loss, gradient, Hessian separately; ulp as in bht_ulp_error).

Solver: runs `bench_regression solve N D` (exact Newton, sketched Newton with
eps 0.5 and 0.3, each certified) and prints iterations and times.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[var] = "1"

try:
    import numpy as np
except ImportError as exc:  # pragma: no cover
    sys.exit("bench_regression.py: %s (run with /usr/bin/python3 after `make bench-deps`)" % exc)


def load_f64(path):
    return np.fromfile(path, dtype="<f8").astype(np.float64, copy=False)


def ulp_errors(computed, reference):
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


def numpy_regression(A, b, w, x):
    z = A @ x
    e = np.exp(z - z.max())
    f = e / e.sum()
    c = f - b
    s = f @ c
    q = f * (c - s)
    r = f * (f + c - s)
    wz = w * z
    loss = 0.5 * (c @ c + wz @ wz)
    g = A.T @ (q + w * wz)
    abar = A.T @ f
    rho = A.T @ r
    H = (A.T * (r + w * w)) @ A - np.outer(rho, abar) - np.outer(abar, rho) \
        + (f @ f) * np.outer(abar, abar)
    return loss, g, H


def median_time(fn, runs):
    samples, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), out


def kernel_bench(bht, n, d, seed, tmp):
    out = subprocess.run([bht, "kernel", tmp, str(n), str(d), str(seed)], check=True,
                         capture_output=True, text=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    base = os.path.join(tmp, "reg_%d_%d" % (n, d))
    A = load_f64(base + ".A.bin").reshape(n, d)
    b, w, x = (load_f64(base + ext) for ext in (".b.bin", ".w.bin", ".x.bin"))
    kernel, oracle = load_f64(base + ".kernel.bin"), load_f64(base + ".oracle.bin")
    runs = 9 if n * d * d <= 100000 else 5
    t_np, (loss, g, H) = median_time(lambda: numpy_regression(A, b, w, x), runs)
    numpy_all = np.concatenate(([loss], g, H.ravel()))
    parts = {"loss": slice(0, 1), "gradient": slice(1, 1 + d), "hessian": slice(1 + d, None)}
    rows = []
    for name, values in (("bht double", kernel), ("NumPy", numpy_all)):
        errs = {k: float(ulp_errors(values[sl], oracle[sl]).max()) for k, sl in parts.items()}
        rows.append((name, errs))
    print("n = %d, d = %d: bht double %.4g s (loss %.4g s, loss + gradient %.4g s); NumPy %.4g s "
          "(ratio %.1fx); oracle %.4g s (%d bits)" % (
              n, d, info["t_kernel_all"], info["t_kernel_loss"], info["t_kernel_loss_gradient"],
              t_np, info["t_kernel_all"] / t_np, info["t_oracle_all"], info["oracle_precision"]))
    for name, errs in rows:
        print("    %-11s max ulp: loss %g, gradient %g, hessian %g" % (
            name, errs["loss"], errs["gradient"], errs["hessian"]))


def solve_bench(bht, n, d, seed):
    out = subprocess.run([bht, "solve", str(n), str(d), str(seed)], check=True,
                         capture_output=True, text=True).stdout
    print("solver, n = %d, d = %d (x0 = 0, tol 1e-12):" % (n, d))
    for line in out.strip().splitlines():
        r = json.loads(line)
        label = r["method"] + ("" if r["method"] == "newton" else " eps %g" % r["eps"])
        print("    %-17s %2d iterations, %5d Hessian rows, %.3g s total (certificate %.3g s), "
              "converged %d, radius %.3g, fallbacks %d" % (
                  label, r["iterations"], r["sample_rows"], r["t_total"], r["t_certificate"],
                  r["converged"], r["minimizer_radius"], r["fallbacks"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bht", required=True)
    ap.add_argument("--sizes", default="1000x10,10000x20")
    ap.add_argument("--solve", default="100000x20")
    ap.add_argument("--seed", type=int, default=20240618)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            n, d = (int(v) for v in size.split("x"))
            kernel_bench(args.bht, n, d, args.seed, tmp)
    for size in args.solve.split(","):
        if size:
            n, d = (int(v) for v in size.split("x"))
            solve_bench(args.bht, n, d, args.seed)


if __name__ == "__main__":
    main()
