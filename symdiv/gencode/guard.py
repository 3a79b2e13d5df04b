"""Checked evaluation of generated code: every float result comes with a bound on its rounding
error, and where the bound is not small (terms of 1e300 that cancel, an intermediate beyond the
largest double, 0 * inf) the value is computed again with mpmath and kept only when two precisions
agree.

The bound is a running error analysis of the very source the float backend runs: the numpy source
is executed once more with every number replaced by a :class:`Shadow` (value, absolute error).
Arithmetic propagates first-order bounds (|b| e_a + |a| e_b for a product, plus one rounding);
every other function (log, lgamma, the P ~ Q helpers) is treated alike, by its change when one
argument moves by that argument's error, plus a few roundings of its result. Arguments are exact.
A result is trusted when its bound is at most ``eps**(2/3)`` of its size (3.7e-11 in float64);
an infinite result is trusted only when it came from a condition (the +inf of a divergence), not
from an overflow.

>>> import numpy as np, symdiv as sd
>>> from symdiv.gencode import to_function
>>> kl = to_function(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Laplace("mu_2", "b_2")))
>>> kl(0.0, 1e-200, 0.0, 1.0)  # the plain code gives nan: (mu_1 - mu_2)**2 / sigma_1**2 is 0 * inf
np.float64(459.7912272461644)
>>> to_function(kl.derivation, checked=False)(0.0, 1e-200, 0.0, 1.0)
np.float64(nan)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np

from ..errors import SymdivError

#: relative work precision of a trusted mpmath value: two precisions agree to this
_AGREE = mpmath.mpf(10) ** -18
#: at most this many decimal digits in the mpmath fallback (beyond: nan, no certain value)
MAX_DPS = 2400
#: roundings charged to a function's result (libm and the helpers are accurate to a few ulps)
_ULPS = 8


class Shadow:
    """A float array with a bound on its absolute rounding error."""

    __slots__ = ("v", "e")
    __array_ufunc__ = None  # numpy arrays on the left defer to our reflected operators

    def __init__(self, v: Any, e: Any) -> None:
        self.v = v
        self.e = e

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.v)

    def __getitem__(self, idx: Any) -> Shadow:
        return Shadow(np.asarray(self.v)[idx], np.asarray(self.e)[idx])

    def __neg__(self) -> Shadow:
        return Shadow(-self.v, self.e)

    def __pos__(self) -> Shadow:
        return self

    def __abs__(self) -> Shadow:
        return Shadow(np.abs(self.v), self.e)

    def __add__(self, other: Any) -> Shadow:
        o = _shadow(other)
        return _rounded(self.v + o.v, self.e + o.e, self, o, underflow=False, exact=_sterbenz(self.v, -o.v))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Shadow:
        o = _shadow(other)
        return _rounded(self.v - o.v, self.e + o.e, self, o, underflow=False, exact=_sterbenz(self.v, o.v))

    def __rsub__(self, other: Any) -> Shadow:
        return _shadow(other) - self

    def __mul__(self, other: Any) -> Shadow:
        o = _shadow(other)
        return _rounded(self.v * o.v, _times(np.abs(o.v), self.e) + _times(np.abs(self.v), o.e), self, o)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Shadow:
        o = _shadow(other)
        v = self.v / o.v
        return _rounded(v, (self.e + _times(np.abs(v), o.e)) / np.abs(o.v), self, o, exact=self.v == o.v)

    def __rtruediv__(self, other: Any) -> Shadow:
        return _shadow(other) / self

    def __pow__(self, other: Any) -> Shadow:
        return lift(np.power)(self, other)

    def __rpow__(self, other: Any) -> Shadow:
        return lift(np.power)(other, self)

    # comparisons decide branches by value (a branch near its switch point is accurate on both sides)
    def __lt__(self, other: Any) -> Any:
        return self.v < _value(other)

    def __le__(self, other: Any) -> Any:
        return self.v <= _value(other)

    def __gt__(self, other: Any) -> Any:
        return self.v > _value(other)

    def __ge__(self, other: Any) -> Any:
        return self.v >= _value(other)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return self.v == _value(other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return self.v != _value(other)

    __hash__ = None  # type: ignore[assignment]


def _value(x: Any) -> Any:
    return x.v if isinstance(x, Shadow) else x


def _shadow(x: Any) -> Shadow:
    """A constant of the source as a Shadow: exact when an integer, else within half an ulp."""
    if isinstance(x, Shadow):
        return x
    a = np.asarray(x, dtype=float) if not isinstance(x, np.ndarray) else x
    e = np.where(a == np.round(a), 0.0, 0.5 * np.finfo(np.float64).eps * np.abs(a)) if a.dtype.kind == "f" else 0.0
    return Shadow(a, e)


def _times(a: Any, e: Any) -> Any:
    """a * e with 0 * (anything) = 0 where the error is 0 (an exact 0 times an infinite value is
    still flagged through ``e``)."""
    with np.errstate(all="ignore"):
        return np.where(e == 0, 0.0, a * e)


def _eps(v: Any) -> float:
    dt = np.asarray(v).dtype
    return float(np.finfo(dt).eps) if dt.kind == "f" else float(np.finfo(np.float64).eps)


def _sterbenz(a: Any, b: Any) -> Any:
    """Where a - b is exact (Sterbenz: b/2 <= a <= 2b, the difference of parameters at P ~ Q)."""
    with np.errstate(all="ignore"):
        return ((a >= 0) == (b >= 0)) & (np.abs(b) <= 2 * np.abs(a)) & (np.abs(a) <= 2 * np.abs(b))


def _rounded(v: Any, e: Any, *inputs: Shadow, ulps: float = 1.0, underflow: bool = True,
             exact: Any = False) -> Shadow:
    """The result ``v`` of an operation on ``inputs`` with propagated error ``e``, plus its own
    rounding: ``ulps`` units in its last place, and where it is below the normal numbers the
    smallest subnormal (a product or a function underflows to 0 or loses digits there; a sum or
    difference is exact there, ``underflow=False``). A non-finite result of finite inputs (an
    overflow, a domain error) gets an infinite error, one of non-finite inputs keeps theirs
    (inf + 1 is exactly inf). Where ``exact``, the operation did not round."""
    with np.errstate(all="ignore"):
        finite_in: Any = True
        for s in inputs:
            finite_in = finite_in & np.isfinite(s.v)
        fin = np.isfinite(v)
        size = np.abs(np.where(fin, v, 0.0))
        own = np.where(exact, 0.0, ulps * _eps(v) * size)
        if underflow:
            info = np.finfo(np.asarray(v).dtype if np.asarray(v).dtype.kind == "f" else np.float64)
            own = own + np.where(size < info.tiny, max(ulps, 1.0) * info.smallest_subnormal, 0.0)
        e = np.where(fin, e + own, np.where(finite_in, np.inf, e))
    return Shadow(v, e)


def lift(f: Callable[..., Any], ulps: float = _ULPS) -> Callable[..., Any]:
    """``f`` on Shadows: its change when one argument moves up by that argument's error, summed
    over the arguments, plus ``ulps`` roundings of the result (a first-order bound: the functions
    are smooth where the generated code calls them, or it switches to a form that is)."""

    def g(*args: Any, **kwargs: Any) -> Any:
        shadows = [(i, a) for i, a in enumerate(args) if isinstance(a, Shadow)]
        if not shadows:
            return f(*args, **kwargs)
        values = [_value(a) for a in args]
        with np.errstate(all="ignore"):
            v = np.asarray(f(*values, **kwargs))
            e: Any = np.zeros(v.shape)
            for i, a in shadows:
                inexact = np.broadcast_to(a.e != 0, v.shape)
                if not inexact.any():
                    continue
                x = np.asarray(a.v, dtype=float)
                h = np.maximum(a.e, 4 * _eps(x) * np.abs(x))
                weight = np.where(h > 0, a.e / np.where(h > 0, h, 1.0), 0.0)
                if v.ndim and not inexact.all():  # f once more only where this argument is inexact
                    sub = [np.broadcast_to(u, v.shape)[inexact] if np.ndim(u) else u for u in values]
                    sub[i] = np.broadcast_to(x + h, v.shape)[inexact]
                    change = np.zeros(v.shape)
                    change[inexact] = np.abs(np.asarray(f(*sub, **kwargs)) - v[inexact]) \
                        * np.broadcast_to(weight, v.shape)[inexact]
                    e = e + change
                    continue
                moved = list(values)
                moved[i] = x + h
                change = np.abs(np.asarray(f(*moved, **kwargs)) - v)
                e = e + np.where(a.e == 0, 0.0, change * weight)
        return _rounded(v, e, *(a for _, a in shadows), ulps=ulps)

    return g


def _where(cond: Any, a: Any, b: Any) -> Any:
    if not isinstance(a, Shadow) and not isinstance(b, Shadow):
        return np.where(_value(cond), a, b)
    sa, sb = _shadow(a), _shadow(b)
    return Shadow(np.where(_value(cond), sa.v, sb.v), np.where(_value(cond), sa.e, sb.e))


def _sum(x: Any, axis: int = -1, keepdims: bool = False) -> Any:
    if not isinstance(x, Shadow):
        return np.sum(x, axis=axis, keepdims=keepdims)
    n = np.shape(x.v)[axis] if np.ndim(x.v) else 1
    with np.errstate(all="ignore"):
        v = np.sum(x.v, axis=axis, keepdims=keepdims)
        e = np.sum(x.e, axis=axis, keepdims=keepdims)
        size = np.sum(np.abs(x.v), axis=axis, keepdims=keepdims)
    out = _rounded(v, e + (math.log2(max(n, 1)) + 1) * _eps(v) * np.where(np.isfinite(size), size, 0.0), x)
    return out


def _range_sum(term: Callable[[Any], Any], lo: Any, hi: Any) -> Any:
    lo, hi = np.asarray(_value(lo)), np.asarray(_value(hi))
    total: Any = 0
    if lo.size == 0 or hi.size == 0:
        return np.zeros(np.broadcast_shapes(lo.shape, hi.shape))
    for k in range(int(np.min(lo)), int(np.max(hi)) + 1):
        total = total + _where((lo <= k) & (k <= hi), term(np.float64(k)), 0.0)
    return total


class _NumpyProxy:
    """``numpy`` as the checked source sees it: its functions lifted to Shadows."""

    def __init__(self) -> None:
        self.where = _where
        self.sum = _sum

    def __getattr__(self, name: str) -> Any:
        attr = getattr(np, name)
        if callable(attr) and not isinstance(attr, type):
            lifted = lift(attr, ulps=2 if name in ("log", "exp", "log1p", "expm1", "sqrt") else _ULPS)
            setattr(self, name, lifted)
            return lifted
        return attr


def shadow_namespace(namespace: dict[str, Any]) -> dict[str, Any]:
    """The numpy backend's namespace for the checked run."""
    out: dict[str, Any] = {"numpy": _NumpyProxy(), "range_sum": _range_sum}
    for name, f in namespace.items():
        if name not in out:
            out[name] = lift(f) if callable(f) and not isinstance(f, type) else f
    out["nonneg"] = lift(namespace["nonneg"], ulps=0) if "nonneg" in namespace else None
    return out


def untrusted(core: Callable[..., Any], values: Sequence[Any]) -> Any:
    """A boolean array: where the float result of the checked source ``core`` at ``values`` is not
    certain to ``eps**(2/3)`` relative or the smallest normal number absolute (or the check itself
    failed: everywhere)."""
    try:
        with np.errstate(all="ignore"):
            out = core(*(Shadow(np.asarray(v), np.zeros(np.shape(v))) for v in values))
    except Exception:  # noqa: BLE001 - a check that cannot run trusts nothing
        return np.True_
    if not isinstance(out, Shadow):
        return np.False_
    v, e = np.asarray(out.v), np.asarray(out.e)
    with np.errstate(all="ignore"):
        tol = _eps(v) ** (2 / 3)
        floor = np.finfo(v.dtype if v.dtype.kind == "f" else np.float64).tiny
        return np.isnan(v) | ~np.isfinite(e) | (e > tol * np.abs(v) + floor)


def start_digits(args: Sequence[Any], least: int = 30) -> int:
    """The first working precision for exact mpmath arguments ``args`` (numbers or sequences of
    them): enough digits to hold a sum of any two of them exactly (1e200 + 1e-12 rounds to 1e200
    at every precision below 212 digits, and two such precisions agree on the wrong value), plus
    40 (deeper cancellation makes two precisions disagree, and the next ones are tried)."""
    exponents = []
    for a in args:
        for x in (a if isinstance(a, (list, tuple)) else [a]):
            x = mpmath.mpmathify(x)
            if isinstance(x, mpmath.mpf) and x and mpmath.isfinite(x):
                exponents.append(float(mpmath.mag(x)) * math.log10(2))
    if not exponents:
        return least
    span = max(exponents) - min(exponents)
    return max(least, int(40 + span))


def mp_value(fn: Callable[..., Any], args: Sequence[Any], start: int = 30) -> Any:
    """``fn(*args)`` (an mpmath function of exact mpmath arguments) at increasing precision until
    two precisions agree to 18 digits: that value, or None when none do up to :data:`MAX_DPS`
    digits or the function raises (a symdiv error, such as a series without a value, propagates)."""
    dps = max(start, 30)
    previous = None
    while dps <= MAX_DPS:
        try:
            with mpmath.workdps(dps):
                value = fn(*args)
                value = mpmath.mpmathify(value)
        except SymdivError:
            raise
        except (ArithmeticError, ValueError, TypeError):
            return None
        if previous is not None and _agree(previous, value):
            return value
        previous = value
        dps = dps * 2
    return None


def _agree(a: Any, b: Any) -> bool:
    if mpmath.isnan(a) or mpmath.isnan(b):
        return False
    if mpmath.isinf(a) or mpmath.isinf(b):
        return bool(a == b)
    return bool(abs(a - b) <= _AGREE * abs(b) or a == b)
