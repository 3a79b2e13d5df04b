"""The test table: every family's independent reference, the rows of the per-row tests, the cross pairs.

The reference never comes from ``symdiv``: every density is written afresh with mpmath and every
textbook formula is typed in from its source, so that the package's derived closed forms can be
checked against something that does not share its code. ``symdiv`` is imported only to build the
objects under test (``Case.P``, ``Case.Q``, ``MEASURES``) and the list of cross pairs.

* ``REFERENCE[name]`` -- a :class:`FamilyRef` per scalar-parameter family (Normal and Bernoulli
  included). Parameter names (the keys of ``symbols_P``/``symbols_Q`` and of the ``prm`` dicts given
  to ``density``/``support``/``breakpoints``) are::

      Normal(mu, sigma)      Bernoulli(p)         Exponential(rate)     Gamma(shape, rate)
      Beta(alpha, beta)      Laplace(mu, b)       LogNormal(mu, sigma)  Uniform(a, b)
      HalfNormal(sigma)      Gumbel(mu, beta)     Pareto(x_m, alpha)    Weibull(k, lam)
      Poisson(rate)          Geometric(p)         Binomial(n, p)

  and ``Categorical(probs)`` (a list) for the two Categorical refs of ``CASES``.

* ``CASES`` -- the rows of tests/test_measures.py and tests/test_latex.py: a :class:`Case` holds a
  symdiv pair P, Q and its reference (Normal, Bernoulli, Categorical with K = 3 and with a symbolic
  K), with textbook forms of all three measures. ``MEASURES`` and :func:`derive` run symdiv on a row.

* ``CROSS_KL[(P, Q)]`` -- a :class:`CrossRef` for every pair of ``symdiv.families.pairs.CROSS_PAIRS``
  (the one list of documented cross pairs): KL(P || Q) in the role-1 symbols of P's family and the
  role-2 symbols of Q's family.

* Helpers: :func:`params_at` (sympy point -> mpmath parameters), :func:`by_definition` (a measure
  straight from its definition by quadrature or summation, for a family name, a ref or a case: entropy,
  cross-entropy, KL, and -- P and Q possibly of different families -- Renyi (``alpha=``), Bhattacharyya
  coefficient and distance, Hellinger, Pearson chi^2, total variation, Jeffreys, Jensen-Shannon; see
  ``DEFINED``), :func:`crossings` (where p = q, for total variation), :func:`pair_breakpoints`,
  :func:`evaluate` (a textbook expression at a point, infinite ``Sum`` s included),
  :func:`sample_points`, :func:`close`. tests/test_measure_reference.py checks the measures beyond KL.

Run ``python tests/catalog_reference.py`` for :func:`self_check` (about a minute or two).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp
from hypothesis import strategies as st

import symdiv as sd
from symdiv.families.pairs import CROSS_PAIRS

R = sp.Rational
inf = mpmath.inf
Prm = dict[str, Any]


# ---------------------------------------------------------------- small helpers
def _pos(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def fractions(lo: sp.Rational, hi: sp.Rational, den: int = 1000) -> st.SearchStrategy[sp.Rational]:
    """Rationals with denominator ``den`` in [lo, hi]."""
    return st.integers(int(sp.ceiling(lo * den)), int(sp.floor(hi * den))).map(lambda n: R(n, den))


POSITIVE = fractions(R(1, 2), R(4))  # rates, scales, x_m, lambda
SHAPE = fractions(R(1, 2), R(5))  # Gamma / Beta alpha / Weibull / Pareto shapes
#: Beta's beta: below ~0.55 the mass within the last ~1e-46 of x = 1 (where a node x cannot tell
#: 1 - x apart at dps 40) is ~1e-23, and no breakpoint can recover 25 digits there
BETA_SHAPE = fractions(R(3, 5), R(5))
TINY = [mpmath.mpf(10) ** -k for k in (30, 20, 10)]  # breakpoints into integrable endpoint singularities
PROB = fractions(R(1, 20), R(19, 20))
LOCATION = fractions(R(-3), R(3))
SCALE = fractions(R(1, 4), R(4))  # the Normal rows' sigmas


def _mp(v: Any) -> Any:
    """A sympy number (or int/float/mpf) as an mpmath number at the current precision."""
    if isinstance(v, mpmath.mpf | int):
        return mpmath.mpf(v)
    v = sp.sympify(v)
    if v.is_Rational:
        return mpmath.mpf(int(v.p)) / int(v.q)
    return mpmath.mpf(str(sp.N(v, mpmath.mp.dps + 10)))


def _inside(pts: list[Any], lo: Any, hi: Any) -> list[Any]:
    """Sorted distinct points strictly inside (lo, hi)."""
    out = sorted({mpmath.mpf(x) for x in pts if lo < x < hi})
    return out


def _no_kinks(prm: Prm) -> list[Any]:
    return []


def _lazy_stats() -> Any:
    import scipy.stats  # only the self-check needs scipy

    return scipy.stats


# ---------------------------------------------------------------- the records
@dataclass
class FamilyRef:
    """Independent description of one family, for role 1 (P) and role 2 (Q)."""

    name: str
    #: parameter name -> its symbol; a vector parameter has a tuple of symbols (explicit length) or an
    #: IndexedBase (symbolic length, the point then maps it to a tuple)
    symbols_P: dict[str, Any]
    symbols_Q: dict[str, Any]
    #: (x, prm) -> mpf; 0 outside the support
    density: Callable[[Any, Prm], Any]
    #: prm -> ("real", lo, hi) or ("int", lo, hi)
    support: Callable[[Prm], tuple]
    #: prm -> interior points for mpmath.quad (or, discrete, where the mass is)
    breakpoints: Callable[[Prm], list]
    #: strategy of {Symbol: Rational} over all P and Q symbols; satisfies any support nesting
    points: st.SearchStrategy[dict]
    #: same, with supp P within supp Q guaranteed (defaults to ``points``, which already nests)
    points_nested: st.SearchStrategy[dict] | None = None
    #: measure name ("entropy", "cross_entropy", "kl_divergence") -> textbook expression
    textbook: dict[str, sp.Expr] = field(default_factory=dict)
    source: str = ""
    #: prm -> points where the density is not smooth (support ends, Laplace's mode); used when the
    #: family plays Q and such a point lies inside supp P
    kinks: Callable[[Prm], list] = _no_kinks
    #: textbook forms that hold only under a condition: measure -> (condition, expression)
    conditional: dict[str, tuple[sp.Basic, sp.Expr]] = field(default_factory=dict)
    #: strategies drawing points that satisfy the matching ``conditional`` condition
    conditional_points: dict[str, st.SearchStrategy[dict]] = field(default_factory=dict)
    notes: str = ""
    #: prm -> frozen scipy.stats distribution (self-check only)
    scipy: Callable[[Prm], Any] | None = None

    def __post_init__(self) -> None:
        if self.points_nested is None:
            self.points_nested = self.points

    def symbols(self, role: int) -> dict[str, Any]:
        return self.symbols_P if role == 1 else self.symbols_Q


@dataclass
class CrossRef:
    """KL(P || Q) for P and Q of different families."""

    textbook: sp.Expr
    source: str
    points: st.SearchStrategy[dict]
    #: False where ``textbook`` keeps a series no source sums in closed form
    closed_form: bool = True
    #: where the formula is finite and valid (the points satisfy it); the KL is +oo outside
    condition: sp.Basic = sp.true
    notes: str = ""
    #: (prm_P, prm_Q) -> extra interior points for the quadrature of the KL integrand
    extra_breakpoints: Callable[[Prm, Prm], list] | None = None


@dataclass
class Case:
    """A row of the per-row tests: a symdiv pair (the objects under test) and the reference of its family."""

    id: str
    ref: FamilyRef
    P: sd.Family
    Q: sd.Family

    @property
    def family(self) -> type[sd.Family]:
        return type(self.P)

    @property
    def points(self) -> st.SearchStrategy[dict]:
        return self.ref.points

    @property
    def textbook(self) -> dict[str, sp.Expr]:
        return self.ref.textbook

    @property
    def source(self) -> str:
        return self.ref.source


# ================================================================ the families
EG = sp.EulerGamma
psi = sp.digamma
lgam = sp.loggamma

# ---------------------------------------------------------------- Normal (context; symdiv already has it)
_mu1, _mu2 = _real("mu_1"), _real("mu_2")
_s1, _s2 = _pos("sigma_1"), _pos("sigma_2")


def _normal() -> FamilyRef:
    def density(x: Any, prm: Prm) -> Any:
        return mpmath.npdf(x, prm["mu"], prm["sigma"])

    def breakpoints(prm: Prm) -> list:
        return [prm["mu"] + k * prm["sigma"] for k in (-12, -8, -5, -3, -2, -1, 0, 1, 2, 3, 5, 8, 12)]

    return FamilyRef(
        name="Normal",
        symbols_P={"mu": _mu1, "sigma": _s1},
        symbols_Q={"mu": _mu2, "sigma": _s2},
        density=density,
        support=lambda prm: ("real", -inf, inf),
        breakpoints=breakpoints,
        points=st.fixed_dictionaries({_mu1: LOCATION, _s1: SCALE, _mu2: LOCATION, _s2: SCALE}),
        textbook={
            "entropy": sp.log(2 * sp.pi * sp.E * _s1**2) / 2,
            "cross_entropy": sp.log(2 * sp.pi * _s2**2) / 2 + (_s1**2 + (_mu1 - _mu2) ** 2) / (2 * _s2**2),
            "kl_divergence": sp.log(_s2 / _s1) + (_s1**2 + (_mu1 - _mu2) ** 2) / (2 * _s2**2) - R(1, 2),
        },
        source="Cover & Thomas, Elements of Information Theory, 2nd ed., Thm 8.4.1; "
        "Wikipedia, 'Normal distribution', KL divergence; torch.distributions.kl._kl_normal_normal",
        scipy=lambda prm: _lazy_stats().norm(float(prm["mu"]), float(prm["sigma"])),
    )


# ---------------------------------------------------------------- Bernoulli (context)
_p, _q = _pos("p"), _pos("q")


def _bernoulli() -> FamilyRef:
    def density(x: Any, prm: Prm) -> Any:
        if x == 1:
            return prm["p"]
        if x == 0:
            return 1 - prm["p"]
        return mpmath.mpf(0)

    return FamilyRef(
        name="Bernoulli",
        symbols_P={"p": _p},
        symbols_Q={"p": _q},
        density=density,
        support=lambda prm: ("int", 0, 1),
        breakpoints=lambda prm: [0, 1],
        points=st.fixed_dictionaries({_p: PROB, _q: PROB}),
        textbook={
            "entropy": -_p * sp.log(_p) - (1 - _p) * sp.log(1 - _p),
            "cross_entropy": -_p * sp.log(_q) - (1 - _p) * sp.log(1 - _q),
            "kl_divergence": _p * sp.log(_p / _q) + (1 - _p) * sp.log((1 - _p) / (1 - _q)),
        },
        source="Cover & Thomas, eq. (2.5) and Example 2.3.1; torch.distributions.kl._kl_bernoulli_bernoulli",
        scipy=lambda prm: _lazy_stats().bernoulli(float(prm["p"])),
    )


# ---------------------------------------------------------------- Exponential(rate)
_lam1, _lam2 = _pos("lambda_1"), _pos("lambda_2")


def _exp_density(x: Any, prm: Prm) -> Any:
    if x < 0:
        return mpmath.mpf(0)
    return prm["rate"] * mpmath.exp(-prm["rate"] * x)


def _exponential() -> FamilyRef:
    def breakpoints(prm: Prm) -> list:
        return [mpmath.mpf(2) ** j / prm["rate"] for j in range(-6, 7)]

    return FamilyRef(
        name="Exponential",
        symbols_P={"rate": _lam1},
        symbols_Q={"rate": _lam2},
        density=_exp_density,
        support=lambda prm: ("real", mpmath.mpf(0), inf),
        breakpoints=breakpoints,
        kinks=lambda prm: [mpmath.mpf(0)],
        points=st.fixed_dictionaries({_lam1: POSITIVE, _lam2: POSITIVE}),
        textbook={
            "entropy": 1 - sp.log(_lam1),
            "kl_divergence": sp.log(_lam1 / _lam2) + _lam2 / _lam1 - 1,
        },
        source="Wikipedia, 'Exponential distribution', Entropy and KL divergence; "
        "torch.distributions.kl._kl_exponential_exponential",
        scipy=lambda prm: _lazy_stats().expon(scale=float(1 / prm["rate"])),
    )


# ---------------------------------------------------------------- Gamma(shape, rate)
_al1, _al2 = _pos("alpha_1"), _pos("alpha_2")
_be1, _be2 = _pos("beta_1"), _pos("beta_2")


@functools.lru_cache(maxsize=256)
def _log_norm(kind: str, a: Any, b: Any, prec: int) -> Any:
    """log Gamma(a) ("gamma") or log B(a, b) ("beta") at binary precision ``prec``: the densities'
    normalizers, computed once per parameter instead of at every quadrature node."""
    with mpmath.workprec(prec):
        return mpmath.loggamma(a) if kind == "gamma" else mpmath.log(mpmath.beta(a, b))


def _gamma_density(x: Any, prm: Prm) -> Any:
    if x <= 0:
        return mpmath.mpf(0)
    a, b = prm["shape"], prm["rate"]
    return mpmath.exp(a * mpmath.log(b) + (a - 1) * mpmath.log(x) - b * x - _log_norm("gamma", a, 0, mpmath.mp.prec))


def _gamma_breakpoints(prm: Prm) -> list:
    a, b = prm["shape"], prm["rate"]
    scale = 1 / b
    sd = mpmath.sqrt(a) * scale
    mean = a * scale
    pts = [scale * mpmath.mpf(2) ** j for j in range(-8, 7)] + [scale * t for t in TINY]
    pts += [mean + k * sd for k in (-3, -2, -1, 0, 1, 2, 3, 5, 8, 12)]
    return [x for x in pts if x > 0]


def _entropy_gamma(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return a - sp.log(b) + lgam(a) + (1 - a) * psi(a)


def _gamma() -> FamilyRef:
    return FamilyRef(
        name="Gamma",
        symbols_P={"shape": _al1, "rate": _be1},
        symbols_Q={"shape": _al2, "rate": _be2},
        density=_gamma_density,
        support=lambda prm: ("real", mpmath.mpf(0), inf),
        breakpoints=_gamma_breakpoints,
        kinks=lambda prm: [mpmath.mpf(0)],
        points=st.fixed_dictionaries({_al1: SHAPE, _be1: POSITIVE, _al2: SHAPE, _be2: POSITIVE}),
        textbook={
            "entropy": _entropy_gamma(_al1, _be1),
            "kl_divergence": (_al1 - _al2) * psi(_al1) - lgam(_al1) + lgam(_al2)
            + _al2 * sp.log(_be1 / _be2) + _al1 * (_be2 - _be1) / _be1,
        },
        source="Wikipedia, 'Gamma distribution', Information entropy and Kullback-Leibler divergence; "
        "torch.distributions.kl._kl_gamma_gamma",
        scipy=lambda prm: _lazy_stats().gamma(float(prm["shape"]), scale=float(1 / prm["rate"])),
    )


# ---------------------------------------------------------------- Beta(alpha, beta)
def _beta_density(x: Any, prm: Prm) -> Any:
    if x <= 0 or x >= 1:
        return mpmath.mpf(0)
    a, b = prm["alpha"], prm["beta"]
    return mpmath.exp((a - 1) * mpmath.log(x) + (b - 1) * mpmath.log1p(-x) - _log_norm("beta", a, b, mpmath.mp.prec))


def _entropy_beta(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return sp.log(sp.beta(a, b)) - (a - 1) * psi(a) - (b - 1) * psi(b) + (a + b - 2) * psi(a + b)


def _beta() -> FamilyRef:
    def breakpoints(prm: Prm) -> list:
        a, b = prm["alpha"], prm["beta"]
        return [mpmath.mpf(x) / 100 for x in (1, 10, 50, 90, 99)] + [a / (a + b)] + TINY + [1 - t for t in TINY]

    return FamilyRef(
        name="Beta",
        symbols_P={"alpha": _al1, "beta": _be1},
        symbols_Q={"alpha": _al2, "beta": _be2},
        density=_beta_density,
        support=lambda prm: ("real", mpmath.mpf(0), mpmath.mpf(1)),
        breakpoints=breakpoints,
        kinks=lambda prm: [mpmath.mpf(0), mpmath.mpf(1)],
        points=st.fixed_dictionaries({_al1: SHAPE, _be1: BETA_SHAPE, _al2: SHAPE, _be2: BETA_SHAPE}),
        textbook={
            "entropy": _entropy_beta(_al1, _be1),
            "kl_divergence": sp.log(sp.beta(_al2, _be2) / sp.beta(_al1, _be1))
            + (_al1 - _al2) * psi(_al1) + (_be1 - _be2) * psi(_be1)
            + (_al2 - _al1 + _be2 - _be1) * psi(_al1 + _be1),
        },
        source="Wikipedia, 'Beta distribution', Quantities of information (entropy, KL divergence); "
        "torch.distributions.kl._kl_beta_beta",
        notes="beta is drawn from [3/5, 5], not [1/2, 5]: see BETA_SHAPE",
        scipy=lambda prm: _lazy_stats().beta(float(prm["alpha"]), float(prm["beta"])),
    )


# ---------------------------------------------------------------- Laplace(mu, b)
_b1, _b2 = _pos("b_1"), _pos("b_2")


def _laplace() -> FamilyRef:
    def density(x: Any, prm: Prm) -> Any:
        return mpmath.exp(-abs(x - prm["mu"]) / prm["b"]) / (2 * prm["b"])

    def breakpoints(prm: Prm) -> list:
        return [prm["mu"] + k * prm["b"] for k in (-60, -30, -12, -5, -2, 0, 2, 5, 12, 30, 60)]

    d = sp.Abs(_mu1 - _mu2)
    return FamilyRef(
        name="Laplace",
        symbols_P={"mu": _mu1, "b": _b1},
        symbols_Q={"mu": _mu2, "b": _b2},
        density=density,
        support=lambda prm: ("real", -inf, inf),
        breakpoints=breakpoints,
        kinks=lambda prm: [prm["mu"]],
        points=st.fixed_dictionaries({_mu1: LOCATION, _b1: POSITIVE, _mu2: LOCATION, _b2: POSITIVE}),
        textbook={
            "entropy": sp.log(2 * sp.E * _b1),
            "kl_divergence": sp.log(_b2 / _b1) + d / _b2 + _b1 / _b2 * sp.exp(-d / _b1) - 1,
        },
        source="Wikipedia, 'Laplace distribution', Entropy; KL from M. Gil, MSc thesis, Queen's University "
        "(2011), as in torch.distributions.kl._kl_laplace_laplace",
        scipy=lambda prm: _lazy_stats().laplace(float(prm["mu"]), float(prm["b"])),
    )


# ---------------------------------------------------------------- LogNormal(mu, sigma)
def _lognormal_density(x: Any, prm: Prm) -> Any:
    if x <= 0:
        return mpmath.mpf(0)
    mu, s = prm["mu"], prm["sigma"]
    return mpmath.exp(-((mpmath.log(x) - mu) ** 2) / (2 * s**2)) / (x * s * mpmath.sqrt(2 * mpmath.pi))


def _lognormal() -> FamilyRef:
    def breakpoints(prm: Prm) -> list:
        return [mpmath.exp(prm["mu"] + k * prm["sigma"]) for k in (-12, -8, -5, -3, -2, -1, 0, 1, 2, 3, 5, 8, 12)]

    return FamilyRef(
        name="LogNormal",
        symbols_P={"mu": _mu1, "sigma": _s1},
        symbols_Q={"mu": _mu2, "sigma": _s2},
        density=_lognormal_density,
        support=lambda prm: ("real", mpmath.mpf(0), inf),
        breakpoints=breakpoints,
        kinks=lambda prm: [mpmath.mpf(0)],
        points=st.fixed_dictionaries({_mu1: LOCATION, _s1: POSITIVE, _mu2: LOCATION, _s2: POSITIVE}),
        textbook={
            "entropy": _mu1 + sp.log(2 * sp.pi * sp.E * _s1**2) / 2,
            "kl_divergence": sp.log(_s2 / _s1) + (_s1**2 + (_mu1 - _mu2) ** 2) / (2 * _s2**2) - R(1, 2),
        },
        source="Wikipedia, 'Log-normal distribution', Entropy; KL equals that of the underlying normals "
        "(KL is invariant under the bijection x -> log x; Cover & Thomas Thm 8.4.1 for the normal form)",
        scipy=lambda prm: _lazy_stats().lognorm(float(prm["sigma"]), scale=float(mpmath.exp(prm["mu"]))),
    )


# ---------------------------------------------------------------- Uniform(a, b)
_a1, _a2 = _real("a_1"), _real("a_2")
_ub1, _ub2 = _real("b_1"), _real("b_2")


def _uniform_density(x: Any, prm: Prm) -> Any:
    a, b = prm["a"], prm["b"]
    return 1 / (b - a) if a <= x <= b else mpmath.mpf(0)


@st.composite
def _uniform_points(draw: Any) -> dict:
    """a_2 <= a_1 < b_1 <= b_2."""
    a2 = draw(LOCATION)
    a1 = a2 + draw(fractions(R(0), R(2)))
    b1 = a1 + draw(fractions(R(1, 4), R(4)))
    b2 = b1 + draw(fractions(R(0), R(2)))
    return {_a1: a1, _ub1: b1, _a2: a2, _ub2: b2}


def _uniform() -> FamilyRef:
    return FamilyRef(
        name="Uniform",
        symbols_P={"a": _a1, "b": _ub1},
        symbols_Q={"a": _a2, "b": _ub2},
        density=_uniform_density,
        support=lambda prm: ("real", prm["a"], prm["b"]),
        breakpoints=lambda prm: [(prm["a"] + prm["b"]) / 2],
        kinks=lambda prm: [prm["a"], prm["b"]],
        points=_uniform_points(),
        textbook={
            "entropy": sp.log(_ub1 - _a1),
            "kl_divergence": sp.log((_ub2 - _a2) / (_ub1 - _a1)),
        },
        source="Wikipedia, 'Continuous uniform distribution', Entropy; torch.distributions.kl._kl_uniform_uniform "
        "(finite only when a_2 <= a_1 < b_1 <= b_2)",
        scipy=lambda prm: _lazy_stats().uniform(float(prm["a"]), float(prm["b"] - prm["a"])),
    )


# ---------------------------------------------------------------- HalfNormal(sigma)
def _halfnormal() -> FamilyRef:
    def density(x: Any, prm: Prm) -> Any:
        if x < 0:
            return mpmath.mpf(0)
        s = prm["sigma"]
        return mpmath.sqrt(2 / mpmath.pi) / s * mpmath.exp(-(x**2) / (2 * s**2))

    def breakpoints(prm: Prm) -> list:
        return [prm["sigma"] * k for k in (R(1, 2), 1, 2, 3, 5, 8, 12)]

    return FamilyRef(
        name="HalfNormal",
        symbols_P={"sigma": _s1},
        symbols_Q={"sigma": _s2},
        density=density,
        support=lambda prm: ("real", mpmath.mpf(0), inf),
        breakpoints=lambda prm: [_mp(x) for x in breakpoints(prm)],
        kinks=lambda prm: [mpmath.mpf(0)],
        points=st.fixed_dictionaries({_s1: POSITIVE, _s2: POSITIVE}),
        textbook={
            "entropy": sp.log(sp.pi * _s1**2 / 2) / 2 + R(1, 2),
            "kl_divergence": sp.log(_s2 / _s1) + _s1**2 / (2 * _s2**2) - R(1, 2),
        },
        source="Wikipedia, 'Half-normal distribution', Entropy; KL derived with E[X^2] = sigma_1^2 "
        "(same form as the zero-mean normal KL)",
        scipy=lambda prm: _lazy_stats().halfnorm(scale=float(prm["sigma"])),
    )


# ---------------------------------------------------------------- Gumbel(mu, beta), maximum convention
def _gumbel_density(x: Any, prm: Prm) -> Any:
    z = (x - prm["mu"]) / prm["beta"]
    # far left the density is exp(-e^{-z}): doubly exponential, and mpmath would hang building
    # e^{-z} for the quadrature nodes near -oo (x ~ -1e40). Capping e^{-z} at e^{2000} changes the
    # density only where it is below exp(-e^{2000}) and keeps log(density) finite.
    w = mpmath.exp(-z) if z > -2000 else mpmath.exp(2000)
    return mpmath.exp(-z - w) / prm["beta"]


def _gumbel_breakpoints(prm: Prm) -> list:
    return [prm["mu"] + k * prm["beta"] for k in (-5, -4, -3, -2, -1, 0, 1, 2, 3, 5, 8, 12, 20, 40, 70)]


def _gumbel() -> FamilyRef:
    t = _be1 / _be2
    return FamilyRef(
        name="Gumbel",
        symbols_P={"mu": _mu1, "beta": _be1},
        symbols_Q={"mu": _mu2, "beta": _be2},
        density=_gumbel_density,
        support=lambda prm: ("real", -inf, inf),
        breakpoints=_gumbel_breakpoints,
        points=st.fixed_dictionaries({_mu1: LOCATION, _be1: POSITIVE, _mu2: LOCATION, _be2: POSITIVE}),
        textbook={
            "entropy": sp.log(_be1) + EG + 1,
            "kl_divergence": sp.log(_be2 / _be1) + (_mu1 - _mu2) / _be2 + EG * (t - 1)
            + sp.exp((_mu2 - _mu1) / _be2) * sp.gamma(1 + t) - 1,
        },
        source="Wikipedia, 'Gumbel distribution', Entropy; torch.distributions.kl._kl_gumbel_gumbel "
        "(uses E[exp(-s Z)] = Gamma(1 + s) for standard Gumbel Z)",
        scipy=lambda prm: _lazy_stats().gumbel_r(float(prm["mu"]), float(prm["beta"])),
    )


# ---------------------------------------------------------------- Pareto(x_m, alpha)
_m1, _m2 = _pos("m_1"), _pos("m_2")


def _pareto_density(x: Any, prm: Prm) -> Any:
    m, a = prm["x_m"], prm["alpha"]
    if x < m:
        return mpmath.mpf(0)
    return a * mpmath.exp(a * mpmath.log(m) - (a + 1) * mpmath.log(x))


def _pareto_breakpoints(prm: Prm) -> list:
    # power-law tail: quad's [a, inf] map reaches only x ~ 1e46, which for alpha = 1/2 leaves a tail
    # of ~1e-23; geometric breakpoints out to 1e80 x_m leave < 1e-40
    m = prm["x_m"]
    near = [m * k for k in (mpmath.mpf(1.25), 1.5, 2, 4, 10, 100)]
    return near + [m * mpmath.mpf(10) ** (4 * j) for j in range(1, 21)]


def _entropy_pareto(m: sp.Expr, a: sp.Expr) -> sp.Expr:
    return sp.log(m / a) + 1 / a + 1


def _pareto_points(alpha_1: st.SearchStrategy = SHAPE) -> st.SearchStrategy[dict]:
    @st.composite
    def draw_points(draw: Any) -> dict:
        """m_2 <= m_1."""
        m2 = draw(POSITIVE)
        m1 = m2 + draw(fractions(R(0), R(2)))
        return {_m1: m1, _al1: draw(alpha_1), _m2: m2, _al2: draw(SHAPE)}

    return draw_points()


def _pareto() -> FamilyRef:
    return FamilyRef(
        name="Pareto",
        symbols_P={"x_m": _m1, "alpha": _al1},
        symbols_Q={"x_m": _m2, "alpha": _al2},
        density=_pareto_density,
        support=lambda prm: ("real", prm["x_m"], inf),
        breakpoints=_pareto_breakpoints,
        kinks=lambda prm: [prm["x_m"]],
        points=_pareto_points(),
        textbook={
            "entropy": _entropy_pareto(_m1, _al1),
            "kl_divergence": _al2 * sp.log(_m1 / _m2) + sp.log(_al1 / _al2) + _al2 / _al1 - 1,
        },
        source="Wikipedia, 'Pareto distribution', Entropy; KL from M. Gil, MSc thesis (2011), as in "
        "torch.distributions.kl._kl_pareto_pareto (finite only when m_2 <= m_1)",
        scipy=lambda prm: _lazy_stats().pareto(float(prm["alpha"]), scale=float(prm["x_m"])),
    )


# ---------------------------------------------------------------- Weibull(k, lam)
_k1, _k2 = _pos("k_1"), _pos("k_2")


def _weibull() -> FamilyRef:
    def density(x: Any, prm: Prm) -> Any:
        if x <= 0:
            return mpmath.mpf(0)
        k, lam = prm["k"], prm["lam"]
        y = x / lam
        return k / lam * mpmath.exp((k - 1) * mpmath.log(y) - y**k)

    def breakpoints(prm: Prm) -> list:
        k, lam = prm["k"], prm["lam"]
        ys = [mpmath.mpf(10) ** -j for j in (8, 6, 4, 2, 1)]
        ys += [mpmath.mpf(v) for v in (0.5, 1, 2, 4, 8, 16, 32, 64, 128)]
        return [lam * y ** (1 / k) for y in ys]

    return FamilyRef(
        name="Weibull",
        symbols_P={"k": _k1, "lam": _lam1},
        symbols_Q={"k": _k2, "lam": _lam2},
        density=density,
        support=lambda prm: ("real", mpmath.mpf(0), inf),
        breakpoints=breakpoints,
        kinks=lambda prm: [mpmath.mpf(0)],
        points=st.fixed_dictionaries({_k1: SHAPE, _lam1: POSITIVE, _k2: SHAPE, _lam2: POSITIVE}),
        textbook={
            "entropy": EG * (1 - 1 / _k1) + sp.log(_lam1 / _k1) + 1,
            "kl_divergence": sp.log(_k1 / _k2) + _k2 * sp.log(_lam2 / _lam1) + EG * (_k2 / _k1 - 1)
            + (_lam1 / _lam2) ** _k2 * sp.gamma(1 + _k2 / _k1) - 1,
        },
        source="Wikipedia, 'Weibull distribution', Information entropy and Kullback-Leibler divergence "
        "(C. Bauckhage, 'Computing the Kullback-Leibler divergence between two Weibull distributions', "
        "arXiv:1310.3713), log terms regrouped",
        scipy=lambda prm: _lazy_stats().weibull_min(float(prm["k"]), scale=float(prm["lam"])),
    )


# ---------------------------------------------------------------- Poisson(rate)
def _poisson_density(x: Any, prm: Prm) -> Any:
    if x < 0 or x != int(x):
        return mpmath.mpf(0)
    lam = prm["rate"]
    return mpmath.exp(x * mpmath.log(lam) - lam - mpmath.loggamma(x + 1))


def _poisson() -> FamilyRef:
    def breakpoints(prm: Prm) -> list:
        lam = prm["rate"]
        return sorted({max(0, int(lam + k * mpmath.sqrt(lam))) for k in (-3, 0, 3, 10)})

    return FamilyRef(
        name="Poisson",
        symbols_P={"rate": _lam1},
        symbols_Q={"rate": _lam2},
        density=_poisson_density,
        support=lambda prm: ("int", 0, inf),
        breakpoints=breakpoints,
        points=st.fixed_dictionaries({_lam1: POSITIVE, _lam2: POSITIVE}),
        textbook={
            "kl_divergence": _lam1 * sp.log(_lam1 / _lam2) + _lam2 - _lam1,
        },
        source="standard (e.g. Wikipedia, 'Poisson distribution'; torch.distributions.kl._kl_poisson_poisson); "
        "entropy has no closed form (lambda(1 - log lambda) + exp(-lambda) sum lambda^k log k!/k!)",
        scipy=lambda prm: _lazy_stats().poisson(float(prm["rate"])),
    )


# ---------------------------------------------------------------- Geometric(p), failures before the first success
def _geometric_density(x: Any, prm: Prm) -> Any:
    if x < 0 or x != int(x):
        return mpmath.mpf(0)
    p = prm["p"]
    return p * (1 - p) ** x


def _geometric() -> FamilyRef:
    def breakpoints(prm: Prm) -> list:
        p = prm["p"]
        return [0] + [int(k * (1 - p) / p) for k in (1, 5, 30)]

    return FamilyRef(
        name="Geometric",
        symbols_P={"p": _p},
        symbols_Q={"p": _q},
        density=_geometric_density,
        support=lambda prm: ("int", 0, inf),
        breakpoints=breakpoints,
        points=st.fixed_dictionaries({_p: PROB, _q: PROB}),
        textbook={
            "entropy": (-(1 - _p) * sp.log(1 - _p) - _p * sp.log(_p)) / _p,
            "kl_divergence": sp.log(_p / _q) + (1 - _p) / _p * sp.log((1 - _p) / (1 - _q)),
        },
        source="Wikipedia, 'Geometric distribution' (failures convention), Entropy; KL derived from "
        "E[K] = (1 - p)/p",
        scipy=lambda prm: _lazy_stats().geom(float(prm["p"]), loc=-1),
    )


# ---------------------------------------------------------------- Binomial(n, p)
_n1 = sp.Symbol("n_1", integer=True, positive=True)
_n2 = sp.Symbol("n_2", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, nonnegative=True)


def _binomial_density(x: Any, prm: Prm) -> Any:
    n = int(prm["n"])
    if x < 0 or x > n or x != int(x):
        return mpmath.mpf(0)
    p = prm["p"]
    return mpmath.binomial(n, int(x)) * p**x * (1 - p) ** (n - x)


@st.composite
def _binomial_points(draw: Any) -> dict:
    """n_1 <= n_2."""
    n2 = draw(st.integers(1, 8))
    n1 = draw(st.integers(1, n2))
    return {_n1: sp.Integer(n1), _p: draw(PROB), _n2: sp.Integer(n2), _q: draw(PROB)}


@st.composite
def _binomial_equal_n_points(draw: Any) -> dict:
    n = sp.Integer(draw(st.integers(1, 8)))
    return {_n1: n, _p: draw(PROB), _n2: n, _q: draw(PROB)}


def _binomial() -> FamilyRef:
    bern_kl = _p * sp.log(_p / _q) + (1 - _p) * sp.log((1 - _p) / (1 - _q))
    pmf = sp.binomial(_n1, _k) * _p**_k * (1 - _p) ** (_n1 - _k)
    return FamilyRef(
        name="Binomial",
        symbols_P={"n": _n1, "p": _p},
        symbols_Q={"n": _n2, "p": _q},
        density=_binomial_density,
        support=lambda prm: ("int", 0, int(prm["n"])),
        breakpoints=lambda prm: list(range(int(prm["n"]) + 1)),
        kinks=lambda prm: [],
        points=_binomial_points(),
        textbook={
            # n_1 <= n_2: the binomial-coefficient term is a finite sum with no closed form
            "kl_divergence": sp.Sum(pmf * sp.log(sp.binomial(_n1, _k) / sp.binomial(_n2, _k)), (_k, 0, _n1))
            + _n1 * bern_kl - (_n2 - _n1) * sp.log(1 - _q),
        },
        conditional={"kl_divergence": (sp.Eq(_n1, _n2), _n1 * bern_kl)},
        conditional_points={"kl_divergence": _binomial_equal_n_points()},
        source="KL for n_1 = n_2: n times the Bernoulli KL (chain rule, Cover & Thomas Thm 2.5.3); for "
        "n_1 < n_2 derived by hand (E[K] = n_1 p); entropy has no closed form",
        notes="textbook['kl_divergence'] is the general n_1 <= n_2 form and keeps a finite Sum; "
        "conditional['kl_divergence'] is the textbook n_1 = n_2 form.",
        scipy=lambda prm: _lazy_stats().binom(int(prm["n"]), float(prm["p"])),
    )


REFERENCE: dict[str, FamilyRef] = {
    f.name: f
    for f in (
        _normal(), _bernoulli(), _exponential(), _gamma(), _beta(), _laplace(), _lognormal(), _uniform(),
        _halfnormal(), _gumbel(), _pareto(), _weibull(), _poisson(), _geometric(), _binomial(),
    )
}


# ---------------------------------------------------------------- Categorical(probs): a vector parameter
_PS = tuple(_pos(f"p_{k}") for k in range(3))
_QS = tuple(_pos(f"q_{k}") for k in range(3))
_K = sp.Symbol("K", integer=True, positive=True)
_i = sp.Symbol("i", integer=True, nonnegative=True)
_pb, _qb = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)


def simplex(k: int) -> st.SearchStrategy[tuple[sp.Rational, ...]]:
    """Probability vectors of length ``k`` with positive rational entries."""
    return st.lists(st.integers(1, 1000), min_size=k, max_size=k).map(lambda w: tuple(R(v, sum(w)) for v in w))


@st.composite
def _symbolic_k_points(draw: Any) -> dict:
    k = draw(st.integers(2, 6))
    return {_K: sp.Integer(k), _pb: draw(simplex(k)), _qb: draw(simplex(k))}


def _categorical(p: Any, q: Any, points: st.SearchStrategy[dict], textbook: dict[str, sp.Expr]) -> FamilyRef:
    return FamilyRef(
        name="Categorical",
        symbols_P={"probs": p},
        symbols_Q={"probs": q},
        density=lambda x, prm: prm["probs"][x] if 0 <= x < len(prm["probs"]) else mpmath.mpf(0),
        support=lambda prm: ("int", 0, len(prm["probs"]) - 1),
        breakpoints=lambda prm: list(range(len(prm["probs"]))),
        points=points,
        textbook=textbook,
        source="Cover & Thomas, Definitions 2.1 and 2.26",
    )


CATEGORICAL_K3 = _categorical(
    _PS, _QS, st.tuples(simplex(3), simplex(3)).map(lambda t: {**dict(zip(_PS, t[0])), **dict(zip(_QS, t[1]))}),
    {"entropy": -sp.Add(*(pk * sp.log(pk) for pk in _PS)),
     "cross_entropy": -sp.Add(*(pk * sp.log(qk) for pk, qk in zip(_PS, _QS))),
     "kl_divergence": sp.Add(*(pk * sp.log(pk / qk) for pk, qk in zip(_PS, _QS)))})
CATEGORICAL_SYMBOLIC_K = _categorical(
    _pb, _qb, _symbolic_k_points(),
    {"entropy": -sp.Sum(_pb[_i] * sp.log(_pb[_i]), (_i, 0, _K - 1)),
     "cross_entropy": -sp.Sum(_pb[_i] * sp.log(_qb[_i]), (_i, 0, _K - 1)),
     "kl_divergence": sp.Sum(_pb[_i] * sp.log(_pb[_i] / _qb[_i]), (_i, 0, _K - 1))})


# ================================================================ the rows of the per-row tests
CASES: list[Case] = [
    Case("normal", REFERENCE["Normal"], sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")),
    Case("bernoulli", REFERENCE["Bernoulli"], sd.Bernoulli("p"), sd.Bernoulli("q")),
    Case("categorical-K3", CATEGORICAL_K3, sd.Categorical.symbolic("p", 3), sd.Categorical.symbolic("q", 3)),
    Case("categorical-symbolic-K", CATEGORICAL_SYMBOLIC_K, sd.Categorical.symbolic("p", "K"),
         sd.Categorical.symbolic("q", "K")),
]
#: measure name -> the symdiv function that derives it
MEASURES = {"entropy": sd.entropy, "cross_entropy": sd.cross_entropy, "kl_divergence": sd.kl_divergence}


def derive(case: Case, measure: str) -> sd.Derivation:
    fn = MEASURES[measure]
    return fn(case.P) if measure == "entropy" else fn(case.P, case.Q)


# ================================================================ cross-family KL
def _indep(p_fam: str, q_fam: str, **override: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Independent draws of P's role-1 and Q's role-2 parameters from their families' ranges."""
    table = {_mu1: LOCATION, _mu2: LOCATION, _a1: LOCATION, _a2: LOCATION}
    table.update({_al1: SHAPE, _al2: SHAPE, _be1: POSITIVE, _be2: POSITIVE, _k1: SHAPE, _k2: SHAPE})
    table.update({_p: PROB, _q: PROB})
    shape_beta = {"Beta"}  # Beta's beta is a shape
    syms = list(REFERENCE[p_fam].symbols_P.values()) + list(REFERENCE[q_fam].symbols_Q.values())
    strategies = {}
    for s in syms:
        if s.name in override:
            strategies[s] = override[s.name]
        elif (s == _be1 and p_fam in shape_beta) or (s == _be2 and q_fam in shape_beta):
            strategies[s] = BETA_SHAPE
        else:
            strategies[s] = table.get(s, POSITIVE)
    return st.fixed_dictionaries(strategies)


@st.composite
def _uniform_in_unit(draw: Any, q_fam: str) -> dict:
    """0 < a_1 < b_1 < 1 (strictly, so that no 0 log 0 appears), Q independent."""
    a1 = draw(fractions(R(1, 20), R(1, 2)))
    b1 = a1 + draw(fractions(R(1, 20), R(19, 20) - a1))
    out = draw(_indep("Uniform", q_fam, a_1=st.just(a1), b_1=st.just(b1)))
    return out


@st.composite
def _uniform_positive(draw: Any, q_fam: str) -> dict:
    """0 < a_1 < b_1, Q independent."""
    a1 = draw(fractions(R(1, 10), R(3)))
    b1 = a1 + draw(fractions(R(1, 4), R(4)))
    return draw(_indep("Uniform", q_fam, a_1=st.just(a1), b_1=st.just(b1)))


@st.composite
def _uniform_any(draw: Any, q_fam: str) -> dict:
    a1 = draw(LOCATION)
    b1 = a1 + draw(fractions(R(1, 4), R(4)))
    return draw(_indep("Uniform", q_fam, a_1=st.just(a1), b_1=st.just(b1)))


@st.composite
def _uniform_pareto(draw: Any) -> dict:
    """m_2 <= a_1 < b_1."""
    m2 = draw(POSITIVE)
    a1 = m2 + draw(fractions(R(0), R(2)))
    b1 = a1 + draw(fractions(R(1, 4), R(4)))
    return {_a1: a1, _ub1: b1, _m2: m2, _al2: draw(SHAPE)}


# expressions reused below (role 1 of P's family)
_H_beta = _entropy_beta(_al1, _be1)
_H_gamma = _entropy_gamma(_al1, _be1)
_H_pareto = _entropy_pareto(_m1, _al1)
_H_bern = -_p * sp.log(_p) - (1 - _p) * sp.log(1 - _p)
_w = _ub1 - _a1  # Uniform width
_ElogU = (_ub1 * sp.log(_ub1) - _a1 * sp.log(_a1)) / _w - 1  # E[log X], X ~ U(a_1, b_1), a_1 > 0
_Elog1mU = ((1 - _a1) * sp.log(1 - _a1) - (1 - _ub1) * sp.log(1 - _ub1)) / _w - 1  # E[log(1 - X)]
_log_norm2 = sp.log(2 * sp.pi * _s2**2) / 2  # log(sigma_2 sqrt(2 pi))
_j = sp.Symbol("k", integer=True, nonnegative=True)

_TORCH = "torch.distributions.kl."


def _normal_gumbel_bp(pp: Prm, pq: Prm) -> list:
    # the Gumbel term weights the normal by exp(-x/beta_2): mass moves to mu_1 - sigma_1^2/beta_2
    c = pp["mu"] - pp["sigma"] ** 2 / pq["beta"]
    return [c + k * pp["sigma"] for k in (-8, -4, -2, -1, 0, 1, 2, 4, 8)]


#: one row per pair of ``CROSS_PAIRS``, in its order (tests/test_catalog.py parametrizes over the list,
#: tests/test_docs.py compares the keys with it)
CROSS_KL: dict[tuple[str, str], CrossRef] = {
    ("Bernoulli", "Poisson"): CrossRef(
        textbook=-_H_bern - _p * sp.log(_lam2) + _lam2,
        source=_TORCH + "_kl_bernoulli_poisson",
        points=_indep("Bernoulli", "Poisson"),
    ),
    ("Beta", "Exponential"): CrossRef(
        textbook=-_H_beta - sp.log(_lam2) + _lam2 * _al1 / (_al1 + _be1),
        source=_TORCH + "_kl_beta_exponential",
        points=_indep("Beta", "Exponential"),
    ),
    ("Beta", "Gamma"): CrossRef(
        textbook=-_H_beta + lgam(_al2) - _al2 * sp.log(_be2)
        - (_al2 - 1) * (psi(_al1) - psi(_al1 + _be1)) + _be2 * _al1 / (_al1 + _be1),
        source=_TORCH + "_kl_beta_gamma",
        points=_indep("Beta", "Gamma"),
    ),
    ("Beta", "Normal"): CrossRef(
        textbook=-_H_beta + _log_norm2
        + (_al1 * _be1 / ((_al1 + _be1) ** 2 * (_al1 + _be1 + 1)) + (_al1 / (_al1 + _be1) - _mu2) ** 2)
        / (2 * _s2**2),
        source=_TORCH + "_kl_beta_normal",
        points=_indep("Beta", "Normal"),
    ),
    ("Beta", "Uniform"): CrossRef(
        textbook=-_H_beta + sp.log(_ub2 - _a2),
        source=_TORCH + "_kl_beta_uniform",
        points=_indep("Beta", "Uniform", a_2=fractions(R(-2), R(0)), b_2=fractions(R(1), R(3))),
        condition=sp.And(_a2 <= 0, _ub2 >= 1),
    ),
    ("Exponential", "Gamma"): CrossRef(
        textbook=-_al2 * sp.log(_be2 / _lam1) + _be2 / _lam1 + lgam(_al2) + _al2 * EG - (1 + EG),
        source=_TORCH + "_kl_exponential_gamma",
        points=_indep("Exponential", "Gamma"),
    ),
    ("Exponential", "Gumbel"): CrossRef(
        textbook=sp.log(_lam1 * _be2) - 1 - _mu2 / _be2 + 1 / (_lam1 * _be2)
        + sp.exp(_mu2 / _be2) * _lam1 * _be2 / (_lam1 * _be2 + 1),
        source=_TORCH + "_kl_exponential_gumbel",
        points=_indep("Exponential", "Gumbel"),
    ),
    ("Exponential", "Normal"): CrossRef(
        textbook=sp.log(2 * sp.pi * _lam1**2 * _s2**2) / 2 - 1
        + (1 / _lam1**2 - _mu2 / _lam1 + _mu2**2 / 2) / _s2**2,
        source=_TORCH + "_kl_exponential_normal",
        points=_indep("Exponential", "Normal"),
    ),
    ("Gamma", "Exponential"): CrossRef(
        textbook=-_H_gamma - sp.log(_lam2) + _lam2 * _al1 / _be1,
        source=_TORCH + "_kl_gamma_exponential",
        points=_indep("Gamma", "Exponential"),
    ),
    ("Gamma", "Gumbel"): CrossRef(
        textbook=(_al1 - 1) * psi(_al1) - lgam(_al1) - _al1 + sp.log(_be1 * _be2) + _al1 / (_be1 * _be2)
        + sp.exp(_mu2 / _be2) * (1 + 1 / (_be1 * _be2)) ** (-_al1) - _mu2 / _be2,
        source=_TORCH + "_kl_gamma_gumbel",
        points=_indep("Gamma", "Gumbel"),
    ),
    ("Gamma", "Normal"): CrossRef(
        textbook=sp.log(2 * sp.pi * _be1**2 * _s2**2) / 2 - _al1 - lgam(_al1) + (_al1 - 1) * psi(_al1)
        + ((_al1**2 + _al1) / (2 * _be1**2) - _mu2 * _al1 / _be1 + _mu2**2 / 2) / _s2**2,
        source=_TORCH + "_kl_gamma_normal",
        points=_indep("Gamma", "Normal"),
    ),
    ("Gumbel", "Normal"): CrossRef(
        textbook=-sp.log(_be1 / (sp.sqrt(2 * sp.pi) * _s2)) + sp.pi**2 * _be1**2 / (12 * _s2**2)
        + (_mu1 + EG * _be1 - _mu2) ** 2 / (2 * _s2**2) - (EG + 1),
        source=_TORCH + "_kl_gumbel_normal (recent versions; early ones had pi*ratio/12 for pi^2 ratio^2/12)",
        points=_indep("Gumbel", "Normal"),
    ),
    ("Laplace", "Normal"): CrossRef(
        textbook=-sp.log(2 * _b1**2 / (sp.pi * _s2**2)) / 2 + _b1**2 / _s2**2 + (_mu1 - _mu2) ** 2 / (2 * _s2**2) - 1,
        source=_TORCH + "_kl_laplace_normal",
        points=_indep("Laplace", "Normal"),
    ),
    ("Normal", "Gumbel"): CrossRef(
        textbook=-sp.log(_s1 / _be2) + (_mu1 - _mu2) / _be2
        + sp.exp(-(_mu1 - _mu2) / _be2 + _s1**2 / (2 * _be2**2)) - (1 + sp.log(2 * sp.pi)) / 2,
        source=_TORCH + "_kl_normal_gumbel",
        points=_indep("Normal", "Gumbel"),
        extra_breakpoints=_normal_gumbel_bp,
    ),
    ("Normal", "Laplace"): CrossRef(
        textbook=-sp.log(_s1 / _b2)
        + (sp.sqrt(2 / sp.pi) * _s1 * sp.exp(-((_mu1 - _mu2) ** 2) / (2 * _s1**2))
           + (_mu1 - _mu2) * sp.erf((_mu1 - _mu2) / (sp.sqrt(2) * _s1))) / _b2
        - (1 + sp.log(sp.pi / 2)) / 2,
        source=_TORCH + "_kl_normal_laplace (recent versions; early ones ignored the locations)",
        points=_indep("Normal", "Laplace"),
    ),
    ("Pareto", "Exponential"): CrossRef(
        textbook=sp.log(_al1 / (_m1 * _lam2)) - 1 / _al1 + _lam2 * _al1 * _m1 / (_al1 - 1) - 1,
        source=_TORCH + "_kl_pareto_exponential",
        points=_indep("Pareto", "Exponential", alpha_1=fractions(R(3, 2), R(5))),
        condition=_al1 > 1,
        notes="+oo for alpha_1 <= 1 (E[X] infinite)",
    ),
    ("Pareto", "Gamma"): CrossRef(
        textbook=-_H_pareto + lgam(_al2) - _al2 * sp.log(_be2) - (_al2 - 1) * (sp.log(_m1) + 1 / _al1)
        + _be2 * _al1 * _m1 / (_al1 - 1),
        source=_TORCH + "_kl_pareto_gamma",
        points=_indep("Pareto", "Gamma", alpha_1=fractions(R(3, 2), R(5))),
        condition=_al1 > 1,
        notes="+oo for alpha_1 <= 1 (E[X] infinite)",
    ),
    ("Pareto", "Normal"): CrossRef(
        textbook=-_H_pareto + _log_norm2
        + (_al1 * _m1**2 / ((_al1 - 1) ** 2 * (_al1 - 2)) + (_al1 * _m1 / (_al1 - 1) - _mu2) ** 2) / (2 * _s2**2),
        source=_TORCH + "_kl_pareto_normal",
        points=_indep("Pareto", "Normal", alpha_1=fractions(R(5, 2), R(5))),
        condition=_al1 > 2,
        notes="+oo for alpha_1 <= 2 (E[X^2] infinite)",
    ),
    ("Uniform", "Beta"): CrossRef(
        textbook=-sp.log(_w) + sp.log(sp.beta(_al2, _be2)) - (_al2 - 1) * _ElogU - (_be2 - 1) * _Elog1mU,
        source=_TORCH + "_kl_uniform_beta",
        points=_uniform_in_unit("Beta"),
        condition=sp.And(_a1 >= 0, _ub1 <= 1),
        notes="points keep 0 < a_1 < b_1 < 1 strictly: at a_1 = 0 or b_1 = 1 the form has 0*log(0) (= 0)",
    ),
    ("Uniform", "Exponential"): CrossRef(
        textbook=_lam2 * (_ub1 + _a1) / 2 - sp.log(_w * _lam2),
        source=_TORCH + "_kl_uniform_exponetial [sic]",
        points=_uniform_positive("Exponential"),
        condition=_a1 >= 0,
    ),
    ("Uniform", "Gamma"): CrossRef(
        textbook=-sp.log(_w) + lgam(_al2) - _al2 * sp.log(_be2) - (_al2 - 1) * _ElogU + _be2 * (_ub1 + _a1) / 2,
        source=_TORCH + "_kl_uniform_gamma",
        points=_uniform_positive("Gamma"),
        condition=_a1 >= 0,
        notes="points keep a_1 > 0: at a_1 = 0 the form has 0*log(0) (= 0)",
    ),
    ("Uniform", "Gumbel"): CrossRef(
        textbook=sp.log(_be2 / _w) + ((_a1 + _ub1) / 2 - _mu2) / _be2
        + _be2 * (sp.exp(-(_a1 - _mu2) / _be2) - sp.exp(-(_ub1 - _mu2) / _be2)) / _w,
        source=_TORCH + "_kl_uniform_gumbel",
        points=_uniform_any("Gumbel"),
    ),
    ("Uniform", "Normal"): CrossRef(
        textbook=sp.log(sp.sqrt(2 * sp.pi) * _s2 / _w) + (_w**2 / 12 + ((_a1 + _ub1) / 2 - _mu2) ** 2) / (2 * _s2**2),
        source=_TORCH + "_kl_uniform_normal",
        points=_uniform_any("Normal"),
    ),
    ("Uniform", "Pareto"): CrossRef(
        textbook=(_al2 + 1) * _ElogU - sp.log(_al2 * _m2**_al2 * _w),
        source=_TORCH + "_kl_uniform_pareto",
        points=_uniform_pareto(),
        condition=_a1 >= _m2,
    ),
    ("Exponential", "LogNormal"): CrossRef(
        textbook=_log_norm2 - 1 - EG + (sp.pi**2 / 6 + (_mu2 + EG + sp.log(_lam1)) ** 2) / (2 * _s2**2),
        source="derived: log X ~ -(Gumbel-min) for X ~ Exp(lambda_1): E[log X] = -gamma - log lambda_1, "
        "Var[log X] = pi^2/6 (Wikipedia, 'Exponential distribution', Related distributions)",
        points=_indep("Exponential", "LogNormal"),
    ),
    ("Geometric", "Poisson"): CrossRef(
        textbook=sp.log(_p) + (1 - _p) / _p * sp.log((1 - _p) / _lam2) + _lam2
        + sp.Sum(_p * (1 - _p) ** _j * sp.log(sp.factorial(_j)), (_j, 0, sp.oo)),
        source="derived: E[K] = (1 - p)/p; the E[log K!] series has no closed form",
        points=_indep("Geometric", "Poisson"),
        closed_form=False,
        notes="E[log K!] = sum_{j>=2} (1-p)^j log j, i.e. -d/ds Li_s(1-p) at s = 0; no elementary form",
    ),
    ("Poisson", "Geometric"): CrossRef(
        textbook=_lam1 * sp.log(_lam1) - _lam1
        - sp.exp(-_lam1) * sp.Sum(_lam1**_j * sp.log(sp.factorial(_j)) / sp.factorial(_j), (_j, 0, sp.oo))
        - sp.log(_q) - _lam1 * sp.log(1 - _q),
        source="derived: -H(Poisson) - log q - E[K] log(1 - q); the Poisson entropy keeps E[log K!]",
        points=_indep("Poisson", "Geometric"),
        closed_form=False,
        notes="the series is exactly the one in the Poisson entropy; no closed form",
    ),
    ("Bernoulli", "Binomial"): CrossRef(
        textbook=_p * sp.log(_p / (_n2 * _q)) + (1 - _p) * sp.log(1 - _p) - (_n2 - _p) * sp.log(1 - _q),
        source="derived: Q(0) = (1 - q)^n_2, Q(1) = n_2 q (1 - q)^(n_2 - 1)",
        points=_indep("Bernoulli", "Binomial", n_2=st.integers(1, 8).map(sp.Integer)),
    ),
}


# ================================================================ numeric helpers
def _ref(family: str | FamilyRef | Case) -> FamilyRef:
    if isinstance(family, Case):
        return family.ref
    return REFERENCE[family] if isinstance(family, str) else family


def _value(sym: Any, point: dict) -> Any:
    if isinstance(sym, tuple):  # a vector of explicit length: one symbol per entry
        return [_mp(point[s]) for s in sym]
    if isinstance(sym, sp.IndexedBase):  # a vector of symbolic length: the point gives all its entries
        return [_mp(v) for v in point[sym]]
    return _mp(point[sym])


def params_at(family: str | FamilyRef | Case, point: dict, role: int = 1) -> Prm:
    """mpmath parameters of ``family`` in ``role`` (1 = P, 2 = Q) at a sympy point."""
    return {name: _value(sym, point) for name, sym in _ref(family).symbols(role).items()}


def _sum_int(f: Callable[[int], Any], lo: Any, hi: Any, start: int = 0) -> Any:
    """sum_{k=lo}^{hi} f(k), hi possibly infinite: direct summation until the terms are negligible."""
    lo = int(lo)
    if hi != inf:
        return mpmath.fsum(f(k) for k in range(lo, int(hi) + 1))
    eps = mpmath.mpf(10) ** -(mpmath.mp.dps + 5)
    total, small, k = mpmath.mpf(0), 0, lo
    while True:
        t = f(k)
        total += t
        small = small + 1 if abs(t) <= eps * abs(total) else 0
        if small >= 20 and k > start:
            return total
        k += 1
        if k > lo + 10**6:
            raise RuntimeError("series did not converge")


def kl_breakpoints(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm, extra: list | None = None) -> list:
    """P's breakpoints plus the points inside supp P where Q's density is not smooth."""
    _, lo, hi = ref_p.support(prm_p)
    return _inside(list(ref_p.breakpoints(prm_p)) + list(ref_q.kinks(prm_q)) + list(extra or []), lo, hi)


def pair_breakpoints(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm, lo: Any, hi: Any,
                     extra: list | None = None) -> list:
    """Both families' breakpoints and kinks, both supports' ends and ``extra``, strictly inside (lo, hi).

    For integrands that involve both densities alike (Bhattacharyya, Renyi, TV, JS, chi^2): the
    mass may sit where either density has it, and either density may have a kink there.
    """
    pts: list[Any] = list(extra or [])
    for ref, prm in ((ref_p, prm_p), (ref_q, prm_q)):
        _, a, b = ref.support(prm)
        pts += [*ref.breakpoints(prm), *ref.kinks(prm), a, b]
    return _inside([x for x in pts if mpmath.isfinite(x)], lo, hi)


def _integrate(f: Callable[[Any], Any], kind: str, lo: Any, hi: Any, bps: list) -> Any:
    """int_lo^hi f (quadrature split at ``bps``) or, for kind "int", sum_{k=lo}^{hi} f(k)."""
    if kind == "int":
        return _sum_int(f, lo, hi, start=int(max(bps)) if bps else 0)
    return mpmath.quad(f, [lo, *_inside(bps, lo, hi), hi])


def _nested(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm) -> bool:
    """supp P within supp Q (the supports are intervals, or integer ranges)."""
    _, lo_p, hi_p = ref_p.support(prm_p)
    _, lo_q, hi_q = ref_q.support(prm_q)
    return lo_q <= lo_p and hi_p <= hi_q


def _kind(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm) -> str:
    kind_p, kind_q = ref_p.support(prm_p)[0], ref_q.support(prm_q)[0]
    if kind_p != kind_q:
        raise ValueError(f"{ref_p.name} and {ref_q.name}: one is discrete, the other continuous")
    return kind_p


def _log(x: Any) -> Any:
    return mpmath.log(x) if x > 0 else -inf


def crossings(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm, extra: list | None = None,
              per_interval: int = 16) -> list:
    """The points where p = q (sign changes of log p - log q) where both densities have mass.

    Scans log p - log q on a grid -- both families' breakpoints, kinks and support ends inside the
    intersection of the supports, each gap cut into ``per_interval`` pieces, plus a few points beyond
    the outermost ones towards an infinite end -- brackets every sign change and refines it with
    ``mpmath.findroot`` (Anderson's bracketing method), falling back to bisection, at the working
    precision. Two crossings within one grid cell are missed (no sign change); beyond the grid the
    densities are negligible.
    """
    _, lo_p, hi_p = ref_p.support(prm_p)
    _, lo_q, hi_q = ref_q.support(prm_q)
    lo, hi = max(lo_p, lo_q), min(hi_p, hi_q)
    if not lo < hi:
        return []
    base = pair_breakpoints(ref_p, prm_p, ref_q, prm_q, lo, hi, extra)
    if not base:
        base = [(lo + hi) / 2] if mpmath.isfinite(lo) and mpmath.isfinite(hi) else [mpmath.mpf(0)]
    span = max(base[-1] - base[0], mpmath.mpf(1))
    ends = ([lo] if mpmath.isfinite(lo) else [base[0] - span * 2**j for j in range(3, -1, -1)]) + base
    ends += [hi] if mpmath.isfinite(hi) else [base[-1] + span * 2**j for j in range(4)]
    grid = [a + (b - a) * mpmath.mpf(i) / per_interval for a, b in zip(ends, ends[1:]) for i in range(per_interval)]
    grid = [x for x in grid if lo < x < hi] + ([ends[-1]] if ends[-1] < hi else [])

    def h(x: Any) -> Any:
        return _log(ref_p.density(x, prm_p)) - _log(ref_q.density(x, prm_q))

    vals = [(x, h(x)) for x in grid]
    vals = [(x, v) for x, v in vals if mpmath.isfinite(v)]
    roots = [x for x, v in vals if v == 0]
    for (a, fa), (b, fb) in zip(vals, vals[1:]):
        if fa * fb >= 0:
            continue
        r = None
        try:
            r = mpmath.findroot(h, (a, b), solver="anderson")
        except (ValueError, ZeroDivisionError):
            pass
        if r is None or not a <= r <= b or abs(h(r)) > mpmath.mpf(10) ** -(mpmath.mp.dps - 8):
            while b - a > mpmath.eps * max(1, abs(a)) * 4:  # bisection
                m = (a + b) / 2
                fm = h(m)
                if fm == 0:
                    a = b = m
                    break
                a, fa, b, fb = (a, fa, m, fm) if fa * fm < 0 else (m, fm, b, fb)
            r = (a + b) / 2
        roots.append(r)
    return sorted(roots)


#: the measures :func:`by_definition` computes; the last ones take P and Q alike
DEFINED = ("entropy", "cross_entropy", "kl_divergence", "renyi_divergence", "bhattacharyya_coefficient",
           "bhattacharyya_distance", "hellinger_distance", "chi_squared_divergence", "total_variation",
           "jeffreys_divergence", "js_divergence")


def _kl(ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm, extra: list, cross: bool = False) -> Any:
    """KL(P || Q) (or, ``cross``, the cross-entropy) over supp P; +oo when supp P is not within supp Q."""
    if not _nested(ref_p, prm_p, ref_q, prm_q):
        return inf

    def integrand(x: Any) -> Any:
        px = ref_p.density(x, prm_p)
        if px == 0:
            return mpmath.mpf(0)
        qx = ref_q.density(x, prm_q)
        if cross:
            return -px * mpmath.log(qx)
        return px * (mpmath.log(px) - mpmath.log(qx))

    kind, lo, hi = ref_p.support(prm_p)
    if kind == "int":
        return _integrate(integrand, kind, lo, hi, ref_p.breakpoints(prm_p))
    return _integrate(integrand, kind, lo, hi, kl_breakpoints(ref_p, prm_p, ref_q, prm_q, extra))


def _pair_measure(measure: str, ref_p: FamilyRef, prm_p: Prm, ref_q: FamilyRef, prm_q: Prm, extra: list,
                  alpha: Any) -> Any:
    """The measures beyond entropy, cross-entropy and KL, from their definitions."""
    kind = _kind(ref_p, prm_p, ref_q, prm_q)
    _, lo_p, hi_p = ref_p.support(prm_p)
    _, lo_q, hi_q = ref_q.support(prm_q)
    union = (min(lo_p, lo_q), max(hi_p, hi_q))
    meet = (max(lo_p, lo_q), min(hi_p, hi_q))
    nested = _nested(ref_p, prm_p, ref_q, prm_q)

    def dens(x: Any) -> tuple[Any, Any]:
        return ref_p.density(x, prm_p), ref_q.density(x, prm_q)

    def over(f: Callable[[Any], Any], region: tuple[Any, Any], more: list | None = None) -> Any:
        lo, hi = region
        if not lo <= hi or (kind == "real" and lo == hi):
            return mpmath.mpf(0)
        bps = pair_breakpoints(ref_p, prm_p, ref_q, prm_q, lo, hi, extra + list(more or []))
        if kind == "int":
            bps = [*ref_p.breakpoints(prm_p), *ref_q.breakpoints(prm_q)]
        return _integrate(f, kind, lo, hi, bps)

    if measure == "jeffreys_divergence":
        return _kl(ref_p, prm_p, ref_q, prm_q, extra) + _kl(ref_q, prm_q, ref_p, prm_p, extra)
    if measure in ("bhattacharyya_coefficient", "bhattacharyya_distance", "hellinger_distance"):
        def root(x: Any) -> Any:
            px, qx = dens(x)
            return mpmath.sqrt(px * qx)

        bc = over(root, meet)
        if measure == "bhattacharyya_coefficient":
            return bc
        if measure == "bhattacharyya_distance":
            return -mpmath.log(bc) if bc > 0 else inf
        return mpmath.sqrt(max(1 - bc, 0))
    if measure == "renyi_divergence":
        if alpha is None:
            raise ValueError("renyi_divergence needs alpha")
        a = _mp(alpha)
        if not a > 0 or a == 1:
            raise ValueError(f"renyi_divergence: alpha = {alpha} must be > 0 and != 1")
        if a > 1 and not nested:
            return inf

        def tilted(x: Any) -> Any:
            px, qx = dens(x)
            if px == 0:
                return mpmath.mpf(0)
            if qx == 0:
                return inf if a > 1 else mpmath.mpf(0)
            return mpmath.exp(a * mpmath.log(px) + (1 - a) * mpmath.log(qx))

        s = over(tilted, meet)
        return mpmath.log(s) / (a - 1) if s > 0 else inf
    if measure == "chi_squared_divergence":
        if not nested:
            return inf

        def pearson(x: Any) -> Any:
            px, qx = dens(x)
            if qx == 0:
                return inf if px > 0 else mpmath.mpf(0)
            return (px - qx) ** 2 / qx

        return over(pearson, (lo_q, hi_q))
    if measure == "total_variation":
        def gap(x: Any) -> Any:
            px, qx = dens(x)
            return abs(px - qx)

        more = crossings(ref_p, prm_p, ref_q, prm_q, extra) if kind == "real" else []
        return over(gap, union, more) / 2
    if measure == "js_divergence":
        log2 = mpmath.log(2)

        def js(x: Any) -> Any:
            px, qx = dens(x)
            lp, lq = _log(px), _log(qx)
            lm = max(lp, lq) + mpmath.log1p(mpmath.exp(min(lp, lq) - max(lp, lq))) - log2  # log m
            return ((px * (lp - lm) if px > 0 else 0) + (qx * (lq - lm) if qx > 0 else 0)) / 2

        return over(js, union)
    raise ValueError(f"unknown measure {measure!r}; known: {', '.join(DEFINED)}")


def by_definition(
    p_family: str | FamilyRef | Case, measure: str, point: dict, q_family: str | FamilyRef | None = None,
    dps: int = 40, extra_breakpoints: Callable[[Prm, Prm], list] | None = None, alpha: Any = None,
) -> Any:
    """``measure`` (one of ``DEFINED``) at ``point`` straight from its definition.

    P is ``p_family`` (a name of ``REFERENCE``, a ref or a case) in role 1; Q is ``q_family`` (default:
    the same family) in role 2, possibly another family (both discrete or both continuous). For a pair
    in ``CROSS_KL`` its ``extra_breakpoints`` are used unless others are given; for the measures
    beyond KL they are added to both families' breakpoints.

    * "entropy", "cross_entropy", "kl_divergence": -int p log p, -int p log q, int p log(p/q) over supp P.
    * "renyi_divergence": 1/(alpha - 1) log int p^alpha q^(1 - alpha) (``alpha`` > 0, != 1, a sympy
      Rational or a number), over supp P and supp Q's intersection.
    * "bhattacharyya_coefficient" BC = int sqrt(p q); "bhattacharyya_distance" -log BC (+oo for BC = 0);
      "hellinger_distance" sqrt(1 - BC) (so H^2 = 1 - BC = 1/2 int (sqrt p - sqrt q)^2).
    * "chi_squared_divergence": Pearson's int (p - q)^2 / q over supp Q.
    * "total_variation": 1/2 int |p - q| over the union of the supports; the quadrature is split at the
      points where p = q (:func:`crossings`), the supports' ends and both families' breakpoints; mass
      of one outside the other's support counts fully.
    * "jeffreys_divergence": KL(P || Q) + KL(Q || P), each as "kl_divergence".
    * "js_divergence": 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q)/2, over the union of the supports.

    Infinite values: +oo (``mpmath.inf``) is returned only where the integrand is clearly infinite on a
    set of positive measure -- supp P not within supp Q for cross-entropy, KL, Jeffreys (either way),
    chi^2 and Renyi with alpha > 1. Otherwise a divergent integral (chi^2 or Renyi alpha > 1 against
    a lighter tail or a stronger endpoint singularity, e.g. Normal sigma_1^2 >= 2 sigma_2^2 for chi^2)
    is NOT detected: the quadrature returns some finite number. Callers use the reference only where
    the measure is known to be finite. The integrand's mass is assumed to lie among the families'
    breakpoints (for alpha > 1 it may move far out: pass ``extra_breakpoints`` then).
    """
    ref_p = _ref(p_family)
    ref_q = ref_p if q_family is None else _ref(q_family)
    if extra_breakpoints is None and isinstance(p_family, str) and isinstance(q_family, str) \
            and (p_family, q_family) in CROSS_KL:
        extra_breakpoints = CROSS_KL[p_family, q_family].extra_breakpoints
    if measure not in DEFINED:
        raise ValueError(f"unknown measure {measure!r}; known: {', '.join(DEFINED)}")
    with mpmath.workdps(dps):
        prm_p = params_at(ref_p, point, 1)
        if measure == "entropy":
            def integrand(x: Any) -> Any:
                px = ref_p.density(x, prm_p)
                return -px * mpmath.log(px) if px != 0 else mpmath.mpf(0)

            kind, lo, hi = ref_p.support(prm_p)
            return _integrate(integrand, kind, lo, hi, ref_p.breakpoints(prm_p))
        prm_q = params_at(ref_q, point, 2)
        extra = list(extra_breakpoints(prm_p, prm_q)) if extra_breakpoints else []
        if measure in ("cross_entropy", "kl_divergence"):
            return _kl(ref_p, prm_p, ref_q, prm_q, extra, cross=measure == "cross_entropy")
        return _pair_measure(measure, ref_p, prm_p, ref_q, prm_q, extra, alpha)


def _sum_value(s: sp.Sum) -> Any:
    (var, lo, hi), = s.limits
    f = sp.lambdify(var, s.function, modules="mpmath")
    # k goes in as an mpf: lambdify may print 20**(-k), a float for a Python int k
    return _sum_int(lambda k: f(mpmath.mpf(k)), int(lo), inf if hi is sp.oo else int(hi), start=50)


def evaluate(expr: sp.Expr, point: dict, dps: int = 40) -> Any:
    """A (textbook) expression at a point, as mpf; ``Sum`` s (infinite ones too) summed numerically.

    A point may map an IndexedBase to its entries (a symbolic length, fixed by the point).
    """
    with mpmath.workdps(dps + 10):
        vectors = {b: v for b, v in point.items() if isinstance(b, sp.IndexedBase)}
        e = sp.sympify(expr).subs({s: v for s, v in point.items() if s not in vectors})
        if vectors:  # the length is a number now: write the sums out, then put in the entries
            e = e.doit()
            e = e.xreplace({ix: vectors[ix.base][int(ix.indices[0])] for ix in e.atoms(sp.Indexed)})
        sums = {s: sp.Float(str(_sum_value(s)), dps + 10) for s in e.atoms(sp.Sum)}
        if sums:
            e = e.xreplace(sums)
        v = sp.N(e, dps + 10)
        if not v.is_real:
            raise ValueError(f"not a real number: {v}")
        return mpmath.mpf(str(v))


REL = mpmath.mpf(10) ** -20


def close(a: Any, b: Any, rel: Any = REL) -> bool:
    """|a - b| <= rel * max(1, |b|): relative, absolute near 0 (the tests' criterion)."""
    return abs(a - b) <= rel * max(1, abs(b))


def sample_points(strategy: st.SearchStrategy, n: int = 5) -> list[dict]:
    """``n`` draws from a strategy, reproducibly (hypothesis, derandomized)."""
    from hypothesis import HealthCheck, Phase, given, settings

    out: list[dict] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(pt: dict) -> None:
        out.append(pt)

    collect()
    return out[:n]


# ================================================================ self-check
def _err(a: Any, b: Any) -> Any:
    return abs(a - b) / max(1, abs(b))


def _digits(worst: Any) -> str:
    """Flag agreements that pass the 1e-20 bar but fall short of the 25 digits the breakpoints aim at."""
    return "" if worst <= mpmath.mpf(10) ** -25 else "  [< 25 digits]"


def self_check(n_points: int = 5, verbose: bool = True) -> list[str]:
    """Check every density (mass 1, scipy agreement) and every textbook form (against its definition).

    Returns the list of failures (empty when all is well) and prints a line per check.
    """
    failures: list[str] = []

    def report(ok: bool, msg: str) -> None:
        if not ok:
            failures.append(msg)
        if verbose:
            print(("ok   " if ok else "FAIL ") + msg, flush=True)

    mpmath.mp.dps = 40
    tol_mass = mpmath.mpf(10) ** -25
    refs = [*REFERENCE.items(), *((c.id, c.ref) for c in CASES if c.ref.name not in REFERENCE)]
    for name, ref in refs:
        pts = sample_points(ref.points, n_points)
        # mass 1 and scipy agreement
        worst_mass, worst_scipy = mpmath.mpf(0), 0.0
        for pt in pts:
            for role in (1, 2):
                prm = params_at(ref, pt, role)
                kind, lo, hi = ref.support(prm)
                pdf = functools.partial(ref.density, prm=prm)
                if kind == "int":
                    mass = _sum_int(pdf, lo, hi)
                    xs = list(range(int(lo), int(lo) + 6)) if hi == inf else list(range(int(lo), int(hi) + 1))
                else:
                    bps = _inside(ref.breakpoints(prm), lo, hi)
                    mass = mpmath.quad(pdf, [lo, *bps, hi])
                    # scipy works in doubles: skip points a float cannot place away from the ends
                    ok = [x for x in bps if min(x - lo, hi - x) > 1e-6 and abs(x) < 1e12]
                    xs = [ok[i] for i in range(0, len(ok), max(1, len(ok) // 4))]
                worst_mass = max(worst_mass, abs(mass - 1))
                if ref.scipy is not None:
                    dist = ref.scipy(prm)
                    for x in xs:
                        mine = float(mpmath.log(ref.density(x, prm)))
                        theirs = float(dist.logpmf(int(x)) if kind == "int" else dist.logpdf(float(x)))
                        worst_scipy = max(worst_scipy, abs(mine - theirs) / max(1.0, abs(theirs)))
        report(worst_mass < tol_mass, f"{name}: density mass 1, worst |mass - 1| = {mpmath.nstr(worst_mass, 3)}")
        if ref.scipy is not None:
            report(worst_scipy < 1e-12, f"{name}: log-density vs scipy.stats, worst rel err = {worst_scipy:.2e}")
        # textbook forms
        checks = [(m, e, ref.points) for m, e in ref.textbook.items()]
        checks += [(m + " [" + str(c) + "]", e, ref.conditional_points[m]) for m, (c, e) in ref.conditional.items()]
        for label, expr, strategy in checks:
            measure = label.split(" ")[0]
            worst = mpmath.mpf(0)
            for pt in sample_points(strategy, n_points):
                closed = evaluate(expr, pt)
                direct = by_definition(ref, measure, pt)
                worst = max(worst, _err(closed, direct))
            report(worst <= REL, f"{name}: textbook {label} vs definition, worst rel err = {mpmath.nstr(worst, 3)}"
                   + _digits(worst))
    report(list(CROSS_KL) == list(CROSS_PAIRS), "CROSS_KL has a row per pair of CROSS_PAIRS, in its order")
    for (fp, fq), cref in CROSS_KL.items():
        worst = mpmath.mpf(0)
        for pt in sample_points(cref.points, n_points):
            cond = cref.condition.subs(pt)
            if cond is not sp.true:
                report(False, f"{fp}->{fq}: point {pt} violates {cref.condition}")
                continue
            closed = evaluate(cref.textbook, pt)
            direct = by_definition(fp, "kl_divergence", pt, q_family=fq, extra_breakpoints=cref.extra_breakpoints)
            worst = max(worst, _err(closed, direct))
        cf = "" if cref.closed_form else " (series, not closed form)"
        report(worst <= REL, f"{fp}->{fq}: KL vs definition{cf}, worst rel err = {mpmath.nstr(worst, 3)}"
               + _digits(worst))
    if verbose:
        print(f"{len(failures)} failure(s)")
    return failures


if __name__ == "__main__":
    import sys

    sys.exit(1 if self_check() else 0)
