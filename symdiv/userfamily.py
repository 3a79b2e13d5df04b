"""User-defined families: ``Family.from_density``.

A density written in SymPy becomes a family constructor. Before it is accepted it is checked:

* the support is read from the usual SymPy and Python forms (an interval, a range of integers, a
  finite set of integers; large and infinite integer ranges stay series, never enumerated);
* the logarithm of the density is expanded only where the signs of the factors are known
  (log(-a/b) with b < 0 is log(a) - log(-b)), and the expansion is checked against the density
  numerically, so no ``I*pi`` can appear;
* the density is non-negative and integrates (sums) to 1, checked numerically at sampled
  parameter points (exactly for a small finite support when SymPy can), and each instance with
  numbers is checked to have a defined, non-negative density and a non-empty support;
* the variable's SymPy assumptions must hold on the whole support (a positive ``k`` has already
  turned ``|k|`` into ``k`` before symdiv sees the density).

When it is an exponential family, log p = Σ η_j(θ) T_j(x) + c(θ) + k(x) with every statistic T_j
and k free of the parameters, the expectations of the sufficient statistics come from
differentiating the normaliser (Σ_j ∂η_j/∂θ_i E[T_j] = -∂c/∂θ_i); they are checked against
quadrature (summation) at sampled parameter points before they are used, and dropped when they
disagree. Anything else is derived by integration or summation and cached.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

import mpmath
import sympy as sp

from .domains import Domain, make_name
from .errors import InvalidParameterError, SymdivError, UnsupportedError
from .expectation import decompose
from .family import Family, Parameter, Point, X
from .support import ATOM_LIMIT, FiniteAtoms, IntegerRange, RealInterval, Support, decide_nonnegative

__all__ = ["from_density", "ExponentialFamilyForm", "ACCEPTED_SUPPORTS"]

#: the support forms ``from_density`` reads, for error messages
ACCEPTED_SUPPORTS = (
    "a tuple (lo, hi), sympy.Interval(lo, hi) (open or closed) or sympy.Reals for an interval; "
    "sympy.Range(lo, hi), a Python range, sympy.Naturals, sympy.Naturals0 or sympy.Integers for integers; "
    "sympy.FiniteSet(...) or a list/set of integers for a finite set; or a symdiv RealInterval, "
    "IntegerRange or FiniteAtoms (an interval with discrete=True means the integers in it)"
)

#: relative tolerance of the numeric checks (normalisation, E[T], the expanded logarithm)
TOLERANCE = 1e-8
#: digits of the numeric checks
_DPS = 25
#: parameter points at which a new family is checked
_CHECK_POINTS = 2
#: at most this many operations in an expression handed to together/cancel (bounded time)
_OPS_LIMIT = 120
#: a finite support with at most this many atoms is summed exactly (masses, zero masses)
_EXACT_ATOMS = 64
#: exponential-family detection solves for at most this many E[T_j]
_MAX_STATISTICS = 4


class ExponentialFamilyForm:
    """log p(x) = Σ η_j(θ) T_j(x) + c(θ) + k(x), with E[T_j] solved from the normaliser."""

    def __init__(self, natural: list[sp.Expr], statistics: list[sp.Expr], log_normalizer: sp.Expr,
                 base: sp.Expr, mean: dict[sp.Expr, sp.Expr]) -> None:
        self.natural, self.statistics = natural, statistics
        self.log_normalizer, self.base, self.mean = log_normalizer, base, mean

    def __repr__(self) -> str:
        return (f"ExponentialFamilyForm(natural={self.natural}, statistics={self.statistics}, "
                f"log_partition={-self.log_normalizer}, base={self.base})")


def _bad_density(name: str, value: Any, why: str) -> InvalidParameterError:
    return InvalidParameterError(name, "density", value, "a probability density (mass function) on its support: "
                                 "non-negative and integrating (summing) to 1", why)


# ---------------------------------------------------------------------------------------------- support


def _bound(value: Any, name: str, what: str) -> sp.Expr:
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        raise InvalidParameterError(name, "support", value, ACCEPTED_SUPPORTS,
                                    f"the {what} bound must be a number or a SymPy expression")
    if isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, Fraction):
        expr = sp.Rational(value.numerator, value.denominator)
    elif isinstance(value, Integral):
        expr = sp.Integer(int(value))
    elif isinstance(value, Real):
        f = float(value)
        expr = sp.Float(f) if abs(f) != float("inf") else (sp.oo if f > 0 else -sp.oo)
    else:
        raise InvalidParameterError(name, "support", value, ACCEPTED_SUPPORTS,
                                    f"the {what} bound has type {type(value).__name__}")
    if not isinstance(expr, sp.Expr) or expr.has(sp.nan, sp.zoo, sp.I) or expr.is_extended_real is False:
        raise InvalidParameterError(name, "support", value, ACCEPTED_SUPPORTS, f"the {what} bound is not real")
    return expr


def _atoms(values: Iterable[Any], name: str, shown: Any) -> FiniteAtoms:
    out = set()
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (Integral, sp.Basic)):
            raise InvalidParameterError(name, "support", shown, ACCEPTED_SUPPORTS,
                                        f"the atom {v!r} is not an integer")
        e = sp.Integer(int(v)) if isinstance(v, Integral) else v
        if not (isinstance(e, sp.Expr) and e.is_Integer):
            raise InvalidParameterError(name, "support", shown, ACCEPTED_SUPPORTS,
                                        f"the atom {v} is not an integer (a finite support holds integer numbers)")
        out.add(int(e))
    if not out:
        raise InvalidParameterError(name, "support", shown, ACCEPTED_SUPPORTS, "the set is empty")
    return FiniteAtoms(tuple(sorted(out)))


def _integers_of_interval(lo: sp.Expr, hi: sp.Expr, left_open: bool, right_open: bool) -> IntegerRange:
    first = sp.floor(lo) + 1 if left_open and lo != -sp.oo else sp.ceiling(lo)
    last = sp.ceiling(hi) - 1 if right_open and hi != sp.oo else sp.floor(hi)
    return IntegerRange(first, last)


def _read_support(support: Any, name: str) -> tuple[str, Any]:
    """("interval", (lo, hi, left_open, right_open)), ("integers", (lo, hi)) or ("atoms", FiniteAtoms)."""
    if isinstance(support, FiniteAtoms):
        return "atoms", _atoms(support.values, name, support)
    if isinstance(support, IntegerRange):
        return "integers", (_bound(support.lo, name, "lower"), _bound(support.hi, name, "upper"))
    if isinstance(support, RealInterval):
        return "interval", (_bound(support.lo, name, "lower"), _bound(support.hi, name, "upper"), True, True)
    if isinstance(support, Support):
        raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                    "a user family has a scalar variable on the real line")
    if isinstance(support, sp.Set):
        if support == sp.Reals:
            return "interval", (-sp.oo, sp.oo, True, True)
        if support == sp.Naturals0:
            return "integers", (sp.Integer(0), sp.oo)
        if support == sp.Naturals:
            return "integers", (sp.Integer(1), sp.oo)
        if support == sp.Integers:
            return "integers", (-sp.oo, sp.oo)
        if isinstance(support, sp.Interval):
            lo, hi = _bound(support.start, name, "lower"), _bound(support.end, name, "upper")
            return "interval", (lo, hi, bool(support.left_open), bool(support.right_open))
        if isinstance(support, sp.Range):
            step = support.step
            if support.is_empty is True:
                raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS, "the range is empty")
            if step in (1, -1):
                return "integers", (_bound(support.inf, name, "lower"), _bound(support.sup, name, "upper"))
            if support.size.is_Integer and int(support.size) <= ATOM_LIMIT:
                return "atoms", _atoms(list(support), name, support)
            raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                        f"a range with step {step} must be finite with at most {ATOM_LIMIT} atoms")
        if isinstance(support, sp.FiniteSet):
            return "atoms", _atoms(support.args, name, support)
        raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                    f"the set {support} is not one of these")
    if isinstance(support, range):
        if len(support) == 0:
            raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS, "the range is empty")
        if support.step in (1, -1):
            ends = (support[0], support[-1])
            return "integers", (sp.Integer(min(ends)), sp.Integer(max(ends)))
        if len(support) <= ATOM_LIMIT:
            return "atoms", _atoms(support, name, support)
        raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                    f"a range with step {support.step} must have at most {ATOM_LIMIT} atoms")
    if isinstance(support, tuple) and len(support) == 2:
        return "interval", (_bound(support[0], name, "lower"), _bound(support[1], name, "upper"), False, False)
    if isinstance(support, (list, set, frozenset)):
        return "atoms", _atoms(support, name, support)
    raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS)


def _support(support: Any, name: str = "from_density", discrete: bool | None = None) -> Support:
    """The support as a symdiv Support: an interval, or integers when ``discrete`` (or an integer form)."""
    kind, data = _read_support(support, name)
    if kind == "interval":
        lo, hi, left_open, right_open = data
        supp: Support = _integers_of_interval(lo, hi, left_open, right_open) if discrete else RealInterval(lo, hi)
    elif discrete is False:
        raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                    "a support of integers needs discrete=True (or leave discrete unset)")
    else:
        supp = IntegerRange(*data) if kind == "integers" else data
    _check_nonempty(supp, name, support)
    return supp


def _check_nonempty(supp: Support, name: str, shown: Any) -> None:
    """Raise when the support is definitely empty (an interval of length <= 0, no integers)."""
    if isinstance(supp, RealInterval):
        lo, hi = supp.lo, supp.hi
        if lo == sp.oo or hi == -sp.oo or (hi - lo).is_nonpositive:
            raise InvalidParameterError(name, "support", shown, "an interval (lo, hi) with lo < hi",
                                        f"it is ({lo}, {hi})")
    elif isinstance(supp, IntegerRange):
        lo, hi = sp.ceiling(supp.lo), sp.floor(supp.hi)
        if lo == sp.oo or hi == -sp.oo or (hi - lo).is_negative:
            raise InvalidParameterError(name, "support", shown, "a range holding at least one integer",
                                        f"it holds no integer between {supp.lo} and {supp.hi}")


def _check_variable(variable: sp.Symbol, supp: Support, name: str, reparams: Mapping[sp.Symbol, sp.Expr]) -> None:
    """Refuse a variable whose SymPy assumptions do not hold on the whole support: SymPy uses them
    when the density is written (a positive k turns |k| into k), so the density symdiv receives
    would not be the one meant."""
    def bad(why: str) -> InvalidParameterError:
        return InvalidParameterError(name, "variable", variable, "a symbol whose assumptions hold on the whole "
                                     "support, e.g. sympy.Symbol('x', real=True)", why)

    if variable.is_extended_real is False:
        raise bad("it is not a real symbol")
    for flag in ("even", "odd", "prime", "composite", "zero"):
        if variable.assumptions0.get(flag):
            raise bad(f"it is declared {flag}, which SymPy may already have used to rewrite the density")
    if not supp.discrete and (variable.is_integer or variable.is_rational):
        raise bad("it is an integer (rational) symbol but the support is an interval: pass discrete=True, "
                  "or use a real symbol")
    if isinstance(supp, FiniteAtoms):
        first, last = sp.Integer(min(supp.values)), sp.Integer(max(supp.values))
    else:
        assert isinstance(supp, (RealInterval, IntegerRange))
        first, last = (sp.ceiling(supp.lo), sp.floor(supp.hi)) if supp.discrete else (supp.lo, supp.hi)
    # on an interval the ends carry no mass: x > lo >= 0 is positive
    strict = 1 if supp.discrete else 0
    needs = []
    if variable.is_positive:
        needs.append((first - strict, "positive", "lower"))
    elif variable.is_nonnegative:
        needs.append((first, "non-negative", "lower"))
    if variable.is_negative:
        needs.append((-last - strict, "negative", "upper"))
    elif variable.is_nonpositive:
        needs.append((-last, "non-positive", "upper"))
    for expr, what, end in needs:
        if expr.has(sp.oo, -sp.oo, sp.zoo) or decide_nonnegative(expr, reparams) is not True:
            raise bad(f"it is declared {what} but the support's {end} end ({first if end == 'lower' else last}) "
                      f"is not known to allow only {what} values: SymPy may have used the assumption to rewrite "
                      "the density (e.g. |x| as x); declare it real (integer) instead")


# ---------------------------------------------------------------------------------------------- signs and logs


class _Signs:
    """Signs of factors of the density on its support, decided from SymPy assumptions.

    The variable is replaced by expressions in fresh positive symbols that cover a superset of the
    support (x = lo + t on (lo, oo), x = lo + (hi - lo) t/(1 + t) on (lo, hi), each atom of a finite
    set); parameters by their domains' re-parametrisations (p = 1/(1 + t) for a probability). A sign
    decided on a superset of the support holds on the support.
    """

    def __init__(self, supp: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> None:
        self.reparams = dict(reparams)
        if isinstance(supp, RealInterval) and sp.oo not in (supp.hi, -supp.lo):
            # a support (lo, hi) is never empty (each instance is checked): hi = lo + w with w > 0
            w = sp.Dummy("w", positive=True)
            if isinstance(supp.hi, sp.Symbol) and supp.hi not in self.reparams and supp.hi not in supp.lo.free_symbols:
                self.reparams[supp.hi] = supp.lo.xreplace(self.reparams) + w
            elif isinstance(supp.lo, sp.Symbol) and supp.lo not in self.reparams \
                    and supp.lo not in supp.hi.free_symbols:
                self.reparams[supp.lo] = supp.hi.xreplace(self.reparams) - w
        self.options: list[sp.Expr]
        self.all_atoms = False
        if isinstance(supp, FiniteAtoms):
            self.options, self.all_atoms = [sp.Integer(a) for a in supp.values], True
        elif isinstance(supp, IntegerRange):
            t = sp.Dummy("t", integer=True, nonnegative=True)
            lo, hi = sp.ceiling(supp.lo), sp.floor(supp.hi)
            self.options = [b for b, ok in ((lo + t, lo != -sp.oo), (hi - t, hi != sp.oo)) if ok] or [
                sp.Dummy("k", integer=True)]
        else:
            assert isinstance(supp, RealInterval)
            t = sp.Dummy("t", positive=True)
            lo, hi = supp.lo, supp.hi
            if lo != -sp.oo and hi != sp.oo:
                self.options = [lo + (hi - lo) * t / (1 + t)]
            elif lo != -sp.oo:
                self.options = [lo + t]
            elif hi != sp.oo:
                self.options = [hi - t]
            else:
                self.options = [sp.Dummy("x", real=True)]
        self.options = [o.xreplace(self.reparams) for o in self.options]
        self._cache: dict[sp.Expr, int | None] = {}

    def real(self, expr: sp.Expr) -> bool:
        """Whether expr is real on the whole support (decided from the assumptions)."""
        base = expr.xreplace(self.reparams)
        return all(bool(base.xreplace({X: o}).is_extended_real) for o in self.options)

    def sign(self, expr: sp.Expr) -> int | None:
        """+1 or -1 when expr has that sign on the whole support (up to a null set), else None."""
        if expr in self._cache:
            return self._cache[expr]
        base = expr.xreplace(self.reparams)
        found = [_structural_sign(base.xreplace({X: o})) for o in self.options]
        if self.all_atoms:
            out = found[0] if found and all(f == found[0] for f in found) else None
        else:
            decided = [f for f in found if f is not None]
            out = decided[0] if decided and all(f == decided[0] for f in decided) else None
        self._cache[expr] = out
        return out


def _structural_sign(e: sp.Expr, depth: int = 0) -> int | None:
    """+1, -1 or None (unknown): SymPy's assumptions, then the structure of products, powers, logs."""
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    if depth > 6 or e.has(sp.nan, sp.zoo, sp.I):
        return None
    if isinstance(e, sp.Abs) or (isinstance(e, sp.exp) and e.args[0].is_extended_real):
        return 1  # |f| is positive off the null set where f = 0
    if e.is_Mul:
        out = 1
        for f in e.args:
            s = _structural_sign(f, depth + 1)
            if s is None:
                return None
            out *= s
        return out
    if e.is_Pow:
        b, ex = e.args
        sb = _structural_sign(b, depth + 1)
        if sb == 1 and ex.is_extended_real:
            return 1
        if sb == -1 and ex.is_integer:
            return 1 if ex.is_even else (-1 if ex.is_odd else None)
        return None
    if isinstance(e, sp.log):
        a = e.args[0]
        if _structural_sign(a, depth + 1) != 1:
            return None
        return _structural_sign(_together(a - 1), depth + 1)
    if isinstance(e, sp.Piecewise):
        signs = {_structural_sign(b, depth + 1) for b, _ in e.args}
        return signs.pop() if len(signs) == 1 else None
    if e.is_Add:
        signs = {_structural_sign(t, depth + 1) for t in e.args}
        if len(signs) == 1 and None not in signs:
            return signs.pop()
        tog = _together(e)
        if tog != e and not tog.is_Add:
            return _structural_sign(tog, depth + 1)
    return None


def _together(e: sp.Expr) -> sp.Expr:
    if sp.count_ops(e) > _OPS_LIMIT:
        return e
    return sp.factor_terms(sp.together(e))


class _LogExpander:
    """log p(x) for a density p > 0 on its support, expanded only where the signs allow it."""

    def __init__(self, signs: _Signs) -> None:
        self.signs = signs

    def log(self, f: sp.Expr) -> sp.Expr:
        """log f for f > 0 on the support: Σ log|factor|, unknown-sign factors kept together."""
        terms, unknown, sign = [], [], 1
        for fac in sp.Mul.make_args(f):
            s = self.signs.sign(fac)
            if s is None:
                unknown.append(fac)
                continue
            sign *= s
            terms.append(self.log_abs(fac, s))
        if unknown:
            terms.append(sp.log(sign * sp.Mul(*unknown)))
        elif sign < 0:
            raise ValueError("negative")
        return sp.Add(*terms)

    def log_abs(self, fac: sp.Expr, s: int) -> sp.Expr:
        """log |fac| where fac has the known sign s on the support."""
        if fac.is_number:
            return sp.log(s * fac)
        if isinstance(fac, sp.exp) and self.signs.real(fac.args[0]):
            return fac.args[0]
        if fac.is_Pow:
            b, e = fac.args
            if self.signs.real(e):
                sb = self.signs.sign(b)
                if sb == 1 or (sb == -1 and e.is_integer):
                    return e * self.log_abs(b, sb)
        if fac.is_Mul:
            signs = [self.signs.sign(f) for f in fac.args]
            if all(v is not None for v in signs):
                return sp.Add(*(self.log_abs(f, v) for f, v in zip(fac.args, signs)))  # type: ignore[arg-type]
        if isinstance(fac, sp.Piecewise) and s == 1:
            branches = []
            for b, cond in fac.args:
                try:
                    lb = self.log(b)
                except ValueError:
                    lb = sp.log(b)
                branches.append((lb, cond))
            return sp.Piecewise(*branches)
        return sp.log(s * fac)


def _at(expr: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """expr with the parameters' values put in, where a logarithm of 0 becomes -oo (SymPy's log(0)
    is zoo, complex infinity, which the engine's 0 log 0 = 0 rule cannot tell from +oo)."""
    if not values:
        return expr

    def sub(e: sp.Basic) -> sp.Basic:
        if e in values:
            return values[e]  # type: ignore[index]
        if not e.args or not (e.free_symbols & values.keys()):
            return e
        args = [sub(a) for a in e.args]
        if isinstance(e, sp.log) and args[0].is_zero:
            return -sp.oo
        return e.func(*args)

    return sub(expr)


# ---------------------------------------------------------------------------------------------- numbers


def _mp(value: sp.Expr) -> Any:
    value = sp.sympify(value)
    if value == sp.oo:
        return mpmath.inf
    if value == -sp.oo:
        return -mpmath.inf
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    z = sp.N(value, mpmath.mp.dps + 5)
    re, im = z.as_real_imag()
    if not (re.is_Number and im.is_Number) or abs(im) > 0:
        raise ValueError(f"not a real number: {value}")
    return mpmath.mpf(sp.Float(re, mpmath.mp.dps + 5)._mpf_)


def _breakpoints(lo: Any, hi: Any, hints: Iterable[Any]) -> list[Any]:
    """Break points for quadrature over (lo, hi): the parameter values inside, and a geometric grid
    around them on infinite ends."""
    inner = {h for h in hints if lo < h < hi}
    anchor = lo if lo != -mpmath.inf else (hi if hi != mpmath.inf else mpmath.mpf(0))
    for j in (-2, 0, 1, 2, 3):
        step = mpmath.mpf(10) ** j
        for p in (anchor + step, anchor - step):
            if lo < p < hi and (lo == -mpmath.inf or hi == mpmath.inf):
                inner.add(p)
    if lo != -mpmath.inf and hi != mpmath.inf:
        inner.add((lo + hi) / 2)
    if lo == -mpmath.inf and hi == mpmath.inf:
        inner.add(mpmath.mpf(0))
    return [lo, *sorted(inner), hi]


def _safe_exp(z: Any) -> Any:
    """exp(z), with 0 below -10^6 and +inf above 10^6 (IEEE-style): exp(-e^x) at huge x would
    otherwise ask mpmath for e to millions of digits."""
    if isinstance(z, mpmath.mpc) or not mpmath.isfinite(z) or abs(z) <= 10**6:
        return mpmath.exp(z)
    return mpmath.mpf(0) if z < 0 else mpmath.inf


_MODULES: list[Any] = [{"exp": _safe_exp}, "mpmath"]
#: a series is summed term by term up to this many terms, then by Euler-Maclaurin
_DIRECT_TERMS = 2000
#: an error estimate above this (relative) makes a numeric check inconclusive
_CONFIDENT = mpmath.mpf(10) ** -12


def _real_value(v: Any) -> Any:
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            raise ValueError("complex")
        return v.real
    return v


def _numeric_mean(fam: Family, g: sp.Expr) -> tuple[Any, Any]:
    """(E[g(X)], an error estimate) under a family whose parameters are all numbers."""
    supp = fam.support()
    raw = sp.lambdify(X, g * fam.density(X), modules=_MODULES)

    def f(x: Any) -> Any:
        return _real_value(raw(x))

    hints = []
    for v in fam._values:
        try:
            hints.append(_mp(v))
        except (ValueError, TypeError):
            pass
    if isinstance(supp, FiniteAtoms) or (isinstance(supp, IntegerRange) and supp.atoms() is not None):
        atoms = supp.values if isinstance(supp, FiniteAtoms) else supp.atoms()
        assert atoms is not None
        return mpmath.fsum(f(mpmath.mpf(a)) for a in atoms), mpmath.mpf(0)
    if isinstance(supp, IntegerRange):
        lo, hi = _mp(sp.ceiling(supp.lo)), _mp(sp.floor(supp.hi))
        if lo != -mpmath.inf:
            return _series(f, lo, hi)
        if hi != mpmath.inf:
            return _series(lambda j: f(hi - j), mpmath.mpf(0), mpmath.inf)
        right, e1 = _series(f, mpmath.mpf(0), mpmath.inf)
        left, e2 = _series(lambda j: f(-j), mpmath.mpf(1), mpmath.inf)
        return right + left, e1 + e2
    assert isinstance(supp, RealInterval)

    def fq(x: Any) -> Any:  # under quadrature an overflow (inf/inf, 0*inf) far out stands for 0
        v = f(x)
        return mpmath.mpf(0) if mpmath.isnan(v) else v

    if supp.lo != -sp.oo and supp.hi != sp.oo:
        # nodes crowd at the ends: more digits there, so x - lo and hi - x keep theirs; a node that
        # rounds onto or past an end (where a density such as the arcsine's is complex) counts 0
        with mpmath.workdps(mpmath.mp.dps + 20):
            lo, hi = _mp(supp.lo), _mp(supp.hi)
            tiny = mpmath.mpf(10) ** -(mpmath.mp.dps - 5) * max(1, abs(lo), abs(hi))

            def inside(x: Any) -> Any:
                try:
                    return fq(x)
                except (ValueError, ZeroDivisionError):
                    if min(abs(x - lo), abs(hi - x)) <= tiny:
                        return mpmath.mpf(0)
                    raise

            return mpmath.quad(inside, _breakpoints(lo, hi, hints), error=True, maxdegree=8)
    return _integral(fq, _mp(supp.lo), _mp(supp.hi), hints)


def _integral(f: Any, lo: Any, hi: Any, hints: list[Any]) -> tuple[Any, Any]:
    """∫ f over (lo, hi) with an infinite end, with an error estimate: in u = log|x - anchor| (which
    turns algebraic tails such as the log-Cauchy's into exponential ones), else directly."""
    b, eb = _log_scale_integral(f, lo, hi, hints)
    if eb <= _CONFIDENT * max(1, abs(b)):
        return b, eb
    a, ea = mpmath.quad(f, _breakpoints(lo, hi, hints), error=True, maxdegree=8)
    if ea <= _CONFIDENT * max(1, abs(a)):
        return a, ea
    return b, max(eb, abs(a - b))


def _log_scale_integral(f: Any, lo: Any, hi: Any, hints: list[Any]) -> tuple[Any, Any]:
    anchor = lo if lo != -mpmath.inf else (hi if hi != mpmath.inf else mpmath.mpf(0))
    total, err = mpmath.mpf(0), mpmath.mpf(0)
    for sign in (1, -1):
        if (sign == 1 and hi != mpmath.inf) or (sign == -1 and lo != -mpmath.inf):
            continue
        us = {mpmath.log(sign * (h - anchor)) for h in hints if sign * (h - anchor) > 0}
        us |= {mpmath.mpf(-10), mpmath.mpf(0), mpmath.mpf(10)}

        def g(u: Any, sign: int = sign) -> Any:
            w = mpmath.exp(u)
            v = f(anchor + sign * w) * w
            return mpmath.mpf(0) if mpmath.isnan(v) else v

        v, e = mpmath.quad(g, [-mpmath.inf, *sorted(us), mpmath.inf], error=True, maxdegree=8)
        total, err = total + v, err + e
    return total, err


def _series(f: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    """Σ_{j=lo}^{hi} f(j) (hi may be inf) with an error estimate: term by term until the terms are
    negligible, at most :data:`_DIRECT_TERMS` of them, then Euler-Maclaurin for the rest."""
    eps = mpmath.mpf(10) ** -(mpmath.mp.dps + 3)
    total, j, quiet = mpmath.mpf(0), lo, 0
    while j <= hi and j < lo + _DIRECT_TERMS:
        term = f(j)
        total += term
        quiet = quiet + 1 if abs(term) <= eps * abs(total) else 0
        if quiet >= 10:
            return total, mpmath.mpf(0)
        j += 1
    if j > hi:
        return total, mpmath.mpf(0)
    return _euler_maclaurin(f, j, hi, total)


def _euler_maclaurin(f: Any, n: Any, hi: Any, head: Any) -> tuple[Any, Any]:
    """head + Σ_{j=n}^{hi} f(j) by Euler-Maclaurin (f continued to real arguments)."""
    ends = [p for p in (2 * n, 10 * n, 100 * n) if p < hi]
    integral, err = mpmath.quad(f, [n, *ends, hi], error=True, maxdegree=8)
    total = head + integral + f(n) / 2 + (f(hi) / 2 if hi != mpmath.inf else 0)
    correction = mpmath.mpf(0)
    for i in range(1, 4):
        order = 2 * i - 1
        d_hi = mpmath.diff(f, hi, order) if hi != mpmath.inf else 0
        correction = mpmath.bernoulli(2 * i) / mpmath.factorial(2 * i) * (d_hi - mpmath.diff(f, n, order))
        total += correction
    return total, err + abs(correction)


def _close(a: Any, b: Any, err: Any = 0) -> bool:
    return bool(abs(a - b) <= TOLERANCE * max(1, abs(b)) + 10 * err)


def _sample_points(fam: Family, count: int, seed: int) -> list[Point]:
    if not fam.free_symbols:
        return [{}]
    rng = random.Random(seed)
    points: list[Point] = []
    for _ in range(count):
        try:
            points.append(fam.sample(rng))
        except UnsupportedError:
            break
    if not points:
        raise UnsupportedError(f"{fam.name}: could not draw valid parameter values to check the density at")
    return points


def _support_points(supp: Support, hints: list[Any]) -> list[Any]:
    """A few points inside the support (numbers), to evaluate the density at."""
    if isinstance(supp, FiniteAtoms):
        vals = list(supp.values)
        return [mpmath.mpf(v) for v in (vals if len(vals) <= 64 else vals[:32] + vals[-32:])]
    if isinstance(supp, IntegerRange):
        lo, hi = _mp(sp.ceiling(supp.lo)), _mp(sp.floor(supp.hi))
        base = lo if lo != -mpmath.inf else (hi - 4 if hi != mpmath.inf else mpmath.mpf(-2))
        return [p for p in (base + j for j in (0, 1, 2, 3, 7)) if p <= hi]
    assert isinstance(supp, RealInterval)
    lo, hi = _mp(supp.lo), _mp(supp.hi)
    pts = _breakpoints(lo, hi, hints)[1:-1]
    if lo != -mpmath.inf and hi != mpmath.inf:
        pts += [lo + (hi - lo) * u for u in (mpmath.mpf(1) / 7, mpmath.mpf(5) / 9, mpmath.mpf(29) / 31)]
    return pts


# ---------------------------------------------------------------------------------------------- exponential family


def _detect(log_density: sp.Expr, thetas: list[sp.Symbol]) -> ExponentialFamilyForm | None:
    """The exponential-family form of log p, or None.

    Only when every basis function (statistic T_j and the base measure k) is free of the
    parameters: a statistic such as log(1 - x^a) means not an exponential family in these
    parameters. E[T] is solved from the normaliser; the caller checks it numerically.
    """
    params = set(thetas)
    natural: list[sp.Expr] = []
    stats: list[sp.Expr] = []
    const, base = sp.Integer(0), sp.Integer(0)
    for coeff, basis in decompose(log_density):
        if basis == 1:
            const += coeff
            continue
        if basis.free_symbols & params or isinstance(basis, sp.Sum) or coeff.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return None
        if coeff.free_symbols & params:
            natural.append(coeff)
            stats.append(basis)
        else:
            base += coeff * basis
    if not stats or len(stats) > min(len(thetas), _MAX_STATISTICS) or const.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None  # (a symbolic linear solve in more unknowns is not cheap: integrate instead)
    jac = sp.Matrix([[sp.diff(eta, th) for eta in natural] for th in thetas])
    rhs = sp.Matrix([-sp.diff(const, th) for th in thetas])
    if len(thetas) == len(stats):
        system, right = jac, rhs
    else:  # more parameters than statistics: the normal equations (checked numerically later)
        system, right = jac.T * jac, jac.T * rhs
    try:
        solution = system.LUsolve(right)
    except (ValueError, ZeroDivisionError, sp.MatrixError, NotImplementedError):
        return None
    mean = {t: _tidy_mean(v) for t, v in zip(stats, solution)}
    if any(v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for v in mean.values()):
        return None
    return ExponentialFamilyForm(natural, stats, const, base, mean)


def _tidy_mean(v: sp.Expr) -> sp.Expr:
    """A cheap, bounded tidy of a solved E[T] (cancel small rational expressions)."""
    if sp.count_ops(v) > _OPS_LIMIT:
        return v
    return sp.factor_terms(sp.cancel(sp.together(v)))


# ---------------------------------------------------------------------------------------------- the checks


def _numbers(expr: sp.Expr, at: Mapping[sp.Basic, Any]) -> Any:
    """expr at a point, as an mpmath number (complex when it is not real)."""
    value = sp.N(expr.xreplace(at), mpmath.mp.dps)
    re, im = value.as_real_imag()
    if not (re.is_Number and im.is_Number):
        raise ValueError(f"not a number: {value}")
    if re.has(sp.nan) or im.has(sp.nan) or re.is_infinite or im.is_infinite:
        raise ValueError(f"not finite: {value}")
    return mpmath.mpc(mpmath.mpf(sp.Float(re, mpmath.mp.dps)._mpf_), mpmath.mpf(sp.Float(im, mpmath.mp.dps)._mpf_))


def _sym(x0: Any) -> sp.Expr:
    return sp.Integer(int(x0)) if x0 == int(x0) else sp.Float(mpmath.nstr(x0, mpmath.mp.dps + 5), mpmath.mp.dps + 5)


def _density_values(name: str, density: sp.Expr, supp: Support, hints: list[Any]) -> list[tuple[Any, Any]]:
    """(x, p(x)) at a few support points of a numeric density; raise when one is negative or not real."""
    out = []
    for x0 in _support_points(supp, hints):
        try:
            v = _numbers(density, {X: _sym(x0)})
        except ValueError as exc:
            raise _bad_density(name, density, f"at x = {mpmath.nstr(x0, 8)} it is {exc}") from None
        if abs(v.imag) > TOLERANCE * max(1, abs(v.real)) or v.real < 0:
            raise _bad_density(name, density, f"at x = {mpmath.nstr(x0, 8)} it is {mpmath.nstr(v, 8)}, "
                                              "not a non-negative real number")
        out.append((x0, v.real))
    return out


def _check_log(log_density: sp.Expr, density: sp.Expr, supp: Support, hints: list[Any]) -> bool:
    """Whether exp(log_density) = density (and log_density is real) at a few support points."""
    for x0 in _support_points(supp, hints):
        at = {X: _sym(x0)}
        try:
            p = _numbers(density, at)
            if p.real <= 0:
                continue
            lg = _numbers(log_density, at)
        except ValueError:
            return False
        if abs(lg.imag) > TOLERANCE or not _close(mpmath.exp(lg.real), p.real):
            return False
    return True


def _check_normalised(name: str, density: sp.Expr, fam: Family, point: Point) -> bool:
    """True when the total mass is 1 at this point; False when the numerics are inconclusive here;
    raise when it is confidently not 1."""
    try:
        total, err = _numeric_mean(fam, sp.Integer(1))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return False
    if not mpmath.isfinite(total) and err == 0:
        raise _bad_density(name, density, f"its total mass at {_show(point)} is {total}")
    if not mpmath.isfinite(total) or not mpmath.isfinite(err) or err > _CONFIDENT * max(1, abs(total)):
        return False
    if _close(total, 1, err):
        return True
    raise _bad_density(name, density, f"it integrates (sums) to {mpmath.nstr(total, 12)}, not 1, at {_show(point)}")


def _show(point: Point) -> str:
    return "{" + ", ".join(f"{k} = {v}" for k, v in point.items()) + "}" if point else "its fixed parameters"


def _mass_defect(density: sp.Expr, supp: Support) -> sp.Expr | None:
    """Σ p(a) - 1 over a small finite support, reduced exactly (cheaply); None otherwise."""
    atoms = supp.values if isinstance(supp, FiniteAtoms) else supp.atoms() if isinstance(supp, IntegerRange) else None
    if atoms is None or len(atoms) > _EXACT_ATOMS:
        return None
    total = sp.Add(*(density.xreplace({X: sp.Integer(a)}) for a in atoms)) - 1
    if sp.count_ops(total) > 4 * _OPS_LIMIT:
        return None
    return sp.cancel(sp.together(total))


# ---------------------------------------------------------------------------------------------- the constructor


def _parameters(params: Mapping[Any, Domain], name: str) -> tuple[dict[sp.Symbol, Domain], dict[str, sp.Symbol]]:
    if not isinstance(params, Mapping):
        raise InvalidParameterError(name, "params", params, "a mapping {parameter symbol or name: domain}")
    template: dict[sp.Symbol, Domain] = {}
    by_name: dict[str, sp.Symbol] = {}
    for key, dom in params.items():
        if not isinstance(dom, Domain):
            raise InvalidParameterError(name, f"params[{key!r}]", dom, "a symdiv domain such as symdiv.Positive")
        if isinstance(key, str):
            label = key
        elif isinstance(key, sp.Symbol) and not key.is_number:
            label = key.name
        else:
            raise InvalidParameterError(name, "params", key, "parameter names or SymPy symbols")
        sym = dom.make_symbol(make_name(label))
        if label in by_name:
            raise InvalidParameterError(name, "params", label, "distinct parameter names", "given twice")
        by_name[label] = sym
        template[sym] = dom
    return template, by_name


def from_density(density: sp.Expr, variable: sp.Symbol, params: Mapping[Any, Domain], support: Any,
                 name: str, discrete: bool | None = None) -> type[Family]:
    """Make a family constructor from a density (or, on integers, a mass function).

    ``params`` maps each parameter symbol (or name) to its domain, in the constructor's order;
    ``support`` is an interval (``(lo, hi)``, ``sympy.Interval``, ``sympy.Reals``), a range of
    integers (``sympy.Range``, ``range``, ``sympy.Naturals0``, ...) or a finite set of integers
    (``sympy.FiniteSet``, a list); bounds may involve the parameters. ``discrete=True`` with an
    interval means the integers in it. The density is checked (non-negative, normalised) at
    sampled parameter points; a density that fails raises :class:`symdiv.InvalidParameterError`.

    >>> import sympy as sp, symdiv as sd
    >>> x, s = sp.symbols("x sigma", positive=True)
    >>> Rayleigh = sd.Family.from_density(x / s**2 * sp.exp(-x**2 / (2 * s**2)), x, {s: sd.Positive},
    ...                                   (0, sp.oo), "Rayleigh")
    >>> sd.kl_divergence(Rayleigh("sigma_1"), Rayleigh("sigma_2")).expr
    sigma_1**2/sigma_2**2 + 2*log(sigma_2/sigma_1) - 1
    """
    make_name(name)
    if not isinstance(variable, sp.Symbol):
        raise InvalidParameterError(name, "variable", variable, "a SymPy symbol (the random variable)")
    if not isinstance(density, sp.Expr) or isinstance(density, sp.MatrixBase):
        raise InvalidParameterError(name, "density", density, "a scalar SymPy expression in the variable")
    if discrete not in (None, True, False):
        raise InvalidParameterError(name, "discrete", discrete, "True, False or None (from the support)")
    template, by_name = _parameters(params, name)
    if variable.name in by_name:
        raise InvalidParameterError(name, "params", variable.name, "parameters other than the variable",
                                    "the variable is listed as a parameter")
    thetas = list(template)
    # the user's symbols, whatever their assumptions, become the parameters (with their domains' assumptions)
    rename: dict[sp.Basic, sp.Basic] = {s: by_name[s.name] for s in density.free_symbols
                                        if isinstance(s, sp.Symbol) and s.name in by_name}
    # a symbol named like the variable (other assumptions, e.g. positive=True) is the variable
    same = {s: X for s in density.free_symbols if isinstance(s, sp.Symbol) and s.name == variable.name}
    raw_support = support
    if isinstance(support, (RealInterval, IntegerRange)):
        raw_support = type(support)(sp.sympify(support.lo).xreplace(rename), sp.sympify(support.hi).xreplace(rename))
    elif isinstance(support, sp.Set):
        raw_support = support.xreplace(rename)
    elif isinstance(support, tuple) and len(support) == 2:
        raw_support = tuple(b.xreplace(rename) if isinstance(b, sp.Basic) else b for b in support)
    supp = _support(raw_support, name, discrete)
    is_discrete = supp.discrete
    bounds = (supp.lo, supp.hi) if isinstance(supp, (RealInterval, IntegerRange)) else ()
    stray = set().union(*(sp.sympify(b).free_symbols for b in bounds)) - set(thetas)
    if stray:
        raise InvalidParameterError(name, "support", support, ACCEPTED_SUPPORTS,
                                    f"its bounds use {sorted(map(str, stray))}, which are not parameters")
    density_x = density.xreplace({**rename, **same, variable: X})
    stray = density_x.free_symbols - set(thetas) - {X}
    if stray:
        raise InvalidParameterError(name, "density", density, "an expression in the variable and the parameters",
                                    f"{sorted(map(str, stray))} are neither the variable {variable} "
                                    "nor declared parameters")
    if density_x.has(sp.I, sp.nan, sp.zoo) or density_x == 0:
        raise _bad_density(name, density, "it is zero, complex or undefined")
    reparams = {t: r for t, d in template.items() if (r := d.reparam(t)) is not None}
    _check_variable(variable, supp, name, reparams)
    try:
        log_expanded = _LogExpander(_Signs(supp, reparams)).log(density_x)
    except ValueError:
        raise _bad_density(name, density, "it is negative on the whole support") from None
    state: dict[str, Any] = {"form": None, "log": log_expanded}

    def values(self: Family) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(thetas, self._values))

    def log_density(self: Family, x: sp.Expr) -> sp.Expr:
        own = self.__dict__.get("_log_template")
        if own is None:
            own = self.__dict__["_log_template"] = instance_log(self)
        return own.xreplace({X: x})

    def instance_log(self: Family) -> sp.Expr:
        """The template's log-density at this instance; for numbers, and when no exponential-family
        table depends on its shape, expanded again with the signs the numbers decide (checked)."""
        template = _at(state["log"], values(self))
        if state["form"] is not None or self.free_symbols:
            return template
        own = supp_of(self)
        at_values = density_x.xreplace(values(self))
        try:
            expanded = _LogExpander(_Signs(own, {})).log(at_values)
        except ValueError:
            return template
        if expanded == template:
            return template
        with mpmath.workdps(_DPS):
            try:
                hints = [_mp(v) for v in self._values]
            except (ValueError, TypeError):
                return template
            return expanded if _check_log(expanded, at_values, own, hints) else template

    def pdf(self: Family, x: sp.Expr) -> sp.Expr:
        return density_x.xreplace({**values(self), X: x})

    def declared_support(self: Family) -> Support:
        if isinstance(supp, FiniteAtoms):
            return supp
        assert isinstance(supp, (RealInterval, IntegerRange))
        at = values(self)
        return type(supp)(sp.sympify(supp.lo).xreplace(at), sp.sympify(supp.hi).xreplace(at))

    def supp_of(self: Family) -> Support:
        """The declared support; for a mass function with numbers, only the atoms with positive mass
        (at p = 0 a Bernoulli-like pmf lives on {0}: the engine's 0 log 0 = 0 rule needs that)."""
        own = self.__dict__.get("_support")
        if own is None:
            own = self.__dict__["_support"] = positive_atoms(self, declared_support(self))
        return own

    def positive_atoms(self: Family, own: Support) -> Support:
        if not own.discrete or self.free_symbols:
            return own
        atoms = own.values if isinstance(own, FiniteAtoms) else own.atoms() if isinstance(own, IntegerRange) else None
        if atoms is None or len(atoms) > _EXACT_ATOMS:
            return own  # a series: a zero mass inside it is refused by validate()
        at = values(self)
        keep = tuple(a for a in atoms if not density_x.xreplace({**at, X: sp.Integer(a)}).is_zero)
        if len(keep) == len(atoms) or not keep:
            return own
        return FiniteAtoms(keep)

    def validate(self: Family) -> None:
        own = declared_support(self)
        try:
            _check_nonempty(own, name, own)
        except InvalidParameterError as exc:
            raise InvalidParameterError(name, "parameters", self._values, "values for which the support is "
                                        "not empty", str(exc)) from None
        if self.free_symbols:
            return
        with mpmath.workdps(_DPS):
            try:
                hints = [_mp(v) for v in self._values]
                points = _density_values(name, pdf(self, X), own, hints)
            except (InvalidParameterError, ValueError) as exc:
                raise InvalidParameterError(name, "parameters", self._values,
                                            "values at which the density is defined", str(exc)) from None
        if all(v == 0 for _, v in points):
            raise InvalidParameterError(name, "parameters", self._values, "values at which the density is defined",
                                        "the density is 0 at every point tried")
        zeros = [x0 for x0, v in points if v == 0]
        if own.discrete and zeros and positive_atoms(self, own) is own:
            raise InvalidParameterError(
                name, "parameters", self._values, "values at which every atom of the support has positive mass",
                f"the mass at k = {mpmath.nstr(zeros[0], 12)} is 0, inside the support {own.text()}: give a "
                "support of the atoms with positive mass (or keep the parameters inside their domain)")

    def table(self: Family, g: sp.Expr) -> sp.Expr | None:
        form = state["form"]
        if form is not None and g in form.mean:
            return form.mean[g].xreplace(values(self))
        return None

    def quad_points(self: Family, s: RealInterval) -> list[Any]:
        hints = []
        for v in self._values:
            try:
                hints.append(_mp(v))
            except (ValueError, TypeError):
                pass
        return _breakpoints(_mp(s.lo), _mp(s.hi), hints)

    cls: type[Family] = type(name, (Family,), {
        "__doc__": f"User-defined family {name} (density {density}).",
        "name": name,
        "parameters": tuple(Parameter(str(t), d) for t, d in template.items()),
        "discrete": is_discrete,
        "exponential_family": None,
        "log_density": log_density,
        "density": pdf,
        "support": supp_of,
        "_validate": validate,
        "_expectation": table,
        "_quad_points": quad_points,
        "__module__": __name__,
    })
    _check_family(cls, name, density, density_x, supp, thetas, state)
    form = state["form"]
    cls.exponential_family = form  # type: ignore[attr-defined]
    kind = "an exponential family" if form is not None else "not an exponential family"
    cls.__doc__ = f"User-defined family {name} (density {density}; {kind})."
    return cls


def _check_family(cls: type[Family], name: str, density: sp.Expr, density_x: sp.Expr, supp: Support,
                  thetas: list[sp.Symbol], state: dict[str, Any]) -> None:
    """Check the density (non-negative, normalised), the expanded log and the exponential-family form
    at sampled parameter points; refuse a bad density, drop an expansion or a form that disagrees."""
    try:
        generic = cls(*thetas)
    except SymdivError as exc:
        raise _bad_density(name, density, str(exc)) from None
    defect = _mass_defect(density_x, supp)
    exact = defect is not None and defect == 0
    if defect is not None and defect.is_number and not exact:
        value = sp.N(defect, 30)
        if not value.is_Number or abs(value) > 1e-20:
            raise _bad_density(name, density, f"its masses sum to {sp.N(defect + 1, 12)}, not 1")
        exact = True  # an identity SymPy does not reduce (sums of logarithms), true to 20 digits
    points = _sample_points(generic, _CHECK_POINTS + 3, seed=20240611)
    candidate = _detect(state["log"], thetas)
    confirmed, inconclusive = 0, []
    with mpmath.workdps(_DPS):
        for point in points:
            if confirmed >= _CHECK_POINTS:
                break
            try:
                fam = generic.at(point)
            except InvalidParameterError as exc:
                raise _bad_density(name, density, str(exc)) from None
            own = fam.support()
            hints = [_mp(v) for v in fam._values]
            at = dict(zip(thetas, fam._values))
            numeric_density = density_x.xreplace(at)
            _density_values(name, numeric_density, own, hints)
            if not exact and not _check_normalised(name, density, fam, point):
                inconclusive.append(point)
                continue
            confirmed += 1
            if not _check_log(state["log"].xreplace(at), numeric_density, own, hints):
                state["log"] = sp.log(density_x)  # keep the logarithm whole: its value is right
                candidate = None
            if candidate is not None and not _check_mean(candidate, fam, at):
                candidate = None
    if not confirmed:
        raise UnsupportedError(f"{name}: could not check numerically that the density integrates (sums) to 1 "
                               f"(the quadrature did not converge at {', '.join(map(_show, inconclusive))})")
    state["form"] = candidate


def _check_mean(form: ExponentialFamilyForm, fam: Family, at: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """Whether the solved E[T_j] agree with quadrature (summation) at this parameter point."""
    for t, value in form.mean.items():
        try:
            closed = _numbers(value, at)
            numeric, err = _numeric_mean(fam, t)
        except (ValueError, TypeError, ZeroDivisionError, OverflowError):
            return False
        if (abs(closed.imag) > TOLERANCE or not mpmath.isfinite(numeric) or not mpmath.isfinite(err)
                or err > _CONFIDENT * max(1, abs(numeric)) or not _close(closed.real, numeric)):
            return False
    return True
