r"""Checking claims: a verdict on an equation between entropies, cross-entropies, KL divergences,
their derivatives and closed-form expressions, for given families P and Q.

The claim is parsed without evaluating code (:mod:`symdiv.parse`); every named quantity is
replaced by its derivation; the residual lhs - rhs is then

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
* A side that is undefined (``nan``, ``zoo``: +oo - +oo, the derivative of an infinite quantity)
  or not real makes the verdict undecided, with the reason. Undefined or non-real *text* (``1/0``,
  ``log(0)``, ``sqrt(-1)``) is a :class:`~symdiv.errors.ParseError` already (see :mod:`symdiv.parse`).
* Bounded time: the proof attempt and the numeric search share ``time_limit`` seconds (default
  :data:`TIME_LIMIT`). In the main thread of a POSIX process (and when no other interval timer is
  running) ``SIGALRM`` interrupts them; elsewhere the budget is checked between steps and points.
  Residuals whose expansion would exceed :data:`MAX_EXPANSION` terms are not expanded, and a
  sample point at which an exponent (the argument of exp, ``y log|x|`` in ``x**y``) or the argument
  of a gamma-type function exceeds the parser's limits is skipped. Whatever runs out, the verdict is
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
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from .derivation import Derivation, Expectation, Step, StepKind
from .errors import ParseError, UnsupportedError
from .family import Family
from .measures import _require_family, cross_entropy, entropy, kl_divergence
from .numeric import Evaluator, evaluate, substitute
from .parse import ENTROPY, KL, MAX_EXP_ARGUMENT, MAX_EXPONENT_VALUE, build_problem, check_expression, parse_claim
from .parse import P as P_SYM
from .parse import Q as Q_SYM
from .tidy import hide_matrices, tidy
from .verify import NumericEvidence, prove_zero, sample_points

__all__ = ["Verdict", "Counterexample", "check", "verify_local_expansion", "TIME_LIMIT", "MAX_EXPANSION"]

DPS = 30
CONFIRM_DPS = 50
#: seconds for the proof attempt and the numeric search of one claim (``check(..., time_limit=...)``)
TIME_LIMIT = 5.0
#: the share of the time limit the proof attempt may use; the numeric search has the rest
_PROOF_SHARE = 0.6
#: residuals whose expansion would make more terms than this are not expanded (the proof is not tried)
MAX_EXPANSION = 100_000
#: the most sample points one check evaluates
_MAX_POINTS = 1000
#: the working precision (digits) evalf may raise to when confirming a counterexample through cancellation
_MAX_CONFIRM_DIGITS = 1000
#: at a sample point, gamma-type functions are evaluated (exactly, by SymPy) only for arguments up to this
_MAX_SPECIAL_VALUE = 10_000


@dataclass(frozen=True)
class Counterexample:
    """Exact parameter values at which the two sides of a claim differ, with both values."""

    point: Mapping[Any, Any]
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    dps: int

    def __str__(self) -> str:
        at = ", ".join(f"{k} = {_show(v)}" for k, v in self.point.items())
        where = f"at {at}" if at else "for the given parameters"
        return f"{where}: lhs = {mpmath.nstr(self.lhs, 15)}, rhs = {mpmath.nstr(self.rhs, 15)}"


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
    #: the conditions, beyond the families' parameter domains, under which the derived closed forms
    #: are the values of the quantities in the claim (supports that nest, moments that exist). A
    #: proof holds where they hold; where one fails a quantity is +oo (or not given by its closed
    #: form) and nothing was proved there. Counterexamples are searched where they hold.
    conditions: tuple[sp.Basic, ...] = ()
    #: why the verdict is undecided when something stopped the check (a time budget, values too
    #: large to evaluate, inconsistent assumptions, an undefined side); "" otherwise
    reason: str = ""

    @property
    def verdict(self) -> str:
        return {True: "proved", False: "false", None: "undecided"}[self.holds]

    def __bool__(self) -> bool:
        return self.holds is True

    def __str__(self) -> str:
        shown = self.text or sp.sstr(self.claim)
        if self.holds is True:
            if self.conditions:
                return (f"{shown}: proved where {_and(self.conditions)} (lhs - rhs reduces to exactly 0 there; "
                        f"where a condition fails, a quantity in the claim is +oo or not given by its closed form, "
                        f"and this proof says nothing)")
            return f"{shown}: proved (lhs - rhs reduces to exactly 0)"
        if self.holds is False:
            return f"{shown}: false; counterexample {self.counterexample}"
        ev = self.evidence
        why = f"{self.reason}; " if self.reason else "no proof; "
        if ev.points == 0:
            return f"{shown}: undecided ({why.rstrip('; ')})"
        return (f"{shown}: undecided ({why}at {ev.points} random points |lhs - rhs| <= "
                f"{mpmath.nstr(ev.max_abs_residual, 3)} with {ev.dps}-digit arithmetic)")

    def latex(self, env: str | None = "aligned", notation: Any = None) -> str:
        """The claim, then its proof or its counterexample, as LaTeX."""
        from .printing.latex import verdict_latex

        return verdict_latex(self, env=env, notation=notation)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(env="aligned") + "$$"


def _and(conditions: tuple[sp.Basic, ...]) -> str:
    return " and ".join(sp.sstr(c) for c in conditions)


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


def _is_false(c: Any) -> bool:
    return c is False or c is sp.false


def _quantity_name(e: sp.Expr) -> str:
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
        args = tuple(self.family(a) for a in e.args)
        if e.func == ENTROPY and len(args) == 1:
            d = entropy(*args)
        elif e.func == ENTROPY and len(args) == 2:
            d = cross_entropy(*args)
        elif e.func == KL and len(args) == 2:
            d = kl_divergence(*args)
        else:
            raise ParseError(f"cannot read {e} as a quantity: use H(P), H(P, Q) or KL(P || Q)")
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
        return self._rebuild(expr, lambda e: e.has(ENTROPY, KL),
                             lambda e: self(e) if isinstance(e, AppliedUndef) and e.func in (ENTROPY, KL) else None)

    def derivatives(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with its derivatives evaluated, innermost first."""
        return self._rebuild(expr, lambda e: e.has(sp.Derivative), self._derivative)

    def _derivative(self, e: sp.Basic) -> sp.Expr | None:
        if not isinstance(e, sp.Derivative):
            return None
        if _infinite(e.expr):
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


# ------------------------------------------------------------------------ time and size budgets
class _OutOfTime(BaseException):
    """A stage's time budget ran out. A BaseException, so that no ``except Exception`` inside SymPy
    or mpmath can swallow it."""


def _tick(deadline: float) -> None:
    if time.monotonic() >= deadline:
        raise _OutOfTime


@contextmanager
def _time_limit(deadline: float) -> Iterator[None]:
    """Interrupt the body at ``deadline`` (a ``time.monotonic()`` value) with :class:`_OutOfTime`.

    SIGALRM does it in the main thread of a POSIX process when no other interval timer is running
    (the previous handler is restored after); elsewhere only the body's :func:`_tick` calls do.
    """
    _tick(deadline)
    if not (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)):
        yield
        return
    armed = True

    def alarm(signum: int, frame: Any) -> None:
        if armed:
            left = deadline - time.monotonic()
            if left > 0:  # woken early: wait for the rest
                signal.setitimer(signal.ITIMER_REAL, left)
                return
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
    try:
        yield
    finally:
        try:
            armed = False  # from here on the handler does nothing
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _expansion_size(e: sp.Basic, cap: int = MAX_EXPANSION) -> tuple[int, int]:
    """(terms, work): an upper bound on the number of terms ``sympy.expand`` makes of ``e`` at its top
    level, and in all (inside function arguments too); both capped just above ``cap``."""
    if not e.args or isinstance(e, sp.MatrixExpr):
        return 1, 1
    parts = [_expansion_size(a, cap) for a in e.args]
    work = min(sum(w for _, w in parts), cap + 1)
    if e.is_Add:
        terms = min(sum(t for t, _ in parts), cap + 1)
    elif e.is_Mul:
        terms = 1
        for t, _ in parts:
            terms = min(terms * t, cap + 1)
    elif e.is_Pow and e.exp.is_Integer:
        n, k, count = parts[0][0], abs(int(e.exp)), 1
        for j in range(1, min(k, n - 1) + 1):  # C(n + k - 1, k) multisets of k of the n terms
            count = min(count * (k + j) // j, cap + 1)
            if count > cap:
                break
        terms = count if e.exp > 0 else 1
        work = min(work + count, cap + 1)
    else:
        terms = 1
    return terms, min(work + terms, cap + 1)


# ------------------------------------------------------------------------ numbers
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
                            f = sp.lambdify(symbols, quantity, modules="mpmath")
                        except Exception:  # noqa: BLE001 - not printable for mpmath: the evaluation will fail too
                            continue
                        self.checks.append((symbols, f, bound))

    @staticmethod
    def _quantities(node: sp.Basic) -> list[tuple[sp.Expr, int]]:
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


def _holds(condition: sp.Basic, point: Mapping[Any, Any]) -> bool | None:
    """A condition at a point: True, False, or None when it does not evaluate."""
    try:
        value = substitute(condition, point)
    except (ArithmeticError, ValueError, TypeError):
        return None
    return True if value is sp.true else False if value is sp.false else None


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
    return abs(a - b) > mpmath.mpf(10) ** (10 - dps) * max(1, abs(a), abs(b))


@dataclass
class _Search:
    """The numeric search's state; it survives an interruption."""

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
        why = [f"{n} {what}" for n, what in ((self.outside, "outside the conditions"),
                                             (self.too_large, "with values too large to evaluate"),
                                             (self.undefined, "where a side has no real value")) if n]
        return f"points skipped: {', '.join(why)}" if why else ""


def _search(lhs: sp.Expr, rhs: sp.Expr, families: tuple[Family, ...], assumptions: tuple[sp.Basic, ...],
            conditions: tuple[sp.Basic, ...], points: int, seed: int, deadline: float, state: _Search) -> None:
    P = families[0]
    try:
        sample = sample_points(families, points, seed, assumptions)
    except UnsupportedError as exc:  # no valid parameter values could be drawn at all
        state.failure = str(exc)
        return
    state.sampled, state.drawn = True, len(sample)
    f_l, f_r = _evaluator(lhs, P, DPS), _evaluator(rhs, P, DPS)
    guard = _Guard(lhs, rhs)
    with mpmath.workdps(DPS):
        for point in sample:
            _tick(deadline)
            if not all(_holds(c, point) is True for c in conditions):
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
            if state.counter is None and _differ(a, b, DPS) and _confirmed(lhs, rhs, P, point):
                state.counter = Counterexample(point, a, b, DPS)


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


def _confirmed(lhs: sp.Expr, rhs: sp.Expr, P: Family, point: Mapping[Any, Any]) -> bool:
    """The two sides still differ when re-evaluated independently at 50 correct digits."""
    try:
        with mpmath.workdps(CONFIRM_DPS):
            return _differ(_strict(lhs, point, P, CONFIRM_DPS), _strict(rhs, point, P, CONFIRM_DPS), CONFIRM_DPS)
    except _NO_VALUE:
        return False


# ------------------------------------------------------------------------ the API
def _infinite(e: sp.Expr) -> bool:
    """An infinite side (a +oo result, or a term that is): oo as a series' upper limit does not count."""
    return e.has(sp.zoo) or any(t in (sp.oo, -sp.oo) or (t.is_Mul and sp.oo in t.args)
                                for t in sp.Add.make_args(e))


def check(claim: str | sp.Eq, P: Family, Q: Family | None = None, *, syntax: str = "auto",
          points: int = 20, seed: int = 0, time_limit: float = TIME_LIMIT) -> Verdict:
    r"""Judge ``claim`` (text, LaTeX or a SymPy ``Eq``) for the families P and Q.

    In the claim, P and Q name the two distributions; the parameters are the families' symbols
    (e.g. ``mu_1``, ``sigma_2``). Quantities: ``H(P)``, ``H(P, Q)``, ``KL(P || Q)`` (also
    ``D_KL``, ``D``, LaTeX ``D_{\mathrm{KL}}(P \| Q)``), derivatives ``d/dmu_2 ...``.

    A quantity whose derivation has a condition that is False for these families is +oo. With
    symbolic conditions a proof holds where they hold, and ``Verdict.conditions`` (and the text)
    say which. ``time_limit`` (seconds) bounds the proof attempt and the numeric search (the
    derivations run under the engine's own budget); when it runs out the verdict is undecided with
    that ``reason``.

    >>> import symdiv as sd
    >>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
    >>> sd.check(r"\frac{\partial}{\partial \mu_2} H(P, Q) = \frac{\partial}{\partial \mu_2} D_{KL}(P \| Q)",
    ...          P, Q).verdict
    'proved'
    >>> v = sd.check("KL(P||Q) = 3*log(m_1/m_2)", sd.Pareto("m_1", 3), sd.Pareto("m_2", 3))
    >>> v.verdict, v.conditions
    ('proved', (m_2 <= m_1,))
    """
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit < math.inf:
        raise UnsupportedError(f"time_limit must be a positive number of seconds, not {time_limit!r}")
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= _MAX_POINTS:
        raise UnsupportedError(f"points must be an integer from 1 to {_MAX_POINTS}, not {points!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UnsupportedError(f"seed must be an integer, not {seed!r}")
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
        for side in (eq.lhs, eq.rhs):
            check_expression(side)
    else:
        raise ParseError(f"a claim is a string or a sympy.Eq, not {type(claim).__name__}")

    resolver = _Resolver(P, Q)
    lhs, rhs = resolver.quantities(eq.lhs), resolver.quantities(eq.rhs)  # under the engine's own budget
    start = time.monotonic()
    try:
        with _time_limit(start + _PROOF_SHARE * time_limit):
            lhs, rhs = resolver.derivatives(lhs), resolver.derivatives(rhs)
    except _OutOfTime:
        resolver.problems.append(f"evaluating the derivatives ran out of the time budget "
                                 f"({_PROOF_SHARE * time_limit:.3g} s)")
    derivations = tuple(resolver.used.values())
    facts = tuple(dict.fromkeys(a for f in families for a in f.facts()))
    conditions = tuple(a for a in resolver.assumptions() if a not in facts)
    assumptions = facts + conditions
    reparams = {k: v for f in families for k, v in f.reparams().items()}
    positives = tuple(e for f in families for e in f.positive_expressions())
    tol = mpmath.mpf(10) ** (10 - DPS)

    problems = list(resolver.problems)
    if not problems:
        problems = [f"the {side} is undefined here ({sp.sstr(value)})" for side, value in (("lhs", lhs), ("rhs", rhs))
                    if value.has(sp.nan, sp.zoo)]
    if problems:
        return Verdict(eq, None, lhs, rhs, sp.nan, sp.nan, (), None, NumericEvidence(0, DPS, mpmath.mpf(0), tol),
                       families, derivations, assumptions, text, conditions, "; ".join(problems))

    reasons: list[str] = []
    notes = tuple(Step(StepKind.SUPPORT, sp.oo, note) for note in resolver.notes)
    if _infinite(lhs) or _infinite(rhs):
        residual = sp.nan
        proved = lhs == rhs and lhs in (sp.oo, -sp.oo)
        reduced = sp.Integer(0) if proved else sp.nan
        proof = (Step(StepKind.SUPPORT, sp.Integer(0) if proved else sp.nan,
                      f"lhs = {sp.sstr(lhs)}, rhs = {sp.sstr(rhs)}"), *notes)
    else:
        residual = lhs - rhs
        try:
            with _time_limit(start + _PROOF_SHARE * time_limit):
                proved, reduced, proof, why = _prove(residual, reparams, positives)
        except _OutOfTime:
            proved, reduced, proof = False, residual, ()
            why = f"the proof attempt ran out of its time budget ({_PROOF_SHARE * time_limit:.3g} s)"
        proof += notes
        reasons += [why] if why else []

    state = _Search()
    try:
        with _time_limit(start + time_limit):
            _search(lhs, rhs, families, assumptions, conditions, points, seed, start + time_limit, state)
    except _OutOfTime:
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
        reasons.append(f"no parameter values satisfying the assumptions ({_and(assumptions)}) were found: they may "
                       f"be inconsistent, so the proof may be vacuous")
    if holds is not False:
        counter = None
    if holds is None and state.used == 0:
        reasons += [why for why in (state.failure, state.skipped()) if why and why not in " ".join(reasons)]
    evidence = NumericEvidence(state.used, DPS, state.worst, tol)
    return Verdict(eq, holds, lhs, rhs, residual, reduced, proof, counter, evidence, families, derivations,
                   assumptions, text, conditions, "; ".join(reasons) if holds is None else "")


def _prove(residual: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr],
           positives: tuple[sp.Expr, ...]) -> tuple[bool, sp.Expr, tuple[Step, ...], str]:
    """(proved, reduced, steps, why not tried): sound rewrites of the residual, within the size budget."""
    if _expansion_size(residual)[1] > MAX_EXPANSION:
        return (False, residual, (Step(StepKind.DEFINITION, residual, "the residual"),),
                f"the residual is too large to expand (more than {MAX_EXPANSION} terms)")
    hidden, back = hide_matrices(residual) if residual.has(sp.MatrixExpr) else (residual, {})
    known = tuple(hide_matrices(p)[0] if back else p for p in positives)
    proved, reduced, steps = prove_zero(hidden, reparams, known)
    if (not proved and sp.count_ops(reduced) <= 60 and not reduced.has(sp.Sum)
            and _expansion_size(reduced)[1] <= 2000):
        simpler = sp.simplify(reduced)  # a sound rewrite; tried last, on small residuals only
        if simpler != reduced:
            steps = (*steps, Step(StepKind.TIDY, simpler, "simplify"))
            proved, reduced = simpler == 0, simpler
    if back:
        reduced = reduced.xreplace(back)
        steps = tuple(Step(s.kind, s.expr.xreplace(back), s.note) for s in steps)
    return proved, reduced, steps, ""


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
        ok, reduced, proof, _ = _prove(a - b, reparams, P.positive_expressions())
        steps += [Step(s.kind, s.expr, f"order {n}: {s.note}") for s in proof]
        all_proved &= ok
        reduced_parts.append(reduced)
    residual = sp.Add(*(sp.Abs(a - b) for a, b in zip(lhs, rhs)))
    evidence = NumericEvidence(0, DPS, mpmath.mpf(0), mpmath.mpf(10) ** (10 - DPS))
    return Verdict(claim, True if all_proved else None, sp.Add(*(c * t**n for n, c in enumerate(coefficients))),
                   t**2 * quadratic, residual, sp.Add(*reduced_parts), tuple(steps), None, evidence, (P,),
                   (), P.facts(), f"KL({P.name}_theta || {P.name}_theta+t*delta) = t^2/2 delta^T I delta + O(t^3)")

