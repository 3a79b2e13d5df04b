"""Every error path: a symdiv exception (a ValueError) that names family, parameter, value, domain."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symdiv as sd

R = sp.Rational


@pytest.mark.parametrize(
    ("make", "family", "param", "value", "domain"),
    [
        (lambda: sd.Normal(0, 0), "Normal", "sigma", "0", "(0, oo)"),
        (lambda: sd.Normal(0, -1), "Normal", "sigma", "-1", "(0, oo)"),
        (lambda: sd.Normal(0, -0.5), "Normal", "sigma", "-0.5", "(0, oo)"),
        (lambda: sd.Normal(math.inf, 1), "Normal", "mu", "inf", "(-oo, oo)"),
        (lambda: sd.Normal(sp.I, 1), "Normal", "mu", "I", "(-oo, oo)"),
        (lambda: sd.Normal(0, math.nan), "Normal", "sigma", "nan", "(0, oo)"),
        (lambda: sd.Normal(0, sp.Symbol("s", negative=True)), "Normal", "sigma", "s", "(0, oo)"),
        (lambda: sd.Bernoulli(1.5), "Bernoulli", "p", "1.5", "[0, 1]"),
        (lambda: sd.Bernoulli(-0.1), "Bernoulli", "p", "-0.1", "[0, 1]"),
        (lambda: sd.Bernoulli(R(3, 2)), "Bernoulli", "p", "3/2", "[0, 1]"),
        (lambda: sd.Categorical([R(-1, 2), R(3, 2)]), "Categorical", "probs[0]", "-1/2", "[0, 1]"),
        (lambda: sd.Categorical([R(1, 2), R(1, 3)]), "Categorical", "probs", "sum to 5/6", "summing to 1"),
        (lambda: sd.Categorical([0.5, 0.6]), "Categorical", "probs", "sum to 1.1", "summing to 1"),
        (lambda: sd.Categorical([1]), "Categorical", "probs", "K = 1", "K >= 2"),
        (lambda: sd.Categorical([]), "Categorical", "probs", "K = 0", "K >= 2"),
        (lambda: sd.Categorical.symbolic("p", 1), "Categorical", "K", "1", "integers >= 2"),
        (lambda: sd.Normal("mu; import os", 1), "Normal", "mu", "import os", "(-oo, oo)"),
        (lambda: sd.Normal("__import__", 1), "Normal", "mu", "__import__", "(-oo, oo)"),
    ],
)
def test_invalid_values(make, family, param, value, domain) -> None:
    with pytest.raises(sd.InvalidParameterError) as info:
        make()
    msg = str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, sd.SymdivError)
    for part in (family, param, value, domain):
        assert part in msg, (part, msg)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sd.Normal({}, 1),
        lambda: sd.Normal(None, 1),
        lambda: sd.Normal(0, [1]),
        lambda: sd.Bernoulli(True),
        lambda: sd.Bernoulli(sp.Eq(sp.Symbol("x"), 1)),
        lambda: sd.Bernoulli(sp.Matrix([1])),
        lambda: sd.Categorical("abc"),
        lambda: sd.Categorical(None),
        lambda: sd.Categorical({0: 0.5, 1: 0.5}),
        lambda: sd.Categorical([None, 1]),
    ],
)
def test_wrong_types(make) -> None:
    with pytest.raises(sd.InvalidParameterTypeError) as info:
        make()
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert "parameter" in str(info.value) and "allowed" in str(info.value)


def test_float_probabilities_within_tolerance_are_accepted() -> None:
    sd.Categorical([0.1] * 10)  # sums to 0.9999999999999999
    with pytest.raises(sd.InvalidParameterError):
        sd.Categorical([0.1] * 9 + [0.1 + 1e-9])


def test_symbolic_values_that_cannot_be_decided_are_accepted() -> None:
    a = sp.Symbol("a")
    sd.Normal(a, a**2 + 1)
    sd.Bernoulli(a)
    sd.Categorical([a, 1 - a])


def test_mismatched_number_of_classes() -> None:
    """Sums over a symbolic K must run over the same classes; explicit vectors of different lengths
    are decided by the support rule instead (tests/test_engine_soundness.py)."""
    for P, Q in [
        (sd.Categorical.symbolic("p", "K"), sd.Categorical.symbolic("q", 3)),
        (sd.Categorical.symbolic("p", "K"), sd.Categorical.symbolic("q", "M")),
    ]:
        for fn in (sd.kl_divergence, sd.cross_entropy, sd.verify_decomposition):
            with pytest.raises(sd.InvalidParameterError, match="Categorical.*probs.*K_P.*same number of classes"):
                fn(P, Q)


def test_not_a_family() -> None:
    with pytest.raises(sd.InvalidParameterTypeError, match="distribution family"):
        sd.entropy("normal")
    with pytest.raises(sd.InvalidParameterTypeError):
        sd.kl_divergence(sd.Normal(0, 1), 3)


def test_wrong_number_of_parameters() -> None:
    with pytest.raises(TypeError, match="Normal takes 2"):
        sd.Normal(0)


def test_incomparable_sample_spaces_are_unsupported() -> None:
    """A vector against a scalar: a clear UnsupportedError (a ValueError), never a guess."""
    with pytest.raises(sd.UnsupportedError, match="different sample spaces") as info:
        sd.kl_divergence(sd.Dirichlet.symbolic("a", 3), sd.Beta("alpha", "beta"))
    assert isinstance(info.value, ValueError)


def test_a_symbolic_range_against_atoms_is_conditional() -> None:
    """Categorical with K classes inside Bernoulli's {0, 1}: finite exactly when K - 1 <= 1."""
    d = sd.kl_divergence(sd.Categorical.symbolic("p", "K"), sd.Bernoulli("q"))
    K = sp.Symbol("K", integer=True, positive=True)
    assert d.conditions == (sp.LessThan(K - 1, 1),)
