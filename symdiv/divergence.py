"""Proofs that an explicit integral or series diverges: the engine's last step before it keeps an
expectation explicit.

An expectation E_P[g(X)] that the engine could not integrate stays an explicit integral (or
series). Where it does not exist at all (a user's half-Cauchy density and E[X], a Zeta law and
E[K]), a KL divergence or a cross-entropy is +oo, and an explicit integral with no value would hide
that. :func:`why_divergent` proves such a divergence from the comparison test: where
``t * f(t)`` tends to a non-zero limit L at an infinite end (or ``(t - a) * f(t)`` at a finite
end a), ``|f| >= |L|/(2|t|)`` there and the integral (the series) is not absolutely convergent.
The limit comes from SymPy within the work budget, is non-zero under the parameters' assumptions,
and is confirmed numerically at a sampled parameter point before it is believed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .budget import BudgetSpent, own_budget, within_budget
from .explicit import safe_lambdify

if TYPE_CHECKING:
    from .family import Family

__all__ = ["why_divergent", "series_converges", "explicit_parts_converge"]

#: seconds SymPy may take for one limit
LIMIT_SECONDS = 4.0


def _limit(expr: sp.Expr, t: sp.Symbol, at: sp.Expr, direction: str = "+") -> sp.Expr | None:
    """SymPy's limit within the work budget, or None where it fails, runs out or is not a real
    number or infinity (an unevaluated Limit, nan, an accumulation bound)."""
    def work() -> sp.Expr:
        return sp.limit(expr, t, at, direction)

    try:
        value = within_budget(work, lambda _: None, seconds=LIMIT_SECONDS)
    except BudgetSpent:
        return None
    if value is None or value.has(sp.Limit, sp.nan, sp.zoo, sp.AccumBounds) or value.is_extended_real is not True:
        return None
    return value


def _confirmed(expr: sp.Expr, t: sp.Symbol, at: sp.Expr, direction: str, point: Mapping[sp.Basic, Any],
               discrete: bool) -> bool:
    """|expr| does not vanish approaching ``at`` at the sampled parameter point: the limit SymPy
    gave is checked by evaluating there (three points, each nearer the end)."""
    body = expr.xreplace(dict(point))
    if body.free_symbols - {t}:
        return False
    at_value = at.xreplace(dict(point))
    if at_value.is_infinite:
        sign = 1 if at_value == sp.oo else -1
        ts = [sign * mpmath.mpf(10) ** e for e in ((4, 7, 10) if discrete else (4, 8, 16))]
    elif at_value.is_number:
        a = mpmath.mpf(sp.Float(at_value, 40)._mpf_)
        sign = 1 if direction == "+" else -1
        ts = [a + sign * mpmath.mpf(10) ** -e for e in (4, 8, 16)]
    else:
        return False
    try:
        f = safe_lambdify(t, body)
        with mpmath.workdps(40):
            values = [abs(mpmath.mpmathify(f(x))) for x in ts]
    except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
        return False
    if any(mpmath.isnan(v) for v in values):
        return False
    return bool(values[-1] > 0 and values[-1] >= values[0] / 4)


def why_divergent(term: sp.Expr, t: sp.Symbol, lo: sp.Expr, hi: sp.Expr, point: Mapping[sp.Basic, Any],
                  discrete: bool = False) -> str | None:
    """Why the integral of ``term`` over (lo, hi) in ``t`` (the series over lo..hi when
    ``discrete``) does not converge absolutely, or None when that is not proved.

    ``point`` is a valid point of the parameters in ``term`` (for the numeric confirmation).

    >>> t = sp.Symbol("t")
    >>> why_divergent(2 * t / (sp.pi * (1 + t**2)), t, sp.Integer(0), sp.oo, {})
    't*f(t) -> 2/pi as t -> oo: the integrand decays no faster than 1/t'
    >>> why_divergent(sp.exp(-t), t, sp.Integer(0), sp.oo, {}) is None
    True
    """
    ends: list[tuple[sp.Expr, sp.Expr, str, str]] = []
    if hi == sp.oo:
        ends.append((t * term, sp.oo, "-", f"{t}*f({t})"))
    if lo == -sp.oo:
        ends.append((t * term, -sp.oo, "+", f"{t}*f({t})"))
    if not discrete:
        if lo.is_finite:
            ends.append(((t - lo) * term, lo, "+", f"({sp.sstr(t - lo)})*f({t})"))
        if hi.is_finite:
            ends.append(((hi - t) * term, hi, "-", f"({sp.sstr(hi - t)})*f({t})"))
    what = "term" if discrete else "integrand"
    for expr, at, direction, shown in ends:
        limit = _limit(expr, t, at, direction)
        if limit is None or limit.is_zero is not False or not _confirmed(expr, t, at, direction, point, discrete):
            continue
        rate = f"1/{t}" if at.is_infinite else f"1/({sp.sstr(t - at) if direction == '+' else sp.sstr(at - t)})"
        return f"{shown} -> {sp.sstr(limit)} as {t} -> {sp.sstr(at)}: the {what} decays no faster than {rate}"
    return None


def series_converges(term: sp.Expr, k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> bool:
    """True when the series of ``term`` over lo..hi provably converges absolutely: at each infinite
    end |k|^(21/20) term(k) -> 0 (SymPy's limit within the budget), so the terms are eventually
    below |k|^(-21/20). Series only: an integrand can also blow up inside its interval.

    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> series_converges(sp.log(k + 1) / (k + 1) ** sp.Rational(3, 2), k, sp.Integer(0), sp.oo)
    True
    >>> series_converges(1 / (k + 1), k, sp.Integer(0), sp.oo)
    False
    """
    return all(_limit(sp.Abs(k) ** sp.Rational(21, 20) * term, k, at, "-" if at == sp.oo else "+") == 0
               for at, side in ((hi, sp.oo), (lo, -sp.oo)) if at == side)


def explicit_parts_converge(P: Family, expr: sp.Expr, sampled: bool = True) -> bool:
    """Every explicit series in ``expr`` provably converges (:func:`series_converges`) and every
    explicit integral has a finite value (SymPy's ``N``: an explicit integral gets a number only
    where it converges). With parameters, an integral is evaluated at a sampled point of P's (and
    the other) parameters when ``sampled``, else it counts as not shown to converge."""
    from .family import sample_scalars

    for obj in expr.atoms(sp.Integral, sp.Sum):
        if isinstance(obj, sp.Sum) and len(obj.limits) == 1 and series_converges(obj.function, *obj.limits[0]):
            continue
        if obj.free_symbols and not sampled:
            return False
        with own_budget():  # a value, not an integration attempt: not cut short by the derivation's spent budget
            number = sp.N(obj.xreplace(sample_scalars(P, obj)))
        if not (number.is_Float and number.is_finite):
            return False
    return True
