"""Every (measure, family) cell of the measures beyond KL against the independent reference.

For each catalog family with a reference row (tests/catalog_reference.py, densities written afresh
with mpmath) and each measure built on the power integral or on two KL expectations, the closed
form derived with symbolic parameters is evaluated at random rational points and compared with
quadrature / summation of the definition (``by_definition``, 40 digits; agreement to 20 digits).
Where the derivation states conditions, a point at which one fails must give +oo when re-derived
with numbers (``Derivation.at``), decided by the condition and not by a diverging quadrature.
Cross-family pairs go through the same engine. A cell the engine refuses must be listed in
REFUSED with the reason; a cell that becomes derivable makes that test fail (remove the entry).
"""

from __future__ import annotations

import functools

import mpmath
import pytest
import sympy as sp
from catalog_reference import REFERENCE, by_definition, close, sample_points

import symdiv as sd
from symdiv.numeric import evaluate as sd_evaluate
from symdiv.sampling import holds_at

R = sp.Rational

#: (measure, order) for every measure of the power integral, and Jeffreys
MEASURES = [("renyi_divergence", R(1, 2)), ("renyi_divergence", R(2)), ("renyi_divergence", R(1, 3)),
            ("bhattacharyya_coefficient", None), ("bhattacharyya_distance", None), ("hellinger_distance", None),
            ("chi_squared_divergence", None), ("jeffreys_divergence", None)]
_BELOW_ONE = {"bhattacharyya_coefficient", "bhattacharyya_distance", "hellinger_distance"}

#: cells the engine refuses, with the reason (supports that depend on symbolic parameters do not
#: decide the integral of an order below 1: it runs over their intersection)
REFUSED = {
    (name, m): "the supports' nesting depends on the parameters, and below order 1 the integral runs over "
               "their intersection"
    for name in ("Uniform", "Pareto", "Binomial") for m in ("renyi_divergence 1/2", "renyi_divergence 1/3",
                                                "bhattacharyya_coefficient", "bhattacharyya_distance",
                                                "hellinger_distance")
}

#: cells of order above 1 whose integral E_P[(q/p)^(1-a)] is not found in closed form and whose
#: convergence depends on the parameters: the result stays explicit (incomplete); at a point where
#: the integral diverges it has no real value (never a finite number)
EXPLICIT = {("Laplace", "renyi_divergence 2"), ("Laplace", "chi_squared_divergence"),
            ("Gumbel", "renyi_divergence 2"), ("Gumbel", "chi_squared_divergence"),
            ("Weibull", "renyi_divergence 2"), ("Weibull", "chi_squared_divergence")}

@pytest.fixture(autouse=True, scope="module")
def _short_budget():
    """Integration attempts that find no closed form (Weibull with two shapes) give up after 3 s
    instead of 8: the explicit result and its check are the same."""
    from symdiv.budget import set_budget

    old = set_budget(3)
    yield
    set_budget(old)


def family(name: str, role: int) -> sd.Family:
    ref, cls = REFERENCE[name], getattr(sd, name)
    symbols = ref.symbols(role)
    return cls(*(symbols[p.name] for p in cls.parameters))


def derive(measure: str, order: sp.Expr | None, P: sd.Family, Q: sd.Family) -> sd.Derivation:
    f = getattr(sd, measure)
    return f(P, Q, order) if order is not None else f(P, Q)


def label(measure: str, order: sp.Expr | None) -> str:
    return measure if order is None else f"{measure} {order}"


POINTS = 3


#: cells whose explicit form is a function of BC's integral (int sqrt(pq)), compared through BC's cell
_SAME_INTEGRAL = {"bhattacharyya_distance", "hellinger_distance", "renyi_divergence 1/2"}


class _Reference:
    """The measures at one point from four quadratures of the definitions, each done when first
    needed: int sqrt(pq) (BC, D_B, Hellinger, D_1/2 by their definitions in terms of it), int p^2/q
    (D_2, chi^2), int p^(1/3) q^(2/3) (D_1/3) and the two KL expectations (Jeffreys)."""

    def __init__(self, name: str, point: dict) -> None:
        self.name, self.point, self.done = name, point, {}

    def _integral(self, measure: str, order: sp.Expr | None = None) -> mpmath.mpf:
        key = (measure, order)
        if key not in self.done:
            with mpmath.workdps(30):
                self.done[key] = by_definition(self.name, measure, self.point, alpha=order, dps=30)
        return self.done[key]

    def __getitem__(self, cell: str) -> mpmath.mpf:
        bc = functools.partial(self._integral, "bhattacharyya_coefficient")
        d2 = functools.partial(self._integral, "renyi_divergence", R(2))
        with mpmath.workdps(30):
            return {
                "bhattacharyya_coefficient": bc, "bhattacharyya_distance": lambda: -mpmath.log(bc()),
                "hellinger_distance": lambda: mpmath.sqrt(max(0, 1 - bc())),
                "renyi_divergence 1/2": lambda: -2 * mpmath.log(bc()), "renyi_divergence 2": d2,
                "chi_squared_divergence": lambda: mpmath.expm1(d2()),
                "renyi_divergence 1/3": lambda: self._integral("renyi_divergence", R(1, 3)),
                "jeffreys_divergence": lambda: self._integral("jeffreys_divergence"),
            }[cell]()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_cell_matches_the_definition(name: str) -> None:
    """Each measure of the family, derived with symbolic parameters, at POINTS random points where its
    stated conditions hold (where one fails: +oo, re-derived with numbers)."""
    P, Q = family(name, 1), family(name, 2)
    derived: dict[str, sd.Derivation] = {}
    for measure, order in MEASURES:
        key = (name, label(measure, order))
        if key in REFUSED:
            with pytest.raises(sd.UnsupportedError):
                derive(measure, order, P, Q)
            continue
        d = derive(measure, order, P, Q)
        if key in EXPLICIT:
            assert not d.is_complete, f"{key}: a closed form now: move the cell out of EXPLICIT"
            continue
        derived[label(measure, order)] = d
    compared = dict.fromkeys(derived, 0)
    for point in sample_points(REFERENCE[name].points_nested, 2 * POINTS):
        reference = _Reference(name, point)
        for cell, d in derived.items():
            if compared[cell] >= (POINTS if d.is_complete else 1):  # an explicit integral: one point (slow)
                continue
            if not d.is_complete and cell in _SAME_INTEGRAL:  # BC's explicit integral, checked in that cell
                compared[cell] += 1
                continue
            if not holds_at(d.conditions, point):
                assert d.at({str(k): v for k, v in point.items()}).expr == sp.oo, (cell, d.conditions, point)
                continue
            try:
                direct = reference[cell]
            except RuntimeError:  # the reference's series converges too slowly here (ratio near 1)
                continue
            with mpmath.workdps(30):
                ours = sd_evaluate(d.expr, point, P, dps=30)
            if cell == "hellinger_distance":  # near 0 a square root turns 1e-32 of rounding into 1e-16
                ours, direct = ours**2, 1 - reference["bhattacharyya_coefficient"]
            assert close(ours, direct), (cell, sp.sstr(d.expr), point, ours, direct)
            compared[cell] += 1
    assert all(n or derived[c].conditions for c, n in compared.items()), compared


def test_every_registered_measure_has_a_reference_definition() -> None:
    from catalog_reference import DEFINED

    from symdiv.measures.registry import measures

    missing = [m.name for m in measures() if m.name not in DEFINED and m.arity == 2]
    assert not missing, missing


@pytest.mark.slow
@pytest.mark.parametrize(("p_name", "q_name"), [("Exponential", "Gamma"), ("Uniform", "Beta"), ("Beta", "Uniform"),
                                                ("Normal", "Laplace"), ("Poisson", "Geometric"),
                                                ("Bernoulli", "Binomial")])
@pytest.mark.parametrize(("measure", "order"), [("renyi_divergence", R(1, 2)), ("chi_squared_divergence", None),
                                                ("hellinger_distance", None), ("jeffreys_divergence", None)])
def test_cross_family_numeric_pairs(p_name: str, q_name: str, measure: str, order: sp.Expr | None) -> None:
    """Cross pairs at numbers (the direct route: E_P[(q/p)^(1-a)] by the expectation engine)."""
    point = sample_points(REFERENCE[p_name].points_nested, 1)[0]
    point.update(sample_points(REFERENCE[q_name].points_nested, 1)[0])
    P = family(p_name, 1).at(point)
    Q = family(q_name, 2).at(point)
    try:
        d = derive(measure, order, P, Q)
    except sd.UnsupportedError as exc:  # honest refusals must say why
        assert "supp" in str(exc) or "order" in str(exc), exc
        return
    direct = by_definition(p_name, measure, point, q_name, alpha=order)
    if d.expr == sp.oo:
        assert direct == mpmath.inf or not mpmath.isfinite(direct) or measure != "jeffreys_divergence", direct
        return
    ours = mpmath.mpf(sp.N(d.expr, 30))
    assert close(ours, direct, mpmath.mpf(10) ** -15), (sp.sstr(d.expr), point, ours, direct)


# ---------------------------------------------------------------------------------- identities
N1, N2 = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
IDENTITY_PAIRS = [(N1, N2), (sd.Bernoulli("p"), sd.Bernoulli("q")),
                  (sd.Exponential("lambda_1"), sd.Exponential("lambda_2")),
                  (sd.Poisson("lambda_1"), sd.Poisson("lambda_2")), (sd.Gamma("a_1", "b_1"), sd.Gamma("a_2", "b_2"))]


@pytest.mark.slow
@pytest.mark.parametrize("claim", ["H^2(P,Q) = 1 - BC(P,Q)", r"D_{1/2}(P \| Q) = 2 D_B(P, Q)",
                                   "J(P,Q) = KL(P||Q) + KL(Q||P)", "D_B(P,Q) = -log(BC(P,Q))",
                                   "BC(P,Q) = BC(Q,P)"])
@pytest.mark.parametrize(("P", "Q"), IDENTITY_PAIRS, ids=[p.name for p, _ in IDENTITY_PAIRS])
def test_identities_are_proved(claim: str, P: sd.Family, Q: sd.Family) -> None:
    v = sd.check(claim, P, Q)
    assert v.holds is True and v.verdict == "proved", (claim, v)


@pytest.mark.slow
@pytest.mark.parametrize(("P", "Q"), IDENTITY_PAIRS, ids=[p.name for p, _ in IDENTITY_PAIRS])
def test_order_two_is_log_one_plus_chi_squared(P: sd.Family, Q: sd.Family) -> None:
    v = sd.check("D_2(P||Q) = log(1 + chi2(P||Q))", P, Q)
    assert v.holds is not False, v


def test_a_false_claim_gets_a_counterexample() -> None:
    v = sd.check("D_B(P,Q) = (mu_1 - mu_2)**2/(4*(sigma_1**2 + sigma_2**2))", N1, N2)
    assert v.holds is False and v.counterexample is not None


# ---------------------------------------------------------------------------------- textbook forms
@pytest.mark.slow
def test_renyi_of_normals_is_gil_alajaji_linder() -> None:
    """Gil, Alajaji & Linder (2013), Table 2: D_a = log(s2/s1) + log(s2^2/s_a^2)/(2(a-1)) + a (m1-m2)^2/(2 s_a^2),
    s_a^2 = a s2^2 + (1-a) s1^2."""
    a = sp.Symbol("alpha", positive=True)
    m1, m2 = sp.symbols("mu_1 mu_2", real=True)
    s1, s2 = sp.symbols("sigma_1 sigma_2", positive=True)
    sa2 = a * s2**2 + (1 - a) * s1**2
    gil = sp.log(s2 / s1) + sp.log(s2**2 / sa2) / (2 * (a - 1)) + a * (m1 - m2) ** 2 / (2 * sa2)
    d = sd.renyi_divergence(N1, N2, a)
    assert sp.And(*d.conditions) == (sa2 > 0) or any(sp.simplify(c.lhs - sa2) == 0 for c in d.conditions)
    at = {a: R(3, 7), m1: R(1, 3), m2: R(-2, 5), s1: R(3, 2), s2: R(4, 5)}
    assert abs(sp.N((d.expr - gil).xreplace(at), 40)) < 1e-35
    assert sp.count_ops(d.expr) <= sp.count_ops(gil) + 12


def test_bhattacharyya_of_normals_is_kailath() -> None:
    d = sd.bhattacharyya_distance(N1, N2)
    m1, m2 = sp.symbols("mu_1 mu_2", real=True)
    s1, s2 = sp.symbols("sigma_1 sigma_2", positive=True)
    kailath = (m1 - m2) ** 2 / (4 * (s1**2 + s2**2)) + sp.log((s1**2 + s2**2) / (2 * s1 * s2)) / 2
    assert sp.expand(sp.expand_log(d.expr - kailath, force=True)) == 0
    assert sp.count_ops(d.expr) <= sp.count_ops(kailath)


def test_chi_squared_of_poissons() -> None:
    l1, l2 = sp.symbols("lambda_1 lambda_2", positive=True)
    d = sd.chi_squared_divergence(sd.Poisson("lambda_1"), sd.Poisson("lambda_2"))
    assert sp.simplify(d.expr - (sp.exp((l1 - l2) ** 2 / l2) - 1)) == 0


# ---------------------------------------------------------------------------------- +oo and refusals
def test_infinite_by_support_and_by_parameter_space() -> None:
    assert sd.chi_squared_divergence(sd.Bernoulli(R(1, 2)), sd.Bernoulli(1)).expr == sp.oo
    assert sd.renyi_divergence(sd.Exponential(1), sd.Exponential(3), 2).expr == sp.oo  # 2*1 - 3 < 0
    assert sd.chi_squared_divergence(sd.Uniform(0, 1), sd.Beta(2, 3)).expr == sp.oo  # int 1/q diverges
    assert sd.bhattacharyya_distance(sd.Bernoulli(0), sd.Bernoulli(1)).expr == sp.oo  # disjoint: BC = 0
    assert sd.hellinger_distance(sd.Bernoulli(0), sd.Bernoulli(1)).expr == 1
    d = sd.chi_squared_divergence(N1, N2)
    assert d.conditions and d.at(mu_1=0, mu_2=0, sigma_1=3, sigma_2=1).expr == sp.oo


@pytest.mark.slow
def test_bad_orders_are_clear_errors() -> None:
    for bad in (1, 0, -1, sp.oo, "x y", object()):
        with pytest.raises((sd.InvalidParameterError, sd.InvalidParameterTypeError)):
            sd.renyi_divergence(N1, N2, bad)
    with pytest.raises(sd.InvalidParameterError):
        sd.renyi_divergence(N1, N2, sp.Symbol("a", real=True))  # not known positive


def test_float_parameters_are_exact_decimals() -> None:
    d = sd.hellinger_distance(sd.Normal(0.1, 1), sd.Normal(0.3, 2))
    exact = sd.hellinger_distance(sd.Normal(R(1, 10), 1), sd.Normal(R(3, 10), 2))
    assert abs(float(d.expr) - float(sp.N(exact.expr, 30))) < 1e-15


# ---------------------------------------------------------------------------------- the hostile pass
@pytest.mark.slow
def test_a_divergent_explicit_integral_is_infinite_not_a_number() -> None:
    """p^2/q ~ x^-3 near 0: +oo (an attempt cut short by the budget once left it as an integral
    whose quadrature gave 2.4e92)."""
    assert sd.chi_squared_divergence(sd.Exponential(4), sd.Gamma(4, R(29, 10))).expr == sp.oo
    assert sd.renyi_divergence(sd.Exponential(4), sd.Gamma(4, R(29, 10)), 2).expr == sp.oo


def test_disjoint_continuous_supports() -> None:
    P, Q = sd.Beta(R(18, 5), R(9, 2)), sd.Pareto(R(13, 5), R(21, 10))
    assert sd.bhattacharyya_coefficient(P, Q).expr == 0
    assert sd.bhattacharyya_distance(P, Q).expr == sp.oo
    assert sd.hellinger_distance(P, Q).expr == 1


def test_quantities_without_a_unit_refuse_bits() -> None:
    for f in (sd.bhattacharyya_coefficient, sd.hellinger_distance, sd.chi_squared_divergence):
        d = f(sd.Normal(0, 1), sd.Normal(1, 2))
        with pytest.raises(sd.InvalidParameterError):
            d.to_function("math", bits=True)
        with pytest.raises(sd.InvalidParameterError):
            d.latex(notation=sd.Notation(log="bits"))
    assert sd.bhattacharyya_distance(sd.Normal(0, 1), sd.Normal(1, 2)).to_function("math", bits=True)() > 0


@pytest.mark.parametrize("bad", [float("nan"), sp.nan, float("inf"), 10**400, "pi", "mu_1", R(1, 10**300)])
def test_orders_that_are_refused(bad: object) -> None:
    with pytest.raises(sd.InvalidParameterError):
        sd.renyi_divergence(N1, N2, bad)


def test_no_code_for_a_symbolic_order() -> None:
    d = sd.renyi_divergence(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"), "alpha")
    with pytest.raises(sd.UnsupportedError):
        d.to_function("math")
    fixed = sd.renyi_divergence(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"), 2)
    assert fixed.to_function("math")(1.0, 1.5) > 0


# ---------------------------------------------------------------------------------- Jensen-Shannon
@pytest.mark.parametrize("name", ["Bernoulli", "Binomial", "Normal", "Exponential", "Poisson", "Gamma"])
def test_jensen_shannon_matches_the_definition(name: str) -> None:
    """Exact over finite supports, the explicit integral or series otherwise: both at numbers against
    the reference (1/2 KL(P || M) + 1/2 KL(Q || M) by quadrature/summation)."""
    point = sample_points(REFERENCE[name].points_nested, 1)[0]
    P, Q = family(name, 1).at(point), family(name, 2).at(point)
    d = sd.js_divergence(P, Q)
    assert d.is_complete == (name in ("Bernoulli", "Binomial"))
    with mpmath.workdps(30):
        ours = mpmath.mpf(sp.N(d.expr, 30))
        direct = by_definition(name, "js_divergence", point, dps=30)
    assert close(ours, direct, mpmath.mpf(10) ** -15), (point, ours, direct)
    assert 0 <= ours <= mpmath.log(2) + mpmath.mpf(10) ** -20


def test_jensen_shannon_is_symmetric_and_bounded() -> None:
    d = sd.js_divergence(sd.Bernoulli("p"), sd.Bernoulli("q"))
    swapped = sd.js_divergence(sd.Bernoulli("q"), sd.Bernoulli("p")).expr
    p, q = sorted(d.expr.free_symbols, key=str)
    assert sp.simplify(d.expr - swapped) == 0
    assert sd.js_divergence(sd.Bernoulli(0), sd.Bernoulli(1)).expr == sp.log(2)
    assert sd.js_divergence(sd.Normal(0, 1), sd.Normal(0, 1)).is_complete is False
    with pytest.raises(sd.UnsupportedError):
        sd.js_divergence(sd.Exponential(1), sd.Normal(0, 1))
    assert p.name == "p" and q.name == "q"
