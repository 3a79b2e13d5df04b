"""The numeric search for a counterexample: exact random parameter points from the one sampler
(:func:`symdiv.sampling.sample_points`), both sides evaluated with mpmath at each point where the
conditions hold, and a difference confirmed independently (SymPy's evalf with ``strict=True``, at
:attr:`~symdiv.prove.verdict.Counterexample.confirmed_dps` correct digits) before it counts. Points
where a value would be too large to compute, or where a side has no real value, are skipped and
counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from ..derivation import Expectation
from ..errors import UnsupportedError
from ..explicit import lambdify
from ..family import Family
from ..numeric import Evaluator, evaluate, substitute
from ..parse import MAX_EXP_ARGUMENT, MAX_EXPONENT_VALUE
from ..sampling import holds_at, sample_points
from .deadline import tick
from .verdict import Counterexample, NumericEvidence

__all__ = ["DPS", "Search", "search", "tolerance"]

#: digits of the mpmath evaluation at the sample points (``dps`` of a check)
DPS = 30
#: the working precision (digits) evalf may raise to when confirming a counterexample through cancellation
_MAX_CONFIRM_DIGITS = 1000
#: at a sample point, gamma-type functions are evaluated (exactly, by SymPy) only for arguments up to this
_MAX_SPECIAL_VALUE = 10_000


def tolerance(dps: int) -> mpmath.mpf:
    """The relative difference beyond which two values computed with ``dps`` digits differ.

    >>> mpmath.nstr(tolerance(30))
    '1.0e-20'
    """
    return mpmath.mpf(10) ** (10 - dps)


def _mpf(v: Any) -> mpmath.mpf:
    v = sp.sympify(v)
    if v.is_Rational:
        return mpmath.mpf(int(v.p)) / int(v.q)
    return mpmath.mpf(sp.Float(v, mpmath.mp.dps)._mpf_)


#: functions SymPy evaluates exactly at integers (gamma(n) = (n - 1)!, digamma(n) = H_{n-1} - gamma)
_SPECIAL = (sp.gamma, sp.loggamma, sp.polygamma, sp.beta, sp.factorial, sp.binomial, sp.harmonic, sp.zeta)


class _Guard:
    """Whether the sides can be evaluated at a point without a value too large to compute.

    The argument of every exp must stay within the parser's ``MAX_EXP_ARGUMENT``; y log|x| for x**y
    with a symbolic or large y within ``MAX_EXPONENT_VALUE`` (SymPy may evaluate x**y exactly);
    every argument of a gamma-type function within ``_MAX_SPECIAL_VALUE``. Inner nodes are checked
    before outer ones are computed, so each check is cheap. Beyond the limits SymPy's exact
    substitution (3**(10**10)) or mpmath's argument reduction (exp(exp(exp(20)))) can run for hours
    inside one C call that no alarm interrupts.
    """

    def __init__(self, *exprs: sp.Expr) -> None:
        self.checks: list[tuple[tuple[sp.Symbol, ...], Any, int]] = []
        seen: set[sp.Expr] = set()
        for e in exprs:
            for node in sp.postorder_traversal(e):
                for quantity, bound in self._quantities(node):
                    if quantity not in seen:
                        seen.add(quantity)
                        symbols = tuple(sorted(quantity.free_symbols, key=sp.default_sort_key))
                        try:
                            f = lambdify(symbols, quantity, modules="mpmath")
                        except Exception:  # noqa: BLE001 - not printable for mpmath: the evaluation will fail too
                            continue
                        self.checks.append((symbols, f, bound))

    @staticmethod
    def _quantities(node: sp.Basic) -> list[tuple[sp.Expr, int]]:
        if not (isinstance(node, (sp.exp, _SPECIAL)) or node.is_Pow):  # the only kinds bounded (cheap test first)
            return []
        if (not isinstance(node, sp.Expr) or node.is_number or isinstance(node, sp.MatrixExpr)
                or node.has(sp.Sum, sp.Indexed, Expectation, sp.MatrixExpr)
                or not all(isinstance(s, sp.Symbol) for s in node.free_symbols)):
            return []
        if isinstance(node, sp.exp):
            return [(node.args[0], MAX_EXP_ARGUMENT)]
        if node.is_Pow and not (node.exp.is_Rational and abs(node.exp) <= 64):
            return [(node.exp * sp.log(sp.Abs(node.base)), MAX_EXPONENT_VALUE)]
        if isinstance(node, _SPECIAL):
            return [(a, _MAX_SPECIAL_VALUE) for a in node.args if not a.is_number]
        return []

    def __call__(self, point: Mapping[Any, Any]) -> bool:
        with mpmath.workdps(15):
            for symbols, f, bound in self.checks:
                if not all(s in point and getattr(point[s], "is_number", False) for s in symbols):
                    continue
                try:
                    value = abs(mpmath.mpmathify(f(*(_mpf(point[s]) for s in symbols))))
                except (ArithmeticError, ValueError, TypeError):
                    continue  # the evaluation itself will say what is wrong
                if value > bound:
                    return False
        return True


#: what evaluating a side at a point may raise when the side has no real value there
_NO_VALUE = (ValueError, TypeError, ArithmeticError, AttributeError, NotImplementedError)


def _evaluator(e: sp.Expr, P: Family, dps: int) -> Any:
    if e in (sp.oo, -sp.oo):
        value = mpmath.inf if e == sp.oo else -mpmath.inf
        return lambda point: value
    return Evaluator(e, P, dps)


def _value(f: Any, point: Mapping[Any, Any]) -> mpmath.mpf | None:
    try:
        value = f(point)
    except _NO_VALUE:
        return None
    return None if mpmath.isnan(value) else value


def _differ(a: mpmath.mpf, b: mpmath.mpf, dps: int) -> bool:
    if mpmath.isinf(a) or mpmath.isinf(b):
        return a != b
    return abs(a - b) > tolerance(dps) * max(1, abs(a), abs(b))


def _strict(expr: sp.Expr, point: Mapping[Any, Any], P: Family, dps: int) -> mpmath.mpf:
    """``expr`` at ``point`` by SymPy's evalf with ``strict=True``: an error, not a wrong number, when
    cancellation leaves fewer than ``dps`` correct digits (mpmath at fixed precision gets
    (e^200 + 1)^2 - e^400 - 2 e^200 - 1 wrong by 10^133). Series and expectations: :func:`evaluate`."""
    value = substitute(expr, point)
    if value in (sp.oo, -sp.oo):
        return mpmath.inf if value == sp.oo else -mpmath.inf
    if value.has(Expectation, sp.Sum, sp.oo, -sp.oo, sp.zoo, sp.nan):
        return evaluate(expr, point, P, dps)
    result = sp.N(value, dps, strict=True, maxn=_MAX_CONFIRM_DIGITS)
    re, im = result.as_real_imag()
    if not re.is_Number or not im.is_Number or abs(im) > sp.Float(10) ** (5 - dps):
        raise ValueError(f"not a real number at this point: {result}")
    return mpmath.mpf(sp.Float(re, dps)._mpf_)


def _confirmed(lhs: sp.Expr, rhs: sp.Expr, P: Family, point: Mapping[Any, Any], digits: int) -> bool:
    """The two sides still differ when re-evaluated independently with ``digits`` correct digits."""
    try:
        with mpmath.workdps(digits):
            return _differ(_strict(lhs, point, P, digits), _strict(rhs, point, P, digits), digits)
    except _NO_VALUE:
        return False


@dataclass
class Search:
    """The numeric search's state (it survives an interruption by the time budget)."""

    dps: int = DPS
    #: points at which both sides were evaluated, the largest finite |lhs - rhs| there, the first
    #: confirmed counterexample
    used: int = 0
    worst: mpmath.mpf = field(default_factory=lambda: mpmath.mpf(0))
    counter: Counterexample | None = None
    #: the sample points were drawn (their number in ``drawn``; ``inside``: those where every condition holds)
    sampled: bool = False
    drawn: int = 0
    inside: int = 0
    #: points skipped: a condition False or undecidable there / a value too large / a side not real
    outside: int = 0
    too_large: int = 0
    undefined: int = 0
    #: why no points could be drawn, if so
    failure: str = ""

    def skipped(self) -> str:
        """Which points were skipped and why, as text ("" when none were)."""
        why = [f"{n} {what}" for n, what in ((self.outside, "outside the conditions"),
                                             (self.too_large, "with values too large to evaluate"),
                                             (self.undefined, "where a side has no real value")) if n]
        return f"points skipped: {', '.join(why)}" if why else ""

    def evidence(self) -> NumericEvidence:
        """What the points that were used show."""
        return NumericEvidence(self.used, self.dps, self.worst, tolerance(self.dps))


def search(lhs: sp.Expr, rhs: sp.Expr, families: tuple[Family, ...], assumptions: tuple[sp.Basic, ...],
           conditions: tuple[sp.Basic, ...], points: int, seed: int, deadline: float, state: Search) -> None:
    """Evaluate both sides at up to ``points`` exact random points of the families that satisfy the
    ``assumptions`` (``seed`` fixes them), skipping those where a condition fails; record the
    evidence and the first confirmed counterexample in ``state``. :func:`tick` stops it at ``deadline``.

    >>> import math
    >>> import sympy as sp
    >>> import symdiv as sd
    >>> s = sp.Symbol("sigma", positive=True)
    >>> state = Search()
    >>> search(sp.log(s), sp.log(s) + sp.Rational(1, 10**6), (sd.HalfNormal(s),), (), (), 5, 0, math.inf, state)
    >>> state.used, state.counter.point
    (5, {sigma: 927/250})
    """
    P = families[0]
    try:
        sample = sample_points(families, points, seed, assumptions)
    except UnsupportedError as exc:  # no valid parameter values could be drawn at all
        state.failure = str(exc)
        return
    state.sampled, state.drawn = True, len(sample)
    f_l, f_r = _evaluator(lhs, P, state.dps), _evaluator(rhs, P, state.dps)
    guard = _Guard(lhs, rhs)
    with mpmath.workdps(state.dps):
        for point in sample:
            tick(deadline)
            if not holds_at(conditions, point):
                state.outside += 1
                continue
            state.inside += 1
            if not guard(point):
                state.too_large += 1
                continue
            a, b = _value(f_l, point), _value(f_r, point)
            if a is None or b is None:
                state.undefined += 1
                continue
            state.used += 1
            if not (mpmath.isinf(a) or mpmath.isinf(b)):
                state.worst = max(state.worst, abs(a - b))
            if state.counter is None and _differ(a, b, state.dps):
                candidate = Counterexample(point, a, b, state.dps)
                if _confirmed(lhs, rhs, P, point, candidate.confirmed_dps):
                    state.counter = candidate
