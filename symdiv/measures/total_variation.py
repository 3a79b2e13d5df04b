"""The total variation distance TV(P, Q) = 1/2 int |p - q| = sup_A |P(A) - Q(A)| = P(A*) - Q(A*),
A* = {x : p(x) > q(x)}, derived from its definition.

* **Finite supports** (Bernoulli, an explicit Categorical, a Binomial with a numeric n): the sum
  1/2 sum_x |p(x) - q(x)| over the union of the atoms (p or q is 0 off its own atoms), exact; with
  symbolic parameters the absolute values stay.
* **Continuous families**: the crossing points of p and q on the common support are the real roots
  of log p(x) = log q(x); between consecutive ones p - q keeps its sign, so each piece contributes
  |F_P - F_Q| evaluated at its ends (F the CDFs, :meth:`symdiv.family.Family.cdf`). Mass of P outside
  supp Q counts fully. For symbolic parameters the crossings are derived only where their number
  is certain: log p - log q a polynomial of degree 1 or 2 in a monotone t(x) (x, log x, x^k) with
  equal supports (p - q changes sign there because both integrate to 1, which places every root
  of degree 1, and both roots of degree 2 when t ranges over R, in the support), or the two
  absolute values of equal-scale Laplace densities. With one crossing c, TV = |F_P(c) - F_Q(c)|;
  with two, c1 and c2, TV = |F_P(c2) - F_Q(c2) - F_P(c1) + F_Q(c1)| (both symmetric in the order).
  Numeric parameters: any pair whose crossings SymPy's ``solve`` finds within the work budget.
* What has no closed form stays the explicit integral (or series) 1/2 int |p - q| over the union of
  the supports, ``is_complete == False``; :func:`sympy.N` evaluates it.

Every closed form obtained by solving and integrating is compared with mpmath quadrature of
1/2 int |p - q| at sampled parameter points before it is returned; where it disagrees the explicit
integral is returned instead.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp

from ..budget import BudgetSpent, shared_budget, within_budget
from ..derivation import Derivation, Step, StepKind
from ..errors import UnsupportedError
from ..explicit import ExplicitIntegral, ExplicitSum, has_huge_numbers, kinks_of, safe_lambdify
from ..family import Family, X, reparams_of
from ..support import FiniteAtoms, IntegerRange, RealInterval, Support, decide_nonnegative
from ..symbols import index_symbol
from ..tidy import ops
from .base import Measure
from .classic import CACHE_SIZE, _assumptions, _common_variable, _exact_then_float, _require_pair, register_cache
from .power import _cleanup
from .registry import register

__all__ = ["TOTAL_VARIATION", "total_variation"]

TOTAL_VARIATION = Measure(
    "total_variation", "total variation distance", 2, "TV(${P}, ${Q})", "TV(${P}, ${Q})",
    r"\operatorname{TV}(${P}, ${Q})", "TV(P, Q) = 1/2 int |p(x) - q(x)| dx = sup_A |P(A) - Q(A)|", "tv",
    aliases=("TV",), symmetric=True, metric=True, values="[0, 1]", in_nats=False,
    help="TV(P, Q) = sup_A |P(A) - Q(A)|, the total variation distance")

HALF = sp.Rational(1, 2)
_DEFINITION_NOTE = "TV(P, Q) = 1/2 int |p(x) - q(x)| dx = sup_A |P(A) - Q(A)| = P(A*) - Q(A*), A* = {p > q}"
#: absolute agreement a closed form must reach with quadrature (TV lies in [0, 1])
_CHECK_TOL = mpmath.mpf(10) ** -15
_CHECK_POINTS = 3


# ---------------------------------------------------------------------------------------- helpers
def _atoms(supp: Support) -> tuple[int, ...] | None:
    if isinstance(supp, FiniteAtoms):
        return tuple(int(v) for v in supp.values)
    if isinstance(supp, IntegerRange):
        return supp.atoms()
    return None


def _max(a: sp.Expr, b: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    if a == b or b == -sp.oo or a == sp.oo:
        return a
    if a == -sp.oo or b == sp.oo:
        return b
    verdict = decide_nonnegative(b - a, reparams)
    return sp.Max(a, b) if verdict is None else (b if verdict else a)


def _min(a: sp.Expr, b: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    if a == b or b == sp.oo or a == -sp.oo:
        return a
    if a == sp.oo or b == -sp.oo:
        return b
    verdict = decide_nonnegative(b - a, reparams)
    return sp.Min(a, b) if verdict is None else (a if verdict else b)


def _on(F: Family, supp: RealInterval, inside: bool, x: sp.Expr = X) -> sp.Expr:
    """The density of F at x, written as 0 off supp F where the integral reaches beyond it."""
    if inside:
        return F.density(x)
    cond = sp.And(*(c for c in (x > supp.lo if supp.lo != -sp.oo else sp.true,
                                x < supp.hi if supp.hi != sp.oo else sp.true)))
    return sp.Piecewise((F.density(x), cond), (0, True))


def _cdf(F: Family, supp: RealInterval, at: sp.Expr) -> sp.Expr | None:
    """F(at) for a point in the closure of supp F (0 and 1 at its ends), None when F has no CDF."""
    if at == -sp.oo or at == supp.lo:
        return sp.Integer(0)
    if at == sp.oo or at == supp.hi:
        return sp.Integer(1)
    value = F.cdf(at)
    return None if value is None else sp.sympify(value)


def _ne(expr: sp.Expr) -> sp.Basic:
    """expr != 0 as a readable condition: factors known positive dropped, a - b != 0 as a != b."""
    num, _ = sp.fraction(sp.together(expr))
    kept = [f for f in sp.Mul.make_args(sp.factor(num)) if not f.is_number and f.is_positive is not True]
    kept = [f.base if f.is_Pow and f.exp.is_positive else f for f in kept]
    if len(kept) == 1 and kept[0].is_Add and len(kept[0].args) == 2:
        a, b = kept[0].args
        if a.could_extract_minus_sign():
            a, b = b, a
        return sp.Ne(a, -b)
    return sp.Ne(sp.Mul(*kept) if kept else expr, 0)


def _real_number(e: sp.Expr) -> sp.Float | None:
    """The value of a parameter-free expression when it is real (to 40 digits), else None."""
    try:
        v = sp.N(e, 40)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if not v.is_number:
        return None
    re, im = v.as_real_imag()
    if not re.is_Number or (im.is_Number and abs(im) > 10**-30 * max(1, abs(re))) or not im.is_Number:
        return None
    return re


# ---------------------------------------------------------------------------------------- crossings
def _numeric_roots(r: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> list[sp.Expr] | None:
    """The real roots of r (no parameters) strictly between lo and hi, plus the kinks of its
    absolute values there (the extra break points do no harm); None where SymPy finds none."""
    kinks = sorted({sp.nsimplify(sp.Rational(str(k))) for k in kinks_of(r, X)})
    lo_n, hi_n = (sp.N(lo, 40) if lo.is_finite else lo), (sp.N(hi, 40) if hi.is_finite else hi)
    inside = [k for k in kinks if bool(lo_n < k) and bool(k < hi_n)]
    edges = [lo, *inside, hi]
    out: list[sp.Expr] = list(inside)
    for a, b in zip(edges, edges[1:]):
        mid = _interior(a, b)
        piece = r.replace(lambda e: isinstance(e, sp.Abs),
                          lambda e: e.args[0] * (1 if sp.N(e.args[0].subs(X, mid)) >= 0 else -1))  # noqa: B023
        if not piece.has(X):
            continue
        roots = _polynomial_roots(piece, a, b)
        if roots is None:
            try:
                roots = sp.solve(piece, X)
            except (NotImplementedError, ValueError, TypeError):
                return None
            if not isinstance(roots, list) or any(has_huge_numbers(c) for c in roots):
                return None
        a_n, b_n = (sp.N(a, 40) if a.is_finite else a), (sp.N(b, 40) if b.is_finite else b)
        for root in roots:
            v = _real_number(root)
            if v is not None and bool(a_n < v) and bool(v < b_n):
                out.append(root)
    return sorted(set(out), key=lambda e: _real_number(e) or 0)


def _polynomial_roots(r: sp.Expr, a: sp.Expr, b: sp.Expr) -> list[sp.Expr] | None:
    """The real roots of r (numbers for parameters) when r is a polynomial of degree 1 or 2 in a
    monotone t(x) on (a, b), by the formulas (SymPy's ``solve`` folds logarithms of numbers into
    powers of thousands of digits); None otherwise. Roots outside (a, b) are filtered by the caller."""
    found = _monotone_t(r, RealInterval(a, b), {})
    if found is None:
        return None
    t, poly, inverse, _ = found
    T = poly.gens[0]
    coeffs = poly.all_coeffs()
    if poly.degree() == 1:
        ts = [-coeffs[1] / coeffs[0]]
    elif poly.degree() == 2:
        c2, c1, c0 = coeffs
        disc = sp.expand(c1**2 - 4 * c2 * c0)
        size = _real_number(disc)
        if size is None:
            return None
        ts = [] if size < 0 else [(-c1 - sp.sqrt(disc)) / (2 * c2), (-c1 + sp.sqrt(disc)) / (2 * c2)]
    else:
        return None
    if t != X and t != sp.log(X):  # x^k: t > 0
        ts = [v for v in ts if (_real_number(v) or 0) > 0]
    return [inverse.subs(T, v) for v in ts]


def _interior(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if a == -sp.oo and b == sp.oo:
        return sp.Integer(0)
    if a == -sp.oo:
        return b - 1
    if b == sp.oo:
        return a + 1
    return (a + b) / 2


def _monotone_t(r: sp.Expr, supp: RealInterval,
                reparams: dict[sp.Symbol, sp.Expr]) -> tuple[sp.Expr, sp.Poly, sp.Expr, bool] | None:
    """r as a polynomial in a monotone t(x) on the support: (t, the polynomial in T, x as a function of T,
    whether t ranges over all of R there)."""
    T = sp.Dummy("T", real=True)
    nonneg = supp.lo != -sp.oo and decide_nonnegative(supp.lo, reparams) is True
    candidates: list[sp.Expr] = [X]
    if nonneg:
        candidates.append(sp.log(X))
        candidates += sorted({p for p in r.atoms(sp.Pow) if p.base == X and not p.exp.has(X)
                              and p.exp.is_positive}, key=str)
    best: tuple[sp.Expr, sp.Poly, sp.Expr, bool] | None = None
    for t in candidates:
        if t == X:
            if not r.is_polynomial(X):
                continue
            body = r.subs(X, T)
            inverse, whole = T, supp.lo == -sp.oo and supp.hi == sp.oo
        else:
            body = r.subs(t, T)
            if body.has(X):
                continue
            if t == sp.log(X):
                inverse, whole = sp.exp(T), supp.lo == 0 and supp.hi == sp.oo
            else:
                assert isinstance(t, sp.Pow)
                inverse, whole = T ** (1 / t.exp), False
        num, den = sp.fraction(sp.together(sp.expand(body)))
        if den.has(T):
            continue
        try:
            poly = sp.Poly(sp.expand(num), T)  # cleared of denominators (nonzero): the same roots
        except sp.PolynomialError:
            continue
        if any(c.has(X) for c in poly.all_coeffs()):
            continue
        if best is None or (poly.degree(), not whole) < (best[1].degree(), not best[3]):
            best = (t, poly, inverse, whole)
    return best


def _symbolic_roots(r: sp.Expr, supp: RealInterval,
                    reparams: dict[sp.Symbol, sp.Expr]) -> tuple[list[sp.Expr], list[sp.Basic], str] | None:
    """The crossings on supp (shared by P and Q) for symbolic parameters where their number is
    certain: (roots, conditions they need, why); None otherwise."""
    if r.has(sp.Abs):
        # equal-scale Laplace: c (|x - m1| - |x - m2|) = 0 at x = (m1 + m2)/2 only
        terms = sp.Add.make_args(sp.expand(r))
        absolutes = [t for t in terms if t.has(X)]
        rest = sp.Add(*(t for t in terms if not t.has(X)))
        if len(absolutes) != 2 or rest != 0 or supp.lo != -sp.oo or supp.hi != sp.oo:
            return None
        parts = []
        for t in absolutes:
            coeff, body = t.as_independent(X, as_Add=False)
            if not isinstance(body, sp.Abs) or sp.expand(body.args[0]).coeff(X) not in (1, -1):
                return None
            arg = sp.expand(body.args[0])
            parts.append((coeff, arg - arg.coeff(X) * X, arg.coeff(X)))
        (c1, k1, s1), (c2, k2, s2) = parts
        if sp.simplify(c1 + c2) != 0:
            return None
        m1, m2 = -k1 / s1, -k2 / s2
        return [(m1 + m2) / 2], [], (f"|x - {m1}| = |x - {m2}| only at the midpoint (the scales are equal)")
    found = _monotone_t(r, supp, reparams)
    if found is None:
        return None
    t, poly, inverse, whole = found
    degree = poly.degree()
    coeffs = poly.all_coeffs()
    shown = sp.sstr(t).replace("X", "x")
    if degree <= 0:
        return [], [], "log p - log q does not depend on x"
    if degree == 1:
        c1, c0 = coeffs
        root = inverse.subs(poly.gens[0], -c0 / c1)
        return [root], [_ne(c1)], (f"log p - log q is linear in t = {shown}, and p - q changes sign on the common "
                                   "support (both integrate to 1): exactly one crossing")
    if degree == 2 and whole:
        c2, c1, c0 = coeffs
        T = poly.gens[0]
        disc = sp.sqrt(_simplest(sp.expand(c1**2 - 4 * c2 * c0), logs=False))
        roots = [inverse.subs(T, (-c1 - disc) / (2 * c2)), inverse.subs(T, (-c1 + disc) / (2 * c2))]
        return roots, [_ne(c2)], (f"log p - log q is quadratic in t = {shown}, which ranges over R; p - q changes "
                                  "sign (both integrate to 1) and has one sign at both ends: exactly two crossings")
    return None


# ---------------------------------------------------------------------------------------- numbers
def _approximate_crossings(P: Family, Q: Family, lo: sp.Expr, hi: sp.Expr) -> list[sp.Rational]:
    """Rational points within 1e-25 of the sign changes of p - q in (lo, hi) seen on a grid (numeric
    families only): break points for an explicit integral, whose value does not depend on them."""
    sp_, sq = P.support(), Q.support()
    assert isinstance(sp_, RealInterval) and isinstance(sq, RealInterval)
    with mpmath.workdps(40):
        def num(e: sp.Expr) -> Any:
            return mpmath.mpf(sp.N(e, 45))
        marks = [m for F, s in ((P, sp_), (Q, sq)) for m in F._quad_points(s) if mpmath.isfinite(m)]
        lo_m = num(lo) if lo.is_finite else None
        hi_m = num(hi) if hi.is_finite else None
        marks = [m for m in marks if (lo_m is None or m > lo_m) and (hi_m is None or m < hi_m)] or [mpmath.mpf(0)]
        span = max(marks) - min(marks) + 1
        a = lo_m if lo_m is not None else min(marks) - 20 * span
        b = hi_m if hi_m is not None else max(marks) + 20 * span
        grid = [a + (b - a) * mpmath.mpf(i) / 4000 for i in range(1, 4000)]
        grid += [mpmath.mpf(10) ** k for k in range(-8, 8) if a < mpmath.mpf(10) ** k < b]
        grid = sorted(set(grid))
        fp, fq = safe_lambdify(X, P.density(X)), safe_lambdify(X, Q.density(X))

        def f(x: Any) -> Any:
            return (fp(x) if sp_.lo <= x <= sp_.hi else 0) - (fq(x) if sq.lo <= x <= sq.hi else 0)

        out: list[sp.Rational] = []
        try:
            values = [f(x) for x in grid]
        except (ValueError, TypeError, ArithmeticError):
            return out
        for (x0, v0), (x1, v1) in zip(zip(grid, values), zip(grid[1:], values[1:])):
            if v0 == 0 or v1 == 0 or (v0 > 0) == (v1 > 0):
                continue
            for _ in range(120):
                mid = (x0 + x1) / 2
                vm = f(mid)
                if (vm > 0) == (v0 > 0):
                    x0, v0 = mid, vm
                else:
                    x1 = mid
            out.append(sp.Rational(mpmath.nstr((x0 + x1) / 2, 30)))
        return out


def _reference(P: Family, Q: Family, breaks: Sequence[sp.Expr]) -> Any:
    """1/2 int |p - q| by mpmath quadrature over the union of the (numeric) supports, split at the
    supports' ends and at ``breaks``."""
    sp_, sq = P.support(), Q.support()
    assert isinstance(sp_, RealInterval) and isinstance(sq, RealInterval)
    with mpmath.workdps(40):
        def num(e: sp.Expr) -> Any:
            return mpmath.inf if e == sp.oo else (-mpmath.inf if e == -sp.oo else mpmath.mpf(sp.N(e, 45)))
        ends = {num(e) for e in (sp_.lo, sp_.hi, sq.lo, sq.hi)}
        ends |= {num(b) for b in breaks}
        ends |= {mpmath.mpf(k) for F in (P, Q) for k in kinks_of(F.density(X), X)}
        lo, hi = min(ends), max(ends)
        points = sorted(e for e in ends if mpmath.isfinite(e))
        if points:
            points = sorted(set(points) | {points[0] - 1, points[-1] + 1})
        points = [lo, *(p for p in points if lo < p < hi), hi]
        fp, fq = safe_lambdify(X, P.density(X)), safe_lambdify(X, Q.density(X))
        pl, ph, ql, qh = num(sp_.lo), num(sp_.hi), num(sq.lo), num(sq.hi)

        def f(x: Any) -> Any:
            a = fp(x) if pl < x < ph else 0
            b = fq(x) if ql < x < qh else 0
            return abs(a - b) / 2

        total = mpmath.mpf(0)
        for a, b in zip(points, points[1:]):
            if a < b:
                total += mpmath.quad(f, [a, b])
        return total


def _checked(value: sp.Expr, P: Family, Q: Family, roots: Sequence[sp.Expr], conditions: Sequence[sp.Basic]) -> bool:
    """Whether ``value`` matches quadrature at sampled parameter points (or at the numbers given)."""
    from ..expectation import _mp_value
    from ..sampling import sample_points

    families = (P, Q)
    points = sample_points(families, _CHECK_POINTS, 23, tuple(conditions))
    if not points:
        return False
    for point in points:
        scalars = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
        try:
            Pn, Qn = (P.at(point), Q.at(point)) if point else (P, Q)
            if scalars:  # numerically: substituting exact numbers makes SymPy evaluate (slowly)
                breaks = [sp.Float(mpmath.nstr(_mp_value(root, scalars), 30), 30) for root in roots]
                got = _mp_value(value, scalars)
            else:
                found = [_real_number(root) for root in roots]
                if any(v is None for v in found):
                    return False
                breaks = [v for v in found if v is not None]
                got = mpmath.mpf(sp.N(value, 30))
            ref = _reference(Pn, Qn, breaks)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            return False
        if not mpmath.isfinite(got) or abs(got - ref) > _CHECK_TOL * 10**3:
            return False
    return True


# ---------------------------------------------------------------------------------------- tidying
def _odd(expr: sp.Expr) -> sp.Expr:
    """erf(-z) = -erf(z): of two erfs whose arguments add to 0, one written with the other."""
    subs: dict[sp.Basic, sp.Expr] = {}
    found = sorted(expr.atoms(sp.erf), key=sp.default_sort_key)
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            if a not in subs and b not in subs and sp.expand(a.args[0] + b.args[0]) == 0:
                subs[b] = -a
    return expr.xreplace(subs)


def _abs_erf(expr: sp.Expr) -> sp.Expr:
    """|c erf(z)| = |c| erf(|z|) for real z (erf is odd and increasing); |sign(z) A| = |A|;
    |1 - exp(-A)| = 1 - exp(-A) for A >= 0."""
    def fix(e: sp.Abs) -> sp.Expr:
        inner = e.args[0]
        coeff, body = inner.as_independent(sp.erf, sp.sign, as_Add=False)
        if isinstance(body, sp.erf) and body.args[0].is_extended_real and coeff.is_number and coeff.is_real:
            return abs(coeff) * sp.erf(sp.Abs(body.args[0]))
        if isinstance(body, sp.sign) and body.args[0].is_extended_real:
            return fix(sp.Abs(coeff)) if isinstance(sp.Abs(coeff), sp.Abs) else sp.Abs(coeff)
        if inner.is_Add and len(inner.args) == 2 and sp.Integer(1) in inner.args:
            other = inner - 1
            if isinstance(-other, sp.exp) and (-(-other).args[0]).is_nonnegative:
                return inner
        return e
    return expr.replace(lambda e: isinstance(e, sp.Abs), fix)


def _exp_log(expr: sp.Expr) -> sp.Expr:
    """exp(c log b) = b^c."""
    def fix(e: sp.exp) -> sp.Expr:
        coeff, body = e.args[0].as_independent(sp.log, as_Add=False)
        return body.args[0] ** coeff if isinstance(body, sp.log) and not coeff.is_number else e
    return expr.replace(lambda e: isinstance(e, sp.exp), fix)


def _tidy(value: sp.Expr, P: Family, Q: Family, conditions: Sequence[sp.Basic]) -> sp.Expr:
    """Targeted value-preserving rewrites, kept only when shorter and numerically the same."""
    from ..expectation import _mp_value
    from ..sampling import sample_points

    candidates = []
    for make in (_abs_erf, lambda e: _abs_erf(sp.factor_terms(_odd(e))), lambda e: sp.factor_terms(_abs_erf(_odd(e))),
                 _exp_log):
        try:
            candidates.append(make(value))
        except (TypeError, ValueError, ArithmeticError):
            continue
    best = value
    for c in candidates:
        if ops(c) >= ops(best) or c.has(sp.I):
            continue
        points = sample_points((P, Q), 2, 5, tuple(conditions))
        try:
            same = all(abs(_mp_value(value, pt) - _mp_value(c, pt)) <= _CHECK_TOL for pt in points) and points
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            same = False
        if same:
            best = c
    return best


# ---------------------------------------------------------------------------------------- discrete
def _discrete(P: Family, Q: Family, steps: list[Step]) -> tuple[sp.Expr, bool]:
    sp_, sq = P.support(), Q.support()
    ap, aq = _atoms(sp_), _atoms(sq)
    if ap is not None and aq is not None:
        union = sorted(set(ap) | set(aq))
        mine, theirs = set(ap), set(aq)

        def diff(k: int) -> sp.Expr:
            p = P.density(sp.Integer(k)) if k in mine else sp.Integer(0)
            q = Q.density(sp.Integer(k)) if k in theirs else sp.Integer(0)
            return p - q

        with sp.evaluate(False):
            shown = sp.Mul(HALF, sp.Add(*(sp.Abs(diff(k)) for k in union)))
        steps.append(Step(StepKind.DEFINITION, shown, _DEFINITION_NOTE + "; a sum over the atoms of P and Q"))
        value = HALF * sp.Add(*(sp.Abs(sp.expand(diff(k))) for k in union))
        steps.append(Step(StepKind.SUM, value, "summed over the union of the atoms, "
                          "{" + ", ".join(map(str, union)) + "} (p or q is 0 off its own atoms)"))
        return value, True
    assert isinstance(sp_, (FiniteAtoms, IntegerRange)) and isinstance(sq, (FiniteAtoms, IntegerRange))

    def bounds(s: Support) -> tuple[sp.Expr, sp.Expr]:
        if isinstance(s, FiniteAtoms):
            return sp.Integer(min(s.values)), sp.Integer(max(s.values))
        assert isinstance(s, IntegerRange)
        return sp.ceiling(s.lo), sp.floor(s.hi)

    (lp, hp), (lq, hq) = bounds(sp_), bounds(sq)
    k = index_symbol(P.free_symbols | Q.free_symbols)
    if (lp, hp) == (lq, hq) and not isinstance(sp_, FiniteAtoms) and not isinstance(sq, FiniteAtoms):
        body = HALF * sp.Abs(P.density(k) - Q.density(k))
        lo, hi = lp, hp
    elif all(b.is_number for b in (lp, hp, lq, hq)):
        def term(F: Family, s: Support, lo_: sp.Expr, hi_: sp.Expr) -> sp.Expr:
            if isinstance(s, FiniteAtoms):
                return sp.Piecewise((F.density(k), sp.Or(*(sp.Eq(k, v) for v in s.values))), (0, True))
            return sp.Piecewise((F.density(k), sp.And(k >= lo_, k <= hi_)), (0, True))
        body = HALF * sp.Abs(term(P, sp_, lp, hp) - term(Q, sq, lq, hq))
        lo, hi = sp.Min(lp, lq), sp.Max(hp, hq)
    else:
        raise UnsupportedError(f"{P!r} vs {Q!r}: integer supports with symbolic ends that differ; the total "
                               "variation series is not set up here")
    value = ExplicitSum(body, (k, lo, hi))
    steps.append(Step(StepKind.DEFINITION, value, _DEFINITION_NOTE + "; a series over the integers"))
    steps.append(Step(StepKind.UNEVALUATED, value, "no closed form derived: the series stays explicit"))
    return value, False


# ---------------------------------------------------------------------------------------- continuous
def _explicit(P: Family, Q: Family, breaks: Sequence[sp.Expr], lo: sp.Expr, hi: sp.Expr,
              reparams: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """1/2 int |p - q| over the union (lo, hi) of the supports, split at sorted numeric ``breaks``."""
    sp_, sq = P.support(), Q.support()
    assert isinstance(sp_, RealInterval) and isinstance(sq, RealInterval)
    full_p = sp_.lo == lo and sp_.hi == hi
    full_q = sq.lo == lo and sq.hi == hi
    body = HALF * sp.Abs(_on(P, sp_, full_p) - _on(Q, sq, full_q))
    edges = [lo, *breaks, hi]
    return sp.Add(*(ExplicitIntegral(body, (X, a, b)) for a, b in zip(edges, edges[1:])))


def _continuous(P: Family, Q: Family, steps: list[Step], stated: list[sp.Basic]) -> tuple[sp.Expr, bool]:
    sp_, sq = P.support(), Q.support()
    if not (isinstance(sp_, RealInterval) and isinstance(sq, RealInterval)):
        raise UnsupportedError(f"{P!r} vs {Q!r}: the total variation distance is derived for distributions on the "
                               f"line (supp P = {sp_.text()}, supp Q = {sq.text()})")
    reparams = {**reparams_of(P), **reparams_of(Q)}
    lo_u, hi_u = _min(sp_.lo, sq.lo, reparams), _max(sp_.hi, sq.hi, reparams)
    definition = _explicit(P, Q, (), lo_u, hi_u, reparams)
    steps.append(Step(StepKind.DEFINITION, definition, _DEFINITION_NOTE))
    L, H = _max(sp_.lo, sq.lo, reparams), _min(sp_.hi, sq.hi, reparams)
    same = L == sp_.lo == sq.lo and H == sp_.hi == sq.hi
    numeric = not (P.free_symbols | Q.free_symbols)
    if same or L == -sp.oo or H == sp.oo:
        overlap: bool | None = True
    else:
        gap = decide_nonnegative(H - L, reparams)
        overlap = None if gap is None else (gap and (H - L).is_zero is not True)
    if overlap is False:
        steps.append(Step(StepKind.SUPPORT, sp.Integer(1), f"supp P = {sp_.text()} and supp Q = {sq.text()} do not "
                          "overlap: A = supp P has P(A) - Q(A) = 1"))
        return sp.Integer(1), True
    width = None
    if overlap is None:
        width = sp.Max(0, H - L)
        H = sp.Max(L, H)  # an empty common part becomes a point: P(C) = Q(C) = 0 and TV = 1
    where = (f"common support C = ({L}, {H}); P's mass outside supp Q counts fully: "
             "TV = P(supp P \\ C) + sum over the pieces of C where p > q of P(piece) - Q(piece)")
    steps.append(Step(StepKind.SUPPORT, definition, f"supp P = {sp_.text()}, supp Q = {sq.text()}" +
                      ("" if same else "; " + where)))
    r = sp.expand(P.log_density(X) - Q.log_density(X))

    roots: list[sp.Expr] | None
    why = ""
    if numeric:
        if not (L.is_number and H.is_number):
            roots = None
        else:
            try:
                roots = within_budget(lambda: _numeric_roots(r, L, H), lambda _: None)
            except BudgetSpent:
                roots = None
            why = "the real roots of log p(x) = log q(x) in the common support"
    else:
        found = _symbolic_roots(r, sp_, reparams) if same else (
            ([], [], "log p - log q does not depend on x") if not r.has(X) else None)
        if found is None:
            roots = None
        else:
            roots, conds, why = found
            stated.extend(conds)
    if roots is None:
        if numeric and lo_u.is_number and hi_u.is_number:
            definition = _explicit(P, Q, _approximate_crossings(P, Q, lo_u, hi_u), lo_u, hi_u, reparams)
        note = ("no crossing points of p and q found in closed form: the integral stays explicit" if numeric or same
                else "supports that differ with symbolic ends and x-dependent log p - log q: not derived in closed "
                "form; the integral stays explicit")
        steps.append(Step(StepKind.UNEVALUATED, definition, note))
        return definition, False

    roots = [_simplest(c) for c in roots]
    shown = ", ".join(sp.sstr(c) for c in roots) or "none"
    value = _closed(P, Q, sp_, sq, L, H, roots, r, same, numeric, reparams, width)
    pieces_note = f"crossing points of p and q ({why}): {shown}"
    if value is None:
        breaks = roots if numeric else []
        explicit = _explicit(P, Q, breaks if numeric else (), lo_u, hi_u, reparams) if numeric and \
            lo_u.is_number and hi_u.is_number else definition
        steps.append(Step(StepKind.UNEVALUATED, explicit, pieces_note + "; no CDF in closed form: the integrals stay "
                          "explicit"))
        return explicit, False
    pieces, closed = value
    steps.append(Step(StepKind.LINEARITY, pieces, pieces_note + "; p - q keeps its sign between consecutive ones"))
    cdfs = "; ".join(f"F_{n}(x) = {sp.sstr(F.cdf(X)).replace('X', 'x')}" for n, F in (("P", P), ("Q", Q))
                     if F.cdf(X) is not None)
    steps.append(Step(StepKind.INTEGRATE, closed,
                      f"P(a, b) - Q(a, b) = F_P(b) - F_P(a) - F_Q(b) + F_Q(a), with {cdfs}"))
    with shared_budget():
        try:
            ok = within_budget(lambda: _checked(closed, P, Q, roots, stated), lambda _: False)
        except BudgetSpent:
            ok = False
    if not ok:
        steps.append(Step(StepKind.UNEVALUATED, definition, "the closed form did not match quadrature at sampled "
                          "points: the integral stays explicit"))
        return definition, False
    for c in list(stated):  # a != b where a = b makes P = Q and the formula 0: not needed
        if isinstance(c, sp.Ne) and isinstance(c.lhs, sp.Symbol):
            at = {c.lhs: c.rhs}
            try:
                if closed.xreplace(at) == 0 and P._xreplace(at) == Q._xreplace(at):
                    stated.remove(c)
            except (ValueError, TypeError, ArithmeticError):
                continue
    tidied = _tidy(closed, P, Q, stated)
    if tidied != closed:
        steps.append(Step(StepKind.TIDY, tidied, "|erf(z)| = erf(|z|) for real z; common factors taken out"))
    return tidied, True


def _signed_fraction(e: sp.Expr, reparams: dict[sp.Symbol, sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """(numerator, denominator) of e, the denominator made positive where its sign is known."""
    num, den = sp.fraction(sp.together(e))
    if decide_nonnegative(-den, reparams) is True:
        num, den = sp.expand(-num), sp.expand(-den)
    return num, den


def _simplest(e: sp.Expr, logs: bool = True) -> sp.Expr:
    """The shortest of e, its cancelled, factored and (``logs``) log-combined forms (all equal to e)."""
    forms = [e]
    # log-combining numbers would fold c log(a) into log(a^c): an exact a^c of thousands of digits
    logs = logs and bool(e.free_symbols) and not any(p.exp == HALF for p in e.atoms(sp.Pow))
    for make in (sp.cancel, sp.factor, *((lambda t: sp.logcombine(sp.cancel(t))),) * logs):
        try:
            forms.append(make(e))
        except (sp.PolynomialError, TypeError, ValueError):
            continue
    return min(forms, key=ops)


def _closed(P: Family, Q: Family, sp_: RealInterval, sq: RealInterval, L: sp.Expr, H: sp.Expr,
            roots: list[sp.Expr], r: sp.Expr, same: bool, numeric: bool, reparams: dict[sp.Symbol, sp.Expr],
            width: sp.Expr | None) -> tuple[sp.Expr, sp.Expr] | None:
    """(the sum of piece integrals, its value from the CDFs), or None without CDFs."""
    def D(at: sp.Expr) -> sp.Expr | None:
        a, b = _cdf(P, sp_, at), _cdf(Q, sq, at)
        return None if a is None or b is None else _cleanup(a - b)  # the roots are real: log(exp(A)) = A

    def integral(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return ExplicitIntegral(P.density(X) - Q.density(X), (X, a, b))

    if not numeric:
        if same and len(roots) <= 2:
            if not roots:
                return sp.Integer(0), sp.Integer(0)
            found = [D(c) for c in roots]
            values = [v for v in found if v is not None]
            if len(values) != len(found):
                return None
            if len(roots) == 1:
                return sp.Abs(integral(sp_.lo, roots[0])), sp.Abs(values[0])
            return sp.Abs(integral(roots[0], roots[1])), sp.Abs(values[1] - values[0])
        if not roots:  # p/q constant on C: TV = 1 - min(P(C), Q(C))
            fp = [v for v in (_cdf(P, sp_, e) for e in (L, H)) if v is not None]
            fq = [v for v in (_cdf(Q, sq, e) for e in (L, H)) if v is not None]
            if len(fp) + len(fq) != 4:
                return None
            mass_p, mass_q = sp.cancel(fp[1] - fp[0]), sp.cancel(fq[1] - fq[0])
            (np_, dp), (nq, dq) = _signed_fraction(mass_p, reparams), _signed_fraction(mass_q, reparams)
            if np_ == nq and np_ != 0 and decide_nonnegative(dp, reparams) and decide_nonnegative(dq, reparams):
                if width is not None:  # Max(L, M) - L = Max(0, M - L), the length of the common part
                    np_ = sp.expand(np_.xreplace({H: L + width}))
                smaller = np_ / sp.Max(dp, dq)
            else:
                smaller = sp.Min(mass_p, mass_q)
            shown = 1 - sp.Min(ExplicitIntegral(P.density(X), (X, L, H)), ExplicitIntegral(Q.density(X), (X, L, H)))
            return shown, 1 - smaller
        return None
    edges = [L, *roots, H]
    total_shown: list[sp.Expr] = []
    total: list[sp.Expr] = []
    mass = [_cdf(P, sp_, L), _cdf(P, sp_, H)]
    if mass[0] is None or mass[1] is None:
        return None
    outside = 1 - (mass[1] - mass[0])
    if outside != 0:
        total.append(outside)
        total_shown.append(1 - ExplicitIntegral(P.density(X), (X, L, H)))
    for a, b in zip(edges, edges[1:]):
        mid = _interior(a, b)
        sign = _real_number(r.subs(X, mid))
        if sign is None:
            return None
        if sign <= 0:
            continue
        da, db = D(a), D(b)
        if da is None or db is None:
            return None
        total.append(db - da)
        total_shown.append(integral(a, b))
    return sp.Add(*total_shown), sp.Add(*total)


# ---------------------------------------------------------------------------------------- entry
def _derive(P: Family, Q: Family) -> Derivation:
    _common_variable(P, Q)
    P._check_pair(Q)
    Q._check_pair(P)
    families = (P, Q)
    steps: list[Step] = []
    stated: list[sp.Basic] = []
    sp_, sq = P.support(), Q.support()
    if sp_.discrete != sq.discrete:
        kind = "P is discrete and Q continuous" if sp_.discrete else "P is continuous and Q discrete"
        steps.append(Step(StepKind.DEFINITION, sp.Integer(1), _DEFINITION_NOTE))
        steps.append(Step(StepKind.SUPPORT, sp.Integer(1), f"{kind}: they are mutually singular (A = the atoms of "
                          "the discrete one has probability 1 under it and 0 under the other), so TV = 1"))
        complete = True
    elif sp_.discrete:
        _, complete = _discrete(P, Q, steps)
    else:
        with shared_budget():
            _, complete = _continuous(P, Q, steps, stated)
    assumptions = tuple(dict.fromkeys((*_assumptions(*families), *stated)))
    return Derivation(TOTAL_VARIATION, families, tuple(steps), assumptions, complete)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _total_variation(P: Family, Q: Family) -> Derivation:
    return _derive(P, Q)


register_cache(_total_variation)


def total_variation(P: Family, Q: Family) -> Derivation:
    """The total variation distance TV(P, Q) = 1/2 int |p - q| = sup_A |P(A) - Q(A)|, derived step by step.

    >>> import symdiv as sd
    >>> sd.total_variation(sd.Bernoulli("p"), sd.Bernoulli("q")).expr
    Abs(p - q)
    >>> sd.total_variation(sd.Uniform(0, 1), sd.Uniform(0, 2)).expr
    1/2

    Normals of one sigma give erf(sqrt(2)*Abs(mu_1 - mu_2)/(4*sigma)) (a second or two: it solves
    for the crossing and checks the result by quadrature).
    """
    return _exact_then_float(_total_variation, *_require_pair(P, Q))


register(TOTAL_VARIATION, total_variation)
