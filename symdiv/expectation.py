"""The one expectation engine: E_P[g(X)] by linearity over basis terms.

``g`` (a log-density, or a difference of two) is written as a sum of
coefficient x basis-function terms; each basis expectation comes from P's table, or is
derived from the definition (a sum or an integral) and cached, or stays unevaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivation import P_NAME, Expectation, Step, StepKind
from .family import Family, X
from .tidy import tidy

__all__ = ["decompose", "expectation_steps", "ExpectationResult"]


def _add(groups: dict[sp.Expr, sp.Expr], basis: sp.Expr, coeff: sp.Expr) -> None:
    groups[basis] = groups.get(basis, sp.Integer(0)) + coeff


def _infinite(c: sp.Expr) -> bool:
    return c.has(sp.oo, -sp.oo, sp.zoo)


def _needs_expand(g: sp.Expr) -> bool:
    """Whether g could still split into several basis terms."""
    return any(f.is_Add or (f.is_Pow and f.base.is_Add) or isinstance(f, sp.exp) for f in sp.Mul.make_args(g))


def decompose(expr: sp.Expr, x: sp.Basic = X) -> list[tuple[sp.Expr, sp.Expr]]:
    """Write ``expr`` as [(coefficient, basis), ...] with bases free of parameters.

    A ``Sum`` over a class index is kept as one entry whose basis is the ``Sum`` of its
    decomposed summand. A term with an infinite coefficient (log 0) keeps its basis whole,
    so the 0 log 0 = 0 rule can be applied to it.
    """
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        coeff, g = term.as_independent(x, as_Add=False)
        if isinstance(g, sp.Sum):
            inner = sp.Add(*(c * b for c, b in decompose(g.function, x)))
            _add(groups, sp.Sum(inner, *g.limits), coeff)
        elif _infinite(coeff) or g == 1 or not _needs_expand(g):
            _add(groups, g, coeff)
        else:
            for sub in sp.Add.make_args(sp.expand(g)):
                c2, g2 = sub.as_independent(x, as_Add=False)
                _add(groups, g2, coeff * c2)
    return [(c, b) for b, c in groups.items() if c != 0]


@dataclass(frozen=True)
class ExpectationResult:
    steps: tuple[Step, ...]
    value: sp.Expr
    complete: bool
    #: conditions under which the table values used hold (e.g. a moment exists)
    conditions: tuple[sp.Basic, ...] = ()


def _linear(P: Family, terms: list[tuple[sp.Expr, sp.Expr]], dist: sp.Symbol) -> tuple[sp.Expr, list[str], bool]:
    x = P.variable
    """Σ c_k E[g_k]: apply the 0 log 0 = 0 rule to infinite coefficients."""
    out, notes, infinite = [], [], False
    for c, g in terms:
        if _infinite(c):
            if P.vanishes_on_support(g):
                notes.append(f"0 log 0 = 0: the term {sp.sstr(c * g)} vanishes on supp P")
                continue
            infinite = True
            notes.append(f"the term {sp.sstr(c * g)} is infinite with positive P-probability")
        if g == 1:
            out.append(c)
        elif isinstance(g, sp.Sum):
            inner = sp.Add(*(ci * Expectation(bi, dist) if bi != 1 else ci
                             for ci, bi in decompose(g.function, x)))
            out.append(c * sp.Sum(inner, *g.limits))
        else:
            out.append(c * Expectation(g, dist))
    return sp.Add(*out), notes, infinite


_KIND = {"table": StepKind.EXPECTATION, "sum": StepKind.SUM, "integral": StepKind.INTEGRATE,
         "unevaluated": StepKind.UNEVALUATED}
_ORDER = ("unevaluated", "integral", "sum", "table")


def expectation_steps(P: Family, integrand: sp.Expr, sign: int, dist: sp.Symbol = P_NAME) -> ExpectationResult:
    """The steps from ``sign * E_P[integrand]`` to a tidy closed form."""
    steps: list[Step] = []
    terms = decompose(integrand, P.variable)
    expanded = sp.Add(*(c * b for c, b in terms))
    steps.append(Step(StepKind.EXPAND_LOG, sign * Expectation(expanded, dist),
                      "expand the logarithm into coefficient \u00d7 basis terms"))
    linear, notes, infinite = _linear(P, terms, dist)
    steps.append(Step(StepKind.LINEARITY, sign * linear,
                      "linearity of expectation" + (f"; {'; '.join(notes)}" if notes else "")))
    if infinite:
        steps.append(Step(StepKind.EXPECTATION, sp.oo, "an infinite term has positive probability under P"))
        return ExpectationResult(tuple(steps), sp.oo, True, ())

    values: dict[sp.Expr, sp.Expr] = {}
    how: dict[str, list[str]] = {}
    conditions: list[sp.Basic] = []
    for e in sorted(linear.atoms(Expectation), key=sp.default_sort_key):
        value, source, condition = P.expectation(e.g)
        values[e] = value
        how.setdefault(source, []).append(f"{sp.sstr(e)} = {sp.sstr(value)}")
        if condition is not sp.true:
            conditions.append(condition)
    complete = "unevaluated" not in how
    substituted = (sign * linear).xreplace(values)
    if values:
        source = next(s for s in _ORDER if s in how)
        note = {"table": f"expectations from the {P.name} table",
                "sum": "expectations derived by summing over the support",
                "integral": "expectations derived by integrating against the density",
                "unevaluated": "no closed form found; the expectation stays explicit"}[source]
        detail = "; ".join(item for s in _ORDER for item in how.get(s, []))
        if conditions:
            detail += "; valid when " + ", ".join(sp.sstr(c) for c in conditions)
        steps.append(Step(_KIND[source], substituted, f"{note}: {detail}"))
    result = tidy(substituted)
    if result != steps[-1].expr:
        steps.append(Step(StepKind.TIDY, result, "collect terms, combine logarithms and complete squares"))
    return ExpectationResult(tuple(steps), result, complete, tuple(dict.fromkeys(conditions)))
