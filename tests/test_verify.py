"""verify_decomposition: proved, false with a shown counterexample, or undecided; the claim goes through
the same pipeline as symdiv.check (resolver, prover, numeric search, infinity rule)."""

from __future__ import annotations

import dataclasses
import threading

import mpmath
import pytest
import sympy as sp

import symdiv as sd
import symdiv.measures.classic
import symdiv.prove.claims
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
    monkeypatch.setattr(symdiv.prove.claims, "kl_divergence", _mutated(sd.kl_divergence, lambda e: e + R(1, 2)))
    v = sd.verify_decomposition(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
    assert v.holds is False and v.verdict == "false"
    c = v.counterexample
    assert c is not None and all(isinstance(x, sp.Rational) for x in c.point.values())
    with mpmath.workdps(30):
        assert abs(c.rhs - c.lhs - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -25


def test_unproved_but_numerically_true_is_undecided(monkeypatch) -> None:
    # psi'(1/4) + psi'(3/4) = 2 pi^2: true, but no rewrite (simplify included) proves it
    zero_in_disguise = sp.polygamma(1, R(1, 4)) + sp.polygamma(1, R(3, 4)) - 2 * sp.pi**2
    monkeypatch.setattr(symdiv.prove.claims, "kl_divergence",
                        _mutated(sd.kl_divergence, lambda e: e + zero_in_disguise))
    v = sd.verify_decomposition(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
    assert v.holds is None and v.verdict == "undecided" and v.counterexample is None
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
    info = symdiv.measures.classic._kl_divergence.cache_info()
    assert info.maxsize == symdiv.measures.classic.CACHE_SIZE
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
    monkeypatch.setattr(symdiv.prove.claims, "kl_divergence", _mutated(sd.kl_divergence, lambda e: sp.Integer(1)))
    v = sd.verify_decomposition(sd.Bernoulli(R(1, 2)), sd.Bernoulli(0))
    c = v.counterexample
    assert v.holds is False and c.lhs == mpmath.inf and abs(c.rhs - 1 - mpmath.log(2)) < mpmath.mpf(10) ** -15
    assert "one side is infinite" in v.proof[0].note


# ---------------------------------------------------------------- one stack with check
def test_a_verification_is_a_verdict_and_the_old_imports_work() -> None:
    from symdiv.claims import MAX_EXPANSION, TIME_LIMIT, Counterexample, Verdict, check, verify_local_expansion
    from symdiv.verify import NumericEvidence, Verification, prove_zero, verify_decomposition

    assert (Verdict, Verification, NumericEvidence) == (sd.Verdict, sd.Verification, sd.NumericEvidence)
    assert (check, verify_decomposition, verify_local_expansion) == (sd.check, sd.verify_decomposition,
                                                                   sd.verify_local_expansion)
    assert Counterexample is sd.Counterexample and MAX_EXPANSION > 0 and TIME_LIMIT > 0 and callable(prove_zero)
    v = sd.verify_decomposition(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"))
    assert isinstance(v, sd.Verdict) and isinstance(v, sd.Verification)
    assert v.verdict == "proved" and bool(v) and v.text == "H(P, Q) = KL(P || Q) + H(P)"
    assert v.reason == "" and v.conditions == () and v.counterexample is None


@pytest.mark.parametrize("pair", [
    (sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")),
    (sd.Uniform("a_1", "b_1"), sd.Uniform("a_2", "b_2")),
    (sd.Normal("mu", "sigma"), sd.Exponential("lambda")),
    (sd.Bernoulli(R(1, 2)), sd.Bernoulli(0)),
], ids=["normal", "uniform", "normal-exponential", "bernoulli-infinite"])
def test_the_same_verdict_as_check(pair) -> None:
    v, c = sd.verify_decomposition(*pair), sd.check("H(P, Q) = KL(P || Q) + H(P)", *pair)
    assert (v.holds, v.lhs, v.rhs, v.reduced, v.conditions, v.assumptions) == \
        (c.holds, c.lhs, c.rhs, c.reduced, c.conditions, c.assumptions)
    assert v.evidence == c.evidence and str(v).split(": ", 1)[1] == str(c).split(": ", 1)[1]


def test_infinite_sides_when_sympy_cannot_tell_h_is_finite() -> None:
    """KL(Gamma || Uniform) = +oo and H(Gamma) has loggamma and digamma terms SymPy cannot bound: a
    quantity that is not +oo is finite, so the right side is +oo too (the rule verify had)."""
    v = sd.verify_decomposition(sd.Gamma("alpha_1", "beta_1"), sd.Uniform("a_2", "b_2"))
    assert v.holds is True and v.lhs == v.rhs == sp.oo and str(v).endswith("proved (both sides are +oo)")
    assert v.proof[0].note == "lhs = +oo, rhs = +oo: both sides are +oo"


def test_dps_and_points_are_the_search_settings() -> None:
    v = sd.verify_decomposition(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"), points=5, dps=50, seed=3)
    assert (v.evidence.points, v.evidence.dps) == (5, 50) and v.evidence.tolerance == mpmath.mpf(10) ** -40
    for bad in ({"points": 0}, {"points": True}, {"dps": 5}, {"dps": 10**4}, {"seed": "x"}):
        with pytest.raises(sd.UnsupportedError, match="must be an integer"):
            sd.verify_decomposition(sd.Bernoulli("p"), sd.Bernoulli("q"), **bad)
