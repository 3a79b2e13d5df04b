r"""Checking claims: a verdict on an equation between entropies, cross-entropies, KL divergences,
their derivatives and closed-form expressions, for given families P and Q.

The claim is parsed without evaluating code (:mod:`symdiv.parse`); every named quantity is
replaced by its derivation; the residual lhs - rhs is then (:func:`judge`, which
:func:`symdiv.verify_decomposition` uses too)

* **proved** (``holds is True``) only when sound rewrites under the stated assumptions reduce it to
  exactly 0 (the proof steps are kept);
* **disproved** (``holds is False``) with a counterexample: exact rational parameter values at
  which both sides, evaluated with mpmath at 30 digits and re-checked with 50 correct digits
  (SymPy's evalf with ``strict=True``: cancellation cannot fake a difference), differ;
* **undecided** (``holds is None``) otherwise, with the numeric evidence and, when something
  stopped the check, the ``reason``.

What the quantities mean, and when "proved" is allowed:

* A derivation holds its closed form under ``conditions`` (supports that nest, moments that
  exist); where one of them is False the quantity is +oo. A condition that is False for the given
  families makes the quantity +oo here, whatever the closed form says. Symbolic conditions are
  kept: a proof then holds *where they hold*, and the verdict states them (``Verdict.conditions``,
  and its text: "proved where ..."); counterexamples are searched only where they hold.
* Never "proved" when the assumptions are inconsistent: an assumption that is False, or no
  parameter point satisfying them among the sampled ones, makes the verdict undecided. Nor when
  a confirmed counterexample contradicts the proof (one of the two routes would be wrong).
* The infinity rule: a claim with an infinite side holds exactly when both sides are the same
  infinity (then it is proved without a residual); a quantity that is not +oo is finite, so
  KL(P || Q) + H(P) is +oo when KL(P || Q) is. One infinite side and one finite is false, with a
  counterexample showing both values.
* A side that is undefined (``nan``, ``zoo``: +oo - +oo, the derivative of an infinite quantity)
  or not real makes the verdict undecided, with the reason. Undefined or non-real *text* (``1/0``,
  ``log(0)``, ``sqrt(-1)``) is a :class:`~symdiv.errors.ParseError` already (see :mod:`symdiv.parse`).
* Bounded time: the proof attempt and the numeric search share ``time_limit`` seconds (default
  :data:`TIME_LIMIT`). In the main thread of a POSIX process (and when no other interval timer is
  running) ``SIGALRM`` interrupts them; elsewhere the budget is checked between steps and points.
  Residuals whose expansion would exceed :data:`~symdiv.prove.zero.MAX_EXPANSION` terms are not
  expanded (:func:`~symdiv.prove.zero.reduce_residual`), and a sample point at which an exponent
  (the argument of exp, ``y log|x|`` in ``x**y``) or the argument of a gamma-type function exceeds
  the parser's limits is skipped. Whatever runs out, the verdict is
  undecided with that reason, never "proved".

>>> import symdiv as sd
>>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
>>> sd.check("H(P,Q) = KL(P||Q) + H(P)", P, Q).holds
True
>>> v = sd.check("KL(P||Q) = KL(Q||P)", P, Q)
>>> v.holds, v.counterexample is not None
(False, True)
"""

from __future__ import annotations

import math
import time
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from ..derivation import Derivation, Step, StepKind
from ..errors import ParseError, UnsupportedError
from ..family import Family, facts_of, reparams_of
from ..measures.classic import _require_family, _require_pair, cross_entropy, entropy, kl_divergence
from ..parse import (
    ENTROPY,
    KL,
    build_problem,
    called_measure,
    check_expression,
    has_quantity,
    is_quantity,
    parse_claim,
    parse_conditions,
)
from ..parse import P as P_SYM
from ..parse import Q as Q_SYM
from ..printing.conditions import conditions_text
from ..sampling import holds_at, sample_points
from ..tidy import tidy
from .deadline import OutOfTime, interrupt_at
from .search import DPS, Search, search
from .verdict import Counterexample, Verdict
from .zero import reduce_residual

__all__ = ["TIME_LIMIT", "check", "judge"]

#: seconds for the proof attempt and the numeric search of one claim (``check(..., time_limit=...)``)
TIME_LIMIT = 5.0
#: the share of the time limit the proof attempt may use; the numeric search has the rest
_PROOF_SHARE = 0.6
#: the most sample points one check evaluates
_MAX_POINTS = 1000
#: the range of working precisions (digits) a check evaluates with
_MIN_DPS, _MAX_DPS = 15, 1000


# ------------------------------------------------------------------------ resolving quantities
def _names(families: tuple[Family, ...]) -> dict[str, sp.Symbol]:
    out: dict[str, sp.Symbol] = {}
    for f in families:
        for s in f.free_symbols:
            if isinstance(s, sp.Symbol):
                out[s.name] = s
    return out


def _is_false(c: Any) -> bool:
    return c is False or c is sp.false


def _quantity_name(e: sp.Expr) -> str:
    m = called_measure(e)
    if m is not None:
        names = [str(a) for a in e.args[: m.arity]]
        return m.text(names[0], names[-1], **dict(zip(m.parameters, e.args[m.arity:])))
    roles = ", ".join(map(str, e.args)) if e.func == ENTROPY else " || ".join(map(str, e.args))
    return f"{'H' if e.func == ENTROPY else 'KL'}({roles})"


class _Resolver:
    """Replace H(P), H(P, Q), KL(P, Q) (either order) by derived closed forms.

    A derivation with a condition that is False is +oo here (the quantity is infinite where a
    condition fails), whatever its closed form. A derivation with another assumption that is False
    holds nowhere: its closed form is used, but the verdict cannot be decided (``problems``).
    """

    def __init__(self, P: Family, Q: Family | None) -> None:
        self.roles = {P_SYM: P, Q_SYM: Q}
        self.used: dict[tuple, Derivation] = {}
        #: keys of derivations replaced by +oo (their conditions are not the claim's)
        self.infinite: set[tuple] = set()
        #: what makes the value of a side unknown or undefined
        self.problems: list[str] = []
        #: how quantities were valued, for the verdict's proof
        self.notes: list[str] = []

    def family(self, role: sp.Basic) -> Family:
        fam = self.roles.get(role)
        if fam is None:
            raise UnsupportedError(f"the claim mentions {role} but no family was given for it")
        return fam

    def __call__(self, e: sp.Expr) -> sp.Expr:
        m = called_measure(e)
        if m is not None:
            fams = tuple(self.family(a) for a in e.args[: m.arity])
            d = m(*fams, **dict(zip(m.parameters, e.args[m.arity:])))
            return self._value(e, d)
        args = tuple(self.family(a) for a in e.args)
        if e.func == ENTROPY and len(args) == 1:
            d = entropy(*args)
        elif e.func == ENTROPY and len(args) == 2:
            d = cross_entropy(*args)
        elif e.func == KL and len(args) == 2:
            d = kl_divergence(*args)
        else:
            raise ParseError(f"cannot read {e} as a quantity: use H(P), H(P, Q) or KL(P || Q)")
        return self._value(e, d)

    def _value(self, e: sp.Expr, d: Derivation) -> sp.Expr:
        key = (e.func, e.args)
        self.used[key] = d
        name = _quantity_name(e)
        if d.expr == sp.oo:
            return d.expr
        if any(_is_false(c) for c in d.conditions):
            self.infinite.add(key)
            self.notes.append(f"{name} = +oo: the condition under which it equals {sp.sstr(d.expr)} is False for "
                              f"these parameters")
            return sp.oo
        if any(_is_false(a) for a in d.assumptions):
            self.problems.append(f"the derivation of {name} assumes something False (its assumptions are "
                                 f"inconsistent), so its closed form {sp.sstr(d.expr)} is not known to be its value")
        elif d.expr.has(sp.nan, sp.zoo):
            self.problems.append(f"the derivation of {name} gave an undefined value ({sp.sstr(d.expr)})")
        return d.expr

    def quantities(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every quantity replaced by its value (derivatives stay unevaluated)."""
        return self._rebuild(expr, has_quantity, lambda e: self(e) if is_quantity(e) else None)

    def derivatives(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with its derivatives evaluated, innermost first."""
        return self._rebuild(expr, lambda e: e.has(sp.Derivative), self._derivative)

    def _derivative(self, e: sp.Basic) -> sp.Expr | None:
        if not isinstance(e, sp.Derivative):
            return None
        if _infinite_side(e.expr):
            wrt = ", ".join(map(str, e.variables))
            self.problems.append(f"the derivative in {wrt} of {sp.sstr(e.expr)} does not exist (the quantity is "
                                 f"infinite here)")
            return sp.nan
        return tidy(e.doit(deep=False))

    def _rebuild(self, e: sp.Basic, needed: Any, leaf: Any) -> Any:
        """``e`` with ``leaf(node)`` for the nodes it takes (innermost first). Every node rebuilt around
        a new value passes the parser's build rules first: substituted or differentiated values must not
        make SymPy evaluate exp(10**10*log(2)) or digamma(10**10) exactly."""
        if not e.args or not needed(e):
            return e
        args = tuple(self._rebuild(a, needed, leaf) for a in e.args)
        if any(a is sp.nan for a in args):
            return sp.nan
        if args != e.args:
            problem = build_problem(e.func, args)
            if problem:
                self.problems.append(f"once the quantities and derivatives are evaluated, {problem}")
                return sp.nan
            e = e.func(*args)
        out = leaf(e)
        return e if out is None else out

    def assumptions(self) -> tuple[sp.Basic, ...]:
        """The assumptions and conditions of the closed forms in use (none of a quantity replaced by
        +oo; no False)."""
        return tuple(dict.fromkeys(a for k, d in self.used.items() if k not in self.infinite
                                   for a in (*d.assumptions, *d.conditions) if not _is_false(a) and a is not sp.true))

    def settle(self, side: sp.Expr, value: sp.Expr) -> sp.Expr:
        """``value`` (the claim's ``side`` with its quantities resolved), or +oo / -oo when that is what
        it is: a quantity is +oo or finite (a derivation that is not +oo is finite on its domain), so
        a side that evaluates to an infinity with each finite quantity replaced by a finite stand-in
        is that infinity, even when SymPy cannot tell that a closed form (H(P) of a Gamma) is finite."""
        if not _infinite_side(value) or side.has(sp.Derivative):
            return value
        quantities = [q for q in side.atoms(AppliedUndef) if is_quantity(q)]
        stand_ins = {q: sp.oo if self.used[(q.func, q.args)].expr == sp.oo or (q.func, q.args) in self.infinite
                     else sp.Dummy(real=True, finite=True) for q in quantities}
        settled = side.xreplace(stand_ins)
        return settled if settled in (sp.oo, -sp.oo) else value



# ------------------------------------------------------------------------ the verdict
def _infinite_side(e: sp.Expr) -> bool:
    """An infinite side (a +oo result, or a term that is): oo as a series' upper limit does not count."""
    return e.has(sp.zoo) or any(t in (sp.oo, -sp.oo) or (t.is_Mul and sp.oo in t.args)
                                for t in sp.Add.make_args(e))


def _shown(e: sp.Expr) -> str:
    return "+oo" if e == sp.oo else sp.sstr(e)


def _infinity_step(lhs: sp.Expr, rhs: sp.Expr) -> Step:
    """The infinity rule: a claim with an infinite side holds exactly when both sides are the same
    infinity (+oo = +oo); it is then proved without a residual (+oo - +oo is undefined)."""
    sides = f"lhs = {_shown(lhs)}, rhs = {_shown(rhs)}"
    if lhs == rhs and lhs in (sp.oo, -sp.oo):
        return Step(StepKind.SUPPORT, sp.Integer(0), f"{sides}: both sides are {_shown(lhs)}")
    if _infinite_side(lhs) != _infinite_side(rhs):
        return Step(StepKind.SUPPORT, sp.nan, f"one side is infinite and the other is not: {sides}")
    return Step(StepKind.SUPPORT, sp.nan, f"{sides}: not the same infinity")


def _check_options(points: int, seed: int, dps: int) -> None:
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= _MAX_POINTS:
        raise UnsupportedError(f"points must be an integer from 1 to {_MAX_POINTS}, not {points!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UnsupportedError(f"seed must be an integer, not {seed!r}")
    if isinstance(dps, bool) or not isinstance(dps, int) or not _MIN_DPS <= dps <= _MAX_DPS:
        raise UnsupportedError(f"dps must be an integer from {_MIN_DPS} to {_MAX_DPS}, not {dps!r}")


#: a proved claim with more free symbols than this is cross-checked at :data:`_CROSS_CHECK_POINTS`
#: points only (a Categorical with K = 1000: 2000 symbols, 70 ms per point and side)
_MANY_SYMBOLS = 200
_CROSS_CHECK_POINTS = 5


def judge(eq: sp.Eq, families: tuple[Family, ...], *, text: str = "", points: int = 20, seed: int = 0,
          dps: int = DPS, time_limit: float = TIME_LIMIT, where: tuple[sp.Basic, ...] = ()) -> Verdict:
    """The verdict on the parsed claim ``eq`` for the families (P, then Q if any): the one pipeline
    behind :func:`check` and :func:`symdiv.verify_decomposition`.

    Every quantity is resolved into its derivation (+oo where a condition is False); a side that is
    infinite is judged by the infinity rule (both the same infinity: proved); otherwise the residual
    lhs - rhs is reduced by :func:`symdiv.prove.zero.reduce_residual`. Then the numeric search
    (:func:`symdiv.prove.search.search`, ``points`` points, ``seed``, ``dps`` digits) looks for a
    counterexample where the conditions hold (a proved claim in more than 200 symbols: 5 points, as
    a cross-check of the proof). A proof under conditions the claim does not state is
    tested where they fail too (:func:`_outside_conditions`): there the quantities are +oo and a
    claim of a finite value is false. ``where`` are the claim's own conditions on the parameters
    (only points satisfying them are tried). ``time_limit`` seconds bound both (``math.inf``: no
    bound); ``text`` is how the claim is shown.

    >>> import symdiv as sd
    >>> from symdiv.parse import ENTROPY, P
    >>> G = sd.Gamma("alpha", "beta")
    >>> v = judge(sp.Eq(ENTROPY(P), sd.entropy(G).expr), (G,), text="H(P) = its closed form")
    >>> str(v)
    'H(P) = its closed form: proved (lhs - rhs reduces to exactly 0)'
    """
    _check_options(points, seed, dps)
    P, Q = families[0], (families[1] if len(families) > 1 else None)
    resolver = _Resolver(P, Q)
    lhs, rhs = (resolver.settle(side, resolver.quantities(side)) for side in (eq.lhs, eq.rhs))  # engine's budget
    start = time.monotonic()
    proof_time = _PROOF_SHARE * time_limit
    try:
        with interrupt_at(start + proof_time):
            lhs, rhs = resolver.derivatives(lhs), resolver.derivatives(rhs)
    except OutOfTime:
        resolver.problems.append(f"evaluating the derivatives ran out of the time budget ({proof_time:.3g} s)")
    derivations = tuple(resolver.used.values())
    facts = tuple(dict.fromkeys(a for f in families for a in facts_of(f)))
    known = set(facts)  # a set: thousands of facts (Categorical, K = 1000) made a tuple scan quadratic
    stated = tuple(w for w in where if w not in known)
    known |= set(stated)
    conditions = tuple(a for a in resolver.assumptions() if a not in known)
    assumptions = facts + stated + conditions
    reparams = {k: v for f in families for k, v in reparams_of(f).items()}
    positives = tuple(e for f in families for e in f.positive_expressions())
    state = Search(dps=dps)

    problems = list(resolver.problems)
    if not problems:
        problems = [f"the {side} is undefined here ({sp.sstr(value)})" for side, value in (("lhs", lhs), ("rhs", rhs))
                    if value.has(sp.nan, sp.zoo)]
    if problems:
        return Verdict(eq, None, lhs, rhs, sp.nan, sp.nan, (), None, state.evidence(), families, derivations,
                       assumptions, text, conditions, "; ".join(problems))

    reasons: list[str] = []
    notes = tuple(Step(StepKind.SUPPORT, sp.oo, note) for note in resolver.notes)
    if _infinite_side(lhs) or _infinite_side(rhs):
        step = _infinity_step(lhs, rhs)
        residual, reduced, proof = sp.nan, step.expr, (step, *notes)
        proved = reduced == 0
    else:
        residual = lhs - rhs
        try:
            with interrupt_at(start + proof_time):
                proved, reduced, proof, why = reduce_residual(residual, reparams, positives)
        except OutOfTime:
            proved, reduced, proof = False, residual, ()
            why = f"the proof attempt ran out of its time budget ({proof_time:.3g} s)"
        proof += notes
        reasons += [why] if why else []

    if proved and len(residual.free_symbols if residual is not sp.nan else lhs.free_symbols) > _MANY_SYMBOLS:
        points = min(points, _CROSS_CHECK_POINTS)  # a second opinion on a proof: a wrong route differs anywhere
    try:
        with interrupt_at(start + time_limit):
            search(lhs, rhs, families, assumptions, conditions, points, seed, start + time_limit, state)
    except OutOfTime:
        reasons.append(f"the numeric search ran out of the time budget ({time_limit:.3g} s in all) after "
                       f"{state.used} points")
    counter = state.counter
    symbolic = bool(set().union(*(f.free_symbols for f in families)))
    holds: bool | None = True if proved else (False if counter is not None else None)
    if holds is True and counter is not None:
        holds = None
        reasons.append(f"the residual reduced to 0, yet the sides differ numerically {counter}: one of the two "
                       f"routes is wrong, so there is no verdict (please report this claim)")
    elif holds is True and symbolic and not state.sampled:
        holds = None
        reasons.append(f"whether the assumptions can hold at all was not checked ({state.failure})" if state.failure
                       else "whether the assumptions can hold at all was not checked within the time budget")
    elif holds is True and symbolic and state.inside == 0:
        holds = None
        reasons.append(f"no parameter values satisfying the assumptions ({conditions_text(assumptions)}) were "
                       f"found: they may be inconsistent, so the proof may be vacuous")
    outside = ""
    if holds is True and conditions and symbolic:
        counter, outside = _outside_conditions(eq, families, facts + stated, conditions, seed, dps,
                                               start + time_limit, bool(stated))
        if counter is not None:
            holds = False
    if holds is not False:
        counter = None
    if holds is None and state.used == 0:
        reasons += [why for why in (state.failure, state.skipped()) if why and why not in " ".join(reasons)]
    return Verdict(eq, holds, lhs, rhs, residual, reduced, proof, counter, state.evidence(), families, derivations,
                   assumptions, text, conditions, "; ".join(reasons) if holds is None else "", outside, stated)


#: points tried where a condition fails (after a proof where they all hold)
_OUTSIDE_POINTS = 3


def _outside_conditions(eq: sp.Eq, families: tuple[Family, ...], facts: tuple[sp.Basic, ...],
                        conditions: tuple[sp.Basic, ...], seed: int, dps: int,
                        deadline: float, stated: bool) -> tuple[Counterexample | None, str]:
    """A proof under ``conditions`` says nothing where one fails; there the quantities with that
    condition are +oo. The claim states no condition, so it is judged there too: at up to
    :data:`_OUTSIDE_POINTS` valid points where a condition fails, with the families at that point
    (whose derivations then give +oo). A false claim there (KL(Pareto(m, 1/2) || Exponential) = its
    finite closed form) is a counterexample; otherwise the text says what was seen."""
    if eq.has(sp.Derivative):  # where a quantity is +oo its derivative does not exist: nothing to judge
        return None, ""
    try:
        sample = sample_points(families, 60, seed + 1, facts)
    except UnsupportedError:
        return None, ""
    outside = [p for p in sample if not holds_at(conditions, p)][:_OUTSIDE_POINTS]
    if not outside:
        return None, (f"no point satisfying the claim's conditions was found where they fail ({len(sample)} drawn)"
                      if stated else "")
    seen: list[str] = []
    for point in outside:
        left = deadline - time.monotonic()
        if left <= 0.5:
            break
        at = tuple(f.at(point) for f in families)
        subs = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
        sub = judge(sp.Eq(eq.lhs.xreplace(subs), eq.rhs.xreplace(subs), evaluate=False), at, points=1,
                    seed=seed, dps=dps, time_limit=left)
        if sub.holds is False and sub.counterexample is not None:
            c = sub.counterexample
            return (Counterexample(point, c.lhs, c.rhs, c.dps),
                    f"lhs - rhs reduces to exactly 0 where {conditions_text(conditions)}, which the claim does not "
                    f"state (check(..., where=...), --where); where it fails a quantity in the claim is +oo")
        seen.append(sub.verdict)
    if seen and all(v == "proved" for v in seen):
        return None, (f"where a condition fails, the claim also holds at the {len(seen)} point(s) tried (a quantity "
                      f"in it is +oo there)")
    return None, ""


def check(claim: str | sp.Eq, P: Family, Q: Family | None = None, *, syntax: str = "auto",
          points: int = 20, seed: int = 0, time_limit: float = TIME_LIMIT,
          where: str | tuple[sp.Basic, ...] = ()) -> Verdict:
    r"""Judge ``claim`` (text, LaTeX or a SymPy ``Eq``) for the families P and Q.

    In the claim, P and Q name the two distributions; the parameters are the families' symbols
    (e.g. ``mu_1``, ``sigma_2``). Quantities: ``H(P)``, ``H(P, Q)``, ``KL(P || Q)`` (also
    ``D_KL``, ``D``, LaTeX ``D_{\mathrm{KL}}(P \| Q)``), derivatives ``d/dmu_2 ...``.

    A quantity whose derivation has a condition that is False for these families is +oo. With
    symbolic conditions a proof holds where they hold, and ``Verdict.conditions`` (and the text)
    say which. ``time_limit`` (seconds) bounds the proof attempt and the numeric search (the
    derivations run under the engine's own budget); when it runs out the verdict is undecided with
    that ``reason``. A claim that holds only under such a condition and does not state it is false
    where the condition fails (the quantity is +oo there): state it with ``where`` (text such as
    ``"alpha_1 > 1"``, or SymPy relations).

    >>> import symdiv as sd
    >>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
    >>> sd.check(r"\frac{\partial}{\partial \mu_2} H(P, Q) = \frac{\partial}{\partial \mu_2} D_{KL}(P \| Q)",
    ...          P, Q).verdict
    'proved'
    >>> v = sd.check("KL(P||Q) = 3*log(m_1/m_2)", sd.Pareto("m_1", 3), sd.Pareto("m_2", 3))
    >>> v.verdict, v.counterexample.lhs
    ('false', mpf('+inf'))
    >>> v = sd.check("KL(P||Q) = 3*log(m_1/m_2)", sd.Pareto("m_1", 3), sd.Pareto("m_2", 3), where="m_2 <= m_1")
    >>> v.verdict, v.conditions
    ('proved', ())
    """
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit < math.inf:
        raise UnsupportedError(f"time_limit must be a positive number of seconds, not {time_limit!r}")
    _check_options(points, seed, DPS)
    if Q is not None:
        P, Q = _require_pair(P, Q)
    P = _require_family(P, "P")
    families = (P,) if Q is None else (P, Q)
    if isinstance(where, str):
        stated = parse_conditions(where, _names(families), syntax) if where.strip() else ()
    elif isinstance(where, tuple) and all(isinstance(w, sp.core.relational.Relational) for w in where):
        stated = where
    else:
        raise ParseError(f"where must be a string or a tuple of SymPy relations, not {where!r}")
    unknown_where = set().union(*(w.free_symbols for w in stated)) - set(_names(families).values())
    if unknown_where:
        raise ParseError(f"the conditions use {', '.join(sorted(map(str, unknown_where)))}, which are not "
                         f"parameters of P or Q")
    if isinstance(claim, str):
        eq = parse_claim(claim, _names(families), syntax)
    elif isinstance(claim, sp.Equality):
        eq = claim
        unknown = eq.free_symbols - {P_SYM, Q_SYM} - set(_names(families).values())
        if unknown:
            raise ParseError(f"the claim uses {', '.join(sorted(map(str, unknown)))}, which are not parameters of "
                             f"P or Q ({', '.join(sorted(_names(families))) or 'none'})")
        for side in (eq.lhs, eq.rhs):
            check_expression(side)
    else:
        raise ParseError(f"a claim is a string or a sympy.Eq, not {type(claim).__name__}")
    return judge(eq, families, text=claim if isinstance(claim, str) else "", points=points, seed=seed,
                 time_limit=time_limit, where=stated)
