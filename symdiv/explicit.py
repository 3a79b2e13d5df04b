"""Explicit integrals and series that the engine returns when there is no closed form, and the
robust numerics behind their values.

:class:`ExplicitIntegral` and :class:`ExplicitSum` are ``sympy.Integral`` and ``sympy.Sum`` whose
numeric evaluation (``sympy.N``, ``evalf``, and every SymPy routine that calls them, such as
ordering terms for printing) is bounded and right:

* a series is summed term by term in mpmath from its largest terms outward (found by a doubling
  search), so Poisson(1000)'s 10^430-sized partial terms cancel nothing and nothing is
  extrapolated from the first terms; a window wider than :data:`MAX_TERMS` is summed by
  Euler-Maclaurin, and so is a slowly decaying infinite tail (``mpmath.nsum``'s extrapolation
  gets 1/k^2 from k = 20001 on wrong by a factor of 45);
* an integral is split at powers of ten around 0 and at the kinks of ``|a x + b|``, and ``exp`` is
  evaluated as the nearest power of two beyond +-10^6 (a Gumbel's exp(-exp(-x)) at x = -10^40 would otherwise
  ask mpmath for e to millions of digits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp
from sympy.core.evalf import prec_to_dps

__all__ = ["ExplicitIntegral", "ExplicitSum", "sum_series", "integrate_numeric", "SAFE_MODULES"]

#: the widest window of terms summed one by one; wider ones go to Euler-Maclaurin
MAX_TERMS = 20000
_HUGE = mpmath.mpf(10) ** 6
_CAP = mpmath.mpf(10) ** 30


def _safe_exp(z: Any) -> Any:
    """exp(z); beyond |z| = 10^6 the power of two nearest to it (relative error < 2, values below
    10^-430000 or above 10^430000 where it cannot matter), computed without evaluating e to
    |z| bits."""
    if isinstance(z, mpmath.mpc) or not mpmath.isfinite(z) or abs(z) <= _HUGE:
        return mpmath.exp(z)
    bits = max(min(z / mpmath.ln2, _CAP), -_CAP)  # |exponent| capped: 2^(+-10^30) is still 0 < . < oo
    return mpmath.ldexp(mpmath.mpf(1), int(mpmath.floor(bits)))


#: lambdify modules: mpmath with an exp that saturates instead of computing e to huge precision
SAFE_MODULES: list[Any] = [{"exp": _safe_exp}, "mpmath"]


def _term_function(k: sp.Symbol, body: sp.Expr) -> Callable[[Any], Any]:
    f = sp.lambdify(k, body, modules=SAFE_MODULES)

    def term(n: Any) -> Any:
        value = f(n)
        return value.real if isinstance(value, mpmath.mpc) and value.imag == 0 else value

    return term


def sum_series(term: Callable[[Any], Any], lo: int, hi: Any, dps: int = 30) -> Any:
    """sum_{k=lo}^{hi} term(k) (hi an int or mpmath.inf) for terms of one sign, to ``dps`` digits:
    from the largest term outward until the terms are negligible."""
    with mpmath.workdps(dps + 15):
        eps = mpmath.mpf(10) ** (-(dps + 8))
        last = hi if hi != mpmath.inf else None
        # doubling search for where the terms are largest
        best_k, best = lo, abs(term(lo))
        step = 1
        k = lo
        while True:
            k = lo + step
            if last is not None and k > last:
                break
            v = abs(term(k))
            if v > best:
                best_k, best = k, v
            elif v < best * eps and k > best_k:
                break
            step *= 2
            if step > 10**15:
                break
        # refine the peak by golden-section-like local search on integers
        left, right = max(lo, best_k - step // 2), best_k + step // 2 if last is None else min(last, best_k + step // 2)
        while right - left > 2:
            m1, m2 = left + (right - left) // 3, right - (right - left) // 3
            if abs(term(m1)) < abs(term(m2)):
                left = m1
            else:
                right = m2
        mode = max(range(left, right + 1), key=lambda j: abs(term(j)))

        def walk(start: int, direction: int, stop: int | None) -> tuple[Any, int]:
            total, small, j, count = mpmath.mpf(0), 0, start, 0
            while stop is None or (j <= stop if direction > 0 else j >= stop):
                v = term(j)
                total += v
                count += 1
                small = small + 1 if abs(v) <= eps * max(abs(total), mpmath.mpf(10) ** -300) else 0
                if small >= 8 or count >= MAX_TERMS:
                    break
                j += direction
            return total, j

        down, end_down = walk(mode - 1, -1, lo) if mode > lo else (mpmath.mpf(0), lo)
        up, end_up = walk(mode, 1, last)
        total = down + up
        if end_down > lo and abs(term(end_down)) > eps * abs(total):  # a window wider than MAX_TERMS
            total += mpmath.sumem(term, [lo, end_down - 1])
        reached_end = last is not None and end_up >= last
        if not reached_end and abs(term(end_up)) > eps * abs(total):
            total += mpmath.sumem(term, [end_up + 1, mpmath.inf if last is None else last])
        return +total


def integrate_numeric(f: Callable[[Any], Any], lo: Any, hi: Any, kinks: tuple[Any, ...] = (),
                      dps: int = 30) -> Any:
    """int_lo^hi f, split at powers of ten around 0 (both signs) and at ``kinks``."""
    with mpmath.workdps(dps + 10):
        lo_m = -mpmath.inf if lo == -sp.oo else mpmath.mpf(sp.Float(lo, dps + 10)._mpf_) if not isinstance(
            lo, mpmath.mpf) else lo
        hi_m = mpmath.inf if hi == sp.oo else mpmath.mpf(sp.Float(hi, dps + 10)._mpf_) if not isinstance(
            hi, mpmath.mpf) else hi
        marks = {mpmath.mpf(0)} | {s * mpmath.mpf(10) ** e for e in range(-3, 7) for s in (1, -1)}
        marks |= {mpmath.mpf(k) for k in kinks}
        inner = sorted(m for m in marks if lo_m < m < hi_m)
        return mpmath.quad(f, [lo_m, *inner, hi_m])


def _kinks_of(body: sp.Expr, x: sp.Symbol) -> tuple[Any, ...]:
    out = []
    for a in body.atoms(sp.Abs):
        arg = sp.expand(a.args[0])
        slope = arg.coeff(x)
        if slope.is_number and slope != 0 and (arg - slope * x).is_number:
            out.append(mpmath.mpf(sp.Float(-(arg - slope * x) / slope, 40)._mpf_))
    return tuple(out)


class ExplicitIntegral(sp.Integral):
    """An integral kept explicit by the engine (no closed form found): its value is computed by
    :func:`integrate_numeric`, bounded and robust."""

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        if len(self.limits) != 1 or len(self.limits[0]) != 3 or self.free_symbols:
            return None
        x, lo, hi = self.limits[0]
        dps = prec_to_dps(prec)
        f = sp.lambdify(x, self.function, modules=SAFE_MODULES)
        value = integrate_numeric(f, lo, hi, _kinks_of(self.function, x), dps)
        return sp.Float(value, dps)


class ExplicitSum(sp.Sum):
    """A series kept explicit by the engine: its value is computed by :func:`sum_series`."""

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        if len(self.limits) != 1 or self.free_symbols:
            return None
        k, lo, hi = self.limits[0]
        if not lo.is_Integer or not (hi.is_Integer or hi == sp.oo):
            return None
        dps = prec_to_dps(prec)
        value = sum_series(_term_function(k, self.function), int(lo), mpmath.inf if hi == sp.oo else int(hi), dps)
        return sp.Float(value, dps)
