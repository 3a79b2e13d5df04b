"""Dirichlet: explicit K (checked by 2-D quadrature over the simplex) and symbolic K."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.numeric import evaluate

R = sp.Rational
A = [sp.Symbol(f"alpha_{k}", positive=True) for k in range(3)]
B = [sp.Symbol(f"beta_{k}", positive=True) for k in range(3)]
POINTS = [dict(zip(A + B, map(R, ("3/2", "1/2", "2", "5/4", "3", "7/10")))),
          dict(zip(A + B, map(R, ("4", "9/10", "6/5", "2", "2", "2"))))]


def pdf(x: list, a: list) -> mpmath.mpf:
    """The Dirichlet density, written independently of the package."""
    norm = mpmath.gamma(mpmath.fsum(a)) / mpmath.fprod(mpmath.gamma(v) for v in a)
    return norm * mpmath.fprod(xi ** (v - 1) for xi, v in zip(x, a))


def by_definition(measure: str, a: list, b: list) -> mpmath.mpf:
    def f(u, v):  # stick-breaking coordinates of the 2-simplex, Jacobian (1 - u)
        x = [u, (1 - u) * v, (1 - u) * (1 - v)]
        p = pdf(x, a)
        if measure == "entropy":
            return -(1 - u) * p * mpmath.log(p)
        q = pdf(x, b)
        return (1 - u) * p * (-mpmath.log(q) if measure == "cross_entropy" else mpmath.log(p) - mpmath.log(q))

    return mpmath.quad(f, [0, 1], [0, 1])


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("measure", ["entropy", "cross_entropy", "kl_divergence"])
def test_explicit_K3_matches_quadrature(point, measure) -> None:
    P, Q = sd.Dirichlet.symbolic("alpha", 3), sd.Dirichlet.symbolic("beta", 3)
    d = sd.entropy(P) if measure == "entropy" else getattr(sd, measure)(P, Q)
    with mpmath.workdps(30):
        a = [mpmath.mpf(int(point[s].p)) / int(point[s].q) for s in A]
        b = [mpmath.mpf(int(point[s].p)) / int(point[s].q) for s in B]
        direct = by_definition(measure, a, b)
        ours = evaluate(d.expr, point, P, dps=30)
        # 2-D tanh-sinh quadrature of a singular (x^(a-1)) integrand: 15 digits is what it certifies here
        assert abs(ours - direct) < mpmath.mpf(10) ** -12 * max(1, abs(direct)), (ours, direct)


def test_symbolic_K_agrees_with_explicit_K() -> None:
    P, Q = sd.Dirichlet.symbolic("alpha", "K"), sd.Dirichlet.symbolic("beta", "K")
    Pe, Qe = sd.Dirichlet.symbolic("alpha", 3), sd.Dirichlet.symbolic("beta", 3)
    K = sp.Symbol("K", integer=True, positive=True)
    point = POINTS[0]
    sym_point = {K: sp.Integer(3), P.alpha: tuple(point[s] for s in A), Q.alpha: tuple(point[s] for s in B)}
    for fn in (sd.entropy, sd.cross_entropy, sd.kl_divergence):
        sym = fn(P) if fn is sd.entropy else fn(P, Q)
        exp = fn(Pe) if fn is sd.entropy else fn(Pe, Qe)
        with mpmath.workdps(30):
            assert abs(evaluate(sym.expr, sym_point, P) - evaluate(exp.expr, point, Pe)) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("K", [2, 3, "K"])
def test_decomposition_and_gibbs(K) -> None:
    P, Q = sd.Dirichlet.symbolic("alpha", K), sd.Dirichlet.symbolic("beta", K)
    assert sd.verify_decomposition(P, Q).holds is True
    assert sd.kl_divergence(P, P).expr == 0


def test_two_coordinates_is_a_beta() -> None:
    """Dirichlet(a, b) is Beta(a, b) for the first coordinate: the same entropy."""
    h_dir = sd.entropy(sd.Dirichlet([R(3, 2), R(5, 2)])).expr
    h_beta = sd.entropy(sd.Beta(R(3, 2), R(5, 2))).expr
    assert abs(sp.N(h_dir - h_beta, 30)) < 1e-25


def test_matches_scipy() -> None:
    from scipy import stats

    alpha = [R(3, 2), R(1, 2), 2]
    ours = float(sp.N(sd.entropy(sd.Dirichlet(alpha)).expr, 20))
    assert abs(ours - stats.dirichlet([1.5, 0.5, 2.0]).entropy()) < 1e-10


def test_symbolic_K_compact() -> None:
    """Textbook (Wikipedia 'Dirichlet distribution', KL section): log Γ(α0) - log Γ(β0)
    + Σ_i [log Γ(β_i) - log Γ(α_i) + (α_i - β_i)(ψ(α_i) - ψ(α0))]."""
    P, Q = sd.Dirichlet.symbolic("alpha", "K"), sd.Dirichlet.symbolic("beta", "K")
    a, b = P.alpha, Q.alpha
    i, j, K = sp.Symbol("i", integer=True, nonnegative=True), sp.Symbol("j", integer=True, nonnegative=True), \
        sp.Symbol("K", integer=True, positive=True)
    a0, b0 = sp.Sum(a[j], (j, 0, K - 1)), sp.Sum(b[j], (j, 0, K - 1))
    textbook = sp.loggamma(a0) - sp.loggamma(b0) + sp.Sum(
        sp.loggamma(b[i]) - sp.loggamma(a[i]) + (a[i] - b[i]) * (sp.digamma(a[i]) - sp.digamma(a0)), (i, 0, K - 1))
    assert sp.count_ops(sd.kl_divergence(P, Q).expr) <= sp.count_ops(textbook)


def test_errors() -> None:
    with pytest.raises(sd.InvalidParameterError, match="alpha"):
        sd.Dirichlet([1, -1])
    with pytest.raises(sd.InvalidParameterError, match="K >= 2"):
        sd.Dirichlet([1])
    with pytest.raises(sd.InvalidParameterError, match="same number of coordinates"):
        sd.kl_divergence(sd.Dirichlet([1, 2]), sd.Dirichlet([1, 2, 3]))
    with pytest.raises(sd.UnsupportedError, match="different sample spaces"):
        sd.kl_divergence(sd.Dirichlet([1, 2]), sd.Beta(1, 2))


def _beta_log_mean(a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf:
    """E[log X] for X ~ Beta(a, b) by 1-D tanh-sinh quadrature of the density (endpoint
    singularities are what tanh-sinh handles well: 30 digits here)."""
    norm = mpmath.beta(a, b)
    return mpmath.quad(lambda x: mpmath.log(x) * x ** (a - 1) * (1 - x) ** (b - 1) / norm, [0, mpmath.mpf(1) / 2, 1])


@pytest.mark.parametrize("K", [3, 4])
@pytest.mark.parametrize("measure", ["entropy", "cross_entropy", "kl_divergence"])
def test_matches_the_definition_through_the_marginals_to_25_digits(K, measure) -> None:
    """log p(x) = log Gamma(a0) - sum log Gamma(a_i) + sum (a_i - 1) log x_i, so E_P[log q(X)] needs only
    E_P[log X_i], and X_i ~ Beta(a_i, a0 - a_i) (the aggregation property): 1-D quadratures, 30 digits."""
    rng = __import__("random").Random(K)
    a = [R(rng.randint(3, 40), 10) for _ in range(K)]
    b = [R(rng.randint(3, 40), 10) for _ in range(K)]
    P, Q = sd.Dirichlet(a), sd.Dirichlet(b)
    d = sd.entropy(P) if measure == "entropy" else getattr(sd, measure)(P, Q)
    with mpmath.workdps(40):
        am = [mpmath.mpf(int(v.p)) / int(v.q) for v in a]
        bm = [mpmath.mpf(int(v.p)) / int(v.q) for v in b]
        a0 = mpmath.fsum(am)
        logs = [_beta_log_mean(ai, a0 - ai) for ai in am]

        def e_log_density(c: list) -> mpmath.mpf:
            return (mpmath.loggamma(mpmath.fsum(c)) - mpmath.fsum(mpmath.loggamma(v) for v in c)
                    + mpmath.fsum((v - 1) * m for v, m in zip(c, logs)))

        direct = {"entropy": -e_log_density(am), "cross_entropy": -e_log_density(bm),
                  "kl_divergence": e_log_density(am) - e_log_density(bm)}[measure]
        ours = mpmath.mpf(sp.N(d.expr, 40))
        assert abs(ours - direct) < mpmath.mpf(10) ** -25 * max(1, abs(direct)), (ours, direct)
