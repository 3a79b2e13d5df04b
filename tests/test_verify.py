"""verify_decomposition: proved, false with a shown counterexample, or not proved."""

from __future__ import annotations

import dataclasses
import threading

import mpmath
import pytest
import sympy as sp

import symdiv as sd
import symdiv.measures
import symdiv.verify
from symdiv.derivation import Step, StepKind

R = sp.Rational


def _mutated(fn, change):
    """A measure whose result has been tampered with, as a wrong paper would."""

    def wrong(P, Q):
        d = fn(P, Q)
        bad = Step(StepKind.TIDY, change(d.expr), "tampered")
        return dataclasses.replace(d, steps=d.steps + (bad,))

    return wrong


def test_false_decomposition_has_a_counterexample(monkeypatch) -> None:
    # drop the -1/2 from the Gaussian KL
    monkeypatch.setattr(symdiv.verify, "kl_divergence", _mutated(sd.kl_divergence, lambda e: e + R(1, 2)))
    v = sd.verify_decomposition(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
    assert v.holds is False and v.verdict == "false"
    ev = v.evidence
    assert ev.witness is not None and all(isinstance(x, sp.Rational) for x in ev.witness.values())
    with mpmath.workdps(30):
        assert abs(ev.rhs - ev.lhs - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -25


def test_unproved_but_numerically_true_is_none(monkeypatch) -> None:
    mu = sp.Symbol("mu_1", real=True)
    zero_in_disguise = sp.sin(mu) ** 2 + sp.cos(mu) ** 2 - 1
    monkeypatch.setattr(symdiv.verify, "kl_divergence", _mutated(sd.kl_divergence, lambda e: e + zero_in_disguise))
    v = sd.verify_decomposition(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
    assert v.holds is None and v.verdict == "not proved"
    assert v.reduced != 0
    assert v.evidence.points >= 20 and v.evidence.max_abs_residual < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("K", [2, 50, 200])
def test_explicit_categorical_up_to_200_classes(K) -> None:
    v = sd.verify_decomposition(sd.Categorical.symbolic("p", K), sd.Categorical.symbolic("q", K))
    assert v.holds is True and v.reduced == 0


def test_numeric_categorical_with_200_classes() -> None:
    P = sd.Categorical([R(1, 200)] * 200)
    Q = sd.Categorical([R(1, 150)] * 100 + [R(1, 300)] * 100)
    v = sd.verify_decomposition(P, Q)
    assert v.holds is True
    assert sd.entropy(P).expr == sp.log(200)


def test_symbolic_number_of_classes() -> None:
    v = sd.verify_decomposition(sd.Categorical.symbolic("p", "K"), sd.Categorical.symbolic("q", "K"))
    assert v.holds is True
    assert any(s.kind is StepKind.SUM for s in v.proof)


def test_verification_uses_three_independent_derivations() -> None:
    P, Q = sd.Bernoulli("p"), sd.Bernoulli("q")
    v = sd.verify_decomposition(P, Q)
    quantities = [d.quantity for d in v.derivations]
    assert quantities == [sd.Quantity.CROSS_ENTROPY, sd.Quantity.KL_DIVERGENCE, sd.Quantity.ENTROPY]
    assert v.residual == sum((d.expr for d in v.derivations[1:]), start=sp.Integer(0)) * -1 + v.derivations[0].expr
    facts = {str(f) for f in v.assumptions}
    assert {"p > 0", "p < 1", "q > 0", "q < 1"} <= facts


def test_cache_is_bounded_and_thread_safe() -> None:
    info = symdiv.measures._kl_divergence.cache_info()
    assert info.maxsize == symdiv.measures.CACHE_SIZE
    results = []

    def work() -> None:
        results.append(sd.kl_divergence(sd.Normal("a", "b"), sd.Normal("c", "d")).expr)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1


def test_one_infinite_side_is_false(monkeypatch) -> None:
    monkeypatch.setattr(symdiv.verify, "kl_divergence", _mutated(sd.kl_divergence, lambda e: sp.Integer(1)))
    v = sd.verify_decomposition(sd.Bernoulli(R(1, 2)), sd.Bernoulli(0))
    assert v.holds is False and v.evidence.lhs == mpmath.inf and v.evidence.rhs != mpmath.inf
    assert "one side is infinite" in v.proof[0].note
