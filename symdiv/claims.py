r"""Checking claims: a verdict on an equation between entropies, cross-entropies, KL divergences,
their derivatives and closed-form expressions, for given families P and Q.

The claim is parsed without evaluating code (:mod:`symdiv.parse`); every named quantity is
replaced by its derivation; the residual lhs - rhs is then

* **proved** (``holds is True``) only when sound rewrites under the stated assumptions reduce it to
  exactly 0 (the proof steps are kept);
* **disproved** (``holds is False``) with a counterexample: exact rational parameter values at
  which both sides, evaluated with mpmath at 30 digits and re-checked at 50, differ;
* **undecided** (``holds is None``) otherwise, with the numeric evidence.

>>> import symdiv as sd
>>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
>>> sd.check("H(P,Q) = KL(P||Q) + H(P)", P, Q).holds
True
>>> v = sd.check("KL(P||Q) = KL(Q||P)", P, Q)
>>> v.holds, v.counterexample is not None
(False, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from .derivation import Derivation, Step, StepKind
from .errors import ParseError, UnsupportedError
from .family import Family
from .measures import _require_family, cross_entropy, entropy, kl_divergence
from .numeric import Evaluator, evaluate
from .parse import ENTROPY, KL, parse_claim
from .parse import P as P_SYM
from .parse import Q as Q_SYM
from .tidy import hide_matrices, tidy
from .verify import NumericEvidence, prove_zero, sample_points

__all__ = ["Verdict", "Counterexample", "check", "verify_local_expansion"]

DPS = 30
CONFIRM_DPS = 50


@dataclass(frozen=True)
class Counterexample:
    """Exact parameter values at which the two sides of a claim differ, with both values."""

    point: Mapping[Any, Any]
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    dps: int

    def __str__(self) -> str:
        at = ", ".join(f"{k} = {_show(v)}" for k, v in self.point.items())
        return f"at {at}: lhs = {mpmath.nstr(self.lhs, 15)}, rhs = {mpmath.nstr(self.rhs, 15)}"


@dataclass(frozen=True)
class Verdict:
    """The verdict on a claim: ``holds`` is True (proved), False (disproved) or None (undecided)."""

    claim: sp.Eq
    holds: bool | None
    lhs: sp.Expr
    rhs: sp.Expr
    residual: sp.Expr
    reduced: sp.Expr
    proof: tuple[Step, ...]
    counterexample: Counterexample | None
    evidence: NumericEvidence
    families: tuple[Family, ...] = field(repr=False)
    derivations: tuple[Derivation, ...] = field(repr=False, default=())
    assumptions: tuple[sp.Basic, ...] = ()
    text: str = ""

    @property
    def verdict(self) -> str:
        return {True: "proved", False: "false", None: "undecided"}[self.holds]

    def __bool__(self) -> bool:
        return self.holds is True

    def __str__(self) -> str:
        shown = self.text or sp.sstr(self.claim)
        if self.holds is True:
            return f"{shown}: proved (lhs - rhs reduces to exactly 0)"
        if self.holds is False:
            return f"{shown}: false; counterexample {self.counterexample}"
        ev = self.evidence
        return (f"{shown}: undecided (no proof; at {ev.points} random points |lhs - rhs| <= "
                f"{mpmath.nstr(ev.max_abs_residual, 3)} with {ev.dps}-digit arithmetic)")

    def latex(self, env: str | None = "aligned", notation: Any = None) -> str:
        """The claim, then its proof or its counterexample, as LaTeX."""
        from .printing.latex import verdict_latex

        return verdict_latex(self, env=env, notation=notation)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(env="aligned") + "$$"


def _show(v: Any) -> str:
    if isinstance(v, sp.MatrixBase):
        return str(v.tolist())
    if isinstance(v, tuple):
        return "(" + ", ".join(map(str, v)) + ")"
    return str(v)


# ------------------------------------------------------------------------ resolving quantities
def _names(families: tuple[Family, ...]) -> dict[str, sp.Symbol]:
    out: dict[str, sp.Symbol] = {}
    for f in families:
        for s in f.free_symbols:
            if isinstance(s, sp.Symbol):
                out[s.name] = s
    return out


class _Resolver:
    """Replace H(P), H(P, Q), KL(P, Q) (either order) by derived closed forms."""

    def __init__(self, P: Family, Q: Family | None) -> None:
        self.roles = {P_SYM: P, Q_SYM: Q}
        self.used: dict[tuple, Derivation] = {}

    def family(self, role: sp.Basic) -> Family:
        fam = self.roles.get(role)
        if fam is None:
            raise UnsupportedError(f"the claim mentions {role} but no family was given for it")
        return fam

    def __call__(self, e: sp.Expr) -> sp.Expr:
        args = tuple(self.family(a) for a in e.args)
        if e.func == ENTROPY and len(args) == 1:
            d = entropy(*args)
        elif e.func == ENTROPY and len(args) == 2:
            d = cross_entropy(*args)
        elif e.func == KL and len(args) == 2:
            d = kl_divergence(*args)
        else:
            raise ParseError(f"cannot read {e} as a quantity: use H(P), H(P, Q) or KL(P || Q)")
        self.used[(e.func, e.args)] = d
        return d.expr

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        quantities = [a for a in sp.preorder_traversal(expr)
                      if isinstance(a, sp.core.function.AppliedUndef) and a.func in (ENTROPY, KL)]
        replaced = expr.xreplace({q: self(q) for q in quantities})
        return replaced.replace(lambda a: isinstance(a, sp.Derivative), lambda a: tidy(a.doit()))


# ------------------------------------------------------------------------ numbers
def _value(f: Evaluator, point: Mapping[Any, Any]) -> mpmath.mpf | None:
    try:
        return f(point)
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
        return None


def _differ(a: mpmath.mpf, b: mpmath.mpf, dps: int) -> bool:
    if mpmath.isinf(a) or mpmath.isinf(b):
        return a != b
    return abs(a - b) > mpmath.mpf(10) ** (10 - dps) * max(1, abs(a), abs(b))


def _search(lhs: sp.Expr, rhs: sp.Expr, families: tuple[Family, ...], conditions: tuple[sp.Basic, ...],
            points: int, seed: int) -> tuple[NumericEvidence, Counterexample | None]:
    P = families[0]
    f_l, f_r = Evaluator(lhs, P, DPS), Evaluator(rhs, P, DPS)
    worst, counter, used = mpmath.mpf(0), None, 0
    tol = mpmath.mpf(10) ** (10 - DPS)
    with mpmath.workdps(DPS):
        for point in sample_points(families, points, seed, conditions):
            a, b = _value(f_l, point), _value(f_r, point)
            if a is None or b is None:
                continue
            used += 1
            if not (mpmath.isinf(a) or mpmath.isinf(b)):
                worst = max(worst, abs(a - b))
            if counter is None and _differ(a, b, DPS) and _confirmed(lhs, rhs, P, point):
                counter = Counterexample(point, a, b, DPS)
    return NumericEvidence(used, DPS, worst, tol), counter


def _confirmed(lhs: sp.Expr, rhs: sp.Expr, P: Family, point: Mapping[Any, Any]) -> bool:
    """The two sides still differ when re-evaluated independently at 50 digits."""
    try:
        with mpmath.workdps(CONFIRM_DPS):
            return _differ(evaluate(lhs, point, P, CONFIRM_DPS), evaluate(rhs, point, P, CONFIRM_DPS), CONFIRM_DPS)
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
        return False


# ------------------------------------------------------------------------ the API
def _infinite(e: sp.Expr) -> bool:
    """An infinite side (a +oo result, or a term that is): oo as a series' upper limit does not count."""
    return e.has(sp.zoo) or any(t in (sp.oo, -sp.oo) or (t.is_Mul and sp.oo in t.args)
                                for t in sp.Add.make_args(e))


def check(claim: str | sp.Eq, P: Family, Q: Family | None = None, *, syntax: str = "auto",
          points: int = 20, seed: int = 0) -> Verdict:
    r"""Judge ``claim`` (text, LaTeX or a SymPy ``Eq``) for the families P and Q.

    In the claim, P and Q name the two distributions; the parameters are the families' symbols
    (e.g. ``mu_1``, ``sigma_2``). Quantities: ``H(P)``, ``H(P, Q)``, ``KL(P || Q)`` (also
    ``D_KL``, ``D``, LaTeX ``D_{\mathrm{KL}}(P \| Q)``), derivatives ``d/dmu_2 ...``.

    >>> import symdiv as sd
    >>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
    >>> sd.check(r"\frac{\partial}{\partial \mu_2} H(P, Q) = \frac{\partial}{\partial \mu_2} D_{KL}(P \| Q)",
    ...          P, Q).verdict
    'proved'
    """
    P = _require_family(P, "P")
    Q = _require_family(Q, "Q") if Q is not None else None
    families = (P,) if Q is None else (P, Q)
    text = claim if isinstance(claim, str) else ""
    if isinstance(claim, str):
        eq = parse_claim(claim, _names(families), syntax)
    elif isinstance(claim, sp.Equality):
        eq = claim
        unknown = eq.free_symbols - {P_SYM, Q_SYM} - set(_names(families).values())
        if unknown:
            raise ParseError(f"the claim uses {', '.join(sorted(map(str, unknown)))}, which are not parameters of "
                             f"P or Q ({', '.join(sorted(_names(families))) or 'none'})")
    else:
        raise ParseError(f"a claim is a string or a sympy.Eq, not {type(claim).__name__}")

    resolver = _Resolver(P, Q)
    lhs, rhs = resolver.resolve(eq.lhs), resolver.resolve(eq.rhs)
    derivations = tuple(resolver.used.values())
    assumptions = tuple(dict.fromkeys(a for f in families for a in f.facts()))
    assumptions += tuple(dict.fromkeys(a for d in derivations for a in d.assumptions if a not in assumptions))
    reparams = {k: v for f in families for k, v in f.reparams().items()}
    positives = tuple(e for f in families for e in f.positive_expressions())

    if _infinite(lhs) or _infinite(rhs):
        residual = sp.nan
        proved = lhs == rhs and lhs in (sp.oo, -sp.oo)
        reduced = sp.Integer(0) if proved else sp.nan
        proof = (Step(StepKind.SUPPORT, sp.Integer(0) if proved else sp.nan,
                      f"lhs = {sp.sstr(lhs)}, rhs = {sp.sstr(rhs)}"),)
    else:
        residual = lhs - rhs
        proved, reduced, proof = _prove(residual, reparams, positives)
    evidence, counter = _search(lhs, rhs, families, assumptions, points, seed)
    holds: bool | None = True if proved else (False if counter is not None else None)
    if holds is True:
        counter = None
    return Verdict(eq, holds, lhs, rhs, residual, reduced, proof, counter, evidence, families, derivations,
                   assumptions, text)


def _prove(residual: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr],
           positives: tuple[sp.Expr, ...]) -> tuple[bool, sp.Expr, tuple[Step, ...]]:
    hidden, back = hide_matrices(residual) if residual.has(sp.MatrixExpr) else (residual, {})
    known = tuple(hide_matrices(p)[0] if back else p for p in positives)
    proved, reduced, steps = prove_zero(hidden, reparams, known)
    if not proved and sp.count_ops(reduced) <= 60 and not reduced.has(sp.Sum):
        simpler = sp.simplify(reduced)  # a sound rewrite; tried last, on small residuals only
        if simpler != reduced:
            steps = (*steps, Step(StepKind.TIDY, simpler, "simplify"))
            proved, reduced = simpler == 0, simpler
    if back:
        reduced = reduced.xreplace(back)
        steps = tuple(Step(s.kind, s.expr.xreplace(back), s.note) for s in steps)
    return proved, reduced, steps


def verify_local_expansion(family: type[Family] | Family, params: Any = None) -> Verdict:
    """Prove KL(P_theta || P_theta+t*delta) = t^2/2 delta^T I(theta) delta + O(t^3) by series in t.

    The Fisher information I comes from its own definition (-E[Hessian of log p]); the KL from the
    closed form. The claim proved is that the Taylor coefficients of order 0, 1 and 2 in t agree.

    >>> import symdiv as sd
    >>> sd.verify_local_expansion(sd.Normal).holds
    True
    """
    from .local import fisher_information, regular_parameters

    P = family if isinstance(family, Family) else family.symbolic_example(1)
    info = fisher_information(P, params)
    order = regular_parameters(P, params)
    t = sp.Dummy("t", positive=True)  # a dummy: a family may have a parameter named t
    delta = [sp.Symbol(f"delta_{n}", real=True) for n in (str(s) for s in order)]
    shifted = P.at({s: s + t * d for s, d in zip(order, delta)})
    kl = kl_divergence(P, shifted).expr
    dv = sp.Matrix(delta)
    quadratic = (dv.T * info * dv)[0, 0] / 2
    coefficients = [sp.diff(kl, t, n).subs(t, 0) / sp.factorial(n) for n in range(3)]
    lhs = sp.Matrix(coefficients)
    rhs = sp.Matrix([0, 0, quadratic])
    claim = sp.Eq(sp.Function("KL_taylor")(t), t**2 * quadratic, evaluate=False)
    steps: list[Step] = []
    reparams = P.reparams()
    all_proved = True
    reduced_parts = []
    for n, (a, b) in enumerate(zip(lhs, rhs)):
        ok, reduced, proof = _prove(a - b, reparams, P.positive_expressions())
        steps += [Step(s.kind, s.expr, f"order {n}: {s.note}") for s in proof]
        all_proved &= ok
        reduced_parts.append(reduced)
    residual = sp.Add(*(sp.Abs(a - b) for a, b in zip(lhs, rhs)))
    evidence = NumericEvidence(0, DPS, mpmath.mpf(0), mpmath.mpf(10) ** (10 - DPS))
    return Verdict(claim, True if all_proved else None, sp.Add(*(c * t**n for n, c in enumerate(coefficients))),
                   t**2 * quadratic, residual, sp.Add(*reduced_parts), tuple(steps), None, evidence, (P,),
                   (), P.facts(), f"KL({P.name}_theta || {P.name}_theta+t*delta) = t^2/2 delta^T I delta + O(t^3)")

