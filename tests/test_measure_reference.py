"""The reference of the new measures (tests/catalog_reference.py, ``by_definition``) checked on its own.

Rényi, Bhattacharyya, Hellinger, chi^2, total variation, Jeffreys and Jensen-Shannon are computed
there from their definitions by mpmath quadrature / summation at 40 digits. Before symdiv's closed
forms are held against them, the reference itself is checked here:

1. identities between the measures (each computed from its own definition) at rational points
   drawn from the families' samplers, for single families and cross pairs;
2. textbook closed forms typed in from their sources, to 25 digits;
3. total variation where the crossings p = q matter (solved analytically here), and the infinite
   and degenerate cases.

No symdiv code is used.
"""

from __future__ import annotations

import functools

import mpmath
import pytest
import sympy as sp
from catalog_reference import (
    CROSS_KL,
    REFERENCE,
    _a1,
    _a2,
    _b1,
    _lam1,
    _lam2,
    _mu1,
    _mu2,
    _p,
    _q,
    _s1,
    _s2,
    _ub1,
    _ub2,
    by_definition,
    crossings,
    pair_breakpoints,
    params_at,
    sample_points,
)

R = sp.Rational
DIGITS25 = mpmath.mpf(10) ** -25
with mpmath.workdps(60):
    LOG2 = mpmath.log(2)


@pytest.fixture(autouse=True)
def _dps40():
    """Every comparison and closed form at 40 digits (the reference itself works at dps 40)."""
    with mpmath.workdps(40):
        yield


def agree(a: mpmath.mpf, b: mpmath.mpf, rel: mpmath.mpf = DIGITS25) -> bool:
    """|a - b| <= rel * max(1, |b|), worked out at 40 digits."""
    with mpmath.workdps(40):
        return abs(a - b) <= rel * max(1, abs(b))


# ================================================================ 1. identities
# P-Q parameter conditions under which int p^2/q is finite (so chi^2 and D_2 are), at role-1 / role-2
# mpmath parameters; a family or pair not listed skips the chi^2 / D_2 identity.
def _normal_fin(pp, pq):  # tails: 2 sigma_2^2 > sigma_1^2; sigma_2 >= sigma_1 keeps p^2/q's mass near P's
    return pq["sigma"] >= pp["sigma"]


CHI2_FINITE = {
    ("Normal", "Normal"): _normal_fin,
    ("Exponential", "Exponential"): lambda pp, pq: pq["rate"] <= pp["rate"],
    ("Laplace", "Laplace"): lambda pp, pq: pq["b"] >= pp["b"],
    ("Gamma", "Gamma"): lambda pp, pq: pq["shape"] <= pp["shape"] and pq["rate"] <= pp["rate"],
    ("Beta", "Beta"): lambda pp, pq: pq["alpha"] <= pp["alpha"] and pq["beta"] <= pp["beta"],
    ("Uniform", "Uniform"): lambda pp, pq: True,  # the sampler nests the supports
    ("Poisson", "Poisson"): lambda pp, pq: True,
    ("Geometric", "Geometric"): lambda pp, pq: (1 - pp["p"]) ** 2 < 1 - pq["p"],
    ("Bernoulli", "Bernoulli"): lambda pp, pq: True,
    ("Binomial", "Binomial"): lambda pp, pq: True,  # n_1 <= n_2
    ("Normal", "Laplace"): lambda pp, pq: True,
    # p^2/q ~ x^(2 alpha_1 - 2) at 0: alpha_1 > 1/2
    ("Gamma", "Exponential"): lambda pp, pq: 2 * pp["rate"] > pq["rate"] and pp["shape"] > 0.5,
    ("Exponential", "Gamma"): lambda pp, pq: 2 * pp["rate"] > pq["rate"] and pq["shape"] < 2,
    ("Beta", "Uniform"): lambda pp, pq: pp["alpha"] > 0.5 and pp["beta"] > 0.5,  # x^(2 alpha_1 - 2) at 0
    ("Poisson", "Geometric"): lambda pp, pq: True,
    ("Bernoulli", "Poisson"): lambda pp, pq: True,
}

#: Gamma is left to the pair Gamma->Exponential (its own case took 5 s) and Beta to Beta->Uniform and to
#: tests/test_divergences.py (its own case took 14 s: the whole suite must stay under 10 minutes)
FAMILIES = ["Normal", "Exponential", "Laplace", "Uniform", "Poisson", "Geometric", "Bernoulli", "Binomial"]
#: cross pairs (all in CROSS_KL, so their extra breakpoints are used); Beta->Uniform's supports nest one
#: way only (KL(Q || P) = +oo) and Uniform->Normal's neither way for the reverse KL
PAIRS = [("Normal", "Laplace"), ("Laplace", "Normal"), ("Gamma", "Exponential"),
         ("Beta", "Uniform"), ("Uniform", "Normal"), ("Poisson", "Geometric"), ("Bernoulli", "Poisson")]
#: the slow ones (measured at 0.5 s or more with pytest -n 0 --durations)
SLOW = {"Normal", "Laplace", "Gamma", "Beta", "Exponential", "Geometric", ("Normal", "Laplace"), ("Laplace", "Normal"),
        ("Gamma", "Exponential"), ("Exponential", "Gamma"), ("Beta", "Uniform"), ("Uniform", "Normal"),
        ("Poisson", "Geometric")}


def _case(key):
    return pytest.param(key, marks=pytest.mark.slow) if key in SLOW else key


def _point(p_name: str, q_name: str) -> dict:
    """The first of the (derandomized) sampler's points with P != Q at which the chi^2 identity applies,
    if it is listed in CHI2_FINITE."""
    strategy = REFERENCE[p_name].points if p_name == q_name else CROSS_KL[p_name, q_name].points
    fin = CHI2_FINITE.get((p_name, q_name), lambda pp, pq: True)
    with mpmath.workdps(40):
        for pt in sample_points(strategy, 30):
            pp, pq = params_at(p_name, pt, 1), params_at(q_name, pt, 2)
            if (p_name != q_name or pp != pq) and fin(pp, pq):
                return pt
    raise AssertionError("no sampled point fits")


def check_identities(p_name: str, q_name: str) -> None:
    point = _point(p_name, q_name)
    q_arg = None if p_name == q_name else q_name
    m = functools.partial(by_definition, p_name, point=point, q_family=q_arg)
    bc, d_b, h = m("bhattacharyya_coefficient"), m("bhattacharyya_distance"), m("hellinger_distance")
    assert 0 < bc <= 1 + DIGITS25
    assert agree(h**2, 1 - bc), (h, bc)
    assert agree(d_b, -mpmath.log(bc)), (d_b, bc)
    d_half = m("renyi_divergence", alpha=R(1, 2))  # its own integrand: p^(1/2) q^(1/2) as exp of logs
    assert agree(d_half, 2 * d_b), (d_half, d_b)
    kl_pq = m("kl_divergence")
    kl_qp = by_definition(q_name, "kl_divergence", swapped(p_name, q_name, point), q_family=p_name)
    jeffreys = m("jeffreys_divergence")
    if mpmath.isinf(kl_pq) or mpmath.isinf(kl_qp):
        assert jeffreys == mpmath.inf
    else:
        assert agree(jeffreys, kl_pq + kl_qp), (jeffreys, kl_pq, kl_qp)
    tv, js = m("total_variation"), m("js_divergence")
    assert -DIGITS25 <= tv <= 1 + DIGITS25 and -DIGITS25 <= js <= LOG2 + DIGITS25, (tv, js)
    assert mpmath.isinf(kl_pq) or tv <= mpmath.sqrt(kl_pq / 2) + DIGITS25, (tv, kl_pq)  # Pinsker
    assert tv <= h * mpmath.sqrt(2 - h**2) + DIGITS25, (tv, h)  # Le Cam: TV <= H sqrt(2 - H^2)
    if (p_name, q_name) in CHI2_FINITE:
        chi2, d_2 = m("chi_squared_divergence"), m("renyi_divergence", alpha=2)
        assert agree(d_2, mpmath.log(1 + chi2)), (d_2, chi2)
        assert kl_pq <= d_2 + DIGITS25  # Renyi is increasing in alpha


def swapped(p_name: str, q_name: str, point: dict) -> dict:
    """The point with the roles exchanged: Q's family in role 1 and P's in role 2, same values."""
    ref_p, ref_q = REFERENCE[p_name], REFERENCE[q_name]
    out = {ref_q.symbols_P[k]: point[s] for k, s in ref_q.symbols_Q.items()}
    out.update({ref_p.symbols_Q[k]: point[s] for k, s in ref_p.symbols_P.items()})
    return out


@pytest.mark.parametrize("name", [_case(n) for n in FAMILIES])
def test_identities_within_a_family(name) -> None:
    check_identities(name, name)


@pytest.mark.parametrize("pair", [_case(p) for p in PAIRS], ids=lambda p: f"{p[0]}->{p[1]}")
def test_identities_across_families(pair) -> None:
    check_identities(*pair)


def test_supports_that_do_not_nest() -> None:
    """+oo where the integrand is infinite on a set of positive measure; the bounded measures at their
    extremes for disjoint supports."""
    apart = {_a1: R(0), _ub1: R(1), _a2: R(2), _ub2: R(3)}
    m = functools.partial(by_definition, "Uniform", point=apart)
    assert m("bhattacharyya_coefficient") == 0 and m("bhattacharyya_distance") == mpmath.inf
    assert m("hellinger_distance") == 1 and agree(m("total_variation"), 1) and agree(m("js_divergence"), LOG2)
    assert m("kl_divergence") == m("jeffreys_divergence") == m("chi_squared_divergence") == mpmath.inf
    assert m("renyi_divergence", alpha=2) == mpmath.inf
    # Normal -> Uniform: supp P is not within supp Q
    nu = {_mu1: R(0), _s1: R(1), _a2: R(-1), _ub2: R(1)}
    assert by_definition("Normal", "kl_divergence", nu, q_family="Uniform") == mpmath.inf
    assert by_definition("Normal", "chi_squared_divergence", nu, q_family="Uniform") == mpmath.inf
    # ... while alpha < 1 and the bounded measures stay finite (Renyi over the overlap)
    with mpmath.workdps(40):
        overlap = mpmath.ncdf(1) - mpmath.ncdf(-1)  # P(-1 <= X <= 1): the rest of P lies outside supp Q
        bc = mpmath.quad(lambda x: mpmath.sqrt(mpmath.npdf(x) / 2), [-1, 0, 1])
        tv = ((1 - overlap) + mpmath.quad(lambda x: abs(mpmath.npdf(x) - mpmath.mpf(1) / 2), [-1, 0, 1])) / 2
    assert agree(by_definition("Normal", "renyi_divergence", nu, q_family="Uniform", alpha=R(1, 2)),
                 -2 * mpmath.log(bc))
    assert agree(by_definition("Normal", "total_variation", nu, q_family="Uniform"), tv)


def test_errors() -> None:
    pt = {_lam1: R(1), _lam2: R(2)}
    with pytest.raises(ValueError, match="alpha"):
        by_definition("Exponential", "renyi_divergence", pt)
    with pytest.raises(ValueError, match="alpha"):
        by_definition("Exponential", "renyi_divergence", pt, alpha=1)
    with pytest.raises(ValueError, match="unknown measure"):
        by_definition("Exponential", "wasserstein", pt)
    with pytest.raises(ValueError, match="discrete"):
        by_definition("Exponential", "total_variation", pt, q_family="Poisson")


# ================================================================ 2. textbook closed forms
NORMAL_POINTS = [
    {_mu1: R(1, 3), _s1: R(1), _mu2: R(-1, 2), _s2: R(3, 2)},
    {_mu1: R(-2), _s1: R(1, 2), _mu2: R(3, 4), _s2: R(7, 10)},
    {_mu1: R(0), _s1: R(2), _mu2: R(1, 5), _s2: R(2)},
]


def _normal_prm(pt: dict) -> tuple:
    with mpmath.workdps(50):
        return tuple(params_at("Normal", pt, r)[k] for r in (1, 2) for k in ("mu", "sigma"))


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [R(1, 3), R(1, 2), R(2), R(5, 2)])
def test_renyi_normal_gil(alpha) -> None:
    # M. Gil, F. Alajaji, T. Linder, "Renyi divergence measures for commonly used univariate continuous
    # distributions", Information Sciences 249 (2013) 124-131, Table 2 (Normal):
    # D_a = log(s2/s1) + 1/(2(a-1)) log(s2^2/s_a^2) + a (m1 - m2)^2 / (2 s_a^2), s_a^2 = a s2^2 + (1-a) s1^2 > 0
    for pt in NORMAL_POINTS:
        with mpmath.workdps(50):
            m1, s1, m2, s2 = _normal_prm(pt)
            a = mpmath.mpf(alpha.p) / alpha.q
            sa2 = a * s2**2 + (1 - a) * s1**2
            assert sa2 > 0
            closed = mpmath.log(s2 / s1) + mpmath.log(s2**2 / sa2) / (2 * (a - 1)) + a * (m1 - m2) ** 2 / (2 * sa2)
        assert agree(by_definition("Normal", "renyi_divergence", pt, alpha=alpha), closed), (alpha, pt)


@pytest.mark.slow
def test_bhattacharyya_normal() -> None:
    # A. Bhattacharyya, Bull. Calcutta Math. Soc. 35 (1943); T. Kailath, IEEE Trans. Commun. Technol. 15
    # (1967) 52-60, eq. (25); Wikipedia, 'Bhattacharyya distance' (univariate normal):
    # D_B = (m1 - m2)^2 / (4 (s1^2 + s2^2)) + 1/2 log((s1^2 + s2^2) / (2 s1 s2))
    for pt in NORMAL_POINTS:
        with mpmath.workdps(50):
            m1, s1, m2, s2 = _normal_prm(pt)
            closed = (m1 - m2) ** 2 / (4 * (s1**2 + s2**2)) + mpmath.log((s1**2 + s2**2) / (2 * s1 * s2)) / 2
        assert agree(by_definition("Normal", "bhattacharyya_distance", pt), closed), pt
        assert agree(by_definition("Normal", "bhattacharyya_coefficient", pt), mpmath.exp(-closed)), pt


def test_tv_bernoulli() -> None:
    # Levin, Peres & Wilmer, 'Markov Chains and Mixing Times', Prop. 4.2: TV = 1/2 sum |p(x) - q(x)|,
    # = |p - q| for two Bernoullis
    for p, q in [(R(1, 20), R(19, 20)), (R(3, 7), R(2, 5)), (R(1, 2), R(1, 2))]:
        v = by_definition("Bernoulli", "total_variation", {_p: p, _q: q})
        assert agree(v, mpmath.mpf(abs(p - q).p) / abs(p - q).q)


@pytest.mark.slow
def test_tv_normal_equal_sigma() -> None:
    # equal variances: one crossing at the midpoint, TV = Phi(d/2s) - Phi(-d/2s) = 2 Phi(|m1 - m2|/(2 s)) - 1
    # (e.g. Devroye, Mehrabian & Reddad, 'The total variation distance between high-dimensional
    # Gaussians', arXiv:1810.08693, Sec. 1, the equal-covariance case)
    for m1, m2, s in [(R(1, 3), R(-1, 2), R(3, 2)), (R(-2), R(3), R(1, 4)), (R(0), R(1, 1000), R(1))]:
        with mpmath.workdps(50):
            d = mpmath.mpf(abs(m1 - m2).p) / abs(m1 - m2).q
            closed = 2 * mpmath.ncdf(d / (2 * (mpmath.mpf(s.p) / s.q))) - 1
        v = by_definition("Normal", "total_variation", {_mu1: m1, _s1: s, _mu2: m2, _s2: s})
        assert agree(v, closed), (m1, m2, s, v, closed)


def test_chi2_poisson() -> None:
    # F. Nielsen & R. Nock, 'On the chi square and higher-order chi distances for approximating
    # f-divergences', IEEE Signal Processing Letters 21 (2014) 10-13, Poisson example:
    # chi^2(Poi(l1) : Poi(l2)) = exp((l1 - l2)^2 / l2) - 1
    for l1, l2 in [(R(3, 2), R(1, 2)), (R(4), R(7, 2)), (R(1, 2), R(4)), (R(5, 2), R(5, 2))]:
        with mpmath.workdps(50):
            d = l1 - l2
            closed = mpmath.exp(mpmath.mpf((d**2).p) / (d**2).q / (mpmath.mpf(l2.p) / l2.q)) - 1
        assert agree(by_definition("Poisson", "chi_squared_divergence", {_lam1: l1, _lam2: l2}), closed), (l1, l2)


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [R(1, 4), R(1, 2), R(3, 2), R(3)])
def test_renyi_exponential_gil(alpha) -> None:
    # Gil, Alajaji & Linder (2013), Table 2 (Exponential):
    # D_a = log(l1/l2) + 1/(a - 1) log(l1 / l_a), l_a = a l1 + (1 - a) l2 > 0
    for l1, l2 in [(R(2), R(1, 2)), (R(3, 4), R(1)), (R(7, 2), R(3))]:
        with mpmath.workdps(50):
            a, x1, x2 = (mpmath.mpf(v.p) / v.q for v in (alpha, l1, l2))
            la = a * x1 + (1 - a) * x2
            assert la > 0
            closed = mpmath.log(x1 / x2) + mpmath.log(x1 / la) / (a - 1)
        v = by_definition("Exponential", "renyi_divergence", {_lam1: l1, _lam2: l2}, alpha=alpha)
        assert agree(v, closed), (alpha, l1, l2, v, closed)


# ================================================================ 3. total variation where crossings matter
def _tv_from_crossings(roots: list, cdf_p, cdf_q) -> mpmath.mpf:
    """1/2 sum over the pieces between consecutive crossings of |P(piece) - Q(piece)| (exact when
    ``roots`` are all the crossings: p - q keeps its sign on each piece)."""
    ends = [-mpmath.inf, *sorted(roots), mpmath.inf]
    return sum(abs((cdf_p(b) - cdf_p(a)) - (cdf_q(b) - cdf_q(a))) for a, b in zip(ends, ends[1:])) / 2


def _real_roots(a2, a1, a0) -> list:
    """Real roots of a2 x^2 + a1 x + a0 (a2 != 0)."""
    disc = a1**2 - 4 * a2 * a0
    if disc < 0:
        return []
    r = mpmath.sqrt(disc)
    return [(-a1 - r) / (2 * a2), (-a1 + r) / (2 * a2)]


@pytest.mark.slow
def test_tv_normal_unequal_sigma_two_crossings() -> None:
    # log p = log q is the quadratic (1/(2 s2^2) - 1/(2 s1^2)) x^2 + (m1/s1^2 - m2/s2^2) x
    #   + m2^2/(2 s2^2) - m1^2/(2 s1^2) + log(s2/s1) = 0: solved here in closed form
    for pt in NORMAL_POINTS[:2] + [{_mu1: R(0), _s1: R(1), _mu2: R(0), _s2: R(3)}]:
        with mpmath.workdps(50):
            m1, s1, m2, s2 = _normal_prm(pt)
            roots = _real_roots(1 / (2 * s2**2) - 1 / (2 * s1**2), m1 / s1**2 - m2 / s2**2,
                                m2**2 / (2 * s2**2) - m1**2 / (2 * s1**2) + mpmath.log(s2 / s1))
            assert len(roots) == 2
            closed = _tv_from_crossings(roots, functools.partial(mpmath.ncdf, mu=m1, sigma=s1),
                                        functools.partial(mpmath.ncdf, mu=m2, sigma=s2))
        with mpmath.workdps(40):
            found = crossings(REFERENCE["Normal"], params_at("Normal", pt, 1), REFERENCE["Normal"],
                              params_at("Normal", pt, 2))
        assert len(found) == 2 and all(agree(f, r, mpmath.mpf(10) ** -30) for f, r in zip(found, sorted(roots)))
        assert agree(by_definition("Normal", "total_variation", pt), closed), pt


def _laplace_cdf(x, mu, b):
    return mpmath.exp((x - mu) / b) / 2 if x < mu else 1 - mpmath.exp(-(x - mu) / b) / 2


@pytest.mark.slow
def test_tv_laplace_normal_crossings() -> None:
    # Laplace(m1, b) vs Normal(m2, s): log p = log q is a quadratic on each side of m1,
    #   (x - m2)^2/(2 s^2) -+ (x - m1)/b + log(s sqrt(2 pi)/(2 b)) = 0  (- for x >= m1, + for x <= m1);
    # up to four crossings, and a kink of p at m1
    for m1, b, m2, s in [(R(0), R(1), R(0), R(1)), (R(1, 2), R(3, 4), R(-1), R(2)), (R(-1), R(2), R(1), R(1, 2))]:
        pt = {_mu1: m1, _b1: b, _mu2: m2, _s2: s}
        with mpmath.workdps(50):
            mu, bb, nu, sg = (mpmath.mpf(v.p) / v.q for v in (m1, b, m2, s))
            c = mpmath.log(sg * mpmath.sqrt(2 * mpmath.pi) / (2 * bb))
            roots = []
            for sign in (-1, 1):  # sign -1: x >= mu, sign +1: x <= mu
                cand = _real_roots(1 / (2 * sg**2), -nu / sg**2 + sign / bb, nu**2 / (2 * sg**2) - sign * mu / bb + c)
                roots += [r for r in cand if (r >= mu if sign < 0 else r <= mu)]
            assert len(roots) >= 2
            closed = _tv_from_crossings(roots, functools.partial(_laplace_cdf, mu=mu, b=bb),
                                        functools.partial(mpmath.ncdf, mu=nu, sigma=sg))
        with mpmath.workdps(40):
            found = crossings(REFERENCE["Laplace"], params_at("Laplace", pt, 1), REFERENCE["Normal"],
                              params_at("Normal", pt, 2))
        assert len(found) == len(roots)
        assert all(agree(f, r, mpmath.mpf(10) ** -30) for f, r in zip(found, sorted(roots)))
        assert agree(by_definition("Laplace", "total_variation", pt, q_family="Normal"), closed), (pt,)


def test_tv_without_the_crossings_falls_short() -> None:
    """The crossings are needed: the same quadrature without them misses digits (Exponential, one
    crossing at log(l1/l2)/(l1 - l2), TV = |exp(-l2 x*) - exp(-l1 x*)|)."""
    l1, l2 = R(3), R(1, 2)
    pt = {_lam1: l1, _lam2: l2}
    ref = REFERENCE["Exponential"]
    with mpmath.workdps(40):
        a, b = mpmath.mpf(3), mpmath.mpf(1) / 2
        x = mpmath.log(a / b) / (a - b)
        closed = abs(mpmath.exp(-b * x) - mpmath.exp(-a * x))
        pp, pq = params_at(ref, pt, 1), params_at(ref, pt, 2)
        bps = pair_breakpoints(ref, pp, ref, pq, 0, mpmath.inf)
        naive = mpmath.quad(lambda t: abs(ref.density(t, pp) - ref.density(t, pq)), [0, *bps, mpmath.inf]) / 2
    assert agree(by_definition("Exponential", "total_variation", pt), closed)
    assert not agree(naive, closed)


def test_tv_uniforms() -> None:
    """Mass outside the other support counts fully: nested, TV = 1 - w1/w2; overlapping,
    TV = 1 - overlap * min(1/w1, 1/w2)."""
    nested = {_a1: R(0), _ub1: R(1), _a2: R(-1, 2), _ub2: R(3)}
    assert agree(by_definition("Uniform", "total_variation", nested), 1 - mpmath.mpf(2) / 7)
    overlapping = {_a1: R(0), _ub1: R(2), _a2: R(1), _ub2: R(5)}
    assert agree(by_definition("Uniform", "total_variation", overlapping), 1 - mpmath.mpf(1) / 4)
    assert agree(by_definition("Uniform", "js_divergence", overlapping),
                 # on [0,1): p only; [1,2]: p = 1/2, q = 1/4; (2,5]: q only (Lin 1991's definition, by hand)
                 (mpmath.mpf(1) / 2 * LOG2 + (mpmath.mpf(1) / 2 * mpmath.log(mpmath.mpf(4) / 3)
                  + mpmath.mpf(1) / 4 * mpmath.log(mpmath.mpf(2) / 3)) + mpmath.mpf(3) / 4 * LOG2) / 2)
