"""Verification of H(P, Q) = KL(P || Q) + H(P): a symbolic proof attempt, then numbers.

``holds`` is True only when the residual H(P,Q) - KL(P||Q) - H(P) reduces to exactly 0 by
sound rewrites under the stated assumptions; False when an exact parameter point makes the
two sides differ (both values are kept); None when neither was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from .derivation import Derivation, Step, StepKind
from .family import Family
from .measures import _require_family, cross_entropy, entropy, kl_divergence
from .numeric import Evaluator
from .sampling import sample_points
from .support import decide_nonnegative
from .tidy import expand_log

__all__ = ["NumericEvidence", "Verification", "verify_decomposition", "prove_zero"]

CLAIM = "H(P, Q) = KL(P || Q) + H(P)"


@dataclass(frozen=True)
class NumericEvidence:
    """The residual evaluated with mpmath at random exact parameter points."""

    points: int
    dps: int
    max_abs_residual: mpmath.mpf
    tolerance: mpmath.mpf
    #: for a disproof: the exact point and both sides there
    witness: Mapping[Any, Any] | None = None
    lhs: mpmath.mpf | None = None
    rhs: mpmath.mpf | None = None


@dataclass(frozen=True)
class Verification:
    """The verdict on the decomposition for one pair (P, Q)."""

    claim: str
    holds: bool | None
    residual: sp.Expr
    reduced: sp.Expr
    proof: tuple[Step, ...]
    evidence: NumericEvidence
    derivations: tuple[Derivation, ...] = field(repr=False)
    assumptions: tuple[sp.Basic, ...] = ()

    @property
    def verdict(self) -> str:
        return {True: "proved", False: "false", None: "not proved"}[self.holds]

    def __str__(self) -> str:
        return f"{self.claim}: {self.verdict} (residual reduced to {self.reduced})"

    def latex(self, env: str | None = "aligned", notation: Any = None) -> str:
        """The proof (or counterexample) as LaTeX, aligned on ``=``."""
        from .printing.latex import verification_latex

        return verification_latex(self, env=env, notation=notation)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(env="aligned") + "$$"


def _positive(a: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr], positives: frozenset[sp.Expr] = frozenset()) -> bool:
    if a.is_positive or a in positives:
        return True
    if isinstance(a, (sp.beta, sp.gamma)) and all(_positive(x, reparams, positives) for x in a.args):
        return True
    if a.is_Mul or a.is_Pow:
        factors = a.args if a.is_Mul else (a.base,)
        if all(_positive(f, reparams, positives) for f in factors):
            return True
    return decide_nonnegative(a, reparams) is True and decide_nonnegative(-a, reparams) is False


def _expand_logs(expr: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr],
                 positives: frozenset[sp.Expr] = frozenset()) -> sp.Expr:
    """log(a b) -> log a + log b etc., only for arguments positive under the facts."""
    logs = [lg for lg in expr.atoms(sp.log)
            if not lg.args[0].is_Symbol and _positive(lg.args[0], reparams, positives)]  # log(symbol): nothing to do
    return expr.xreplace({lg: expand_log(lg) for lg in logs})


def _merge_rational_logs(expr: sp.Expr) -> sp.Expr:
    """Σ c_i log(r_i) over positive rationals r_i with rational c_i -> log(Π r_i^(L c_i)) / L, exactly;
    0 when the product is 1 (for logs of numbers too large to factor)."""
    expr = sp.expand(expr)
    parts, rest = [], []
    for t in sp.Add.make_args(expr):
        c, lg = t.as_independent(sp.log, as_Add=False)
        if isinstance(lg, sp.log) and c.is_Rational and lg.args[0].is_Rational and lg.args[0] > 0:
            parts.append((c, lg.args[0]))
        else:
            rest.append(t)
    if len(parts) < 2:
        return expr
    lcm = sp.ilcm(*(c.q for c, _ in parts))
    if any(abs(c * lcm) > 64 for c, _ in parts):
        return expr
    product = sp.Mul(*(r ** int(c * lcm) for c, r in parts))
    return sp.Add(*rest, sp.log(product) / lcm if product != 1 else 0)


def _combine_sums(expr: sp.Expr) -> sp.Expr:
    """c1 Sum(f, L) + c2 Sum(g, L) -> Sum(expand(c1 f + c2 g), L)."""
    if not expr.has(sp.Sum):
        return expr
    groups: dict[tuple, sp.Expr] = {}
    rest = []
    for t in sp.Add.make_args(sp.expand(expr)):
        c, s = t.as_independent(sp.Sum, as_Add=False)
        if isinstance(s, sp.Sum) and not c.has(*s.variables):
            groups[s.limits] = groups.get(s.limits, sp.Integer(0)) + c * s.function
        else:
            rest.append(t)
    expanded = {lim: sp.expand(f) for lim, f in groups.items()}
    sums = [sp.Sum(f, *lim) for lim, f in expanded.items() if f != 0]
    return sp.Add(*rest, *sums)


def prove_zero(expr: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr], positives: Iterable[sp.Expr] = ()
               ) -> tuple[bool, sp.Expr, tuple[Step, ...]]:
    """Try to reduce ``expr`` to exactly 0 by sound rewrites; return (proved, reduced, steps).

    ``positives`` are expressions known to be positive under the assumptions (see
    :meth:`symdiv.Family.positive_expressions`).
    """
    known = frozenset(positives)
    steps = [Step(StepKind.DEFINITION, expr, "the residual")]
    current = expr
    for kind, note, rewrite in (
        (StepKind.EXPAND_LOG, "expand logarithms whose arguments are positive under the assumptions",
         lambda e: _expand_logs(e, reparams, known)),
        (StepKind.EXPAND_LOG, "combine logarithms of rational numbers exactly", _merge_rational_logs),
        (StepKind.SUM, "combine sums over the same index range", _combine_sums),
        (StepKind.TIDY, "expand and collect", sp.expand),
        (StepKind.TIDY, "put over a common denominator and cancel", lambda e: sp.cancel(sp.together(e))),
    ):
        new = rewrite(current)
        if new != current:
            steps.append(Step(kind, new, note))
            current = new
        if current == 0:
            return True, current, tuple(steps)
    return False, current, tuple(steps)


def _infinite_case(ce: Derivation, kl: Derivation, h: Derivation, derivations: tuple[Derivation, ...],
                   assumptions: tuple[sp.Basic, ...], dps: int) -> Verification:
    """+oo on a side: the identity holds when both sides are +oo (H(P) is finite), and is false otherwise."""
    finite_h = not h.is_infinite and h.expr.is_finite is not False
    holds = ce.is_infinite and kl.is_infinite and finite_h
    if holds:
        note = "H(P, Q) = +oo and KL(P || Q) = +oo while H(P) is finite: both sides are +oo"
        ev = NumericEvidence(0, dps, mpmath.mpf(0), mpmath.mpf(0))
        return Verification(CLAIM, True, sp.nan, sp.Integer(0), (Step(StepKind.SUPPORT, sp.Integer(0), note),),
                            ev, derivations, assumptions)
    lhs = mpmath.inf if ce.is_infinite else mpmath.mpf(0)
    rhs = mpmath.inf if kl.is_infinite or h.is_infinite else mpmath.mpf(0)
    note = (f"one side is infinite and the other is not: H(P, Q) = {sp.sstr(ce.expr)}, "
            f"KL(P || Q) + H(P) = {sp.sstr(kl.expr + h.expr)}")
    ev = NumericEvidence(1, dps, mpmath.inf, mpmath.mpf(0), {}, lhs, rhs)
    return Verification(CLAIM, False, sp.nan, sp.nan, (Step(StepKind.SUPPORT, sp.nan, note),), ev, derivations,
                        assumptions)


def verify_decomposition(P: Family, Q: Family, *, points: int = 20, dps: int = 30, seed: int = 0) -> Verification:
    """Prove (or refute) H(P, Q) = KL(P || Q) + H(P) for the pair, from three independent derivations.

    >>> import symdiv as sd
    >>> v = sd.verify_decomposition(sd.Bernoulli("p"), sd.Bernoulli("q"))
    >>> v.holds, v.reduced, v.evidence.points
    (True, 0, 20)
    """
    P, Q = _require_family(P, "P"), _require_family(Q, "Q")
    ce, kl, h = cross_entropy(P, Q), kl_divergence(P, Q), entropy(P)
    assumptions = tuple(dict.fromkeys(ce.assumptions + kl.assumptions + h.assumptions))
    reparams = {**P.reparams(), **Q.reparams()}
    derivations = (ce, kl, h)

    if ce.is_infinite or kl.is_infinite:
        return _infinite_case(ce, kl, h, derivations, assumptions, dps)

    residual = ce.expr - kl.expr - h.expr
    proved, reduced, proof = prove_zero(residual, reparams, P.positive_expressions() + Q.positive_expressions())

    worst, witness = mpmath.mpf(0), None
    tol = mpmath.mpf(10) ** (10 - dps)
    pts = sample_points((P, Q), points, seed, assumptions)
    f_ce, f_kl, f_h = (Evaluator(d.expr, P, dps) for d in derivations)
    with mpmath.workdps(dps):
        for point in pts:
            lhs = f_ce(point)
            rhs = f_kl(point) + f_h(point)
            err = abs(lhs - rhs)
            worst = max(worst, err)
            if err > tol * max(1, abs(lhs)) and witness is None:
                witness = (point, lhs, rhs)
    if proved:
        holds: bool | None = True
    elif witness is not None:
        holds = False
    else:
        holds = None
    ev = NumericEvidence(len(pts), dps, worst, tol, *(witness or (None, None, None)))
    return Verification(CLAIM, holds, residual, reduced, proof, ev, derivations, assumptions)
