"""The NumPy runtime of the numpy backend: ``xlogy`` / ``xlog1py`` (NumPy's log plus a 0 log 0 = 0
fix-up, faster than scipy's), ``logratio`` / ``xlogratio`` (the log of a quotient that may overflow),
``range_sum`` for finite sums with array limits, and the special functions used when scipy is not
installed (``digamma``, ``gammaln``, ``gamma``, ``erfcx``), with the constants of
:mod:`symdiv.gencode.helpers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .helpers import (
    DIGAMMA_SERIES,
    DIGAMMA_SHIFT,
    EXPM1MX_LAST,
    EXPM1MX_SERIES,
    GAMMALN_SERIES,
    GAMMALN_SIGNED,
    HALF_LOG_2PI,
    LOG1PMX_LAST,
    LOG1PMX_SERIES,
    alternating,
    python_helpers,
)


def as_float(x: Any) -> np.ndarray:
    """``x`` as an array; integers and objects become float64, floats keep their precision."""
    a = np.asarray(x)
    return a.astype(np.float64) if a.dtype.kind in "biu" or a.dtype == object else a


def xlogy(x: Any, y: Any) -> np.ndarray:
    """``x*log(y)`` elementwise, 0 where ``x == 0`` (unless y is nan); numpy only.

    >>> float(xlogy(0.0, 0.0)), float(xlogy(2.0, np.e))
    (0.0, 2.0)
    """
    x, y = as_float(x), as_float(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log(y)
    return _zero_where_x_is_zero(r, x, y)


def xlog1py(x: Any, y: Any) -> np.ndarray:
    """``x*log1p(y)`` elementwise, 0 where ``x == 0`` (unless y is nan); numpy only.

    >>> float(xlog1py(0.0, -1.0)), bool(xlog1py(1.0, -0.5) == np.log(0.5))
    (0.0, True)
    """
    x, y = as_float(x), as_float(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log1p(y)
    return _zero_where_x_is_zero(r, x, y)


def logratio(a: Any, b: Any) -> np.ndarray:
    """``log(a/b)`` elementwise; ``log(a) - log(b)`` where ``a/b`` overflows, underflows or is
    subnormal (a = 1e-200, b = 1e200 gave -inf, and nan beside an infinite term); numpy only.

    >>> float(logratio(1e-200, 1e200)), float(logratio(3.0, 2.0)) == math.log(1.5)
    (-921.0340371976183, True)
    """
    a, b = as_float(a), as_float(b)
    with np.errstate(all="ignore"):
        q = a / b
        r = np.log(q)
        if np.ndim(q) and q.size:  # two reductions decide that every quotient is a normal number
            info = np.finfo(q.dtype if q.dtype.kind == "f" else np.float64)
            if np.min(q) >= info.tiny and np.max(q) <= info.max:
                return r
        bad = ~(np.abs(r) < _log_limit(r.dtype))
        if np.any(bad):
            r = np.where(bad, np.log(a) - np.log(b), r)
    return r


def xlogratio(x: Any, a: Any, b: Any) -> np.ndarray:
    """``x*log(a/b)`` elementwise, 0 where ``x == 0``, with :func:`logratio`; numpy only.

    >>> float(xlogratio(0.0, 0.0, 1.0)), float(xlogratio(1e-200, 1e-200, 1e200))
    (0.0, -9.210340371976183e-198)
    """
    return _times_weight(x, logratio(a, b))


def xlogratio1p(x: Any, d: Any, a: Any, b: Any) -> np.ndarray:
    """``x*log(a/b)`` elementwise with ``d = a - b`` computed accurately by the caller (q - p for
    a = 1 - p, b = 1 - q): ``x*log1p(d/b)`` where 1/2 <= a/b <= 2 (no cancellation in log1p, and
    a = 1 - p may have rounded), ``x*logratio(a, b)`` elsewhere (p = 1 - 2**-53, q = 0.3: d/b rounds
    to -1 and log1p gave -inf, while a = 1 - p is exact); 0 where ``x == 0``; numpy only.

    >>> float(xlogratio1p(2.0**-53, 0.3 - (1 - 2.0**-53), 2.0**-53, 0.7)) < 0
    True
    """
    d, b = as_float(d), as_float(b)
    with np.errstate(all="ignore"):
        r = d / b
        near = (r >= -0.5) & (r <= 1.0)
        lr = np.where(near, np.log1p(r), logratio(a, b))
    if isinstance(x, (int, float)) and x != 0:  # a constant weight (log(m_1/m_2)): float32 stays float32
        return x * lr
    return _times_weight(x, lr)


def _times_weight(x: Any, r: Any) -> np.ndarray:
    """``x*r`` for a log ``r`` that may be infinite or nan where ``x == 0``: 0 there (a weight that
    is a Python number stays one, so that float32 logs stay float32)."""
    if isinstance(x, (int, float)) and x != 0:
        return r * x
    x = as_float(x)
    with np.errstate(all="ignore"):
        return _zero_where_x_is_zero(x * r, x, r)


def _log_limit(dtype: np.dtype) -> float:
    """|log r| below which r is a normal number of ``dtype`` (708.4 for float64, 87.3 for float32)."""
    return -math.log(float(np.finfo(dtype if np.dtype(dtype).kind == "f" else np.float64).tiny))


def _zero_where_x_is_zero(r: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The 0 log 0 = 0 fix-up, paid only where x == 0 occurs (NumPy's log is several times faster
    than scipy.special.xlogy, so this is what the generated code calls). A zero weight gives 0 even
    where y is nan: in a ratio p/q, p = q = 0 is a term of zero mass."""
    if np.ndim(x) and x.size and (np.min(x) > 0 or np.max(x) < 0):  # no zero weight: two reductions
        return r
    zero = x == 0
    if not np.any(zero):
        return r
    fix = zero
    r = np.array(r, copy=True) if np.ndim(r) else r
    if np.ndim(r) == 0:
        return np.zeros_like(r) if bool(np.broadcast_to(fix, ()).item()) else r
    np.copyto(r, 0, where=np.broadcast_to(fix, r.shape))
    return r


def digamma(x: Any) -> np.ndarray:
    """The digamma function psi(x) = d/dx log Gamma(x), vectorized with numpy (used when scipy is
    missing): recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series;
    reflection for x < 0. Relative error below 1e-13 (absolute near the root x = 1.4616...).
    Poles (x = 0, -1, ...) give -inf at 0 and nan below, as scipy.special.digamma.

    >>> abs(float(digamma(1.0)) + 0.5772156649015329) < 1e-15    # psi(1) = -EulerGamma
    True
    """
    x = as_float(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reflect = x < 0
        r = np.where(reflect, x - np.round(x), 0.5)  # tan(pi x) = tan(pi r), r exact: no loss near poles
        acc = np.where(reflect, -np.pi / np.tan(np.pi * r), np.zeros_like(x))
        y = np.where(reflect, 1 - x, x)
        for _ in range(DIGAMMA_SHIFT):
            small = y < DIGAMMA_SHIFT
            acc = acc - np.where(small, 1 / np.where(small, y, 1), 0)
            y = np.where(small, y + 1, y)
        f = 1 / (y * y)
        series = f * alternating(f, DIGAMMA_SERIES)
        out = acc + np.log(y) - 0.5 / y - series
        pole = (x <= 0) & (x == np.floor(x))
        out = np.where(pole, np.where(x == 0, -np.inf, np.nan), out)
    return out.astype(x.dtype) if x.dtype.kind == "f" else out


def gammaln(x: Any) -> np.ndarray:
    """log|Gamma(x)|, vectorized with numpy (used when scipy is missing): recurrence up to x >= 10
    (one log of the product), then Stirling's series; reflection for x < 0. Relative error below
    1e-13 (absolute near the zeros x = 1, 2). Poles give inf, as scipy.special.gammaln.

    >>> round(float(gammaln(10.0)), 10) == round(math.lgamma(10.0), 10)
    True
    """
    x = as_float(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reflect = x < 0
        y = np.where(reflect, 1 - x, x)
        prod = np.ones_like(y)
        for _ in range(DIGAMMA_SHIFT):
            small = y < DIGAMMA_SHIFT
            prod = np.where(small, prod * y, prod)
            y = np.where(small, y + 1, y)
        s = 1 / y
        f = s * s
        series = s * alternating(f, GAMMALN_SERIES)
        out = (y - 0.5) * np.log(y) - y + 0.5 * math.log(2 * math.pi) + series - np.log(prod)
        r = np.where(reflect, x - np.round(x), 0.5)  # |sin(pi x)| = |sin(pi r)|, r exact
        reflected = np.log(np.pi / np.abs(np.sin(np.pi * r))) - out
        out = np.where(reflect, reflected, out)
        pole = (x <= 0) & (x == np.floor(x))
        out = np.where(pole, np.inf, out)
    return out


def gamma(x: Any) -> np.ndarray:
    """Gamma(x) for numpy without scipy: exp(gammaln(x)) with the sign of Gamma for x < 0."""
    x = as_float(x)
    with np.errstate(all="ignore"):
        sign = np.where((x < 0) & (np.floor(x) % 2 == 1), -1.0, 1.0)
        return (sign * np.exp(gammaln(x))).astype(x.dtype)


def stirling_rests(xp: Any, gammaln: Callable[[Any], Any],
                   digamma: Callable[[Any], Any]) -> dict[str, Callable[[Any], Any]]:
    """``loggamma_rem`` and ``digamma_rem`` (:class:`~symdiv.gencode.nodes.LogGammaRem`,
    :class:`~symdiv.gencode.nodes.DigammaRem`) for an array module ``xp`` (numpy, torch, jax.numpy)
    with its ``gammaln`` and ``digamma``: the series of the ``loggamma_rem`` / ``digamma_rem``
    helper texts from :data:`DIGAMMA_SHIFT` on, the difference below, as those texts do.

    >>> rem = stirling_rests(np, gammaln, digamma)
    >>> float(rem["loggamma_rem"](np.array(1e16))), float(rem["digamma_rem"](np.array(1e16)))
    (8.333333333333332e-18, 5e-17)
    """

    def split(x: Any) -> tuple[Any, Any, Any]:
        big = x >= DIGAMMA_SHIFT
        one = xp.ones_like(x)
        return big, xp.where(big, x, DIGAMMA_SHIFT * one), xp.where(big, one, x)

    def loggamma_rem(x: Any) -> Any:
        big, xb, xs = split(x)
        s = 1 / xb
        direct = gammaln(xs) - (xs - 0.5) * xp.log(xs) + xs - HALF_LOG_2PI
        return xp.where(big, s * alternating(s * s, GAMMALN_SERIES), direct)

    def digamma_rem(x: Any) -> Any:
        big, xb, xs = split(x)
        f = 1 / (xb * xb)
        return xp.where(big, 0.5 / xb + f * alternating(f, DIGAMMA_SERIES), xp.log(xs) - digamma(xs))

    return {"loggamma_rem": loggamma_rem, "digamma_rem": digamma_rem}


def kl_div_helper(xp: Any, logratio: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``kl_div(x, y)`` = x*log(x/y) - x + y (:class:`~symdiv.gencode.nodes.KLDiv`) for an array
    module ``xp`` with its ``logratio``, as the ``kl_div`` / ``log1pmx`` helper texts compute it.

    >>> kl = kl_div_helper(np, logratio)
    >>> float(kl(np.array(1e200), np.array(1e200 * (1 + 1e-10))))    # about 1e200 * (1e-10)**2 / 2
    4.999994185770126e+179
    """

    def kl_div(x: Any, y: Any) -> Any:
        r = (x - y) / y
        small = xp.abs(r) < LOG1PMX_SERIES
        rs = xp.where(small, r, xp.zeros_like(r))
        s = xp.ones_like(r) / LOG1PMX_LAST
        for k in range(LOG1PMX_LAST - 1, 1, -1):
            s = 1.0 / k - rs * s
        log1pmx = xp.where(small, -rs * rs * s, xp.log1p(r) - r)
        near = y * (log1pmx + r * xp.log1p(r))
        lr = logratio(x, y)
        far = xp.where(x == 0, xp.zeros_like(lr), x * lr) - x + y
        return xp.where((r >= -0.5) & (r <= 1.0), near, far)

    return kl_div


def vectorized(f: Callable[[float], float]) -> Callable[[Any], np.ndarray]:
    """``f`` applied to each element of an array (float32 stays float32)."""
    vf = np.vectorize(f, otypes=[np.float64])

    def g(x: Any) -> np.ndarray:
        a = as_float(x)
        return vf(a).astype(a.dtype)

    return g


def range_sum(term: Callable[[Any], Any], lo: Any, hi: Any) -> Any:
    """sum_{k=lo}^{hi} term(k) elementwise, where lo and hi are (arrays of) integers; numpy only.

    >>> range_sum(lambda k: k, 0, np.array([2, 3]))
    array([3., 6.])
    """
    lo, hi = np.asarray(lo), np.asarray(hi)
    total: Any = 0
    if lo.size == 0 or hi.size == 0:
        return np.zeros(np.broadcast_shapes(lo.shape, hi.shape))
    kind = hi.dtype if hi.dtype.kind == "f" else np.dtype(np.float64)
    for k in range(int(np.min(lo)), int(np.max(hi)) + 1):
        total = total + np.where((lo <= k) & (k <= hi), term(kind.type(k)), 0)
    return total


def erfcx(x: Any) -> np.ndarray:
    """exp(x*x)*erfc(x) elementwise without overflow (used when scipy is missing): the ``erfcx``
    helper of generated Python source applied per element (math.erfc has no NumPy counterpart).

    >>> erfcx(np.array([0.0, 1.0, 100.0]))
    array([1.        , 0.42758358, 0.00564161])
    """
    return vectorized(python_helpers()["erfcx"])(x)


def _log1pmx(xp: Any, r: Any) -> Any:
    """log(1 + r) - r elementwise, as the ``log1pmx`` helper text computes it."""
    small = xp.abs(r) < LOG1PMX_SERIES
    rs = xp.where(small, r, xp.zeros_like(r))
    s = xp.ones_like(r) / LOG1PMX_LAST
    for k in range(LOG1PMX_LAST - 1, 1, -1):
        s = 1.0 / k - rs * s
    return xp.where(small, -rs * rs * s, xp.log1p(r) - r)


def near_helpers(xp: Any, logratio: Callable[[Any, Any], Any], gammaln: Callable[[Any], Any],
                 digamma: Callable[[Any], Any]) -> dict[str, Callable[..., Any]]:
    """``kl_div_d``, ``powlog_bregman``, ``expm1mx`` and ``lgamma_bregman`` (the P ~ Q nodes of
    :mod:`symdiv.gencode.nodes`) for an array module ``xp``, as their helper texts compute them.

    >>> h = near_helpers(np, logratio, gammaln, digamma)
    >>> float(h["kl_div_d"](np.array(0.3), np.array(0.3 - 2.0**-50), np.array(2.0**-50)))
    1.3147681753683557e-30
    >>> float(h["lgamma_bregman"](np.array(1e6), np.array(1.0)))
    5.000000833333333e-07
    """

    def kl_div_d(x: Any, y: Any, d: Any) -> Any:
        with np.errstate(all="ignore"):
            r = d / y
            near = (r >= -0.5) & (r <= 1.0)
            rs = xp.where(near, r, xp.zeros_like(r))
            close = y * (_log1pmx(xp, rs) + rs * xp.log1p(rs))
            lr = logratio(x, y)
            far = xp.where(x == 0, xp.zeros_like(lr), x * lr) - x + y
            return xp.where(x == 0, y + xp.zeros_like(r), xp.where(near, close, far))

    def powlog_bregman(n: Any, d: Any, a: Any, b: Any) -> Any:
        with np.errstate(all="ignore"):
            u = d / b
            near = (u >= -0.5) & (u <= 1.0)
            us = xp.where(near, u, xp.zeros_like(u))
            z = us if n == 1 else xp.expm1(n * xp.log1p(us))
            far = (a / b) ** n - 1.0 - n * logratio(a, b)
            return xp.where(near, -_log1pmx(xp, z), far)

    def expm1mx(z: Any) -> Any:
        with np.errstate(all="ignore"):
            small = xp.abs(z) < EXPM1MX_SERIES
            zs = xp.where(small, z, xp.zeros_like(z))
            s = xp.zeros_like(zs)
            for k in range(EXPM1MX_LAST, 1, -1):
                s = (1.0 + zs * s) / k
            return xp.where(small, zs * zs * s, xp.expm1(z) - z)

    def lgamma_bregman(a: Any, d: Any) -> Any:
        with np.errstate(all="ignore"):
            u = d / a
            near = (u >= -0.5) & (u <= 1.0)
            far = gammaln(a + d) - gammaln(a) - d * digamma(a)
            zero = d == 0
            a = xp.where(near, a, xp.ones_like(a) * DIGAMMA_SHIFT)
            d = xp.where(near, d, xp.zeros_like(d))
            acc = xp.zeros_like(u)
            for _ in range(DIGAMMA_SHIFT + 1):
                low = xp.minimum(a, a + d) < DIGAMMA_SHIFT
                acc = acc - xp.where(low, _log1pmx(xp, d / a), xp.zeros_like(acc))
                a = xp.where(low, a + 1.0, a)
            u = d / a
            v = 1.0 / (1.0 + u)
            s = 1.0 / a
            f = s * s
            inner = outer = series = xp.zeros_like(u)
            vi = xp.ones_like(u)
            i = 0
            for k, c in enumerate(GAMMALN_SIGNED):
                while i < 2 * k + 1:
                    inner = inner + vi
                    vi = vi * v
                    outer = outer + inner
                    i += 1
                series = series + c * s * outer
                s = s * f
            close = acc + a * (_log1pmx(xp, u) + u * xp.log1p(u)) - 0.5 * _log1pmx(xp, u) + u * (u * v) * series
            return xp.where(zero, xp.zeros_like(close), xp.where(near, close, far))

    def expdiff(x: Any, y: Any, d: Any) -> Any:
        with np.errstate(all="ignore"):
            return xp.where(d >= 0, -xp.exp(x) * xp.expm1(-d), xp.exp(y) * xp.expm1(d))

    def nonneg(x: Any) -> Any:
        with np.errstate(all="ignore"):
            return xp.where(x < 0, x * 0, x)

    return {"kl_div_d": kl_div_d, "powlog_bregman": powlog_bregman, "expm1mx": expm1mx,
            "lgamma_bregman": lgamma_bregman, "expdiff": expdiff, "nonneg": nonneg}
