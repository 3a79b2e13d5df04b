"""The test table: one row per catalog example.

Each row gives symbolic P and Q, an *independent* density written here with mpmath (not
the package's), how to draw valid parameter points with hypothesis, and the textbook
closed forms used for the compactness check, with their source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp
from hypothesis import strategies as st

import symdiv as sd

R = sp.Rational


def _sym(name: str, **kw: bool) -> sp.Symbol:
    return sp.Symbol(name, **kw)


def fractions(lo: R, hi: R) -> st.SearchStrategy[sp.Rational]:
    return st.integers(int(lo * 1000), int(hi * 1000)).map(lambda n: R(n, 1000))


def simplex(k: int) -> st.SearchStrategy[tuple[sp.Rational, ...]]:
    return st.lists(st.integers(1, 1000), min_size=k, max_size=k).map(
        lambda w: tuple(R(v, sum(w)) for v in w))


@dataclass
class Case:
    id: str
    family: type
    P: sd.Family
    Q: sd.Family
    #: independent density: (x, numeric params dict) -> mpf
    density: Callable[[Any, dict[str, Any]], Any]
    #: "real" for Lebesgue integration over R; else a function of params giving the atoms
    atoms: Callable[[dict[str, Any]], list[int]] | None
    #: hypothesis strategy of points {symbol or IndexedBase: value}
    points: st.SearchStrategy[dict]
    #: textbook forms (measure name -> expression) and where they come from
    textbook: dict[str, sp.Expr] = field(default_factory=dict)
    source: str = ""


def _mp(v: Any) -> Any:
    v = sp.sympify(v)
    return mpmath.mpf(int(v.p)) / int(v.q) if v.is_Rational else mpmath.mpf(str(sp.N(v, 40)))


# ---------------------------------------------------------------- Normal
mu1, mu2 = _sym("mu_1", real=True), _sym("mu_2", real=True)
s1, s2 = _sym("sigma_1", positive=True), _sym("sigma_2", positive=True)
NORMAL = Case(
    id="normal",
    family=sd.Normal,
    P=sd.Normal("mu_1", "sigma_1"),
    Q=sd.Normal("mu_2", "sigma_2"),
    density=lambda x, prm: mpmath.npdf(x, _mp(prm["mu"]), _mp(prm["sigma"])),
    atoms=None,
    points=st.fixed_dictionaries({
        mu1: fractions(R(-3), R(3)), mu2: fractions(R(-3), R(3)),
        s1: fractions(R(1, 4), R(4)), s2: fractions(R(1, 4), R(4)),
    }),
    textbook={
        "entropy": sp.log(2 * sp.pi * sp.E * s1**2) / 2,
        "cross_entropy": sp.log(2 * sp.pi * s2**2) / 2 + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2),
        "kl_divergence": sp.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - R(1, 2),
    },
    source="Cover & Thomas, Elements of Information Theory, 2nd ed., Thm 8.4.1; "
           "Wikipedia 'Normal distribution' (KL divergence section)",
)

# ---------------------------------------------------------------- Bernoulli
p, q = _sym("p", positive=True), _sym("q", positive=True)
BERNOULLI = Case(
    id="bernoulli",
    family=sd.Bernoulli,
    P=sd.Bernoulli("p"),
    Q=sd.Bernoulli("q"),
    density=lambda x, prm: _mp(prm["p"]) if x == 1 else 1 - _mp(prm["p"]),
    atoms=lambda prm: [0, 1],
    points=st.fixed_dictionaries({p: fractions(R(1, 20), R(19, 20)), q: fractions(R(1, 20), R(19, 20))}),
    textbook={
        "entropy": -p * sp.log(p) - (1 - p) * sp.log(1 - p),
        "cross_entropy": -p * sp.log(q) - (1 - p) * sp.log(1 - q),
        "kl_divergence": p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)),
    },
    source="Cover & Thomas, eq. (2.5) and Example 2.3.1",
)

# ---------------------------------------------------------------- Categorical, explicit K = 3
PS = [_sym(f"p_{k}", positive=True) for k in range(3)]
QS = [_sym(f"q_{k}", positive=True) for k in range(3)]
CATEGORICAL = Case(
    id="categorical-K3",
    family=sd.Categorical,
    P=sd.Categorical.symbolic("p", 3),
    Q=sd.Categorical.symbolic("q", 3),
    density=lambda x, prm: _mp(prm["probs"][x]),
    atoms=lambda prm: list(range(len(prm["probs"]))),
    points=st.tuples(simplex(3), simplex(3)).map(lambda t: {**dict(zip(PS, t[0])), **dict(zip(QS, t[1]))}),
    textbook={
        "entropy": -sp.Add(*(pk * sp.log(pk) for pk in PS)),
        "cross_entropy": -sp.Add(*(pk * sp.log(qk) for pk, qk in zip(PS, QS))),
        "kl_divergence": sp.Add(*(pk * sp.log(pk / qk) for pk, qk in zip(PS, QS))),
    },
    source="Cover & Thomas, Definitions 2.1 and 2.26",
)

# ---------------------------------------------------------------- Categorical, symbolic K
K = _sym("K", integer=True, positive=True)
i = _sym("i", integer=True, nonnegative=True)
pb, qb = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)


@st.composite
def _symbolic_k_points(draw: Any) -> dict:
    k = draw(st.integers(2, 6))
    return {K: sp.Integer(k), pb: draw(simplex(k)), qb: draw(simplex(k))}


CATEGORICAL_K = Case(
    id="categorical-symbolic-K",
    family=sd.Categorical,
    P=sd.Categorical.symbolic("p", "K"),
    Q=sd.Categorical.symbolic("q", "K"),
    density=lambda x, prm: _mp(prm["probs"][x]),
    atoms=lambda prm: list(range(len(prm["probs"]))),
    points=_symbolic_k_points(),
    textbook={
        "entropy": -sp.Sum(pb[i] * sp.log(pb[i]), (i, 0, K - 1)),
        "cross_entropy": -sp.Sum(pb[i] * sp.log(qb[i]), (i, 0, K - 1)),
        "kl_divergence": sp.Sum(pb[i] * sp.log(pb[i] / qb[i]), (i, 0, K - 1)),
    },
    source="Cover & Thomas, Definitions 2.1 and 2.26",
)

CASES = [NORMAL, BERNOULLI, CATEGORICAL, CATEGORICAL_K]
MEASURES = {"entropy": sd.entropy, "cross_entropy": sd.cross_entropy, "kl_divergence": sd.kl_divergence}


def derive(case: Case, measure: str) -> sd.Derivation:
    fn = MEASURES[measure]
    return fn(case.P) if measure == "entropy" else fn(case.P, case.Q)


def by_definition(case: Case, measure: str, point: dict, dps: int = 30) -> Any:
    """The measure at ``point`` straight from its definition, with the independent density."""
    prm_p = case.P.at(point).params
    prm_q = case.Q.at(point).params if measure != "entropy" else prm_p
    with mpmath.workdps(dps + 15):
        def pdf_p(x: Any) -> Any:
            return case.density(x, prm_p)

        def pdf_q(x: Any) -> Any:
            return case.density(x, prm_q)

        def integrand(x: Any) -> Any:
            px = pdf_p(x)
            if px == 0:
                return mpmath.mpf(0)
            if measure == "entropy":
                return -px * mpmath.log(px)
            if measure == "cross_entropy":
                return -px * mpmath.log(pdf_q(x))
            return px * (mpmath.log(px) - mpmath.log(pdf_q(x)))

        if case.atoms is not None:
            total = mpmath.fsum(integrand(a) for a in case.atoms(prm_p))
        else:
            mu, s = _mp(prm_p["mu"]), _mp(prm_p["sigma"])
            total = mpmath.quad(integrand, [-mpmath.inf] + [mu + k * s for k in (-10, -3, 0, 3, 10)] + [mpmath.inf])
    return total
