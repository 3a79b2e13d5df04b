"""Exponential-family forms (symdiv.natural) and the log-normaliser engine (symdiv.normaliser).

Each declaration is checked against the family's own log-density, so the form is never a second,
unchecked source; integrals of density powers from F are checked against mpmath quadrature or
summation of the definition; KL as the Bregman divergence of F is checked against the expectation
engine (two independent routes to the same number).
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.normaliser import bregman_kl, power_integral

R = sp.Rational

#: the families that declare a natural form (Dirichlet and MultivariateNormal: not yet)
DECLARED = ["Bernoulli", "Binomial", "Categorical", "Poisson", "Geometric", "Exponential", "Normal", "LogNormal",
            "HalfNormal", "Weibull", "Pareto", "Gamma", "Beta"]
BY_NAME = {f.name: f for f in sd.CATALOG}


def pair(name: str, seed: int) -> tuple[sd.Family, sd.Family]:
    """Two random members sharing a natural form (the fixed parameters drawn once)."""
    rng = random.Random(seed)
    fam = BY_NAME[name]
    P, Q = fam.symbolic_example(1), fam.symbolic_example(2)
    point = P.sample(rng)
    point = Q.sample(rng, point)
    P, Q = P.at(point), Q.at(point)
    fixed = {"Binomial": 0, "Weibull": 0, "Pareto": 0}  # n, shape k, scale m: the same for P and Q
    if name in fixed:
        Q = type(Q)(*(P._values[0], *Q._values[1:]))
    if name == "Categorical":
        P, Q = sd.Categorical([R(1, 5), R(3, 10), R(1, 2)]), sd.Categorical([R(1, 3), R(1, 6), R(1, 2)])
    return P, Q


def numeric(P: sd.Family, g: sp.Expr) -> mpmath.mpf:
    with mpmath.workdps(40):
        return P.numeric_expectation(g, 30)


def close(a, b, digits: int = 20) -> bool:
    with mpmath.workdps(40):
        a, b = (mpmath.mpmathify(sp.N(v, 40) if isinstance(v, sp.Basic) else v) for v in (a, b))
        return bool(abs(a - b) <= mpmath.mpf(10) ** -digits * max(1, abs(b)))


def test_the_declared_families_declare() -> None:
    for name in DECLARED:
        member = pair(name, 0)[0] if name == "Categorical" else BY_NAME[name].symbolic_example(1)
        assert member.natural_form() is not None, name
    assert sd.Categorical.symbolic("p", "K").natural_form() is None  # a sum form: not declared yet
    assert sd.Bernoulli(0).natural_form() is None and sd.Categorical([0, 1]).natural_form() is None


@pytest.mark.parametrize("name", DECLARED)
def test_form_is_the_log_density(name: str) -> None:
    """<theta, T(x)> - F(theta) + log h(x) equals the family's log p(x) at random points of the support."""
    for seed in range(3):
        P, _ = pair(name, seed)
        form = P.natural_form()
        assert form is not None
        supp = P.support()
        xs = [sp.Integer(v) for v in (supp.values if hasattr(supp, "values") else range(0, 4))] if P.discrete else [
            R(1, 3), R(7, 10), R(5, 4), R(3)]
        for x in xs:
            if not P.discrete and not (sp.N(supp.lo) < x < sp.N(supp.hi)):
                continue
            if P.discrete and hasattr(P, "n") and x > P.n:
                continue
            declared = form.log_density(x, sd.X)
            assert close(declared, P.log_density(x), 25), (P, x)


@pytest.mark.parametrize("name", DECLARED)
@pytest.mark.parametrize("a", [R(1, 2), R(3, 10), R(2)], ids=["a=1/2", "a=3/10", "a=2"])
def test_power_integral_matches_the_definition(name: str, a: sp.Rational) -> None:
    """int p^a q^(1-a) = E_P[(q/p)^(1-a)] by mpmath, where the mixed parameter is in the space."""
    P, Q = pair(name, 7)
    got = power_integral(P, Q, a)
    assert got is not None
    if got.condition is sp.false:
        assert got.value == sp.oo
        return
    assert got.condition in (sp.true, True)
    g = sp.exp((1 - a) * (Q.log_density(sd.X) - P.log_density(sd.X)))
    assert close(got.value, numeric(P, g)), (P, Q, a)


def test_power_integral_is_infinite_outside_the_natural_parameter_space() -> None:
    """a = 2 between Exponential(1) and Exponential(3): 2*(-1) - (-3) = 1 > 0 leaves the space,
    and int p^2/q = int 1/3 * exp(x) dx diverges."""
    got = power_integral(sd.Exponential(1), sd.Exponential(3), 2)
    assert got is not None and got.value == sp.oo and got.condition is sp.false
    lam1, lam2 = sp.symbols("lambda_1 lambda_2", positive=True)
    symbolic = power_integral(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"), 2)
    assert symbolic is not None and symbolic.condition == sp.Lt(-2 * lam1 + lam2, 0)


def test_no_shared_form_across_families_or_fixed_parameters() -> None:
    assert power_integral(sd.Normal(0, 1), sd.Laplace(0, 1), R(1, 2)) is None
    assert power_integral(sd.Exponential(1), sd.Gamma(1, 1), R(1, 2)) is None
    assert power_integral(sd.Binomial(3, R(1, 2)), sd.Binomial(4, R(1, 2)), R(1, 2)) is None
    assert power_integral(sd.Weibull(2, 1), sd.Weibull(3, 1), R(1, 2)) is None


@pytest.mark.parametrize("name", DECLARED)
def test_bregman_kl_agrees_with_the_expectation_engine(name: str) -> None:
    """Two independent routes to KL: the Bregman divergence of F and E_P[log p - log q]."""
    for seed in range(2):
        P, Q = pair(name, seed)
        via_f = bregman_kl(P, Q)
        assert via_f is not None
        assert close(via_f, sd.kl_divergence(P, Q).expr, 25), (P, Q)
