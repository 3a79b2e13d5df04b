"""The one expectation engine: E_P[g(X)] by linearity over basis terms.

``g`` (a log-density, or a difference of two) is written as a sum of
coefficient x basis-function terms; each basis expectation comes from P's table, or is
derived from the definition (a sum or an integral) and cached, or stays unevaluated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .budget import BudgetSpent, own_budget, within_budget
from .derivation import P_NAME, Expectation, Step, StepKind
from .divergence import explicit_parts_converge, why_divergent
from .explicit import has_huge_numbers, safe_lambdify, tree_value
from .family import Family, X
from .tidy import hide_opaque, tidy

__all__ = ["decompose", "expectation_steps", "ExpectationResult"]


def _tag(coeff: sp.Expr) -> int:
    """Finite coefficients (0) are summed per basis; +oo (1), -oo (-1) and other infinities (2)
    are kept apart, so log 0 - log 0 on a null set never becomes nan before 0 log 0 = 0 applies."""
    if not _has_infinity(coeff):
        return 0
    return 1 if coeff == sp.oo else -1 if coeff == -sp.oo else 2


def _add(groups: dict[tuple[sp.Expr, int], sp.Expr], basis: sp.Expr, coeff: sp.Expr) -> None:
    key = (basis, _tag(coeff))
    groups[key] = groups.get(key, sp.Integer(0)) + coeff


def _has_infinity(c: sp.Expr) -> bool:
    return c.has(sp.oo, -sp.oo, sp.zoo)


def _may_split(g: sp.Expr) -> bool:
    """Whether g could still split into several basis terms."""
    return any(f.is_Add or (f.is_Pow and f.base.is_Add) or isinstance(f, sp.exp) for f in sp.Mul.make_args(g))


def decompose(expr: sp.Expr | Sequence[sp.Expr], x: sp.Basic = X) -> list[tuple[sp.Expr, sp.Expr]]:
    """Write ``expr`` (or the sum of a sequence of parts) as [(coefficient, basis), ...] with
    bases free of parameters.

    A ``Sum`` over a class index is kept as one entry whose basis is the ``Sum`` of its
    decomposed summand. A term with an infinite coefficient (log 0) keeps its basis whole and
    stays apart from other terms of that basis, so the 0 log 0 = 0 rule can be applied to it.
    Give log p and -log q as two parts: added first, -oo + oo would already be nan.
    """
    groups: dict[tuple[sp.Expr, int], sp.Expr] = {}
    parts = (expr,) if isinstance(expr, sp.Basic) else tuple(expr)
    for term in (t for part in parts for t in sp.Add.make_args(sp.sympify(part))):
        coeff, g = term.as_independent(x, as_Add=False)
        if isinstance(g, sp.Sum):
            inner = sp.Add(*(c * b for c, b in decompose(g.function, x)))
            _add(groups, g.func(inner, *g.limits), coeff)
        elif _has_infinity(coeff) or g == 1 or not _may_split(g):
            _add(groups, g, coeff)
        else:
            for sub in sp.Add.make_args(sp.expand(g)):
                c2, g2 = sub.as_independent(x, as_Add=False)
                _add(groups, g2, coeff * c2)
    return [(c, b) for (b, _), c in groups.items() if c != 0]


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
        if _has_infinity(c):
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
            out.append(c * g.func(inner, *g.limits))
        else:
            out.append(c * Expectation(g, dist))
    return sp.Add(*out), notes, infinite


_KIND = {"table": StepKind.EXPECTATION, "sum": StepKind.SUM, "integral": StepKind.INTEGRATE,
         "unevaluated": StepKind.UNEVALUATED}
_ORDER = ("unevaluated", "integral", "sum", "table")


def _combined_divergence(P: Family, linear: sp.Expr, diverging: list[Expectation],
                         dist: sp.Symbol) -> tuple[sp.Expr, str | None]:
    """The diverging terms taken together, sum c_i g_i with their coefficients in ``linear``, and
    why its integral against P's density does not converge absolutely (None: not proved). Where it
    does not and the rest converges, log(p/q) is not P-integrable: the divergence is +oo."""
    from .family import _explicit_integral, sample_scalars
    from .support import RealInterval

    combined = sp.Add(*(linear.coeff(e) * e.g for e in diverging))
    supp = P.support()
    if not isinstance(supp, RealInterval) or combined == 0 or any(
            linear.coeff(e).has(P.variable) for e in diverging):
        return combined, None
    integral = _explicit_integral(P, combined, supp)
    t, lo, hi = integral.limits[0]
    with own_budget():  # its own limits (4 s each), not the derivation's budget that integration spent
        reason = why_divergent(integral.function, t, lo, hi, sample_scalars(P, combined))
    return combined, None if reason is None else f"the integral {sp.sstr(integral)} does not converge: {reason}"


def _dominant(bases: list[sp.Expr], x: sp.Basic) -> sp.Expr | None:
    """The one basis that outgrows the others in the tails, when that is plain: a single basis,
    or powers X**c with distinct exponents. None when a combination might cancel."""
    if len(bases) == 1:
        return bases[0]
    exponents = {}
    for g in bases:
        base, e = g.as_base_exp()
        if base != x or not e.is_number:
            return None
        exponents[g] = e
    ranked = sorted(exponents, key=lambda g: exponents[g])
    return ranked[-1] if exponents[ranked[-1]] != exponents[ranked[-2]] else None


#: expectations of one linear form sorted canonically up to this many
_SORTED_UP_TO = 64

#: closed forms with more free symbols than this are checked through lambdify
_LAMBDIFY_FROM = 20

#: relative agreement a tidied form must reach with its input at the sampled points
_TIDY_TOL = mpmath.mpf(10) ** -15


def _same_value(before: sp.Expr, after: sp.Expr, P: Family, families: Sequence[Family],
                conditions: Sequence[sp.Basic]) -> bool:
    """Whether ``tidy`` kept the value: both forms at two random valid points (every stated
    condition holding), integrals and expectations given the same random values on both sides."""
    from .numeric import evaluate
    from .sampling import sample_points

    opaque_before, back = hide_opaque(before)
    opaque_after = after.xreplace({e: d for d, e in back.items()})
    rng = random.Random(7)
    # large closed forms through lambdify (SymPy arithmetic on 1000 terms took seconds); small ones
    # through SymPy, cheaper than compiling a function (a Bernoulli entropy's check was 50 ms of 86)
    plain = (not any(e.has(sp.Sum, sp.Integral, Expectation, sp.Indexed) for e in (opaque_before, opaque_after))
             and len(opaque_before.free_symbols) > _LAMBDIFY_FROM)
    for point in sample_points(tuple(families) or (P,), 2, 7, tuple(conditions)):
        full = {**point, **{d: sp.Rational(rng.randint(-3000, 3000), 1000) for d in back}}
        try:
            a = b = None
            if plain:
                try:
                    a, b = (_mp_value(e, full) for e in (opaque_before, opaque_after))
                except Exception:  # a function mpmath lacks (exp_polar, det of a matrix symbol): SymPy's way
                    a = b = None
            if a is None or b is None:
                a = evaluate(opaque_before, full, P, dps=25)
                b = evaluate(opaque_after, full, P, dps=25)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            return False
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or abs(a - b) > _TIDY_TOL * max(1, abs(a)):
            return False
    return True


def _mp_value(expr: sp.Expr, point: dict[Any, Any]) -> Any:
    """A real closed form at an exact point, by mpmath at 25 digits (ValueError where it is not real)."""
    symbols = sorted(expr.free_symbols, key=str)
    missing = [s for s in symbols if s not in point]
    if missing:
        raise ValueError(f"no value for {missing[0]}")
    with mpmath.workdps(25):
        values = [mpmath.mpf(int(v.p)) / int(v.q) if v.is_Rational else mpmath.mpmathify(sp.N(v, 30))
                  for v in (sp.sympify(point[s]) for s in symbols)]
        try:
            out = tree_value(expr, dict(zip(symbols, values)))
        except NotImplementedError:
            out = safe_lambdify(symbols, expr)(*values) if symbols else mpmath.mpmathify(sp.N(expr, 25))
        if isinstance(out, mpmath.mpc):
            if abs(out.imag) > mpmath.mpf(10) ** -20 * max(1, abs(out.real)):
                raise ValueError("not a real number at this point")
            out = out.real
        return mpmath.mpf(out)


def expectation_steps(P: Family, integrand: sp.Expr | Sequence[sp.Expr], sign: int, dist: sp.Symbol = P_NAME,
                      divergent_is_infinite: bool | Callable[[], bool] = True, families: Sequence[Family] = (),
                      stated: Sequence[sp.Basic] = ()) -> ExpectationResult:
    """The steps from ``sign * E_P[integrand]`` to a tidy closed form.

    ``integrand`` may be given as parts (log p, -log q) that are decomposed before they are added.
    A basis expectation whose table condition is False does not exist (a moment or a
    moment-generating function diverges). With ``divergent_is_infinite`` (KL and cross-entropy:
    the negative part of log(p/q) is always P-integrable, so a non-integrable log-ratio means +oo),
    the result is then +oo with a step naming the diverging expectation; otherwise it stays explicit.
    A callable is asked only when an expectation diverges (cross-entropy: H(P, Q) = H(P) + KL is +oo
    where H(P) is finite; it can be -oo where it is not).
    """
    steps: list[Step] = []
    terms = decompose(integrand, P.variable)
    expanded = sp.Add(*(c * b for c, b in terms), evaluate=not any(_has_infinity(c) for c, _ in terms))
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
    diverging: list[Expectation] = []
    reasons: dict[sp.Expr, str] = {}
    atoms = linear.atoms(Expectation)
    # in SymPy's canonical order; thousands (a K = 1000 Categorical) in the order of the sum's terms
    # (sorting them by default_sort_key took a third of a second)
    ordered = (sorted(atoms, key=sp.default_sort_key) if len(atoms) <= _SORTED_UP_TO else
               dict.fromkeys(a for t in sp.Add.make_args(linear) for a in sp.preorder_traversal(t)
                             if isinstance(a, Expectation)))
    for e in ordered:
        value, source, condition, reason = P.expectation(e.g)
        if condition is sp.false:
            diverging.append(e)
            values[e] = e
            reasons[e.g] = reason
            how.setdefault("unevaluated", []).append(f"{sp.sstr(e)} does not exist")
            continue
        values[e] = value
        how.setdefault(source, []).append(f"{sp.sstr(e)} = {sp.sstr(value)}")
        if condition is not sp.true:
            conditions.append(condition)
    if diverging:
        top = _dominant([e.g for e in diverging], P.variable)
        # the diverging term must be present for every parameter value: a coefficient such as
        # (a_2 - 1) that can vanish leaves the expectation finite there
        present = top is not None and linear.coeff(Expectation(top, dist)).is_zero is False
        if top is None and len(diverging) > 1:  # no plain winner (X and e^-X under a Cauchy): their sum
            top, why_not = _combined_divergence(P, linear, diverging, dist)
            present = why_not is not None
            reasons[top] = why_not or ""
        if present and reasons.get(top):  # proved by a limit, not a table: the others must converge
            present = explicit_parts_converge(P, sp.Add(*(v for e, v in values.items() if e not in diverging)))
        if present and (divergent_is_infinite() if callable(divergent_is_infinite) else divergent_is_infinite):
            why = reasons[top] or f"the {P.name} table's condition for it fails at {P!r}"
            steps.append(Step(StepKind.EXPECTATION, sp.oo,
                              f"E_{dist}[{sp.sstr(top)}] diverges: {why}; the negative part of log(p/q) is "
                              f"always P-integrable, so the expectation is +oo"))
            return ExpectationResult(tuple(steps), sp.oo, True, ())
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
    def tidied() -> sp.Expr:
        out = tidy(substituted)
        if out != substituted and not _same_value(substituted, out, P, families, (*stated, *conditions)):
            return substituted  # a rewrite that changed the value is dropped (see _same_value)
        return out

    # huge exact numbers (Binomial(10^12, p), (2/3)^(n - k)) can make SymPy's rewrites unbounded:
    # then tidy runs within the work budget, and the untidied form stands if it runs out
    try:
        result = within_budget(tidied, lambda _: substituted) if has_huge_numbers(substituted) else tidied()
    except BudgetSpent:
        result = substituted
    if result != steps[-1].expr:
        steps.append(Step(StepKind.TIDY, result, "collect terms, combine logarithms and complete squares"))
    return ExpectationResult(tuple(steps), result, complete, tuple(dict.fromkeys(conditions)))
