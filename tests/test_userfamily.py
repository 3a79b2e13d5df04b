"""User-defined families through Family.from_density: Rayleigh, Maxwell and an Erlang-2 of our own."""

from __future__ import annotations

import time

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.numeric import evaluate

x = sp.Symbol("x", positive=True)
s, a, th = sp.Symbol("sigma", positive=True), sp.Symbol("a", positive=True), sp.Symbol("theta", positive=True)

Rayleigh = sd.Family.from_density(x / s**2 * sp.exp(-(x**2) / (2 * s**2)), x, {s: sd.Positive}, (0, sp.oo),
                                  "Rayleigh")
Maxwell = sd.Family.from_density(sp.sqrt(2 / sp.pi) * x**2 * sp.exp(-(x**2) / (2 * a**2)) / a**3, x,
                                 {a: sd.Positive}, (0, sp.oo), "Maxwell")
Erlang2 = sd.Family.from_density(th**2 * x * sp.exp(-th * x), x, {"theta": sd.Positive}, (0, sp.oo), "Erlang2")

# independent densities and textbook forms (Wikipedia 'Rayleigh distribution', 'Maxwell-Boltzmann distribution')
CASES = {
    "Rayleigh": (Rayleigh, lambda t, v: t / v**2 * mpmath.exp(-(t**2) / (2 * v**2)),
                 lambda v: 1 + sp.log(v / sp.sqrt(2)) + sp.EulerGamma / 2),
    "Maxwell": (Maxwell, lambda t, v: mpmath.sqrt(2 / mpmath.pi) * t**2 * mpmath.exp(-(t**2) / (2 * v**2)) / v**3,
                lambda v: sp.log(v * sp.sqrt(2 * sp.pi)) + sp.EulerGamma - sp.Rational(1, 2)),
    "Erlang2": (Erlang2, lambda t, v: v**2 * t * mpmath.exp(-v * t),
                lambda v: 2 - sp.log(v) + sp.EulerGamma - 1 + 0 * v),
}


@pytest.mark.parametrize("name", CASES)
def test_detected_as_exponential_family(name) -> None:
    fam = CASES[name][0]
    form = fam.exponential_family
    assert form is not None
    assert form.statistics == ([sd.X] if name == "Erlang2" else [sd.X**2])


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("values", [(sp.Rational(3, 2), sp.Rational(2, 3)), (sp.Rational(1, 3), 2)])
def test_measures_match_the_definition(name, values) -> None:
    fam, pdf, _ = CASES[name]
    P, Q = fam("u"), fam("v")
    u, v = sp.Symbol("u", positive=True), sp.Symbol("v", positive=True)
    point = {u: sp.Rational(values[0]), v: sp.Rational(values[1])}
    with mpmath.workdps(40):
        pu, pv = (mpmath.mpf(int(point[k].p)) / int(point[k].q) for k in (u, v))
        h = -mpmath.quad(lambda t: pdf(t, pu) * mpmath.log(pdf(t, pu)), [0, 1, 5, 20, mpmath.inf])
        ce = -mpmath.quad(lambda t: pdf(t, pu) * mpmath.log(pdf(t, pv)), [0, 1, 5, 20, mpmath.inf])
        kl = ce - h
    for d, direct in ((sd.entropy(P), h), (sd.cross_entropy(P, Q), ce), (sd.kl_divergence(P, Q), kl)):
        assert d.is_complete
        ours = evaluate(d.expr, point, P, dps=30)
        with mpmath.workdps(40):
            assert abs(ours - direct) < mpmath.mpf(10) ** -20 * max(1, abs(direct)), (d.expr, ours, direct)


@pytest.mark.parametrize("name", CASES)
def test_identity_and_textbook_entropy(name) -> None:
    fam, _, textbook = CASES[name]
    P, Q = fam("u"), fam("v")
    assert sd.verify_decomposition(P, Q).holds is True
    u = sp.Symbol("u", positive=True)
    h = sd.entropy(P).expr
    assert abs(sp.N(h.subs(u, sp.Rational(7, 3)) - textbook(u).subs(u, sp.Rational(7, 3)), 30)) < 1e-25
    assert sp.count_ops(h) <= sp.count_ops(textbook(u))
    assert sd.kl_divergence(P, P).expr == 0


def test_missing_expectations_are_derived_once_and_cached() -> None:
    from symdiv.family import _derive_expectation

    sd.clear_caches()
    sd.entropy(Rayleigh("w"))
    misses = _derive_expectation.cache_info().misses
    sd.cross_entropy(Rayleigh("w"), Rayleigh("z"))  # needs the same E[log X] again
    assert _derive_expectation.cache_info().misses == misses
    assert _derive_expectation.cache_info().hits >= 1


def test_bad_user_families() -> None:
    with pytest.raises(sd.InvalidParameterError, match="support"):
        sd.Family.from_density(x, x, {s: sd.Positive}, "everywhere", "Bad")
    with pytest.raises(sd.ParseError):
        sd.Family.from_density(x, x, {s: sd.Positive}, (0, 1), "bad name")
    with pytest.raises(sd.InvalidParameterError, match="sigma"):
        Rayleigh(-1)


# ---------------------------------------------------------------------------------------------- soundness (issue 11)

R = sp.Rational
k = sp.Symbol("k", integer=True, positive=True)
n0 = sp.Symbol("n", integer=True, nonnegative=True)
p = sp.Symbol("p", positive=True)
xr = sp.Symbol("x", real=True)


def _number(expr: sp.Expr) -> float:
    value = complex(sp.N(expr, 30))
    assert abs(value.imag) < 1e-25, expr
    return value.real


def test_a_parameter_inside_a_statistic_is_not_an_exponential_family() -> None:
    a, b = sp.symbols("a b", positive=True)
    K = sd.Family.from_density(a * b * x ** (a - 1) * (1 - x**a) ** (b - 1), x, {a: sd.Positive, b: sd.Positive},
                               (0, 1), "Kumaraswamy")
    assert K.exponential_family is None  # log(1 - x^a) depends on a
    d = sd.entropy(K(2, 3))
    assert sp.simplify(d.expr - (R(19, 12) - sp.log(6))) == 0  # -0.2084..., not 7/6 - log 6
    with mpmath.workdps(30):
        truth = -mpmath.quad(lambda t: 6 * t * (1 - t * t) ** 2 * mpmath.log(6 * t * (1 - t * t) ** 2), [0, 1])
    assert abs(_number(d.expr) - float(truth)) < 1e-14


def test_solved_expectations_are_checked_before_use() -> None:
    """On (0, theta) the normaliser's derivative misses the moving boundary: the form solved from it
    is wrong, so the numeric check drops it and the entropy comes from integration."""
    th = sp.Symbol("theta", positive=True)
    Moving = sd.Family.from_density(th * sp.exp(th * x) / (sp.exp(th**2) - 1), x, {th: sd.Positive}, (0, th),
                                    "MovingEdge")
    assert Moving.exponential_family is None
    d = sd.entropy(Moving(1))
    with mpmath.workdps(30):
        f = lambda t: mpmath.exp(t) / (mpmath.e - 1)  # noqa: E731
        truth = -mpmath.quad(lambda t: f(t) * mpmath.log(f(t)), [0, 1])
    assert abs(_number(d.expr) - float(truth)) < 1e-12


def test_two_parameter_exponential_family_is_detected_and_verified() -> None:
    a, th = sp.symbols("a theta", positive=True)
    G = sd.Family.from_density(x ** (a - 1) * sp.exp(-x / th) / (sp.gamma(a) * th**a), x,
                               {a: sd.Positive, th: sd.Positive}, (0, sp.oo), "GammaScale")
    form = G.exponential_family
    assert form is not None and set(form.statistics) == {sd.X, sp.log(sd.X)}
    assert sp.simplify(form.mean[sd.X] - a * th) == 0


def test_log_series_is_summed_and_real() -> None:
    LogSeries = sd.Family.from_density(-(p**k) / (k * sp.log(1 - p)), k, {p: sd.UnitInterval}, (1, sp.oo),
                                       "LogSeries", discrete=True)
    P = LogSeries(R(1, 2))
    assert isinstance(P.support(), sd.support.IntegerRange) and P.support().lo == 1
    with mpmath.workdps(30):
        f = lambda j: -mpmath.mpf(1) / 2**j / (j * mpmath.log(mpmath.mpf(1) / 2))  # noqa: E731
        truth = -mpmath.nsum(lambda j: f(j) * mpmath.log(f(j)), [1, mpmath.inf])
    assert abs(_number(sd.entropy(P).expr) - float(truth)) < 1e-12  # 0.8829..., not 0.9306
    symbolic = sd.entropy(LogSeries("p")).expr
    assert not symbolic.has(sp.I)
    log_p = LogSeries("p").log_density(sd.X)
    assert not log_p.has(sp.I)
    assert sp.log(-sp.log(1 - sp.Symbol("p", positive=True))) in log_p.atoms(sp.log)


def test_negative_and_unnormalised_densities_are_refused() -> None:
    lam = sp.Symbol("lam", positive=True)
    bad = [
        (-sp.exp(-x), x, {}, (0, sp.oo), {}),                                   # negative everywhere
        ((1 + 2 * sp.cos(xr)) / (2 * sp.pi), xr, {}, (0, 2 * sp.pi), {}),          # negative somewhere
        (2 * sp.exp(-x), x, {}, (0, sp.oo), {}),                                  # mass 2
        (sp.exp(-x), x, {}, (0, 2), {}),                                          # mass 1 - e^-2
        (lam * sp.exp(-lam * x), x, {lam: sd.Positive}, (1, sp.oo), {}),          # mass e^-lam
        (p**n0, n0, {p: sd.UnitInterval}, sp.Naturals0, {}),                        # mass 1/(1 - p)
        (sp.Rational(1, 3) + 0 * n0, n0, {}, [0, 1], {}),                           # masses 1/3 + 1/3
        (p / 2 + 0 * n0, n0, {p: sd.UnitInterval}, [0, 1], {}),                    # masses p/2 + p/2
        (sp.sqrt(-1 - x), x, {}, (0, 1), {}),                                     # complex
    ]
    for density, var, params, support, kw in bad:
        with pytest.raises(sd.InvalidParameterError, match="density"):
            sd.Family.from_density(density, var, params, support, "Bad", **kw)


def test_parameter_values_where_the_density_is_undefined_are_refused() -> None:
    LogSeries = sd.Family.from_density(-(p**k) / (k * sp.log(1 - p)), k, {p: sd.UnitInterval}, sp.Naturals,
                                       "LogSeries")
    for bad in (0, 1):
        with pytest.raises(sd.InvalidParameterError, match="LogSeries"):
            LogSeries(bad)
    lo, hi = sp.symbols("lo hi", real=True)
    U = sd.Family.from_density(1 / (hi - lo) + 0 * xr, xr, {lo: sd.Real, hi: sd.Real}, (lo, hi), "U")
    with pytest.raises(sd.InvalidParameterError, match="support"):
        U(2, 1)
    assert sd.entropy(U(0, 3)).expr == sp.log(3)


@pytest.mark.parametrize("support", [sp.Interval(0, sp.oo), sp.Interval.open(0, sp.oo), (0, sp.oo),
                                     sp.Interval.Lopen(0, sp.oo), sd.support.RealInterval(0, sp.oo)])
def test_interval_supports(support) -> None:
    lam = sp.Symbol("lam", positive=True)
    E = sd.Family.from_density(lam * sp.exp(-lam * x), x, {lam: sd.Positive}, support, "Expo")
    assert sd.entropy(E(2)).expr == 1 - sp.log(2)


@pytest.mark.parametrize("support", [sp.Range(0, sp.oo), sp.Naturals0, sp.Range(0, 10**9), range(0, 10**9)])
def test_integer_range_supports(support) -> None:
    lam = sp.Symbol("lam", positive=True)
    start = time.perf_counter()
    P = sd.Family.from_density(lam**n0 * sp.exp(-lam) / sp.factorial(n0), n0, {lam: sd.Positive}, support, "Pois")
    assert P.discrete and P(3).support().atoms() is None
    d = sd.entropy(P(3))
    assert abs(_number(d.expr) - 1.931470198148571) < 1e-12
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("support", [sp.FiniteSet(0, 1, 2), [0, 1, 2], {0, 1, 2}, range(0, 3),
                                     sp.Range(0, 3), frozenset({2, 1, 0}), sd.support.FiniteAtoms((0, 1, 2))])
def test_finite_supports(support) -> None:
    C = sd.Family.from_density(sp.Rational(1, 3) + 0 * n0, n0, {}, support, "Three")
    assert C.discrete and sd.entropy(C()).expr == sp.log(3)


def test_discrete_flag_turns_an_interval_into_its_integers() -> None:
    C = sd.Family.from_density(sp.Rational(1, 2) + 0 * k, k, {}, sp.Interval.open(0, 3), "Two", discrete=True)
    assert C().support().atoms() == (1, 2)
    C = sd.Family.from_density(sp.Rational(1, 3) + 0 * n0, n0, {}, (0, 2), "Three", discrete=True)
    assert C().support().atoms() == (0, 1, 2)
    j = sp.Symbol("j", integer=True)
    T = sd.Family.from_density((1 - p) / (1 + p) * p ** sp.Abs(j), j, {p: sd.UnitInterval}, sp.Reals,
                               "TwoSided", discrete=True)
    assert T(R(1, 2)).support() == sd.support.IntegerRange(-sp.oo, sp.oo)


def test_a_huge_range_is_a_series_not_a_list() -> None:
    start = time.perf_counter()
    U = sd.Family.from_density(sp.Rational(1, 10**9) + 0 * k, k, {}, range(1, 10**9 + 1), "Big")
    assert U().support().atoms() is None
    assert sd.entropy(U()).expr == sp.log(10**9)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("support", ["everywhere", None, 3, (0,), (0, 1, 2), (1, 0), (0, 0), range(5, 5),
                                     sp.EmptySet, sp.FiniteSet(R(1, 2)), [0.5], [], sp.FiniteSet(x),
                                     sp.Interval(0, 1) - sp.FiniteSet(R(1, 2)), sp.Range(0, 10**9, 2),
                                     ("0", "1"), sd.support.SimplexSupport(3)])
def test_bad_supports_name_the_accepted_forms(support) -> None:
    with pytest.raises(sd.InvalidParameterError, match="support") as info:
        sd.Family.from_density(sp.Rational(1, 3) + 0 * n0, n0, {}, support, "Bad")
    assert "allowed" in str(info.value)


def test_an_integer_support_with_discrete_false_is_refused() -> None:
    with pytest.raises(sd.InvalidParameterError, match="discrete=True"):
        sd.Family.from_density(sp.Rational(1, 3) + 0 * n0, n0, {}, range(3), "Bad", discrete=False)


def test_other_bad_input_gives_symdiv_errors() -> None:
    lam = sp.Symbol("lam", positive=True)
    z = sp.Symbol("z", positive=True)
    cases = [
        lambda: sd.Family.from_density(lam * sp.exp(-lam * x) * z, x, {lam: sd.Positive}, (0, sp.oo), "Stray"),
        lambda: sd.Family.from_density(lam * sp.exp(-lam * x), x, {lam: "positive"}, (0, sp.oo), "BadDomain"),
        lambda: sd.Family.from_density("exp(-x)", x, {}, (0, sp.oo), "Text"),
        lambda: sd.Family.from_density(sp.exp(-x), "x", {}, (0, sp.oo), "NoSymbol"),
        lambda: sd.Family.from_density(lam * sp.exp(-lam * x), x, {lam: sd.Positive}, (0, z), "StrayBound"),
        lambda: sd.Family.from_density(sp.exp(-x), x, {x: sd.Positive}, (0, sp.oo), "VariableAsParameter"),
        lambda: sd.Family.from_density(sp.exp(-x), x, {}, (0, sp.oo), "Bad", discrete="yes"),
    ]
    for make in cases:
        with pytest.raises(sd.SymdivError):
            make()


def test_a_symbol_named_like_the_variable_is_the_variable() -> None:
    x_plain = sp.Symbol("x")
    E = sd.Family.from_density(sp.exp(-x), x_plain, {}, (0, sp.oo), "Expo1")  # density in a positive x
    assert sd.entropy(E()).expr == 1


def test_a_parameter_given_by_name_matches_the_symbol_in_the_density() -> None:
    lam_plain = sp.Symbol("lam")  # no assumptions in the density; the domain supplies them
    E = sd.Family.from_density(lam_plain * sp.exp(-lam_plain * x), x, {"lam": sd.Positive}, (0, sp.oo), "Expo2")
    assert sd.entropy(E("lam")).expr == 1 - sp.log(sp.Symbol("lam", positive=True))


def test_variable_assumptions_that_contradict_the_support_are_refused() -> None:
    """A positive variable turns |k| into k before symdiv sees the density: refuse, do not guess."""
    with pytest.raises(sd.InvalidParameterError, match="variable"):
        sd.Family.from_density((1 - p) / (1 + p) * p ** sp.Abs(k), k, {p: sd.UnitInterval}, sp.Integers, "TwoSided")
    with pytest.raises(sd.InvalidParameterError, match="variable"):
        sd.Family.from_density(sp.exp(-sp.Abs(x)) / 2, x, {}, sp.Reals, "Laplace01")
    mu = sp.Symbol("mu", real=True)
    with pytest.raises(sd.InvalidParameterError, match="variable"):
        sd.Family.from_density(sp.exp(-(x - mu)), x, {mu: sd.Real}, (mu, sp.oo), "Shifted")
    with pytest.raises(sd.InvalidParameterError, match="variable"):
        sd.Family.from_density(sp.Integer(1) + 0 * k, k, {}, (0, 1), "IntegerVariableOnAnInterval")
    m = sp.Symbol("m", positive=True)
    S = sd.Family.from_density(sp.exp(-(x - m)), x, {m: sd.Positive}, (m, sp.oo), "ShiftedPositive")
    assert sd.entropy(S(2)).expr == 1


def test_an_identity_sympy_does_not_reduce_still_counts_as_normalised() -> None:
    """Benford's masses log10(1 + 1/d) sum to log10(10) = 1 only after combining logarithms."""
    d = sp.Symbol("d", integer=True, positive=True)
    Benford = sd.Family.from_density(sp.log(1 + 1 / d) / sp.log(10), d, {}, list(range(1, 10)), "Benford")
    with mpmath.workdps(30):
        truth = -mpmath.fsum(mpmath.log10(1 + mpmath.mpf(1) / j) * mpmath.log(mpmath.log10(1 + mpmath.mpf(1) / j))
                             for j in range(1, 10))
    assert abs(_number(sd.entropy(Benford()).expr) - float(truth)) < 1e-14
    with pytest.raises(sd.InvalidParameterError, match="sum to"):
        sd.Family.from_density(sp.log(1 + 1 / d) / sp.log(10), d, {}, list(range(1, 9)), "Benford8")


def test_parameters_on_the_boundary_of_a_mass_function() -> None:
    """At p = 0 or 1 some atoms have no mass: the support shrinks to the atoms with mass (0 log 0 = 0),
    and log 0 is -oo (never SymPy's zoo, which would turn KL(P || P) into nan)."""
    B = sd.Family.from_density(p**n0 * (1 - p) ** (1 - n0), n0, {p: sd.UnitInterval}, [0, 1], "Bern")
    half = R(1, 2)
    cases = [((0, half), 0, sp.log(2)), ((half, 0), sp.log(2), sp.oo), ((1, 1), 0, 0), ((0, 0), 0, 0),
             ((0, 1), 0, sp.oo)]
    for (u, v), h, kl in cases:
        assert sd.entropy(B(u)).expr == h, (u, v)
        assert sd.kl_divergence(B(u), B(v)).expr == kl, (u, v)
    B3 = sd.Family.from_density(sp.binomial(3, n0) * p**n0 * (1 - p) ** (3 - n0), n0, {p: sd.UnitInterval},
                                range(4), "B3")
    assert B3(1).support() == sd.support.FiniteAtoms((3,))
    assert sd.entropy(B3(0)).expr == 0 and sd.kl_divergence(B3(1), B3(1)).expr == 0
    assert sd.kl_divergence(B3(0), B3(half)).expr == 3 * sp.log(2)
    # on an infinite range the atoms without mass cannot be listed: refused, not guessed
    G = sd.Family.from_density(p * (1 - p) ** (k - 1), k, {p: sd.UnitInterval}, sp.Range(1, sp.oo), "ShiftedGeom")
    with pytest.raises(sd.InvalidParameterError, match="positive mass"):
        G(1)
    assert sd.kl_divergence(G(R(1, 3)), G(half)).expr == sp.log(R(32, 27))
