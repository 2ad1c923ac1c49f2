"""bht: Python bindings (ctypes) over libbht's double kernels and MPFR oracles.

Every function takes NumPy arrays (or anything numpy.asarray accepts) and
returns float64 arrays or named tuples.  oracle=False runs the double kernel
(within the documented ulp budget, or a refusal); oracle=True the correctly
rounded oracle.  A library failure raises BhtError (or a subclass) whose
message is the library's bht_status_message text; .status is the code.

    >>> import numpy as np, bht
    >>> bht.softmax(np.array([1.0, 2.0, 3.0]), oracle=True)
    array([0.09003057, 0.24472847, 0.66524096])
"""
import collections
import ctypes

import numpy as np

from ._lib import lib, c_double_p, OracleOptions, OracleReport, Distances, LemmaA1, Local
from . import testing  # noqa: F401  (bht.testing.assert_max_ulp)

__all__ = ["softmax", "leverage", "distance", "lemma_a1", "nu", "ulp_error",
           "BhtError", "InvalidInput", "NumericalRefusal", "testing",
           "DistanceResult", "LemmaA1Result", "LocalResult"]

# bht_status codes (src/bht.h).
OK, E_INVALID, E_NONFINITE, E_RANGE, E_CONSTRAINT, E_NOMEM, E_PRECISION, E_SINGULAR, \
    E_IO, E_PARSE = range(10)


class BhtError(Exception):
    """A libbht call failed; .status is the bht_status code, the message the library's."""

    def __init__(self, status, message, function):
        super().__init__("%s: %s" % (function, message))
        self.status = status
        self.function = function


class InvalidInput(BhtError, ValueError):
    """Bad input: precondition, NaN/infinity, constraint (CLI exit 2)."""


class NumericalRefusal(BhtError, ArithmeticError):
    """The kernel cannot certify its budget, the matrix is rank deficient, or the
    oracle hit its precision cap (CLI exit 3): retry with oracle=True or a larger cap."""


def _check(status, function):
    if status == OK:
        return
    message = lib.bht_status_message(status).decode()
    if status == E_NOMEM:
        raise MemoryError("%s: %s" % (function, message))
    cls = NumericalRefusal if status in (E_RANGE, E_SINGULAR, E_PRECISION) else \
        InvalidInput if status in (E_INVALID, E_NONFINITE, E_CONSTRAINT) else BhtError
    raise cls(status, message, function)


def _as_f64(x, name, ndim):
    """x as a C-contiguous float64 array of the given dimension(s), converted
    exactly (an integer that float64 cannot hold, or a wider float, is refused)."""
    a = np.asarray(x)
    if a.dtype.kind in "iub":
        f = a.astype(np.float64)
        if not np.array_equal(f.astype(a.dtype), a):
            raise ValueError("%s: integer values not exactly representable in float64" % name)
        a = f
    elif a.dtype.kind == "f":
        if a.dtype.itemsize > 8:
            raise TypeError("%s: dtype %s would be rounded to float64" % (name, a.dtype))
        a = a.astype(np.float64)
    else:
        raise TypeError("%s: expected a real numeric array, got dtype %s" % (name, a.dtype))
    if a.ndim not in ndim:
        raise ValueError("%s: expected %s-dimensional array, got shape %s"
                         % (name, " or ".join(str(k) for k in ndim), a.shape))
    if a.size == 0:
        raise ValueError("%s: empty array" % name)
    return np.ascontiguousarray(a)


def _ptr(a):
    return None if a is None else a.ctypes.data_as(c_double_p)


def _options(precision_cap):
    if precision_cap is None:
        return None
    return ctypes.byref(OracleOptions(0, int(precision_cap)))


def ulp_error(computed, reference):
    """bht_ulp_error elementwise: |computed - reference| in units of the
    reference's ulp (2^-1074 at zero and subnormals); inf when exactly one is
    non-finite.  Returns a float64 array of the broadcast shape."""
    c, r = np.broadcast_arrays(np.asarray(computed, dtype=np.float64),
                               np.asarray(reference, dtype=np.float64))
    out = np.empty(c.shape)
    for idx in np.ndindex(c.shape):
        out[idx] = lib.bht_ulp_error(float(c[idx]), float(r[idx]))
    return out


def softmax(z, A=None, oracle=False, precision_cap=None):
    """softmax(z) along the last axis (z 1-D, or 2-D: one softmax per row, like
    scipy.special.softmax(z, axis=-1)); with A (n-by-d), softmax(A z) for the
    query z of length d.  Kernel within 1 ulp; oracle correctly rounded."""
    if A is None:
        Z = _as_f64(z, "z", (1, 2))
        rows = Z.reshape(-1, Z.shape[-1])
        out = np.empty_like(rows)
        n = rows.shape[1]
        for k in range(rows.shape[0]):
            zk, pk = rows[k], out[k]
            if oracle:
                s = lib.bht_oracle_softmax_logits(n, _ptr(zk), _ptr(pk),
                                                  _options(precision_cap), None)
            else:
                s = lib.bht_softmax_logits(n, _ptr(zk), _ptr(pk))
            _check(s, "softmax")
        return out.reshape(Z.shape)
    Am = _as_f64(A, "A", (2,))
    x = _as_f64(z, "z", (1,))
    n, d = Am.shape
    if x.shape[0] != d:
        raise ValueError("softmax: A has %d columns but z has length %d" % (d, x.shape[0]))
    p = np.empty(n)
    if oracle:
        s = lib.bht_oracle_softmax(n, d, _ptr(Am), _ptr(x), _ptr(p), _options(precision_cap),
                                   None)
    else:
        s = lib.bht_softmax(n, d, _ptr(Am), _ptr(x), _ptr(p))
    _check(s, "softmax")
    return p


def leverage(A, s=None, oracle=False, scores=False, precision_cap=None):
    """Leverage-score model p_i = h_ii / d of A (n-by-d, n >= d) at the query s
    (all ones when None), h_ii the leverage scores of Diag(s)^-1 A.  Returns p,
    or h with scores=True.  Kernel within 1 ulp or NumericalRefusal (rank not
    certified); the oracle decides rank exactly (NumericalRefusal iff rank < d)."""
    Am = _as_f64(A, "A", (2,))
    n, d = Am.shape
    sv = None if s is None else _as_f64(s, "s", (1,))
    if sv is not None and sv.shape[0] != n:
        raise ValueError("leverage: A has %d rows but s has length %d" % (n, sv.shape[0]))
    p = np.empty(n)
    h = np.empty(n)
    if oracle:
        st = lib.bht_oracle_leverage(n, d, _ptr(Am), _ptr(sv), _ptr(p), _ptr(h), None,
                                     _options(precision_cap), None)
    else:
        st = lib.bht_leverage(n, d, _ptr(Am), _ptr(sv), _ptr(p), _ptr(h), None)
    _check(st, "leverage")
    return h if scores else p


DistanceResult = collections.namedtuple("DistanceResult", "hellinger2 hellinger tv")


def distance(P, Q, oracle=False, precision_cap=None):
    """Squared Hellinger, Hellinger and total-variation distances between two
    distributions (1-D, same length, non-negative).  Kernel within 1 ulp."""
    p = _as_f64(P, "P", (1,))
    q = _as_f64(Q, "Q", (1,))
    if p.shape != q.shape:
        raise ValueError("distance: P has length %d but Q has length %d"
                         % (p.shape[0], q.shape[0]))
    out = Distances()
    if oracle:
        s = lib.bht_oracle_distance(p.shape[0], _ptr(p), _ptr(q), ctypes.byref(out),
                                    _options(precision_cap), None)
    else:
        s = lib.bht_distance(p.shape[0], _ptr(p), _ptr(q), ctypes.byref(out))
    _check(s, "distance")
    return DistanceResult(out.hellinger2, out.hellinger, out.tv)


LemmaA1Result = collections.namedtuple("LemmaA1Result", "h2max tvmax")


def lemma_a1(eps, oracle=False, precision_cap=None):
    """The Lemma A.1 closed forms at eps >= 0: h2max = 1 - sech(eps/4),
    tvmax = tanh(eps/4)."""
    out = LemmaA1()
    e = float(eps)
    if oracle:
        s = lib.bht_oracle_lemma_a1(e, ctypes.byref(out), _options(precision_cap), None)
    else:
        s = lib.bht_lemma_a1(e, ctypes.byref(out))
    _check(s, "lemma_a1")
    return LemmaA1Result(out.h2max, out.tvmax)


LocalResult = collections.namedtuple("LocalResult", "nu local_constant derivative")


def nu(A, M, x=None, s=None, model="softmax", oracle=False, precision_cap=None):
    """Local analysis of B_eps = A + eps M (paper Thm 3.5 / 4.3), as `bht nu`:
    model="softmax" at the query x (length d), or model="leverage" at the query
    s (length n, all ones when None).  Returns LocalResult(nu, local_constant,
    derivative) with derivative the array dq_i/deps at eps = 0."""
    Am = _as_f64(A, "A", (2,))
    Mm = _as_f64(M, "M", (2,))
    if Am.shape != Mm.shape:
        raise ValueError("nu: A has shape %s but M has shape %s" % (Am.shape, Mm.shape))
    n, d = Am.shape
    der = np.empty(n)
    out = Local()
    if model == "softmax":
        if x is None or s is not None:
            raise ValueError("nu: model='softmax' needs x (and no s)")
        q = _as_f64(x, "x", (1,))
        if q.shape[0] != d:
            raise ValueError("nu: A has %d columns but x has length %d" % (d, q.shape[0]))
        fn = lib.bht_oracle_nu_softmax if oracle else lib.bht_nu_softmax
    elif model == "leverage":
        if x is not None:
            raise ValueError("nu: model='leverage' takes s, not x")
        q = None if s is None else _as_f64(s, "s", (1,))
        if q is not None and q.shape[0] != n:
            raise ValueError("nu: A has %d rows but s has length %d" % (n, q.shape[0]))
        fn = lib.bht_oracle_nu_leverage if oracle else lib.bht_nu_leverage
    else:
        raise ValueError("nu: model must be 'softmax' or 'leverage', not %r" % (model,))
    args = [n, d, _ptr(Am), _ptr(Mm), _ptr(q), ctypes.byref(out), _ptr(der)]
    if oracle:
        args += [_options(precision_cap), None]
    _check(fn(*args), "nu")
    return LocalResult(out.nu, out.local_constant, der)
