"""Random valid parameter points: the one sampler behind numeric evidence, claim checking and the
engine's self-checks, and exact evaluation of stated conditions at a point."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from .explicit import lambdify
from .family import Family
from .numeric import substitute

__all__ = ["holds_at", "sample_points"]


_COMPARE = {sp.StrictGreaterThan: lambda d: d > 0, sp.GreaterThan: lambda d: d >= 0,
            sp.StrictLessThan: lambda d: d < 0, sp.LessThan: lambda d: d <= 0, sp.Equality: lambda d: d == 0}


@functools.lru_cache(maxsize=64)
def _compiled(conditions: tuple[sp.Basic, ...]
              ) -> tuple[list[tuple], list[tuple], list[sp.Symbol], Any, list[Any]] | None:
    """The conditions prepared for exact evaluation on fractions: ``symbol op number`` ones as
    (symbol, test, number) triples, linear ones as (linear form, test), the other rational ones
    compiled into one function of their symbols; None when some condition is of another kind."""
    if not conditions or any(type(c) not in _COMPARE or not (c.lhs - c.rhs).is_rational_function()
                             for c in conditions):
        return None
    simple, linear, other = [], [], []
    for c in conditions:
        if c.lhs.is_Symbol and c.rhs.is_Rational:
            simple.append((c.lhs, _COMPARE[type(c)], Fraction(int(c.rhs.p), int(c.rhs.q))))
            continue
        form = _linear_form(c.lhs - c.rhs)
        if form is not None:  # sum p_i = 1 over 1000 classes: compiling it took half a second
            linear.append((form, _COMPARE[type(c)]))
        else:
            other.append(c)
    symbols = sorted(set().union(*(c.free_symbols for c in other)), key=sp.default_sort_key) if other else []
    f = lambdify(symbols, [c.lhs - c.rhs for c in other], modules=[{}, "math"]) if other else None
    return simple, linear, symbols, f, [_COMPARE[type(c)] for c in other]


def _linear_form(e: sp.Expr) -> tuple[tuple[tuple[sp.Symbol, Fraction], ...], Fraction] | None:
    """``e`` as ((symbol, coefficient), ...) and a constant, when it is linear with rational
    coefficients; else None."""
    terms, constant = [], Fraction(0)
    for t in sp.Add.make_args(e):
        c, rest = t.as_coeff_Mul()
        if not c.is_Rational:
            return None
        if rest is sp.S.One:
            constant += _fraction(c)
        elif rest.is_Symbol:
            terms.append((rest, _fraction(c)))
        else:
            return None
    return tuple(terms), constant


def _fraction(v: sp.Rational) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def holds_at(conditions: Iterable[sp.Basic], point: Mapping[Any, Any]) -> bool:
    """Whether every condition is true at the point, exactly: rational conditions on fractions, the
    others once the point is substituted (:func:`symdiv.numeric.substitute`: matrices, indexed
    entries and finite sums too). A condition that does not evaluate to True there does not hold.

    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> holds_at((a < b, sp.Or(a > 100 * b, b > 2)), {a: sp.Rational(1, 2), b: sp.Integer(3)})
    True
    """
    conditions = tuple(conditions)
    compiled = _compiled(conditions)
    if compiled is not None:
        simple, linear, symbols, f, tests = compiled
        needed = {s for s, _, _ in simple} | set(symbols) | {s for form, _ in linear for s, _ in form[0]}
        if all(s in point and point[s].is_Rational for s in needed):
            exact = {s: _fraction(point[s]) for s in needed}  # once per symbol (4000 bounds of a K = 1000 simplex)
            if not all(test(exact[s] - value) for s, test, value in simple):
                return False
            if not all(test(sum((c * exact[s] for s, c in terms), constant)) for (terms, constant), test in linear):
                return False
            values = f(*(exact[s] for s in symbols)) if f is not None else []
            return all(test(v) for test, v in zip(tests, values))
    for condition in conditions:
        try:
            value = substitute(condition, point)
        except (ArithmeticError, ValueError, TypeError):  # does not evaluate there: not known to hold
            return False
        if value is not sp.true:
            return False
    return True


def sample_points(families: Sequence[Family], n: int, seed: int, conditions: tuple[sp.Basic, ...] = (),
                  tries: int = 5000) -> list[dict]:
    """Random valid exact points of the families (sampled in order) at which every stated condition
    holds (rejection); ``[{}]`` when the families have no free symbols."""
    rng = random.Random(seed)
    if not set().union(*(f.free_symbols for f in families)):
        return [{}]
    relations = [c for c in conditions if isinstance(c, sp.core.relational.Relational)
                 and not c.has(sp.Indexed, sp.Sum) and all(isinstance(s, sp.Symbol) for s in c.free_symbols)]
    points: list[dict] = []
    for _ in range(tries):
        point: dict = {}
        for f in families:
            point = f.sample(rng, point)
        if holds_at(relations, point):
            points.append(point)
            if len(points) == n:
                break
    return points
