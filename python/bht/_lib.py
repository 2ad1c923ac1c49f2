"""_lib.py: loads libbht.so and declares the C prototypes used by bht.

Search order: $BHT_LIBRARY; the source tree's build/libbht.so (when the
package is used from python/ with PYTHONPATH=python after `make`); the
installed PREFIX/lib/libbht.so.0 (the package is installed in
PREFIX/lib/pythonX.Y/dist-packages/bht); the dynamic loader's search path.
"""
import ctypes
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = (
    os.path.join(_HERE, "..", "..", "build", "libbht.so"),
    os.path.join(_HERE, "..", "..", "..", "libbht.so.0"),
)


def _load():
    env = os.environ.get("BHT_LIBRARY")
    if env:
        return ctypes.CDLL(env)
    for path in _CANDIDATES:
        if os.path.exists(path):
            return ctypes.CDLL(os.path.normpath(path))
    try:
        return ctypes.CDLL("libbht.so.0")
    except OSError as exc:
        raise ImportError("bht: libbht.so not found (run `make` in the bht source tree, "
                          "`make install`, or set BHT_LIBRARY): %s" % exc) from None


lib = _load()

c_double_p = ctypes.POINTER(ctypes.c_double)
c_size_t = ctypes.c_size_t


class OracleOptions(ctypes.Structure):
    _fields_ = [("precision_start", ctypes.c_long), ("precision_cap", ctypes.c_long)]


class OracleReport(ctypes.Structure):
    _fields_ = [("precision_used", ctypes.c_long), ("attempts", ctypes.c_int)]


class Distances(ctypes.Structure):
    _fields_ = [("hellinger2", ctypes.c_double), ("hellinger", ctypes.c_double),
                ("tv", ctypes.c_double)]


class LemmaA1(ctypes.Structure):
    _fields_ = [("h2max", ctypes.c_double), ("tvmax", ctypes.c_double)]


class Local(ctypes.Structure):
    _fields_ = [("nu", ctypes.c_double), ("local_constant", ctypes.c_double)]


_opt = ctypes.POINTER(OracleOptions)
_rep = ctypes.POINTER(OracleReport)
_int = ctypes.c_int
_PROTOTYPES = {
    "bht_status_message": (ctypes.c_char_p, [_int]),
    "bht_ulp_error": (ctypes.c_double, [ctypes.c_double, ctypes.c_double]),
    "bht_softmax_logits": (_int, [c_size_t, c_double_p, c_double_p]),
    "bht_oracle_softmax_logits": (_int, [c_size_t, c_double_p, c_double_p, _opt, _rep]),
    "bht_softmax": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p]),
    "bht_oracle_softmax": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                                  _opt, _rep]),
    "bht_leverage": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                            c_double_p, c_double_p]),
    "bht_oracle_leverage": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                                   c_double_p, c_double_p, _opt, _rep]),
    "bht_distance": (_int, [c_size_t, c_double_p, c_double_p, ctypes.POINTER(Distances)]),
    "bht_oracle_distance": (_int, [c_size_t, c_double_p, c_double_p,
                                   ctypes.POINTER(Distances), _opt, _rep]),
    "bht_lemma_a1": (_int, [ctypes.c_double, ctypes.POINTER(LemmaA1)]),
    "bht_oracle_lemma_a1": (_int, [ctypes.c_double, ctypes.POINTER(LemmaA1), _opt, _rep]),
    "bht_nu_softmax": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                              ctypes.POINTER(Local), c_double_p]),
    "bht_oracle_nu_softmax": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                                     ctypes.POINTER(Local), c_double_p, _opt, _rep]),
    "bht_nu_leverage": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                               ctypes.POINTER(Local), c_double_p]),
    "bht_oracle_nu_leverage": (_int, [c_size_t, c_size_t, c_double_p, c_double_p, c_double_p,
                                      ctypes.POINTER(Local), c_double_p, _opt, _rep]),
}
for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args
