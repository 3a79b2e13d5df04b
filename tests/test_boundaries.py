"""Boundary values: 0 log 0 = 0, infinite divergences with a SUPPORT step, exact numbers."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

import symdiv as sd

R = sp.Rational
B, C, N = sd.Bernoulli, sd.Categorical, sd.Normal


def test_entropy_of_a_point_mass_is_zero() -> None:
    assert sd.entropy(B(0)).expr == 0
    assert sd.entropy(B(1)).expr == 0
    assert sd.entropy(C([0, 1, 0])).expr == 0


def test_zero_log_zero_is_zero_in_kl() -> None:
    d = sd.kl_divergence(B(0), B(R(1, 2)))
    assert d.expr == sp.log(2)
    assert any("0 log 0 = 0" in s.note for s in d.steps)


@pytest.mark.parametrize(("P", "Q"), [(B(R(1, 2)), B(0)), (B(R(1, 3)), B(1)), (B(1), B(0))])
def test_kl_and_cross_entropy_are_infinite_when_q_misses_mass(P, Q) -> None:
    for d in (sd.kl_divergence(P, Q), sd.cross_entropy(P, Q)):
        assert d.expr == sp.oo and d.is_infinite
        last = d.steps[-1]
        assert last.kind is sd.StepKind.SUPPORT and "\u2288" in last.note and "+oo" in last.note


def test_categorical_with_zero_entries() -> None:
    half = [R(1, 2), R(1, 2), 0]
    third = [R(1, 3)] * 3
    assert sd.entropy(C(half)).expr == sp.log(2)
    assert sd.kl_divergence(C(half), C(third)).expr == sp.log(R(3, 2))
    assert sd.kl_divergence(C(third), C(half)).expr == sp.oo
    assert sd.cross_entropy(C(third), C(half)).expr == sp.oo
    assert sd.kl_divergence(C(half), C([R(1, 2), 0, R(1, 2)])).expr == sp.oo
    assert sd.cross_entropy(C(half), C(third)).expr == sp.log(3)


def test_decomposition_with_infinite_sides() -> None:
    v = sd.verify_decomposition(B(R(1, 2)), B(0))
    assert v.holds is True
    assert "+oo" in v.proof[0].note


def test_exact_numbers_give_exact_results() -> None:
    assert sd.kl_divergence(N(0, 1), N(1, 2)).expr == sp.log(2) - R(1, 4)
    assert sd.entropy(C([R(1, 2), R(1, 4), R(1, 4)])).expr == R(3, 2) * sp.log(2)
    assert sd.kl_divergence(B(Fraction(1, 4)), B(R(1, 2))).expr == sp.log(R(27, 16)) / 4
    assert sd.verify_decomposition(N(0, 1), N(1, 2)).holds is True


def test_floats_give_floats() -> None:
    value = sd.kl_divergence(B(0.3), B(0.6)).expr
    assert isinstance(value, sp.Float)
    exact = 0.3 * sp.log(0.3 / 0.6) + 0.7 * sp.log(0.7 / 0.4)
    assert abs(value - exact) < 1e-14


def test_mixed_symbolic_and_numeric_parameters() -> None:
    d = sd.kl_divergence(N("mu", 1), N(0, 1))
    mu = sp.Symbol("mu", real=True)
    assert d.expr == mu**2 / 2


def test_discrete_versus_continuous_is_infinite() -> None:
    for P, Q in [(B("p"), N("mu", "sigma")), (N("mu", "sigma"), B("p"))]:
        d = sd.kl_divergence(P, Q)
        assert d.expr == sp.oo
        assert "absolutely continuous" in d.steps[-1].note


def test_cross_family_bernoulli_to_categorical() -> None:
    """No pair registry: the engine derives E_Bernoulli[δ(X, k)] by summing over the support."""
    d = sd.kl_divergence(B("p"), C(["q_0", "q_1"]))
    p, q0, q1 = sp.Symbol("p", positive=True), sp.Symbol("q_0", positive=True), sp.Symbol("q_1", positive=True)
    expected = p * sp.log(p / q1) + (1 - p) * sp.log((1 - p) / q0)
    assert sp.expand(sp.expand_log(d.expr - expected, force=True)) == 0
    assert any(s.kind is sd.StepKind.SUM for s in d.steps)
    assert sd.verify_decomposition(B("p"), C(["q_0", "q_1"])).holds is True


def test_missing_expectation_is_derived_from_the_definition() -> None:
    P = N("mu", "sigma")
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    value, how = P.expectation(sd.X**3)[:2]
    assert how == "integral"
    assert sp.expand(value - (mu**3 + 3 * mu * sigma**2)) == 0
    value, how = B("p").expectation(sp.KroneckerDelta(sd.X, 0))[:2]
    assert how == "sum" and sp.expand(value - (1 - sp.Symbol("p", positive=True))) == 0
