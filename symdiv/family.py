"""The Family base class: parameters with domains, a support, a log-density and an
expectation table.

A family module declares only those four things (see ``symdiv/families/normal.py``).
Everything else -- validation, symbols, facts, sampling, the generic fallback that
derives a missing expectation from the definition -- lives here, once.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import mpmath
import sympy as sp

from .budget import BudgetSpent, within_budget
from .divergence import why_divergent
from .domains import Domain, decimal_map, to_expr
from .errors import InvalidParameterTypeError, UnsupportedError
from .explicit import ExplicitIntegral, ExplicitSum, has_huge_numbers, kinks_of, safe_lambdify, sum_series
from .hooks import provided
from .natural import NaturalForm
from .support import FiniteAtoms, IntegerRange, RealInterval, Support
from .symbols import XV, X, index_symbol
from .tidy import erfc_form, real_form

__all__ = ["X", "XV", "Parameter", "Family", "Point", "Known", "ExpectationValue", "facts_of", "reparams_of"]


#: A parameter point: symbols -> exact values; an IndexedBase -> a tuple of values.
Point = dict


class Known(NamedTuple):
    """A table entry: E[g(X)] = value, valid when ``condition`` holds (e.g. a moment that exists)."""

    value: sp.Expr
    condition: sp.Basic = sp.true


class ExpectationValue(NamedTuple):
    value: sp.Expr
    #: "table", "sum", "integral" or "unevaluated"
    how: str
    condition: sp.Basic = sp.true
    #: why the expectation does not exist, where that was proved (condition False)
    reason: str = ""


@dataclass(frozen=True)
class Parameter:
    """A declared parameter: its name, its domain and a one-line description."""

    name: str
    domain: Domain
    doc: str = ""


class Family:
    """Base class of every distribution family.

    Subclasses set :attr:`name`, :attr:`parameters` and implement :meth:`log_density`,
    :meth:`support` and (optionally) :meth:`_expectation`, the closed-form table.
    """

    name: ClassVar[str] = "Family"
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    #: "discrete" (counting measure) or "continuous" (Lebesgue measure)
    discrete: ClassVar[bool] = False
    #: other names accepted by the command line
    aliases: ClassVar[tuple[str, ...]] = ()
    #: the random variable: X, or the random vector XV for multivariate families
    variable: ClassVar[sp.Basic] = X

    def __init__(self, *values: Any) -> None:
        if len(values) != len(self.parameters):
            names = ", ".join(p.name for p in self.parameters)
            raise InvalidParameterTypeError(self.name, "parameters", values,
                                            f"{len(self.parameters)} parameter(s) ({names})",
                                            f"{self.name} takes {len(self.parameters)}, got {len(values)}")
        self._values: tuple[Any, ...] = tuple(self._convert(p, v) for p, v in zip(self.parameters, values))
        self._symbol_domains: dict[sp.Symbol, Domain] = {}
        for p, v in zip(self.parameters, self._values):
            for item in v if isinstance(v, tuple) else (v,):
                if isinstance(item, sp.Symbol):
                    self._symbol_domains.setdefault(item, p.domain)
        self._validate()

    # ------------------------------------------------------------------ declaration
    def _convert(self, param: Parameter, value: Any) -> Any:
        expr = to_expr(value, self.name, param.name, param.domain)
        param.domain.check(expr, self.name, param.name)
        return expr

    def _validate(self) -> None:
        """Checks that involve several parameters (hook)."""

    def log_density(self, x: sp.Expr) -> sp.Expr:
        """log p(x) written as a sum of coefficient x basis-function terms."""
        raise NotImplementedError  # pragma: no cover

    def density(self, x: sp.Expr) -> sp.Expr:
        """p(x), the density (continuous) or mass function (discrete)."""
        raise NotImplementedError  # pragma: no cover

    def support(self) -> Support:
        raise NotImplementedError  # pragma: no cover

    def cdf(self, x: sp.Expr) -> sp.Expr | None:
        """P(X <= x), the cumulative distribution function, in closed form for x in the closure of
        the support (hook; None: not known). Used by :mod:`symdiv.measures.total_variation`."""
        return None

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        """The closed-form expectation table: E[g(X)] for known bases (a value, or a
        :class:`Known` with the condition under which it holds), else None."""
        return None

    def natural_form(self) -> NaturalForm | None:
        """This member's exponential-family form (:class:`symdiv.natural.NaturalForm`), or None
        when the family is not an exponential family (or this member is a degenerate one)."""
        return None

    @staticmethod
    def from_density(density: sp.Expr, variable: sp.Symbol, params: Mapping[Any, Domain], support: Any,
                     name: str, discrete: bool | None = None) -> type[Family]:
        """A user-defined family from its density: see :func:`symdiv.userfamily.from_density`."""
        return provided("from_density")(density, variable, params, support, name, discrete)

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Family:
        """An instance with named symbolic parameters for role 1 (P) or 2 (Q): mu_1, sigma_1, ..."""
        return cls(*(f"{p.name}_{role}" for p in cls.parameters))

    def _check_pair(self, other: Family) -> None:
        """Hook: raise when ``self`` and ``other`` cannot be compared (e.g. a mismatched K)."""

    # ------------------------------------------------------------------ identity
    @property
    def params(self) -> dict[str, Any]:
        """Parameter name -> value (a SymPy expression, or a tuple for vector parameters)."""
        return {p.name: v for p, v in zip(self.parameters, self._values)}

    def _key(self) -> tuple[Any, ...]:
        return (type(self), self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Family) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            return "[" + ", ".join(map(str, v)) + "]" if isinstance(v, tuple) else str(v)

        return f"{self.name}(" + ", ".join(f"{k}={show(v)}" for k, v in self.params.items()) + ")"

    # ------------------------------------------------------------------ symbols and facts
    @property
    def free_symbols(self) -> set[sp.Symbol]:
        out: set[sp.Symbol] = set()
        for v in self._values:
            for item in v if isinstance(v, tuple) else (v,):
                out |= item.free_symbols
        return out

    def facts(self) -> tuple[sp.Basic, ...]:
        """Facts assumed of the parameters (the open domain), beyond SymPy's assumptions."""
        out: list[sp.Basic] = []
        for p, v in zip(self.parameters, self._values):
            for item in v if isinstance(v, tuple) else (v,):
                if not item.is_number:
                    out.extend(f for f in p.domain.facts(item) if f is not sp.true)
        return tuple(out)

    def positive_expressions(self) -> tuple[sp.Expr, ...]:
        """Expressions in the parameters known to be positive beyond SymPy's assumptions (hook),
        e.g. the determinant of a covariance matrix with symbolic entries."""
        return ()

    def reparams(self) -> dict[sp.Symbol, sp.Expr]:
        """Re-parametrisations that let SymPy use the domain facts (see Domain.reparam)."""
        out = {}
        for s, d in self._symbol_domains.items():
            r = d.reparam(s)
            if r is not None:
                out[s] = r
        return out

    # ------------------------------------------------------------------ numbers
    def sample(self, rng: random.Random, point: Point | None = None, tries: int = 200) -> Point:
        """Extend ``point`` with valid random exact values for this family's free symbols."""
        point = dict(point or {})
        for _ in range(tries):
            trial = dict(point)
            self._sample_into(rng, trial)
            try:
                self.at(trial)
            except ValueError:
                continue
            return trial
        raise UnsupportedError(f"{self.name}: could not draw valid parameter values for {self!r}")

    def _sample_into(self, rng: random.Random, point: Point) -> None:
        for s in sorted(self.free_symbols, key=str):
            if s not in point:
                point[s] = self._symbol_domains.get(s, _domain_from_assumptions(s)).sample(rng)

    def at(self, point: Mapping[Any, Any]) -> Family:
        """This family with the point's values substituted (validated)."""
        return self._xreplace({k: v for k, v in point.items() if isinstance(k, sp.Symbol)})

    def _xreplace(self, subs: Mapping[sp.Basic, Any]) -> Family:
        """This family rebuilt (validated) with ``subs`` applied to every parameter value (hook)."""
        def put(v: Any) -> Any:
            return tuple(put(i) for i in v) if isinstance(v, tuple) else v.xreplace(subs)

        return type(self)(*(put(v) for v in self._values))

    def exact(self) -> Family:
        """This family with every float parameter replaced by the exact decimal it prints as.

        The engine derives with exact numbers: a float such as ``0.3`` means 3/10, so closed forms
        are evaluated by SymPy's adaptive-precision ``evalf`` instead of losing digits to
        cancellation at 15 digits (KL(Poisson(1e5) || Poisson(100001.0)) is a difference of
        numbers near 1e6). Returns ``self`` when there is no float.

        >>> import symdiv as sd
        >>> sd.Bernoulli(0.3).exact()
        Bernoulli(p=3/10)
        """
        decimals = decimal_map(self._values)
        return self._xreplace(decimals) if decimals else self

    def substitute(self, values: Mapping[str, Any]) -> Family:
        """This family with some parameters given values, by symbol name (e.g. {"mu_1": 0})."""
        by_name = {str(s): s for s in self.free_symbols}
        if not set(values) & set(by_name):
            return self
        return self.at({by_name[k]: sp.sympify(v) for k, v in values.items() if k in by_name})

    def renamed(self, names: Mapping[str, str]) -> Family:
        """This family with parameter symbols renamed ({"sigma_1": "s"}); assumptions are kept."""
        from .domains import make_name

        subs = {s: sp.Symbol(make_name(names[str(s)]), **s.assumptions0)
                for s in self.free_symbols if isinstance(s, sp.Symbol) and str(s) in names}
        return self.at(subs) if subs else self

    def numeric_expectation(self, g: sp.Expr, dps: int = 30,
                            resolve: Callable[[sp.Expr], sp.Expr] = lambda e: e) -> mpmath.mpf:
        """E[g(X)] by mpmath summation or integration; every parameter must be a number.

        ``resolve`` is applied to g once X has a value (it fills in indexed parameters).
        """
        if (exact := self.exact()) is not self:
            return exact.numeric_expectation(g, dps, resolve)
        with mpmath.workdps(dps + 10):
            supp = self.support()
            atoms = supp.values if isinstance(supp, FiniteAtoms) else (
                supp.atoms() if isinstance(supp, IntegerRange) else None)
            if atoms is not None:
                total = sp.Add(*(resolve(g.subs(X, a)) * self.density(sp.Integer(a)) for a in atoms))
                return mpmath.mpf(sp.N(total, dps + 10))
            f = safe_lambdify(X, resolve(g) * self.density(X))
            if isinstance(supp, IntegerRange):
                hi = mpmath.inf if supp.hi == sp.oo else int(supp.hi)
                return sum_series(f, -mpmath.inf if supp.lo == -sp.oo else int(supp.lo), hi, dps)
            assert isinstance(supp, RealInterval)
            points = self._quad_points(supp)
            kinks = kinks_of(resolve(g), X)
            inner = sorted(set(points[1:-1]) | {k for k in kinks if points[0] < k < points[-1]})
            return mpmath.quad(f, [points[0], *inner, points[-1]])

    def _quad_points(self, supp: RealInterval) -> list[Any]:
        """Break points for mpmath.quad (hook: families put them where the mass is)."""
        return [mpmath.mpf(sp.N(supp.lo, 40)) if supp.lo != -sp.oo else -mpmath.inf,
                mpmath.mpf(sp.N(supp.hi, 40)) if supp.hi != sp.oo else mpmath.inf]

    # ------------------------------------------------------------------ expectations
    def expectation(self, g: sp.Expr) -> ExpectationValue:
        """E[g(X)] for a basis function g: from the table, else derived and cached.

        Returns the value, how it was obtained (``"table"``, ``"sum"``, ``"integral"`` or
        ``"unevaluated"``) and the condition under which it holds.
        """
        if g == 1:
            return ExpectationValue(sp.Integer(1), "table")
        value = self._expectation(g)
        if isinstance(value, Known):
            return ExpectationValue(value.value, "table", value.condition)
        if value is not None:
            return ExpectationValue(value, "table")
        try:
            return _derive_expectation(self, g)
        except BudgetSpent:  # the derivation's shared budget: explicit now, not cached as such
            supp = self.support()
            assert isinstance(supp, RealInterval)  # sums are never attempted under a budget
            return ExpectationValue(_explicit_integral(self, g, supp), "unevaluated")

    def vanishes_on_support(self, g: sp.Expr) -> bool:
        """True when g(x) = 0 at every atom of a finite support (for the 0 log 0 = 0 rule)."""
        supp = self.support()
        atoms = supp.values if isinstance(supp, FiniteAtoms) else (
            supp.atoms() if isinstance(supp, IntegerRange) else None)
        return atoms is not None and all(g.subs(X, a) == 0 for a in atoms)


def _domain_from_assumptions(s: sp.Symbol) -> Domain:
    from .domains import Positive, PositiveInteger, Real

    if s.is_integer and s.is_positive:
        return PositiveInteger
    return Positive if s.is_positive else Real


#: relative agreement an integrated closed form must reach with mpmath quadrature
_SELF_CHECK_TOL = mpmath.mpf(10) ** -12


def sample_point(family: Family, g: sp.Expr, seed: int = 0) -> dict[Any, Any]:
    """A random valid point of the family's parameters and of the other symbols in ``g``."""
    rng = random.Random(seed)
    point = family.sample(rng) if family.free_symbols else {}
    for s in sorted(g.free_symbols - {X} - set(point), key=str):  # Q's parameters in the basis
        point[s] = _domain_from_assumptions(s).sample(rng)
    return point


def sample_scalars(family: Family, g: sp.Expr, seed: int = 0) -> dict[sp.Symbol, Any]:
    """:func:`sample_point` without its vector entries: {symbol: number}, for ``xreplace``."""
    return {k: v for k, v in sample_point(family, g, seed).items() if isinstance(k, sp.Symbol)}


def _agrees(family: Family, g: sp.Expr, value: sp.Expr, seed: int = 0, condition: sp.Basic = sp.true) -> bool:
    """Whether ``value`` (a candidate for E[g(X)]) matches quadrature/summation of the definition at
    a random valid point of the family's parameters (at the family itself when it has none) where
    ``condition`` holds."""
    point = sample_point(family, g, seed) if condition is sp.true else _point_where(family, g, condition, True)
    if point is None:
        return False
    numeric = family.at(point) if point else family
    scalars = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
    with mpmath.workdps(30):
        exact = mpmath.mpmathify(numeric.numeric_expectation(g.xreplace(scalars), 25))
        got = sp.N(value.xreplace(scalars), 30)
        if not got.is_number or got.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not mpmath.isfinite(exact):
            return False
        re, im = got.as_real_imag()
        if abs(im) > _SELF_CHECK_TOL * max(1, abs(re)):
            return False
        return bool(abs(mpmath.mpf(sp.Float(re, 30)._mpf_) - exact) <= _SELF_CHECK_TOL * max(1, abs(exact)))


def _integrated(family: Family, g: sp.Expr, integral: sp.Integral) -> tuple[sp.Expr, str, sp.Basic]:
    """Integrate (in the budgeted child) and confirm the result numerically before it is used.

    SymPy's convergence condition is kept (``conds="none"`` dropped it: E[X] of a log-logistic
    with symbolic shape b came back as pi/(b sin(pi/b)), finite for every b, where the truth is +oo
    for b <= 1). A condition that is not True for the family's domain is simplified, then
    confirmed: the value must match quadrature where it holds and the integral must provably
    diverge where it fails; otherwise the integral stays explicit."""
    result = sp.integrate(integral.function, *integral.limits, conds="separate")
    value, cond = result if isinstance(result, tuple) else (result, sp.true)
    if value.has(sp.Integral, sp.nan, sp.zoo):
        return integral, "unevaluated", sp.true
    cond = _parameter_condition(cond, family, g)
    if cond is None:
        return integral, "unevaluated", sp.true
    # erfc(i z) = 1 - i erfi(z): i that cancels is removed; any other (exp_polar(i pi) of SymPy's
    # branches, which tidy resolves) is judged by the numeric check below (a non-real value fails it)
    real = real_form(value)
    value = erfc_form(value if real is None else real)
    if cond is not sp.true and not _diverges_outside(family, g, integral, cond):
        return integral, "unevaluated", sp.true
    # quadrature cannot see a point mass: a delta's integral is SymPy's exact sifting, unchecked
    if not g.has(sp.DiracDelta) and not _agrees(family, g, value, condition=cond):
        return integral, "unevaluated", sp.true
    return value, "integral", cond


def _parameter_condition(cond: sp.Basic, family: Family, g: sp.Expr) -> sp.Basic | None:
    """SymPy's convergence condition in the family's parameters, simplified under their domains
    (``(b + 1)/b < 2`` -> ``b > 1``); None when it is not a plain condition on real parameters."""
    if cond is sp.true or cond is True:
        return sp.true
    if cond is sp.false or cond is False:
        return None
    if cond.has(sp.arg, sp.Abs, sp.periodic_argument, sp.polar_lift, sp.exp_polar, sp.I, sp.Ne):
        return None
    symbols = cond.free_symbols
    if not symbols <= (set(family.free_symbols) | g.free_symbols) - {X}:
        return None
    if len(symbols) == 1 and isinstance(cond, sp.core.relational.Relational):
        (s,) = symbols
        try:
            solved = sp.solve_univariate_inequality(cond, s, relational=False)
            domain = sp.Interval.open(0, sp.oo) if s.is_positive else sp.Reals
            region = solved.intersect(domain)
        except (NotImplementedError, ValueError, TypeError):
            return cond
        if region == domain:
            return sp.true
        if region is sp.S.EmptySet:
            return None
        if isinstance(region, sp.Interval) and region.sup == domain.sup:
            return sp.Gt(s, region.inf) if region.left_open else sp.Ge(s, region.inf)
        if isinstance(region, sp.Interval) and region.inf == domain.inf:
            return sp.Lt(s, region.sup) if region.right_open else sp.Le(s, region.sup)
    return cond


def _point_where(family: Family, g: sp.Expr, condition: sp.Basic, holds: bool) -> dict[Any, Any] | None:
    """A sampled valid parameter point at which ``condition`` is (``holds``) or is not true."""
    for seed in range(40):
        point = sample_point(family, g, seed)
        scalars = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
        if (condition.xreplace(scalars) is sp.true) is holds:
            return point
    return None


def _diverges_outside(family: Family, g: sp.Expr, integral: sp.Integral, condition: sp.Basic) -> bool:
    """Whether the integral provably diverges at a valid point where ``condition`` fails: then the
    condition can carry the rule "+oo where it fails". No such point found: not confirmed."""
    point = _point_where(family, g, condition, False)
    if point is None:
        return False
    scalars = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
    (t, lo, hi), = integral.limits
    term = integral.function.xreplace(scalars)
    return why_divergent(term, t, lo.xreplace(scalars), hi.xreplace(scalars), {}) is not None


def _explicit_integral(family: Family, g: sp.Expr, supp: RealInterval) -> ExplicitIntegral:
    return ExplicitIntegral(g * family.density(X), (X, supp.lo, supp.hi))


@functools.lru_cache(maxsize=512)
def _derive_expectation(family: Family, g: sp.Expr) -> ExpectationValue:
    """Derive E[g(X)] from the definition: a finite sum, a series or an integral.

    An integral is attempted within the work budget (:mod:`symdiv.budget`) and its closed form
    is compared with quadrature before it is returned; otherwise it stays explicit, or, where it
    provably diverges (:func:`symdiv.divergence.why_divergent`), the expectation does not exist
    (condition False, with the reason).
    """
    value, how, condition = _derive_value(family, g)
    if how != "unevaluated" or not isinstance(value, (sp.Integral, sp.Sum)) or len(value.limits) != 1:
        return ExpectationValue(value, how, condition)
    t, lo, hi = value.limits[0]
    reason = why_divergent(value.function, t, lo, hi, sample_scalars(family, g), discrete=isinstance(value, sp.Sum))
    if reason is None:
        return ExpectationValue(value, how)
    kind = "series" if isinstance(value, sp.Sum) else "integral"
    return ExpectationValue(value, how, sp.false, f"the {kind} {sp.sstr(value)} does not converge: {reason}")


def _derive_value(family: Family, g: sp.Expr) -> tuple[sp.Expr, str, sp.Basic]:
    supp = family.support()
    atoms = supp.values if isinstance(supp, FiniteAtoms) else (
        supp.atoms() if isinstance(supp, IntegerRange) else None)
    if atoms is not None:
        return sp.Add(*(g.subs(X, a) * family.density(sp.Integer(a)) for a in atoms)), "sum", sp.true
    if isinstance(supp, IntegerRange):
        # an infinite or symbolic-length series: kept exact and explicit (SymPy's summation of
        # log k! series can run for minutes and finds no closed form); moments come from tables
        k = index_symbol(family.free_symbols)
        density = family.density(X)
        if has_huge_numbers(density):  # (2/3)**(10**12 - k): SymPy would multiply out 3**(10**12)
            density = sp.exp(family.log_density(X))
        return ExplicitSum((g * density).subs(X, k), (k, supp.lo, supp.hi)), "unevaluated", sp.true
    assert isinstance(supp, RealInterval)
    integral = _explicit_integral(family, g, supp)
    return within_budget(lambda: _integrated(family, g, integral), lambda _: (integral, "unevaluated", sp.true))


@functools.lru_cache(maxsize=1024)
def facts_of(family: Family) -> tuple[sp.Basic, ...]:
    """``family.facts()``, made once per family (a 1000-class Categorical has 2001 facts, each a new
    SymPy relation: a quarter of a second, asked for by every derivation and every claim)."""
    return family.facts()


@functools.lru_cache(maxsize=1024)
def reparams_of(family: Family) -> dict[sp.Symbol, sp.Expr]:
    """``family.reparams()``, made once per family (callers must not change the dict)."""
    return family.reparams()
