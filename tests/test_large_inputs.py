"""The paths that keep large inputs fast (a Categorical with K = 1000: 2000 symbols) compute the
same thing as the general ones: the node-by-node mpmath evaluator against lambdify, the exact
simplex check on fractions, and the proof's cross-check at fewer points."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.explicit import safe_lambdify, tree_value

x, y, z = sp.symbols("x y z", positive=True)
u = sp.Symbol("u", real=True)
EXPRESSIONS = [
    x * sp.log(x / y) - x + y,
    sp.loggamma(x) - (x - sp.Rational(1, 2)) * sp.log(x) + x - sp.log(2 * sp.pi) / 2,
    sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi) + sp.erf(u) * sp.erfc(x) + sp.Abs(u),
    sp.digamma(x) * sp.polygamma(1, y) + sp.beta(x, y) + sp.EulerGamma * sp.E + sp.Catalan,
    (x - 2) ** sp.Rational(1, 3) + y ** z + sp.Float("0.1", 30) * x ** -3,
    sp.Add(*(sp.Symbol(f"p_{i}", positive=True) * sp.log(sp.Symbol(f"p_{i}", positive=True)) for i in range(50))),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_the_tree_evaluator_agrees_with_lambdify(expr: sp.Expr) -> None:
    symbols = sorted(expr.free_symbols, key=str)
    values = {s: mpmath.mpf(-1.3) if s == u else mpmath.mpf(k + 1) / 3 for k, s in enumerate(symbols)}
    with mpmath.workdps(30):
        a = tree_value(expr, values)
        b = safe_lambdify(symbols, expr)(*(values[s] for s in symbols))
        assert abs(a - b) <= mpmath.mpf(10) ** -25 * max(1, abs(b)), (a, b)


def test_the_tree_evaluator_refuses_what_it_does_not_know() -> None:
    with pytest.raises(NotImplementedError):
        tree_value(sp.besselj(0, x), {x: mpmath.mpf(1)})
    with pytest.raises(NotImplementedError):
        tree_value(x + y, {x: mpmath.mpf(1)})


def test_an_exact_probability_vector_is_checked_exactly() -> None:
    third = sp.Rational(1, 3)
    sd.Categorical([third, third, third])
    with pytest.raises(sd.InvalidParameterError, match="sum to 1001/1000, not 1"):
        sd.Categorical([sp.Rational(1, 2), sp.Rational(501, 1000)])
    with pytest.raises(sd.InvalidParameterError, match=r"\[0, 1\]"):
        sd.Categorical([sp.Rational(3, 2), sp.Rational(-1, 2)])


@pytest.mark.parametrize(("K", "points"), [(10, 20), (150, 5)])
def test_a_proof_in_many_symbols_is_cross_checked_at_fewer_points(K: int, points: int) -> None:
    P, Q = sd.Categorical.symbolic("p", K), sd.Categorical.symbolic("q", K)
    v = sd.verify_decomposition(P, Q)
    assert v.holds is True
    assert v.evidence.points == points


def test_a_false_claim_in_many_symbols_is_searched_in_full() -> None:
    P, Q = sd.Categorical.symbolic("p", 150), sd.Categorical.symbolic("q", 150)
    v = sd.check("KL(P||Q) = H(P, Q) + H(P)", P, Q)
    assert v.holds is False
