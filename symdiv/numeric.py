"""Numbers at parameter points: substitution and mpmath evaluation (30 digits by default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import sympy as sp

from .derivation import Expectation
from .explicit import lambdify, safe_lambdify, sum_series, tree_value

__all__ = ["substitute", "evaluate", "Evaluator", "certain_decimal"]


#: the working precisions (decimal digits) ``certain_decimal`` allows evalf, tried in turn: an exact
#: value such as -(1 - 10^-300) log(1 - 10^-300) + 300 10^-300 log 10 cancels ~300 digits
_MAXN = (100, 1500, 12000)


def certain_decimal(value: sp.Expr, digits: int) -> sp.Float | None:
    """``value`` (a closed number) as a decimal whose ``digits`` significant digits are all right.

    SymPy's ``evalf`` gives up at 100 working digits and then returns a number without correct
    digits (entropy(Bernoulli(1e-300)) printed 0.e-122 where 6.9e-298 is right); here it is asked
    to be certain (``strict``) and allowed more precision while the cancellation needs it. None
    when no decimal is certain (a series mpmath cannot sum, precision still exhausted, ...).
    """
    for maxn in _MAXN:
        try:
            number = value.evalf(digits, strict=True, maxn=maxn)
        except sp.core.evalf.PrecisionExhausted:
            continue
        except Exception:  # noqa: BLE001 - a value evalf cannot take: no decimal
            return None
        return number if isinstance(number, sp.Float) and number.is_finite else None
    return None


#: finite sums up to this many terms are expanded exactly; longer ones are summed numerically
_EXPAND_LIMIT = 200


def _expand_sums(expr: sp.Expr) -> sp.Expr:
    def expand(s: sp.Sum) -> sp.Expr:
        (i, lo, hi), *more = s.limits
        body = sp.Sum(s.function, *more) if more else s.function
        return sp.Add(*(body.xreplace({i: sp.Integer(j)}) for j in range(int(lo), int(hi) + 1)))

    def numeric_limits(e: sp.Basic) -> bool:
        return isinstance(e, sp.Sum) and all(lim[1].is_Integer and lim[2].is_Integer
                                             and int(lim[2]) - int(lim[1]) <= _EXPAND_LIMIT for lim in e.limits)

    while True:
        sums = [s for s in expr.atoms(sp.Sum) if numeric_limits(s)]
        if not sums:
            return expr
        expr = expr.xreplace({s: expand(s) for s in sums})


def _infinite_sums(expr: sp.Expr, dps: int) -> sp.Expr:
    """Replace each numeric series Sum(f(k), (k, a, oo)) by its value from mpmath.nsum."""
    series = [s for s in expr.atoms(sp.Sum)
              if len(s.limits) == 1 and (s.limits[0][2] == sp.oo or s.limits[0][2].is_Integer)
              and s.limits[0][1].is_Integer and s.free_symbols == set()]
    if not series:
        return expr
    values = {}
    with mpmath.workdps(dps + 10):
        for s in series:
            k, lo, hi = s.limits[0]
            f = safe_lambdify(k, s.function)
            values[s] = sp.Float(sum_series(f, int(lo), mpmath.inf if hi == sp.oo else int(hi), dps), dps + 5)
    return expr.xreplace(values)


def substitute(expr: sp.Expr, point: Mapping[Any, Any]) -> sp.Expr:
    """Put a point's values into ``expr``: symbols, then finite sums, then indexed entries."""
    scalars = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
    arrays = {k: v for k, v in point.items() if isinstance(k, sp.IndexedBase)}
    matrices = {k: sp.ImmutableMatrix(v) for k, v in point.items() if isinstance(k, sp.MatrixSymbol)}
    expr = sp.sympify(expr)
    if matrices:  # before the scalars: a matrix symbol's shape holds the dimension symbol
        expr = expr.xreplace(matrices).doit()
    expr = _expand_sums(expr.xreplace(scalars))
    if arrays:
        expr = expr.replace(
            lambda a: isinstance(a, sp.Indexed) and a.base in arrays and a.indices[0].is_Integer,
            lambda a: arrays[a.base][int(a.indices[0])],
        )
    return expr


def evaluate(expr: sp.Expr, point: Mapping[Any, Any], family: Any = None, dps: int = 30) -> mpmath.mpf:
    """``expr`` at ``point`` as an mpmath number with ``dps`` digits.

    Unevaluated expectations E_P[g(X)] are computed numerically under ``family`` (P).
    """
    value = substitute(expr, point)
    for s in value.atoms(sp.Sum):
        for _, lo, hi in s.limits:
            if any(b.is_number and b not in (sp.oo, -sp.oo) and not b.is_Integer for b in (lo, hi)):
                raise ValueError(f"a sum with a non-integer limit at this point: {sp.sstr(s.limits)}")
    value = _infinite_sums(value, dps)
    expectations = value.atoms(Expectation)
    if expectations:
        numeric_family = family.at(point)
        value = value.xreplace({
            e: sp.Float(numeric_family.numeric_expectation(e.g, dps, resolve=lambda t: substitute(t, point)), dps + 5)
            for e in expectations
        })
    if value.has(sp.oo) and value.is_infinite:
        return mpmath.inf if value.is_extended_positive else -mpmath.inf
    result = sp.N(value, dps)
    re, im = result.as_real_imag()
    if not re.is_Number or not im.is_Number or abs(im) > sp.Float(10) ** (5 - dps):
        raise ValueError(f"not a real number at this point: {result}")
    with mpmath.workdps(dps):
        return mpmath.mpf(sp.Float(re, dps)._mpf_)


def _mp(value: Any) -> Any:
    value = sp.sympify(value)
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.Float(value, mpmath.mp.dps)._mpf_)


#: expressions in more symbols than this are evaluated node by node rather than compiled
_TREE_FROM = 200


class Evaluator:
    """``expr`` compiled once (mpmath lambdify) and evaluated at many points.

    Expressions that need the general route (symbolic-range sums, indexed parameters,
    unevaluated expectations) fall back to :func:`evaluate`.
    """

    def __init__(self, expr: sp.Expr, family: Any = None, dps: int = 30) -> None:
        self.expr, self.family, self.dps = sp.sympify(expr), family, dps
        general = self.expr.has(sp.Sum, sp.Indexed, Expectation, sp.MatrixExpr, sp.oo, -sp.oo, sp.zoo)
        self.symbols = sorted(self.expr.free_symbols, key=sp.default_sort_key)
        # many symbols (a K = 1000 Categorical): node by node (printing and compiling took a second)
        self._tree = not general and len(self.symbols) > _TREE_FROM
        self._f = None if general or self._tree else lambdify(self.symbols, self.expr, modules="mpmath")

    def __call__(self, point: Mapping[Any, Any]) -> mpmath.mpf:
        if self._tree:
            with mpmath.workdps(self.dps + 10):
                try:
                    value = mpmath.mpmathify(tree_value(self.expr, {s: _mp(point[s]) for s in self.symbols}))
                except NotImplementedError:  # a function it does not know: compile once after all
                    self._tree = False
                    self._f = lambdify(self.symbols, self.expr, modules="mpmath")
            if not self._tree:
                return self(point)
            return self._real(value)
        if self._f is None:
            return evaluate(self.expr, point, self.family, self.dps)
        with mpmath.workdps(self.dps + 10):
            value = mpmath.mpmathify(self._f(*(_mp(point[s]) for s in self.symbols)))
        return self._real(value)

    def _real(self, value: Any) -> mpmath.mpf:
        if isinstance(value, mpmath.mpc):
            if abs(value.imag) > mpmath.mpf(10) ** (5 - self.dps):
                raise ValueError(f"not a real number at this point: {value}")
            value = value.real
        with mpmath.workdps(self.dps):
            return +value
