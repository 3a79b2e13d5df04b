"""Integrals of density powers, I_a(P, Q) = int p^a q^(1-a), and the measures made of them.

Renyi's divergence of order a is log(I_a) / (a - 1); the Bhattacharyya coefficient is I_(1/2), its
distance -log I_(1/2), the squared Hellinger distance 1 - I_(1/2); Pearson's chi-squared
divergence is I_2 - 1. Each comes from its definition through one of two routes:

* **the log-normaliser** (:func:`symdiv.normaliser.power_integral`) when P and Q are members of one
  exponential family: exp(F(a theta_P + (1 - a) theta_Q) - a F(theta_P) - (1 - a) F(theta_Q)),
  finite exactly when the mixed natural parameter lies in the natural parameter space;
* **the definition** otherwise: I_a = E_P[(q(X)/p(X))^(1-a)] through the expectation engine (a
  table entry, or a sum or an integral derived within the work budget and checked by quadrature),
  or E_Q[(p(X)/q(X))^a] when only supp Q lies inside supp P. What has no closed form stays an
  explicit expectation, integral or series (the derivation is then incomplete).

Supports decide first: for a > 1, mass of P where q = 0 makes I_a = +oo; for a < 1 the integral
runs over the common support. Where a condition decides between finite and +oo (a symbolic order,
symbolic supports), it is stated in the derivation's ``conditions``; a case this module cannot
decide soundly (an order that may lie on either side of 1 with supports that do not nest) is
refused with :class:`~symdiv.errors.UnsupportedError`, never guessed.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..budget import BudgetSpent, shared_budget, within_budget
from ..derivation import P_NAME as _P
from ..derivation import Derivation, Expectation, Step, StepKind
from ..errors import InvalidParameterError, UnsupportedError
from ..explicit import has_huge_numbers
from ..family import Family, X, reparams_of
from ..normaliser import power_integral, shared_form
from ..support import FiniteAtoms, decide_nonnegative
from ..symbols import Q_NAME as _Q
from ..tidy import ops, tidy
from .base import Measure
from .classic import (
    CACHE_SIZE,
    _assumptions,
    _common_variable,
    _exact_then_float,
    _require_pair,
    register_cache,
    strongest,
)

__all__ = ["PowerIntegral", "power_integral_steps", "derive_from_power"]


@dataclass(frozen=True)
class PowerIntegral:
    """The steps from the definition of I_a to its value, and what they establish."""

    steps: tuple[Step, ...]
    value: sp.Expr
    complete: bool
    #: conditions under which ``value`` holds; where one fails, I_a = +oo
    conditions: tuple[sp.Basic, ...] = ()


def _side(a: sp.Expr) -> bool | None:
    """True when a > 1, False when a < 1, None when a symbolic order may lie on either side."""
    if (a - 1).is_positive:
        return True
    if (a - 1).is_negative:
        return False
    return None


def _ratio_power(num: Family, den: Family, b: sp.Expr) -> sp.Expr:
    """(num(X) / den(X))^b as exp(b (log num - log den)), expanded so that tables can match it."""
    return sp.exp(sp.expand(b * (num.log_density(X) - den.log_density(X))))


_DENSITY = {"p": sp.Function("p"), "q": sp.Function("q")}


def _shown(num: str, den: str, b: sp.Expr) -> sp.Expr:
    """(num(X)/den(X))^b with the densities written p(X), q(X) (the families are in the derivation):
    written out, a Rényi definition ran off the page."""
    with sp.evaluate(False):
        return sp.Pow(sp.Mul(_DENSITY[num](X), sp.Pow(_DENSITY[den](X), -1)), b)


def _disjoint(P: Family, Q: Family) -> bool:
    """Whether two real-interval supports with numeric ends do not meet (or meet in one point)."""
    from ..support import RealInterval

    a, b = P.support(), Q.support()
    if not (isinstance(a, RealInterval) and isinstance(b, RealInterval)):
        return False
    ends = (a.lo, a.hi, b.lo, b.hi)
    if not all(e.is_number for e in ends):
        return False
    return bool(a.hi <= b.lo) or bool(b.hi <= a.lo)


def _diverges(family: Family, g: sp.Expr, value: sp.Expr) -> str | None:
    """Why the explicit integral or series ``value`` (of E[g] under the family) diverges, when that
    is proved at its ends (:func:`symdiv.divergence.why_divergent`); None otherwise. (An attempt cut
    short by the work budget skips the family's own check.)"""
    from ..divergence import why_divergent
    from ..family import sample_scalars

    if not isinstance(value, (sp.Integral, sp.Sum)) or len(value.limits) != 1:
        return None
    t, lo, hi = value.limits[0]
    if value.function.free_symbols - {t} or not (lo.is_number and hi.is_number):
        return None  # with symbols, divergence at a sampled point need not hold for every value
    try:
        return why_divergent(value.function, t, lo, hi, sample_scalars(family, g), discrete=isinstance(value, sp.Sum))
    except (ValueError, TypeError, ArithmeticError, NotImplementedError, BudgetSpent):
        return None


def _finite_sum(P: Family, Q: Family, a: sp.Expr, side: bool | None) -> tuple[sp.Expr, str] | None:
    """sum_x p(x)^a q(x)^(1-a) over the atoms both finite supports share (None: not both finite).

    An atom of P that Q lacks contributes 0 for a < 1 and makes the sum +oo for a > 1."""
    supp_p, supp_q = P.support(), Q.support()
    if not (isinstance(supp_p, FiniteAtoms) and isinstance(supp_q, FiniteAtoms)):
        return None
    theirs = set(supp_q.values)
    missing = [v for v in supp_p.values if v not in theirs]
    if missing and side is not False:
        if side is None:
            raise UnsupportedError(f"{P!r} vs {Q!r}: P has mass at {missing[0]} where Q has none; the integral is "
                                   "finite for an order below 1 and +oo above: give the order as a number")
        return sp.oo, f"P has mass at {missing[0]}, where q = 0: with a > 1, q^(1-a) = +oo there"
    common = [v for v in supp_p.values if v in theirs]
    value = sp.Add(*(P.density(sp.Integer(v)) ** a * Q.density(sp.Integer(v)) ** (1 - a) for v in common))
    where = "the atoms of P" if not missing else "the atoms P and Q share (elsewhere p^a q^(1-a) = 0)"
    return value, f"summed over {where}"


@functools.lru_cache(maxsize=CACHE_SIZE)
def power_integral_steps(P: Family, Q: Family, a: sp.Expr) -> PowerIntegral:
    """The derivation of I_a = int p^a q^(1-a) (for a > 0), within the shared work budget.

    >>> import sympy as sp, symdiv as sd
    >>> r = power_integral_steps(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"), sp.Rational(1, 2))
    >>> r.value
    sqrt(lambda_1)*sqrt(lambda_2)/(lambda_1/2 + lambda_2/2)
    """
    a = sp.sympify(a)
    side = _side(a)
    definition = Expectation(_shown("q", "p", 1 - a), _P)
    steps = [Step(StepKind.DEFINITION, definition, "int p^a q^(1-a) = E_P[(q(X)/p(X))^(1-a)]")]
    reparams = {**reparams_of(P), **reparams_of(Q)}
    finite = _finite_sum(P, Q, a, side)
    if finite is not None:
        value, note = finite
        steps.append(Step(StepKind.SUM if value != sp.oo else StepKind.SUPPORT, value, note))
        return PowerIntegral(tuple(steps), value, True)
    inside, reason, conditions = P.support().subset_of(Q.support(), reparams)
    stated: list[sp.Basic] = []
    if inside is False:
        if side is True:
            steps.append(Step(StepKind.SUPPORT, sp.oo, f"{reason}; with a > 1, q^(1-a) = +oo where q = 0 and p > 0"))
            return PowerIntegral(tuple(steps), sp.oo, True)
        back, why_back, _ = Q.support().subset_of(P.support(), reparams)
        if side is False and _disjoint(P, Q):
            steps.append(Step(StepKind.SUPPORT, sp.Integer(0), f"{reason}; the supports do not meet, so p q = 0 "
                              "everywhere and the integral is 0"))
            return PowerIntegral(tuple(steps), sp.Integer(0), True)
        if side is None or back is not True:
            what = "an order that may exceed 1" if side is None else "supports that overlap only in part (or may)"
            raise UnsupportedError(f"{P!r} vs {Q!r}: supp P is not inside supp Q ({reason}), and with {what} "
                                   "int p^a q^(1-a) is not derived here")
        integrand_family, g, dist = Q, _ratio_power(P, Q, a), _Q
        definition = Expectation(_shown("p", "q", a), _Q)
        steps.append(Step(StepKind.SUPPORT, definition,
                          f"{reason}; supp Q lies inside supp P ({why_back}), so with a < 1 the integral is "
                          "E_Q[(p(X)/q(X))^a] over supp Q"))
    else:
        if inside is None:
            if side is not True:
                raise UnsupportedError(f"{P!r} vs {Q!r}: whether supp P lies inside supp Q depends on the "
                                       f"parameters ({reason}); for an order below 1 (or symbolic) the integral "
                                       "is then not derived here")
            stated = list(conditions)
            reason += "; assuming " + ", ".join(sp.sstr(c) for c in conditions) + " (otherwise +oo)"
        integrand_family, g, dist = P, _ratio_power(Q, P, 1 - a), _P
        steps.append(Step(StepKind.SUPPORT, definition, f"{reason}: the expectation is over supp P"))

    # finite supports: the sum over the atoms reads as the textbook (sum_k p_k^a q_k^(1-a)); the
    # log-normaliser's form of it (log(1 + e^theta) ...) does not
    forms = None if isinstance(P.support(), FiniteAtoms) else shared_form(P, Q)
    if forms is not None and integrand_family is P:
        closed = power_integral(P, Q, a)
        assert closed is not None
        note = (f"P and Q are members of one exponential family ({P.name}): int p^a q^(1-a) = "
                "exp(F(a theta_P + (1-a) theta_Q) - a F(theta_P) - (1-a) F(theta_Q))")
        if closed.condition is sp.false:
            steps.append(Step(StepKind.EXPECTATION, sp.oo, note + "; the mixed natural parameter lies outside the "
                              "natural parameter space, so the integral diverges"))
            return PowerIntegral(tuple(steps), sp.oo, True)
        if closed.condition is not sp.true and side is not False:
            # (below order 1 the mixed parameter is a convex combination of two points of the convex
            # natural parameter space: always inside it, whatever SymPy can show)
            stated.extend(sp.And.make_args(clean_condition(closed.condition)))
            note += ("; finite where the mixed parameter lies in the natural parameter space: "
                     + sp.sstr(clean_condition(closed.condition)))
        steps.append(Step(StepKind.EXPECTATION, closed.value, note))
        return PowerIntegral(tuple(steps), closed.value, True, tuple(stated))

    with shared_budget():
        try:
            ev = integrand_family.expectation(g)
        except BudgetSpent:
            ev = None
    # the expectation diverges: judged by the engine, or (an attempt cut short by the budget skips
    # that) at the explicit integral's ends
    why = None if ev is None else (ev.reason or "table") if ev.condition is sp.false else (
        _diverges(integrand_family, g, ev.value) if ev.how == "unevaluated" and side is not False else None)
    if why is not None:
        if side is not True:  # below 1 it cannot diverge (Hoelder: I_a <= 1); a symbolic order: not decided
            raise UnsupportedError(f"{P!r} vs {Q!r}: E[{sp.sstr(g)}] was judged divergent ({why}) for an order that "
                                   "is not known to exceed 1; give the order as a number")
        steps.append(Step(StepKind.EXPECTATION, sp.oo, f"E_{dist}[{sp.sstr(g)}] diverges: {why}; its integrand is "
                          "positive, so the integral is +oo"))
        return PowerIntegral(tuple(steps), sp.oo, True)
    if ev is None or ev.how == "unevaluated":
        value = ev.value if ev is not None else Expectation(g, dist)
        steps.append(Step(StepKind.UNEVALUATED, value, "no closed form found; the expectation stays explicit"))
        return PowerIntegral(tuple(steps), value, False, tuple(stated))
    if ev.condition is not sp.true:
        stated.extend(sp.And.make_args(clean_condition(ev.condition)))
    kind = {"table": StepKind.EXPECTATION, "sum": StepKind.SUM, "integral": StepKind.INTEGRATE}[ev.how]
    steps.append(Step(kind, ev.value, {"table": f"from the {integrand_family.name} table",
                                       "sum": "summed over the support",
                                       "integral": "integrated against the density (checked by quadrature)"}[ev.how]))
    return PowerIntegral(tuple(steps), ev.value, True, tuple(stated))


def _powers(e: sp.exp) -> sp.Expr:
    """exp(a log x + b log y + c) as x^a y^b e^c (x^a is exp(a log x) by definition)."""
    powers, rest = [], []
    for t in sp.Add.make_args(e.args[0]):
        logs = [f for f in sp.Mul.make_args(t) if isinstance(f, (sp.log, sp.loggamma))]
        if len(logs) == 1:
            c = t / logs[0]
            if not c.has(sp.log, sp.loggamma):
                base = logs[0].args[0] if isinstance(logs[0], sp.log) else sp.gamma(logs[0].args[0])
                powers.append(sp.Pow(base, c))
                continue
        rest.append(t)
    if not powers:
        return e
    return sp.Mul(*powers) * sp.exp(sp.Add(*rest))


def _cleanup(expr: sp.Expr) -> sp.Expr:
    """log(exp(A)) = A (real A) and exp(a log x + b) = x^a e^b."""
    expr = expr.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.exp),
                        lambda e: e.args[0].args[0])
    return expr.xreplace({e: _powers(e) for e in expr.atoms(sp.exp)})


def _positive(f: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> bool:
    return f.is_positive is True or (decide_nonnegative(f, reparams) is True and f.is_zero is False)


def _expand_positive_logs(expr: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """log(a b^k) -> log a + k log b for factors positive under the parameters' facts; the others
    stay inside one logarithm."""
    def split(lg: sp.log) -> sp.Expr:
        arg = lg.args[0]
        if not (arg.is_Mul or arg.is_Pow):
            return lg
        out, keep = [], []
        for f in sp.Mul.make_args(arg):
            base, k = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
            if isinstance(base, sp.exp) and k.is_extended_real:  # log(exp(A)^k) = k A for real A
                out.append(k * base.args[0])
            elif _positive(base, reparams) and k.is_extended_real:
                out.append(k * sp.expand_log(sp.log(base), force=False))
            else:
                keep.append(f)
        if not out:
            return lg
        return sp.Add(*out) + (sp.log(sp.Mul(*keep)) if keep else 0)

    return expr.xreplace({lg: split(lg) for lg in expr.atoms(sp.log)})


def _split_form(expr: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """log(exp(A) B) / c and the like as textbook forms: logarithms of positive factors expanded,
    then the terms free of logarithms put over one denominator and factored, the logarithms
    combined by :func:`symdiv.tidy.tidy`. The caller checks the value."""
    coeff, body = expr.as_independent(sp.log, as_Add=False)
    if coeff != 1 and body.has(sp.log):  # log(I) / (alpha - 1): the body first, the factor outside
        logs, rest = _split_parts(body, reparams)
        candidates = [coeff * (logs + rest), coeff * logs + sp.factor(coeff * rest),
                      tidy(coeff * logs) + sp.factor(coeff * rest)]
        return min(candidates, key=ops)
    logs, rest = _split_parts(expr, reparams)
    return logs + rest


def _split_parts(expr: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """(the logarithmic terms, combined; the other terms, in their most compact form)."""
    expr = _cleanup(expr)
    # (numbers are not factored: factoring their integers could take minutes)
    expr = expr.xreplace({lg: sp.log(sp.factor(sp.together(lg.args[0]))) for lg in expr.atoms(sp.log)
                          if (lg.args[0].is_Add or lg.args[0].is_Mul) and lg.args[0].free_symbols})
    expanded = sp.expand(_expand_positive_logs(expr, reparams), power_exp=False, power_base=False, log=False)
    logs = [t for t in sp.Add.make_args(expanded) if t.has(sp.log)]
    rest = sp.Add(*(t for t in sp.Add.make_args(expanded) if not t.has(sp.log)))
    options = [rest, sp.factor(sp.cancel(sp.together(rest)))] if rest.free_symbols else [rest]
    return tidy(sp.Add(*logs)), min(options, key=ops)


def clean_condition(c: sp.Basic) -> sp.Basic:
    """``A/B < 0`` with B known positive as ``A < 0``, the sign moved so that the leading term is
    positive: -a/(2 s^2) - (1 - a)/(2 t^2) < 0 becomes a t^2 + (1 - a) s^2 > 0."""
    if isinstance(c, (sp.And, sp.Or)):
        return c.func(*(clean_condition(a) for a in c.args))
    if not isinstance(c, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan)):
        return c
    num, den = sp.fraction(sp.together(c.lhs - c.rhs))
    if den.is_positive is not True:
        return c
    num = sp.factor(num)
    if sp.expand(num).could_extract_minus_sign():
        flipped = {sp.StrictLessThan: sp.StrictGreaterThan, sp.LessThan: sp.GreaterThan,
                   sp.StrictGreaterThan: sp.StrictLessThan, sp.GreaterThan: sp.LessThan}[type(c)]
        return flipped(sp.factor(-num), 0)
    return c.func(num, 0)


def _agree(before: sp.Expr, after: sp.Expr, families: tuple[Family, ...], conditions: tuple[sp.Basic, ...],
           points: int = 3) -> bool:
    """Whether two forms have the same value (15 digits) at random valid points where the conditions
    hold; symbols beyond the families' (the order alpha) are drawn from (0, 1) and (1, 4)."""
    from ..expectation import _mp_value
    from ..sampling import holds_at, sample_points

    extra = sorted((before.free_symbols | after.free_symbols) - set().union(*(f.free_symbols for f in families)),
                   key=str)
    rng = random.Random(11)
    used = 0
    for point in sample_points(families, 4 * points, 11):
        for _ in range(8):
            full = {**point, **{s: sp.Rational(rng.choice([rng.randint(50, 950), rng.randint(1050, 3950)]), 1000)
                                for s in extra}}
            if holds_at(conditions, full):
                break
        else:
            continue
        try:
            a, b = _mp_value(before, full), _mp_value(after, full)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            return False
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or abs(a - b) > mpmath.mpf(10) ** -15 * max(1, abs(a)):
            return False
        used += 1
        if used == points:
            return True
    return False


def _exp_form(expr: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """A product of exponentials and powers (an integral I_a itself) as exp(R) times powers: its
    logarithm in split form (:func:`_split_form`), exponentiated term by term."""
    if not expr.has(sp.exp):
        return expr
    logs, rest = _split_parts(sp.log(expr), reparams)
    powers = sp.exp(sp.expand(logs))
    return (_powers(powers) if isinstance(powers, sp.exp) else powers) * sp.exp(rest)


def checked_tidy(before: sp.Expr, families: tuple[Family, ...], conditions: tuple[sp.Basic, ...]) -> sp.Expr:
    """The most compact of ``tidy(before)`` and :func:`_split_form` that has the value of ``before``
    at sampled points (``before`` itself when neither has)."""
    def attempt() -> sp.Expr:
        best, best_ops = before, ops(before)
        reparams = {k: v for f in families for k, v in reparams_of(f).items()}
        for make in (tidy, lambda e: tidy(_cleanup(e)), lambda e: _split_form(e, reparams),
                     lambda e: _exp_form(e, reparams)):
            try:
                out = make(before)
            except (ValueError, TypeError, ArithmeticError, sp.PolynomialError):
                continue
            if out.has(sp.I):
                continue
            n = ops(out)
            if n < best_ops and _agree(before, out, families, conditions):
                best, best_ops = out, n
        return best

    try:
        return within_budget(attempt, lambda _: before) if has_huge_numbers(before) else attempt()
    except BudgetSpent:
        return before


#: an exact order's numerator and denominator at most this (p^(10^400) would never finish)
_MAX_ORDER_INT = 10**6

#: names that read as SymPy constants or numbers: refused as the name of an order
_RESERVED = frozenset({"pi", "E", "I", "oo", "zoo", "nan", "inf", "S", "N", "O", "Q", "P"})


def _order(measure: Measure, alpha: object) -> sp.Expr:
    """The order a as a SymPy number or symbol: positive, and not 1."""
    if isinstance(alpha, str):
        text = alpha.strip()
        number = re.fullmatch(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:/(\d+))?", text)
        if number:
            a = sp.Rational(number.group(1)) / (int(number.group(2)) if number.group(2) else 1)
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", text) and text not in _RESERVED:
            a = sp.Symbol(text, positive=True)
        else:
            raise InvalidParameterError(measure.title, "alpha", alpha, "a number (2, 0.5, 1/2) or a name (alpha)")
    else:
        try:
            a = sp.sympify(alpha, strict=True)
        except (sp.SympifyError, TypeError):
            raise InvalidParameterError(measure.title, "alpha", alpha, "a positive number other than 1, or a "
                                        "symbol") from None
    if (isinstance(alpha, float) and not math.isfinite(alpha)) or (
            isinstance(a, sp.Basic) and a.has(sp.nan, sp.zoo, sp.oo, -sp.oo)):
        raise InvalidParameterError(measure.title, "alpha", alpha, "(0, 1) or (1, oo)", "the order must be finite")
    if isinstance(a, sp.Float):
        a = sp.Rational(str(a))  # the decimal it prints as
    if isinstance(a, sp.Rational) and (abs(a.p) > _MAX_ORDER_INT or a.q > _MAX_ORDER_INT):
        raise InvalidParameterError(measure.title, "alpha", alpha, f"numerators, denominators up to {_MAX_ORDER_INT}",
                                    "exact powers of that order are not computed")
    if not isinstance(a, sp.Expr) or a.is_extended_real is False or a.is_positive is False or a.has(sp.oo, sp.zoo):
        raise InvalidParameterError(measure.title, "alpha", alpha, "(0, 1) or (1, oo)", "the order must be positive")
    if a == 1:
        raise InvalidParameterError(measure.title, "alpha", alpha, "(0, 1) or (1, oo)",
                                    "at alpha = 1 the Renyi divergence is the limit KL(P || Q): use kl_divergence")
    if not a.is_number and not a.is_Symbol:
        raise InvalidParameterError(measure.title, "alpha", alpha, "a number or a single symbol")
    if a.is_Symbol and a.is_positive is not True:
        raise InvalidParameterError(measure.title, "alpha", alpha, "a positive symbol",
                                    "declare it positive, e.g. sympy.Symbol('alpha', positive=True), or pass its name")
    return a


def _apply(transform: Callable[[sp.Expr], sp.Expr], value: sp.Expr) -> sp.Expr:
    """T(I) for a step's value; at I = +oo and I = 0 (disjoint supports) T's limit there."""
    if value in (sp.oo, sp.Integer(0)):
        t = sp.Dummy("t", positive=True)
        return sp.limit(transform(t), t, value, "-" if value == sp.oo else "+")
    return transform(value)


def derive_from_power(measure: Measure, P: Family, Q: Family, a: sp.Expr,
                      transform: Callable[[sp.Expr], sp.Expr], note: str,
                      options: tuple[tuple[str, sp.Expr], ...] = ()) -> Derivation:
    """A measure T(I_a): the definition, each step of I_a under T, then the tidied closed form."""
    _common_variable(P, Q)
    P._check_pair(Q)
    Q._check_pair(P)
    power = power_integral_steps(P, Q, a)
    families = (P, Q)
    conditions = strongest(power.conditions)
    extra: tuple[sp.Basic, ...] = ()
    if a.is_Symbol:
        extra = (sp.Ne(a, 1),)
    steps = [Step(StepKind.DEFINITION, transform(power.steps[0].expr), note)]
    steps += [Step(s.kind, _apply(transform, s.expr), s.note) for s in power.steps[1:]]
    if power.complete and power.value != sp.oo and power.value != 0:  # (an explicit integral: nothing to tidy)
        # the integral tidied first (the transform is exact), then the measure as a whole
        known = (*_assumptions(*families), *extra, *conditions)
        before = steps[-1].expr
        inner = checked_tidy(power.value, families, known)
        after = checked_tidy(transform(inner), families, known)
        if after != before:
            steps.append(Step(StepKind.TIDY, after, "collect terms, combine logarithms and exponentials"))
    assumptions = strongest(_assumptions(*families) + extra + conditions)
    return Derivation(measure, families, tuple(steps), assumptions, power.complete, conditions, options)


def power_measure(measure: Measure, a: sp.Expr | None, transform: Callable[[sp.Expr, sp.Expr], sp.Expr],
                  note: str) -> Callable[..., Derivation]:
    """The public function of a measure made of I_a (fixed ``a``, or the order as its ``alpha``)."""
    def derive(P: Family, Q: Family, *, order: sp.Expr) -> Derivation:
        options = (("alpha", order),) if a is None else ()
        return derive_from_power(measure, P, Q, order, lambda e: transform(e, order), note, options)

    def function(P: Family, Q: Family, alpha: object = None) -> Derivation:
        P, Q = _require_pair(P, Q)
        if a is None:
            if alpha is None:
                raise InvalidParameterError(measure.title, "alpha", alpha, "(0, 1) or (1, oo)", "the order is required")
            order = _order(measure, alpha)
        else:
            order = a
        if order.is_Symbol and str(order) in {str(x) for f in (P, Q) for x in f.free_symbols}:
            raise InvalidParameterError(measure.title, "alpha", alpha, "a name other than the families' parameters",
                                        "the order would be the same symbol as a parameter")
        return _exact_then_float(functools.partial(_derived, measure.name, order=order), P, Q)

    _DERIVERS[measure.name] = derive
    return function


#: each power measure's derivation (families, order) -> Derivation, by measure name
_DERIVERS: dict[str, Callable[..., Derivation]] = {}


@functools.lru_cache(maxsize=CACHE_SIZE)
def _derived(name: str, P: Family, Q: Family, order: sp.Expr) -> Derivation:
    """The measure's derivation, cached per (measure, families, order)."""
    return _DERIVERS[name](P, Q, order=order)


register_cache(_derived)
register_cache(power_integral_steps)
