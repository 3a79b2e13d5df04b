"""MultivariateNormal: explicit (numbers or symbols, any size) and symbolic dimension k.

Three independent checks, as for every family:

* the definition, integrated numerically: E_P[log q(X)] by tensor Gauss-Hermite quadrature in
  the whitened coordinates X = mu_P + L Z (L L^T = Sigma_P), with log q evaluated from its own
  mpmath code at every node (exact for a log-density that is quadratic in X, so it checks the
  derivation to working precision), and by one-dimensional tanh-sinh quadrature for k = 1;
* the textbook formula (Wikipedia, "Multivariate normal distribution", Kullback-Leibler
  divergence; Cover & Thomas, Thm. 8.4.1 for the entropy) evaluated with mpmath matrices;
* the proof of H(P, Q) = KL(P || Q) + H(P), Gibbs' inequality and compactness.
"""

from __future__ import annotations

import itertools
import random

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.domains import PositiveDefinite
from symdiv.numeric import evaluate

DPS = 30
TOL = mpmath.mpf(10) ** -25
MEASURES = ("entropy", "cross_entropy", "kl_divergence")


def mp(x: sp.Expr) -> mpmath.mpf:
    x = sp.Rational(x)
    return mpmath.mpf(int(x.p)) / int(x.q)


def mpmat(m: sp.MatrixBase) -> mpmath.matrix:
    return mpmath.matrix([[mp(m[i, j]) for j in range(m.cols)] for i in range(m.rows)])


def logpdf(x: mpmath.matrix, mu: mpmath.matrix, cov: mpmath.matrix) -> mpmath.mpf:
    """log N(x; mu, cov), written independently of the package."""
    k = cov.rows
    d = x - mu
    return -k * mpmath.log(2 * mpmath.pi) / 2 - mpmath.log(mpmath.det(cov)) / 2 - (d.T * cov**-1 * d)[0] / 2


def by_definition(measure: str, p: tuple, q: tuple, nodes: int = 4) -> mpmath.mpf:
    """-E_P[log q], -E_P[log p] or E_P[log p - log q] by Gauss-Hermite quadrature over Z ~ N(0, I)."""
    mu_p, cov_p = p
    k = cov_p.rows
    low = mpmath.cholesky(cov_p)
    zs, ws = _hermite(nodes)
    total = mpmath.mpf(0)
    for idx in itertools.product(range(nodes), repeat=k):
        z = mpmath.matrix([zs[i] for i in idx])
        w = mpmath.fprod(ws[i] for i in idx)
        x = mu_p + low * z
        lp = logpdf(x, mu_p, cov_p)
        if measure == "entropy":
            total -= w * lp
            continue
        lq = logpdf(x, *q)
        total += w * (-lq if measure == "cross_entropy" else lp - lq)
    return total


def _hermite(n: int) -> tuple[list, list]:
    """Nodes and weights of Gauss quadrature for the standard normal weight (probabilists' Hermite)."""
    x = sp.Symbol("x")
    coeffs = [int(c) for c in sp.Poly(sp.hermite_prob_poly(n, x), x).all_coeffs()]
    roots = [mpmath.re(r) for r in mpmath.polyroots(coeffs, maxsteps=500, extraprec=4 * mpmath.mp.prec)]
    fact = mpmath.factorial(n)
    prev = sp.lambdify(x, sp.hermite_prob_poly(n - 1, x), "mpmath")
    weights = [fact / (n**2 * prev(r) ** 2) for r in roots]
    return roots, weights


def textbook(measure: str, p: tuple, q: tuple) -> mpmath.mpf:
    mu1, s1 = p
    mu2, s2 = q
    k = s1.rows
    h = k * (1 + mpmath.log(2 * mpmath.pi)) / 2 + mpmath.log(mpmath.det(s1)) / 2
    if measure == "entropy":
        return h
    d = mu2 - mu1
    inv = s2**-1
    kl = (sum((inv * s1)[i, i] for i in range(k)) + (d.T * inv * d)[0] - k
          + mpmath.log(mpmath.det(s2) / mpmath.det(s1))) / 2
    return kl if measure == "kl_divergence" else kl + h


def derive(measure: str, P: sd.MultivariateNormal, Q: sd.MultivariateNormal) -> sd.Derivation:
    return sd.entropy(P) if measure == "entropy" else getattr(sd, measure)(P, Q)


def random_pair(rng: random.Random, k: int) -> tuple[sd.MultivariateNormal, sd.MultivariateNormal]:
    def one() -> sd.MultivariateNormal:
        mu = [sp.Rational(rng.randint(-30, 30), 10) for _ in range(k)]
        return sd.MultivariateNormal(mu, PositiveDefinite.sample_matrix(rng, k))

    return one(), one()


def as_mp(f: sd.MultivariateNormal) -> tuple:
    return mpmat(f.mu), mpmat(f.Sigma)


# ---------------------------------------------------------------- explicit numbers
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("measure", MEASURES)
def test_explicit_numbers_match_the_definition(k: int, measure: str) -> None:
    rng = random.Random(100 * k + len(measure))
    for _ in range(2):
        P, Q = random_pair(rng, k)
        with mpmath.workdps(DPS + 10):
            direct = by_definition(measure, as_mp(P), as_mp(Q))
            ours = evaluate(derive(measure, P, Q).expr, {}, dps=DPS)
            assert abs(ours - direct) < TOL * max(1, abs(direct)), (P, Q, ours, direct)


@pytest.mark.parametrize("measure", MEASURES)
def test_one_dimension_by_tanh_sinh_and_as_a_normal(measure: str) -> None:
    """k = 1 is the univariate normal: quadrature of the definition, and the Normal family."""
    P = sd.MultivariateNormal([sp.Rational(1, 3)], [[sp.Rational(9, 4)]])
    Q = sd.MultivariateNormal([-1], [[sp.Rational(1, 2)]])
    with mpmath.workdps(DPS + 10):
        m1, v1, m2, v2 = mp(sp.Rational(1, 3)), mp(sp.Rational(9, 4)), mpmath.mpf(-1), mpmath.mpf(1) / 2

        def integrand(x: mpmath.mpf) -> mpmath.mpf:
            lp = -mpmath.log(2 * mpmath.pi * v1) / 2 - (x - m1) ** 2 / (2 * v1)
            lq = -mpmath.log(2 * mpmath.pi * v2) / 2 - (x - m2) ** 2 / (2 * v2)
            w = mpmath.exp(lp)
            return {"entropy": -w * lp, "cross_entropy": -w * lq, "kl_divergence": w * (lp - lq)}[measure]

        direct = mpmath.quad(integrand, [-mpmath.inf, m1 - 3, m1, m1 + 3, mpmath.inf])
        ours = evaluate(derive(measure, P, Q).expr, {}, dps=DPS)
        assert abs(ours - direct) < TOL
    normal = derive(measure, sd.Normal(sp.Rational(1, 3), sp.Rational(3, 2)), sd.Normal(-1, 1 / sp.sqrt(2)))
    assert abs(sp.N(normal.expr - derive(measure, P, Q).expr, DPS)) < 1e-25


@pytest.mark.parametrize("k", [1, 4, 8])
def test_explicit_numbers_match_the_textbook_formula(k: int) -> None:
    rng = random.Random(k)
    P, Q = random_pair(rng, k)
    for measure in MEASURES:
        with mpmath.workdps(DPS + 10):
            assert abs(evaluate(derive(measure, P, Q).expr, {}, dps=DPS) - textbook(measure, as_mp(P), as_mp(Q))) \
                < TOL


def test_twenty_dimensions_exact_and_proved() -> None:
    rng = random.Random(20)
    P, Q = random_pair(rng, 20)
    d = sd.kl_divergence(P, Q)
    assert d.expr.free_symbols == set() and d.is_complete
    with mpmath.workdps(DPS + 10):
        assert abs(evaluate(d.expr, {}, dps=DPS) - textbook("kl_divergence", as_mp(P), as_mp(Q))) < TOL
    assert sd.verify_decomposition(P, Q).holds is True


# ---------------------------------------------------------------- explicit symbols
@pytest.mark.parametrize("k", [2, 3])
def test_explicit_symbols(k: int) -> None:
    P, Q = sd.MultivariateNormal.symbolic("m", "S", k), sd.MultivariateNormal.symbolic("n", "T", k)
    derivations = {m: derive(m, P, Q) for m in MEASURES}
    v = sd.verify_decomposition(P, Q)
    assert v.holds is True and v.evidence.points == 20
    rng = random.Random(k)
    for _ in range(3):
        point = Q.sample(rng, P.sample(rng))
        Pn, Qn = P.at(point), Q.at(point)
        for measure, d in derivations.items():
            with mpmath.workdps(DPS + 10):
                assert abs(evaluate(d.expr, point, dps=DPS) - textbook(measure, as_mp(Pn), as_mp(Qn))) < TOL
    assert sd.kl_divergence(P, P).expr == 0


def test_explicit_symbols_2x2_match_the_definition() -> None:
    P, Q = sd.MultivariateNormal.symbolic("m", "S", 2), sd.MultivariateNormal.symbolic("n", "T", 2)
    point = Q.sample(random.Random(7), P.sample(random.Random(6)))
    d = sd.kl_divergence(P, Q)
    with mpmath.workdps(DPS + 10):
        direct = by_definition("kl_divergence", as_mp(P.at(point)), as_mp(Q.at(point)))
        assert abs(evaluate(d.expr, point, dps=DPS) - direct) < TOL


# ---------------------------------------------------------------- symbolic dimension
@pytest.mark.parametrize("measure", MEASURES)
def test_symbolic_dimension_matches_the_definition(measure: str) -> None:
    P, Q = sd.MultivariateNormal.symbolic_example(1), sd.MultivariateNormal.symbolic_example(2)
    d = derive(measure, P, Q)
    rng = random.Random(len(measure))
    for k in (1, 2, 3):
        point = Q.sample(rng, P.sample(rng, {sp.Symbol("k", integer=True, positive=True): sp.Integer(k)}))
        with mpmath.workdps(DPS + 10):  # exact rationals to mpf at the working precision
            p = (mpmat(point[P.mu]), mpmat(point[P.Sigma]))
            q = (mpmat(point[Q.mu]), mpmat(point[Q.Sigma]))
            direct = by_definition(measure, p, q, nodes=3)
            assert abs(evaluate(d.expr, point, dps=DPS) - direct) < TOL * max(1, abs(direct))


def test_symbolic_dimension_is_the_textbook_form() -> None:
    """Wikipedia, 'Multivariate normal distribution' (KL divergence):
    1/2 [tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - k + log(det S2 / det S1)]."""
    P, Q = sd.MultivariateNormal.symbolic_example(1), sd.MultivariateNormal.symbolic_example(2)
    k = sp.Symbol("k", integer=True, positive=True)
    s1, s2, m1, m2 = P.Sigma, Q.Sigma, P.mu, Q.mu
    d = m2 - m1
    quad = sp.MatMul(d.T, sp.Inverse(s2), d)[0, 0]
    form = (sp.Trace(sp.Inverse(s2) * s1) + quad - k + sp.log(sp.Determinant(s2) / sp.Determinant(s1))) / 2
    result = sd.kl_divergence(P, Q)
    assert sp.count_ops(result.expr) <= sp.count_ops(form)
    text = result.latex()
    for piece in (r"\operatorname{tr}\left(\Sigma_{2}^{-1} \Sigma_{1}\right)", r"\det \Sigma_{2}", r"^{\top}",
                  r"\frac{k}{2}"):
        assert piece in text
    h = sd.entropy(P).expr
    assert sp.count_ops(h) <= sp.count_ops(k / 2 * sp.log(2 * sp.pi * sp.E) + sp.log(sp.Determinant(s1)) / 2)


def test_symbolic_dimension_proof_and_gibbs() -> None:
    P, Q = sd.MultivariateNormal.symbolic_example(1), sd.MultivariateNormal.symbolic_example(2)
    v = sd.verify_decomposition(P, Q)
    assert v.holds is True and v.reduced == 0
    assert sd.kl_divergence(P, P).expr == 0
    d = sd.kl_divergence(P, Q)
    rng = random.Random(3)
    for _ in range(10):
        point = Q.sample(rng, P.sample(rng))
        assert evaluate(d.expr, point) >= 0


def test_every_step_holds_numerically() -> None:
    P, Q = sd.MultivariateNormal.symbolic("m", "S", 2), sd.MultivariateNormal.symbolic("n", "T", 2)
    point = Q.sample(random.Random(1), P.sample(random.Random(2)))
    for measure in MEASURES:
        d = derive(measure, P, Q)
        values = [evaluate(s.expr, point, P, dps=DPS) for s in d.steps if not s.expr.has(sd.Expectation)]
        assert len(values) >= 2
        assert all(abs(v - values[-1]) < TOL for v in values)


def test_substituting_the_dimension_gives_the_explicit_family() -> None:
    P = sd.MultivariateNormal.symbolic_example(1)
    explicit = P.at({sp.Symbol("k", integer=True, positive=True): sp.Integer(2)})
    assert explicit.k == 2 and not explicit.indexed


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(("mu", "cov", "match"), [
    ([0, 0], [[1, 2], [2, 1]], "not positive definite: the leading 2x2 minor is -3"),
    ([0, 0], [[1, 0], [1, 1]], "not symmetric"),
    ([0, 0], [[-1, 0], [0, 1]], "not positive definite"),
    ([0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "matching mu"),
    ([0, 0], [[1, 0], [0]], "not a square matrix"),
    ([], [[1]], "empty mean vector"),
    ([0, 0], [[1, 0], [0, float("nan")]], "Sigma"),
])
def test_invalid_parameters(mu, cov, match) -> None:
    with pytest.raises(sd.InvalidParameterError, match=match) as info:
        sd.MultivariateNormal(mu, cov)
    assert "MultivariateNormal" in str(info.value)


def test_invalid_types_and_pairs() -> None:
    with pytest.raises(sd.InvalidParameterTypeError, match="mu"):
        sd.MultivariateNormal(3, [[1]])
    with pytest.raises(sd.InvalidParameterTypeError, match="Sigma"):
        sd.MultivariateNormal([0], "Sigma")
    with pytest.raises(sd.InvalidParameterError, match="same dimension"):
        sd.kl_divergence(sd.MultivariateNormal([0], [[1]]), sd.MultivariateNormal([0, 0], [[1, 0], [0, 1]]))
    with pytest.raises(sd.UnsupportedError, match="different sample spaces"):
        sd.kl_divergence(sd.MultivariateNormal([0], [[1]]), sd.Normal(0, 1))
    with pytest.raises(sd.InvalidParameterError, match="k"):
        sd.MultivariateNormal.symbolic("mu", "Sigma", 0)


def test_symbolic_entries_with_a_definite_violation_are_refused() -> None:
    s = sp.Symbol("s", positive=True)
    with pytest.raises(sd.InvalidParameterError, match="positive definite"):
        sd.MultivariateNormal([0, 0], [[-s, 0], [0, 1]])
    sd.MultivariateNormal([0, 0], [[s, 1], [1, s]])  # undecidable (needs s > 1): accepted, stated as a fact
    assert sd.MultivariateNormal([0, 0], [[s, 1], [1, s]]).facts()


def test_cli_lists_and_derives() -> None:
    from symdiv.cli import run

    assert "MultivariateNormal" in run(["families"])
    assert "Trace" in run(["kl", "mvn", "mvn"])
