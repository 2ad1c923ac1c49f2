#!/usr/bin/python3
"""A third-party run against the bht golden corpus: NumPy / SciPy.

Computes every vector of the corpus the way a NumPy/SciPy user would write
it, writes RESULTS.jsonl in the format of golden/FORMAT.md, and (unless
--no-check) runs `bht check` on it.

  softmax_logits  scipy.special.softmax(z)
  softmax         scipy.special.softmax(A @ x)
  distance        h2 = 0.5 * np.sum((np.sqrt(p) - np.sqrt(q))**2); h = np.sqrt(h2);
                  tv = 0.5 * np.sum(np.abs(p - q))
  lemma_a1        h2max = (1 - np.exp(eps/4))**2 / (1 + np.exp(eps/2)); tvmax = np.tanh(eps/4)
                  (the closed forms as printed in the paper)
  leverage        Q, R = np.linalg.qr(A / s[:, None]); h = np.sum(Q**2, axis=1); p = h / d
  leverage_scores the same h
  distance_softmax  p = softmax(A @ x), q = softmax(B @ x), then the distance formulas above
  nu_softmax      p = softmax(A @ x); g = M @ x; dev = g - p @ g; nu = np.sum(p * dev**2);
                  local_constant = nu / 8; derivative = p * dev
  distance_leverage  Q, R = np.linalg.qr(A / s[:, None]); p = np.sum(Q**2, axis=1) / d,
                  q likewise from B, then the distance formulas above
  nu_leverage     the explicit formulas: As = A / s[:, None], Ms = M / s[:, None],
                  Gi = np.linalg.inv(As.T @ As), Q, R = np.linalg.qr(As), H = Q @ Q.T,
                  W = (np.eye(n) - H) @ Ms @ Gi @ As.T, h = diag(H), w = diag(W);
                  nu = np.sum(w**2 / h over h != 0) / d;
                  local_constant = nu / 2 + sum over zero rows a_i of Ms[i] @ Gi @ Ms[i] / (2 d);
                  derivative = 2 w / d

No input validation is added: a vector counts as rejected only when NumPy or
SciPy itself raises (e.g. a shape mismatch).  Functions the corpus has but
this script does not know are left out (they show up as "missing").

Usage: /usr/bin/python3 golden/examples/check_numpy.py [--golden DIR]
           [--out RESULTS.jsonl] [--bht build/bht] [--no-check]
Needs only the standard library plus python3-numpy and python3-scipy.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np
import scipy
import scipy.special

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def vec(values):
    return np.array([float.fromhex(v) for v in values], dtype=np.float64)


def hexes(a):
    return [float(v).hex() for v in np.atleast_1d(a)]


def mat(m):
    return vec(m["data"]).reshape(m["rows"], m["cols"])


def distances(p, q):
    h2 = 0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)
    return {"hellinger2": float(h2).hex(), "hellinger": float(np.sqrt(h2)).hex(),
            "tv": float(0.5 * np.sum(np.abs(p - q))).hex()}


def leverage_p(A, s):
    Q, _ = np.linalg.qr(A / s[:, None])
    return np.sum(Q ** 2, axis=1) / A.shape[1]


def compute(fn, inputs):
    """Returns the outputs dict, or raises when NumPy/SciPy raise."""
    if fn == "softmax_logits":
        return {"p": hexes(scipy.special.softmax(vec(inputs["z"])))}
    if fn == "softmax":
        m = inputs["A"]
        A = vec(m["data"]).reshape(m["rows"], m["cols"])
        return {"p": hexes(scipy.special.softmax(A @ vec(inputs["x"])))}
    if fn == "distance":
        return distances(vec(inputs["P"]), vec(inputs["Q"]))
    if fn in ("leverage", "leverage_scores"):
        A, s = mat(inputs["A"]), vec(inputs["s"])
        Q, _ = np.linalg.qr(A / s[:, None])
        h = np.sum(Q ** 2, axis=1)
        return {"h": hexes(h)} if fn == "leverage_scores" else {"p": hexes(h / A.shape[1])}
    if fn == "distance_softmax":
        x = vec(inputs["x"])
        return distances(scipy.special.softmax(mat(inputs["A"]) @ x),
                         scipy.special.softmax(mat(inputs["B"]) @ x))
    if fn == "nu_softmax":
        x = vec(inputs["x"])
        p = scipy.special.softmax(mat(inputs["A"]) @ x)
        g = mat(inputs["M"]) @ x
        dev = g - p @ g
        nu = np.sum(p * dev ** 2)
        return {"nu": float(nu).hex(), "local_constant": float(nu / 8).hex(),
                "derivative": hexes(p * dev)}
    if fn == "distance_leverage":
        s = vec(inputs["s"])
        return distances(leverage_p(mat(inputs["A"]), s), leverage_p(mat(inputs["B"]), s))
    if fn == "nu_leverage":
        A, M, s = mat(inputs["A"]), mat(inputs["M"]), vec(inputs["s"])
        n, d = A.shape
        As, Ms = A / s[:, None], M / s[:, None]
        Gi = np.linalg.inv(As.T @ As)
        Q, _ = np.linalg.qr(As)
        H = Q @ Q.T
        W = (np.eye(n) - H) @ Ms @ Gi @ As.T
        h, w = np.diag(H), np.diag(W)
        nz = h != 0
        nu = np.sum(w[nz] ** 2 / h[nz]) / d
        zero_rows = np.all(A == 0, axis=1)
        extra = sum(Ms[i] @ Gi @ Ms[i] for i in np.flatnonzero(zero_rows))
        return {"nu": float(nu).hex(), "local_constant": float(nu / 2 + extra / (2 * d)).hex(),
                "derivative": hexes(2 * w / d)}
    if fn.startswith("regression_"):
        A, b, w, x = mat(inputs["A"]), vec(inputs["b"]), vec(inputs["w"]), vec(inputs["x"])
        z = A @ x
        f = scipy.special.softmax(z)
        c = f - b
        if fn == "regression_loss":
            return {"loss": float(0.5 * c @ c + 0.5 * np.sum((w * z) ** 2)).hex()}
        s = f @ c
        if fn == "regression_gradient":
            return {"gradient": hexes(A.T @ (f * (c - s) + w ** 2 * z))}
        r = f * (f + c - s)
        B = np.diag(r) - np.outer(r, f) - np.outer(f, r) + (f @ f) * np.outer(f, f)
        return {"hessian": hexes((A.T @ (B + np.diag(w ** 2)) @ A).ravel())}
    if fn == "lemma_a1":
        eps = float.fromhex(inputs["eps"])
        h2max = (1 - np.exp(eps / 4)) ** 2 / (1 + np.exp(eps / 2))
        return {"h2max": float(h2max).hex(), "tvmax": float(np.tanh(eps / 4)).hex()}
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golden", default=os.path.join(ROOT, "golden", "v1"))
    ap.add_argument("--out", default="RESULTS.jsonl")
    ap.add_argument("--bht", default=os.path.join(ROOT, "build", "bht"))
    ap.add_argument("--no-check", action="store_true")
    args = ap.parse_args()

    files = sorted(glob.glob(os.path.join(args.golden, "*.jsonl")))
    if not files:
        sys.exit(f"check_numpy.py: no *.jsonl files in {args.golden}")
    counts = {}
    with open(args.out, "w", encoding="ascii") as out, np.errstate(all="ignore"):
        for path in files:
            with open(path, encoding="ascii") as f:
                for line in f:
                    vector = json.loads(line)
                    try:
                        outputs = compute(vector["fn"], vector["inputs"])
                    except (ValueError, IndexError, TypeError, np.linalg.LinAlgError):
                        out.write(json.dumps({"tcId": vector["tcId"], "rejected": True}) + "\n")
                        continue
                    if outputs is None:
                        continue
                    counts[vector["fn"]] = counts.get(vector["fn"], 0) + 1
                    out.write(json.dumps({"tcId": vector["tcId"], "outputs": outputs},
                                         separators=(",", ":")) + "\n")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}: wrote {args.out} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
    if args.no_check:
        return 0
    sys.stdout.flush()
    return subprocess.call([args.bht, "check", *files, args.out])


if __name__ == "__main__":
    sys.exit(main())
