"""bht.testing: assertions for floating-point tests, in the spirit of numpy.testing."""
import numpy as np


def assert_max_ulp(actual, desired, maxulp=1):
    """Raise AssertionError unless every element of actual is within maxulp
    units in the last place of the corresponding element of desired (the ulp
    of desired, 2^-1074 at zero and subnormals; bht_ulp_error).  NaN matches
    only NaN, an infinity only the same infinity.  Shapes must match
    (broadcasting as in NumPy).  Returns the array of errors in ulps, like
    numpy.testing.assert_array_max_ulp."""
    from . import ulp_error
    a = np.asarray(actual, dtype=np.float64)
    d = np.asarray(desired, dtype=np.float64)
    try:
        a_b, d_b = np.broadcast_arrays(a, d)
    except ValueError:
        raise AssertionError("shapes %s and %s do not match" % (a.shape, d.shape)) from None
    nan_a, nan_d = np.isnan(a_b), np.isnan(d_b)
    err = ulp_error(np.where(nan_a, 0.0, a_b), np.where(nan_d, 0.0, d_b))
    err = np.where(nan_a & nan_d, 0.0, np.where(nan_a | nan_d, np.inf, err))
    bad = np.flatnonzero(err.ravel() > maxulp)
    if bad.size:
        k = bad[0]
        idx = np.unravel_index(k, err.shape) if err.ndim else ()
        raise AssertionError(
            "%d of %d elements differ by more than %g ulp; max %g ulp; first at %s: "
            "actual %r desired %r (%g ulp)"
            % (bad.size, err.size, maxulp, float(np.max(err)), idx, float(a_b[idx]),
               float(d_b[idx]), float(err[idx])))
    return err
