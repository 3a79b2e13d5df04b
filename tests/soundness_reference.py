"""An independent numerical reference for the soundness fuzzer (``tests/test_soundness.py``).

Nothing here imports symdiv or SymPy. Every scalar catalog family is written again from its
textbook log-density in mpmath, with its own support, and

* :func:`reference` gives the entropy H(P), the cross-entropy H(P, Q) or KL(P || Q) of the
  definition -- by tanh-sinh quadrature (continuous P) or by summation in log space around the
  mode (discrete P) at :data:`DPS` working digits -- or +oo, or "inconclusive";
* :func:`sample_dist` / :func:`sample_pair` draw parameter points, moderate and extreme,
  rational (:class:`fractions.Fraction`) and ``float``, from one integer source: a seeded
  :class:`random.Random` (:func:`rng_source`) or hypothesis (:func:`dist_strategy`,
  :func:`pair_strategy`).

Parametrisations are symdiv's (README table): Normal(mu, sigma), Exponential(rate),
Gamma(shape, rate), Beta(alpha, beta), Laplace(mu, b), LogNormal(mu, sigma), Uniform(a, b),
HalfNormal(sigma), Gumbel(mu, beta) (maximum), Pareto(x_m, alpha), Weibull(k, lam),
Bernoulli(p), Categorical(probs), Poisson(rate), Geometric(p) (failures before the first
success, p in (0, 1]), Binomial(n, p).

When the value is +oo -- the decision is made here, never from symdiv:

(a) **Support.** supp P not inside supp Q (up to null sets: an interval's open or closed ends do
    not matter; for counting measure the atoms of positive mass are compared, so Bernoulli(0)
    lives on {0}); and a discrete P against a continuous Q or the other way round (no density of
    one against the other) -- :func:`support_nested`.
(b) **A divergent tail.** Every scalar catalog family has a finite entropy, so H(P, Q) and
    KL(P || Q) are +oo exactly when E_P[(-log q(X))^+] diverges. With the supports nested, -log q
    can only blow up at an end of supp P: at a finite end it grows at most like |log|x - e||^2
    (Gamma, Beta, Weibull at 0: a log; LogNormal at 0: a log squared; Pareto at x_m: bounded),
    and every P density here is at most c |x - e|^(a - 1) near a finite end, so that part is
    always finite. At an infinite end the rule is read off the asymptotics of the two
    log-densities (:func:`tail_class`, :func:`growth_class`, :func:`tail_diverges`):

    P's tail (density at x -> +-oo)           -log q grows like       E_P diverges iff
    -------------------------------------     ---------------------   ----------------------
    power x^(-alpha-1) (Pareto)               |x|^c                   c >= alpha
                                              log |x|, log^2 |x|      never
                                              e^(s|x|)                always
    exponential e^(-r|x|) (Exponential r=lam, |x|^c, log            never
      Gamma r=beta, Laplace r=1/b, Gumbel      e^(s|x|)                s >= r
      right r=1/beta, Weibull k=1 r=1/lam)
    stretched e^(-|x|^k), k < 1 (Weibull),    |x|^c, log              never
      log-normal e^(-log^2 x / 2s^2)          e^(s|x|)                always
    Gaussian e^(-x^2/2s^2) (Normal,            anything here           never
      HalfNormal), faster (Weibull k > 1),
      doubly exponential (Gumbel left)

    The growth of -log q: Normal, HalfNormal |x|^2; Laplace, Exponential, Gamma, Gumbel (right)
    |x|^1; Weibull |x|^k; LogNormal log^2 x; Pareto log x; Gumbel (left, x -> -oo)
    e^(|x|/beta). (The only e^(s|x|) growth in the catalog is the Gumbel's left tail, met only
    by P with support reaching -oo: Normal, Laplace, Gumbel.) The comparisons are exact
    (parameters as Fractions; a float is its exact binary value). For discrete families the
    growth of -log q is at most k log k (Poisson: log k!) and every discrete P here has all
    such moments, so only (a) can make them infinite.

    The rules are cross-checked numerically by :func:`window_evidence` (partial integrals over
    growing windows) in the test module.

A finite value whose quadrature or series does not reach :data:`TARGET` relative accuracy is
returned as *inconclusive* (with the reason); the fuzzer skips and counts it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
from hypothesis import strategies as st

__all__ = [
    "CONTINUOUS", "DISCRETE", "FAMILIES", "DPS", "TARGET", "Dist", "Ref", "reference", "logpdf",
    "support", "support_nested", "tail_class", "growth_class", "tail_diverges", "infinite_reason",
    "sample_dist", "sample_pair", "rng_source", "dist_strategy", "pair_strategy", "window_evidence",
    "REGIMES",
]

#: working digits of every reference computation
DPS = 40
#: relative (and, near 0, absolute) accuracy a finite reference value must reach
TARGET = mpmath.mpf(10) ** -28

CONTINUOUS = ("Normal", "Exponential", "Gamma", "Beta", "Laplace", "LogNormal", "Uniform", "HalfNormal",
              "Gumbel", "Pareto", "Weibull")
DISCRETE = ("Bernoulli", "Poisson", "Geometric", "Binomial", "Categorical")
FAMILIES = CONTINUOUS + DISCRETE

PARAMS = {
    "Normal": ("mu", "sigma"), "Exponential": ("rate",), "Gamma": ("shape", "rate"), "Beta": ("alpha", "beta"),
    "Laplace": ("mu", "b"), "LogNormal": ("mu", "sigma"), "Uniform": ("a", "b"), "HalfNormal": ("sigma",),
    "Gumbel": ("mu", "beta"), "Pareto": ("x_m", "alpha"), "Weibull": ("k", "lam"), "Bernoulli": ("p",),
    "Poisson": ("rate",), "Geometric": ("p",), "Binomial": ("n", "p"), "Categorical": ("probs",),
}

INF = float("inf")
Number = Fraction | float | int


class Inconclusive(ArithmeticError):
    """The reference could not reach :data:`TARGET` (or could not decide)."""


# ============================================================================ points
@dataclass(frozen=True)
class Dist:
    """A distribution at a numeric point: the family name and its parameters, positionally as
    symdiv takes them (Fraction, float or int; Categorical: one tuple of Fractions)."""

    family: str
    params: tuple[Any, ...]

    @property
    def discrete(self) -> bool:
        return self.family in DISCRETE

    def exact(self) -> dict[str, Any]:
        """name -> exact value (Fraction; a float is its exact binary value; probs a tuple)."""
        out = {}
        for name, v in zip(PARAMS[self.family], self.params):
            out[name] = tuple(Fraction(x) for x in v) if isinstance(v, tuple) else Fraction(v)
        return out

    def mp(self) -> dict[str, Any]:
        """name -> mpf at the current precision (exactly rounded from the exact value)."""
        out = {}
        for name, v in self.exact().items():
            out[name] = tuple(_mpf(x) for x in v) if isinstance(v, tuple) else _mpf(v)
        return out

    def __str__(self) -> str:
        def show(v: Any) -> str:
            if isinstance(v, tuple):
                return "[" + ", ".join(show(x) for x in v) + "]"
            return repr(v) if isinstance(v, float) else str(v)

        return f"{self.family}(" + ", ".join(show(v) for v in self.params) + ")"


def _mpf(v: Fraction) -> mpmath.mpf:
    return mpmath.mpf(v.numerator) / v.denominator


# ============================================================================ log-densities
def _make_logpdf(fam: str, q: dict[str, Any]) -> Callable[[Any, Any], Any]:
    """log p(x, xc) inside the support (constants computed once); ``xc`` is 1 - x when the
    caller knows it more accurately than 1 - x (near 1), else None. -oo outside the support."""
    ninf, log = -mpmath.inf, mpmath.log
    half_log_2pi = log(2 * mpmath.pi) / 2
    if fam == "Normal":
        mu, s = q["mu"], q["sigma"]
        c = -log(s) - half_log_2pi

        def normal(x: Any, xc: Any) -> Any:
            z = (x - mu) / s
            return c - z * z / 2
        return normal
    if fam == "Exponential":
        lam = q["rate"]
        c = log(lam)
        return lambda x, xc: ninf if x < 0 else c - lam * x
    if fam == "Gamma":
        a, b = q["shape"], q["rate"]
        c = a * log(b) - mpmath.loggamma(a)
        return lambda x, xc: ninf if x <= 0 else c + (a - 1) * log(x) - b * x
    if fam == "Beta":
        a, b = q["alpha"], q["beta"]
        c = -(mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b))

        def beta(x: Any, xc: Any) -> Any:
            xc = 1 - x if xc is None else xc
            if x <= 0 or xc <= 0:
                return ninf
            return (a - 1) * log(x) + (b - 1) * log(xc) + c
        return beta
    if fam == "Laplace":
        mu, b = q["mu"], q["b"]
        c = -log(2 * b)
        return lambda x, xc: c - abs(x - mu) / b
    if fam == "LogNormal":
        mu, s = q["mu"], q["sigma"]
        c = -log(s) - half_log_2pi

        def lognormal(x: Any, xc: Any) -> Any:
            if x <= 0:
                return ninf
            lx = log(x)
            z = (lx - mu) / s
            return c - lx - z * z / 2
        return lognormal
    if fam == "Uniform":
        a, b = q["a"], q["b"]
        c = -log(b - a)
        return lambda x, xc: c if a <= x <= b else ninf
    if fam == "HalfNormal":
        s = q["sigma"]
        c = log(2 / mpmath.pi) / 2 - log(s)
        return lambda x, xc: ninf if x < 0 else c - x * x / (2 * s * s)
    if fam == "Gumbel":
        mu, b = q["mu"], q["beta"]
        c = -log(b)

        def gumbel(x: Any, xc: Any) -> Any:
            z = (x - mu) / b
            if z > 10**6:  # e^-z is far below the working precision of z (and exp would crawl)
                return c - z
            return c - z - mpmath.exp(-z)
        return gumbel
    if fam == "Pareto":
        m, a = q["x_m"], q["alpha"]
        c = log(a) + a * log(m)
        return lambda x, xc: ninf if x < m else c - (a + 1) * log(x)
    if fam == "Weibull":
        k, lam = q["k"], q["lam"]
        c, llam = log(k) - log(lam), log(lam)

        def weibull(x: Any, xc: Any) -> Any:
            if x <= 0:
                return ninf
            return c + (k - 1) * (log(x) - llam) - (x / lam) ** k
        return weibull
    raise KeyError(fam)


def _make_logpmf(fam: str, q: dict[str, Any]) -> Callable[[int, Any], Any]:
    """log p(k, lf) (``lf`` = log k!, or None to compute it), -oo off the atoms of positive
    mass; constants computed once."""
    ninf, log, zero = -mpmath.inf, mpmath.log, mpmath.mpf(0)

    def lfact(k: int, lf: Any) -> Any:
        return mpmath.loggamma(k + 1) if lf is None else lf

    if fam == "Bernoulli":
        p = q["p"]
        l1 = log(p) if p > 0 else ninf
        l0 = log(1 - p) if p < 1 else ninf
        return lambda k, lf: l1 if k == 1 else l0 if k == 0 else ninf
    if fam == "Categorical":
        logs = [log(v) if v > 0 else ninf for v in q["probs"]]
        return lambda k, lf: logs[k] if 0 <= k < len(logs) else ninf
    if fam == "Poisson":
        lam = q["rate"]
        llam = log(lam)
        return lambda k, lf: ninf if k < 0 else k * llam - lam - lfact(k, lf)
    if fam == "Geometric":
        p = q["p"]
        if p == 1:
            return lambda k, lf: zero if k == 0 else ninf
        lp, lr = log(p), mpmath.log1p(-p)
        return lambda k, lf: ninf if k < 0 else lp + k * lr
    if fam == "Binomial":
        n, p = int(q["n"]), q["p"]
        if p == 0:
            return lambda k, lf: zero if k == 0 else ninf
        if p == 1:
            return lambda k, lf: zero if k == n else ninf
        c, lp, lr = mpmath.loggamma(n + 1), log(p), mpmath.log1p(-p)

        def binomial(k: int, lf: Any) -> Any:
            if not 0 <= k <= n:
                return ninf
            return c - lfact(k, lf) - mpmath.loggamma(n - k + 1) + k * lp + (n - k) * lr
        return binomial
    raise KeyError(fam)


def logpdf(dist: Dist, x: Any) -> mpmath.mpf:
    """log density (continuous) or log mass (discrete) of ``dist`` at ``x`` (-oo off the support)."""
    with mpmath.workdps(DPS):
        q = dist.mp()
        if dist.discrete:
            if int(x) != x:
                return -mpmath.inf
            return _make_logpmf(dist.family, q)(int(x), None)
        x = mpmath.mpf(x)
        lo, hi = support(dist)
        if x < _mpf_or_inf(lo) or x > _mpf_or_inf(hi):
            return -mpmath.inf
        return _make_logpdf(dist.family, q)(x, None)


def _mpf_or_inf(v: Any) -> mpmath.mpf:
    if v == INF:
        return mpmath.inf
    if v == -INF:
        return -mpmath.inf
    return _mpf(Fraction(v))


# ============================================================================ supports
#: a discrete support: a frozenset of atoms, or NATURALS = {0, 1, 2, ...}
NATURALS = "N"


def support(dist: Dist) -> Any:
    """Continuous: (lo, hi) as Fractions or +-inf (ends open or closed: a null set apart).
    Discrete: the frozenset of atoms of positive mass, or :data:`NATURALS`."""
    e = dist.exact()
    f = dist.family
    if f in ("Normal", "Laplace", "Gumbel"):
        return (-INF, INF)
    if f in ("Exponential", "Gamma", "LogNormal", "HalfNormal", "Weibull"):
        return (Fraction(0), INF)
    if f == "Beta":
        return (Fraction(0), Fraction(1))
    if f == "Uniform":
        return (e["a"], e["b"])
    if f == "Pareto":
        return (e["x_m"], INF)
    if f == "Bernoulli":
        return frozenset(k for k, m in ((0, 1 - e["p"]), (1, e["p"])) if m > 0)
    if f == "Categorical":
        return frozenset(k for k, m in enumerate(e["probs"]) if m > 0)
    if f == "Poisson":
        return NATURALS
    if f == "Geometric":
        return frozenset({0}) if e["p"] == 1 else NATURALS
    if f == "Binomial":
        n, p = int(e["n"]), e["p"]
        if p == 0:
            return frozenset({0})
        if p == 1:
            return frozenset({n})
        return frozenset(range(n + 1))
    raise KeyError(f)


def support_nested(P: Dist, Q: Dist) -> tuple[bool, str]:
    """Rule (a): is supp P inside supp Q (up to a null set)? With the reason."""
    if P.discrete != Q.discrete:
        kinds = ("discrete", "continuous") if P.discrete else ("continuous", "discrete")
        return False, f"P is {kinds[0]} and Q is {kinds[1]}: no density of P against Q's measure"
    sp_, sq = support(P), support(Q)
    if not P.discrete:
        ok = sp_[0] >= sq[0] and sp_[1] <= sq[1]
        return ok, f"supp P = [{sp_[0]}, {sp_[1]}] {'inside' if ok else 'not inside'} supp Q = [{sq[0]}, {sq[1]}]"
    if sq == NATURALS:
        return True, "supp Q = {0, 1, ...}"
    if sp_ == NATURALS:
        return False, f"supp P = {{0, 1, ...}} not inside the finite supp Q = {sorted(sq)}"
    ok = sp_ <= sq
    return ok, f"supp P = {sorted(sp_)} {'inside' if ok else 'not inside'} supp Q = {sorted(sq)}"


# ============================================================================ tail rules (b)
def tail_class(P: Dist, end: int) -> tuple:
    """The decay of P's density at its infinite end (``end`` = -1 for -oo, +1 for +oo):
    ("gauss",) faster than any exponential; ("exp", r) like e^(-r|x|) up to powers;
    ("subexp",) slower than every exponential but faster than every power (stretched
    exponential, log-normal); ("power", alpha) like |x|^(-alpha-1)."""
    e, f = P.exact(), P.family
    if f in ("Normal", "HalfNormal"):
        return ("gauss",)
    if f in ("Exponential",):
        return ("exp", e["rate"])
    if f == "Gamma":
        return ("exp", e["rate"])
    if f == "Laplace":
        return ("exp", 1 / e["b"])
    if f == "Gumbel":
        return ("gauss",) if end < 0 else ("exp", 1 / e["beta"])  # left: exp(-e^|z|)
    if f == "LogNormal":
        return ("subexp",)
    if f == "Pareto":
        return ("power", e["alpha"])
    if f == "Weibull":
        k = e["k"]
        return ("gauss",) if k > 1 else ("exp", 1 / e["lam"]) if k == 1 else ("subexp",)
    raise ValueError(f"{f} has no infinite end")


def growth_class(Q: Dist, end: int) -> tuple:
    """How -log q(x) grows at an infinite end of supp Q: ("log",) (log or log^2), ("power", c)
    for |x|^c, ("exp", s) for e^(s|x|)."""
    e, f = Q.exact(), Q.family
    if f in ("Normal", "HalfNormal"):
        return ("power", Fraction(2))
    if f in ("Laplace", "Exponential", "Gamma"):
        return ("power", Fraction(1))
    if f == "Gumbel":
        return ("exp", 1 / e["beta"]) if end < 0 else ("power", Fraction(1))
    if f == "Weibull":
        return ("power", e["k"])
    if f in ("LogNormal", "Pareto"):
        return ("log",)
    raise ValueError(f"{f} has no infinite end")


def tail_diverges(tail: tuple, growth: tuple) -> bool:
    """The table in the module docstring: does E_P[(-log q)^+] diverge at this end?"""
    if growth[0] == "log":
        return False
    if growth[0] == "power":
        return tail[0] == "power" and growth[1] >= tail[1]
    # growth e^(s|x|)
    if tail[0] == "gauss":
        return False
    if tail[0] == "exp":
        return growth[1] >= tail[1]
    return True


def infinite_reason(measure: str, P: Dist, Q: Dist | None) -> str | None:
    """Why the measure is +oo (rules (a), (b)), or None when it is finite."""
    if measure == "entropy":
        return None
    assert Q is not None
    ok, why = support_nested(P, Q)
    if not ok:
        return "support: " + why
    if P.discrete:
        return None
    lo, hi = support(P)
    for end, bound in ((-1, lo), (1, hi)):
        if abs(bound) != INF:
            continue
        tail, growth = tail_class(P, end), growth_class(Q, end)
        if tail_diverges(tail, growth):
            side = "-oo" if end < 0 else "+oo"
            return f"tail at {side}: P decays like {_show(tail)} while -log q grows like {_show(growth)}"
    return None


def _show(c: tuple) -> str:
    return c[0] if len(c) == 1 else f"{c[0]}({c[1]})"


# ============================================================================ quadrature
class _Chart:
    """x(t) mapping the real line (or a half-line) onto supp P, with the log-Jacobian."""

    def __init__(self, kind: str, lo_t: Any, a: mpmath.mpf, s: mpmath.mpf, b: Any = None) -> None:
        self.kind, self.lo_t, self.a, self.s = kind, lo_t, a, s
        self.log_s = mpmath.log(s)
        self.b = b if b is not None else a + s
        self.rest = 1 - a - s  # logistic: 1 - (right end)

    def point(self, t: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
        """(x, 1 - x or None when 1 - x is as good, log |dx/dt|)."""
        if self.kind == "affine":  # x = a + s t
            x = self.a + self.s * t
            return x, None, self.log_s
        if self.kind == "exp":  # x = s e^t  (Pareto: t >= 0)
            x = self.s * mpmath.exp(t)
            return x, None, self.log_s + t
        # logistic: x = a + s sigmoid(t), supp (a, a + s); 1 - x = (1 - a - s) + s sigmoid(-t)
        # sigmoid(t) and sigmoid(-t) from one exponential, e = e^-|t| (no cancellation)
        e = mpmath.exp(-abs(t))
        l1e = mpmath.log1p(e)
        small, large = e / (1 + e), 1 / (1 + e)
        if t >= 0:
            sig, sigm, ls, lsm = large, small, -l1e, -t - l1e
        else:
            sig, sigm, ls, lsm = small, large, t - l1e, -l1e
        # clamped: rounding must not push x past an end of supp P (a Q with the same end
        # would see x outside its support)
        x = min(max(self.a + self.s * sig, self.a), self.b)
        xc = self.rest + self.s * sigm
        return x, xc, self.log_s + ls + lsm

    def inverse(self, x: mpmath.mpf) -> mpmath.mpf | None:
        if self.kind == "affine":
            return (x - self.a) / self.s
        if self.kind == "exp":
            if x <= 0:
                return None
            t = mpmath.log(x / self.s)
            return t if t > self.lo_t else None
        u = (x - self.a) / self.s
        return mpmath.log(u / (1 - u)) if 0 < u < 1 else None


def _chart(P: Dist, q: dict[str, Any]) -> _Chart:
    f = P.family
    ninf, zero, one = -mpmath.inf, mpmath.mpf(0), mpmath.mpf(1)
    if f == "Normal":
        return _Chart("affine", ninf, q["mu"], q["sigma"])
    if f == "Laplace":
        return _Chart("affine", ninf, q["mu"], q["b"])
    if f == "Gumbel":
        return _Chart("affine", ninf, q["mu"], q["beta"])
    if f == "Exponential":
        return _Chart("exp", ninf, zero, 1 / q["rate"])
    if f == "Gamma":
        return _Chart("exp", ninf, zero, q["shape"] / q["rate"])
    if f == "LogNormal":
        return _Chart("exp", ninf, zero, mpmath.exp(q["mu"]))
    if f == "HalfNormal":
        return _Chart("exp", ninf, zero, q["sigma"])
    if f == "Weibull":
        return _Chart("exp", ninf, zero, q["lam"])
    if f == "Pareto":
        return _Chart("exp", zero, zero, q["x_m"])
    if f == "Beta":
        return _Chart("logistic", ninf, zero, one, one)
    if f == "Uniform":
        return _Chart("logistic", ninf, q["a"], q["b"] - q["a"], q["b"])
    raise KeyError(f)


def _landmarks(D: Dist, q: dict[str, Any]) -> list[mpmath.mpf]:
    """x values where ``D``'s log-density changes character (its centre, +- scales, kinks)."""
    f = D.family
    if f in ("Normal", "Laplace", "Gumbel"):
        c, s = q["mu"], q["sigma" if f == "Normal" else "b" if f == "Laplace" else "beta"]
        return [c] + [c + sign * s * mpmath.mpf(2) ** j for j in range(-2, 14) for sign in (-1, 1)]
    scale = {"Exponential": lambda: 1 / q["rate"], "Gamma": lambda: q["shape"] / q["rate"],
             "LogNormal": lambda: mpmath.exp(q["mu"]), "HalfNormal": lambda: q["sigma"],
             "Weibull": lambda: q["lam"], "Pareto": lambda: q["x_m"]}.get(f)
    if scale is not None:
        s = scale()
        return [s * mpmath.mpf(2) ** j for j in range(-20, 21)]
    if f == "Beta":
        return [mpmath.mpf(j) / 16 for j in range(1, 16)]
    if f == "Uniform":
        return [q["a"] + (q["b"] - q["a"]) * j / 16 for j in range(1, 16)]
    return []


def _kinks(D: Dist, q: dict[str, Any]) -> list[mpmath.mpf]:
    return [q["mu"]] if D.family == "Laplace" else []


def _breakpoints(env: Callable[[mpmath.mpf], mpmath.mpf], lo: Any, hi: Any, reach: int,
                 candidates: list[mpmath.mpf], kinks: list[mpmath.mpf]) -> list[Any]:
    """Break points for the quadrature in t: around every significant local maximum of the
    log-envelope ``env`` (found on a grid +-2^j, j < ``reach``, plus the candidates, then
    refined), geometric steps outward until the envelope has dropped by 170 (e^-170 ~ 1e-74),
    and the kinks. The ends are where the envelope is negligible (or the chart's finite end)."""
    grid = {mpmath.mpf(0)} | {sign * mpmath.mpf(2) ** j for j in range(-3, reach) for sign in (-1, 1)}
    grid |= set(candidates)
    pts = sorted(t for t in grid if lo < t < hi)
    vals = [env(t) for t in pts]
    top = max(vals)
    if top == -mpmath.inf:
        raise ArithmeticError("the integrand vanishes on the whole grid")
    peaks = []
    for i, v in enumerate(vals):
        left = vals[i - 1] if i > 0 else -mpmath.inf
        right = vals[i + 1] if i + 1 < len(vals) else -mpmath.inf
        if v >= left and v >= right and v > top - 200:
            a = pts[i - 1] if i > 0 else (lo if lo != -mpmath.inf else pts[i] - 1)
            b = pts[i + 1] if i + 1 < len(pts) else (hi if hi != mpmath.inf else pts[i] + 1)
            peaks.append(_golden_max(env, a, b, pts[i], v))
    peaks.sort(key=lambda tv: -tv[1])
    top = max(top, peaks[0][1])
    out: set[Any] = set()
    accepted: list[tuple[Any, Any]] = []
    for t0, v0 in peaks:
        h = mpmath.mpf(1) / 64
        # local width from the curvature (at least 1/64 of the unit scale of the chart)
        d2 = (env(t0 + h) - 2 * v0 + env(t0 - h)) / (h * h)
        width = 1 / mpmath.sqrt(-d2) if d2 < 0 else mpmath.mpf(1)
        width = min(max(width, mpmath.mpf(1) / 64), mpmath.mpf(2) ** 40)
        if any(abs(t0 - t1) < 3 * max(width, w1) for t1, w1 in accepted):
            continue  # the same mode, found twice on the grid
        accepted.append((t0, width))
        out.add(t0)
        for sign in (-1, 1):
            out |= _level_points(env, t0, v0, sign, width, lo, hi)
    out |= {k for k in kinks if lo < k < hi}
    inner = sorted(out)
    # merge break points closer than 1e-30 of their size: tanh-sinh needs no zero-length pieces
    merged: list[Any] = []
    for t in inner:
        if not merged or abs(t - merged[-1]) > mpmath.mpf(10) ** -30 * (1 + abs(t)):
            merged.append(t)
    # an infinite end is cut where the envelope is e^-150 below its top (the tails of every
    # integrand here are monotone there); a finite end of the chart is kept
    for end, t in ((lo, merged[0]), (hi, merged[-1])):
        if abs(end) == mpmath.inf and not env(t) < top - 150:
            raise Inconclusive(f"the integrand does not decay toward {end} (envelope {mpmath.nstr(env(t), 5)} "
                               f"vs top {mpmath.nstr(top, 5)} at t = {mpmath.nstr(t, 5)})")
    return ([lo] if lo != -mpmath.inf else []) + merged + ([hi] if hi != mpmath.inf else [])


#: break points where the envelope has dropped this much below a peak: between two of them the
#: integrand changes by a bounded factor, so each piece is easy for Gauss-Legendre
LEVELS = (4, 20, 60, 175)


def _level_points(env: Callable, t0: Any, v0: Any, sign: int, width: Any, lo: Any, hi: Any) -> set[Any]:
    """Walk from the peak ``t0`` in direction ``sign`` with doubling steps, then locate (roughly:
    6 bisections) where the envelope crosses each of ``v0 - LEVELS``; stop at the chart's end."""
    walk = [(t0, v0)]
    step = width / 2
    for _ in range(200):
        t = t0 + sign * step
        if not lo < t < hi:
            break
        e = env(t)
        walk.append((t, e))
        if e < v0 - LEVELS[-1]:
            break
        step *= 2
    else:
        raise Inconclusive(f"the integrand does not decay from its peak at t = {mpmath.nstr(t0, 5)}")
    out = set()
    i = 1
    for level in LEVELS:
        target = v0 - level
        while i < len(walk) and walk[i][1] >= target:
            i += 1
        if i == len(walk):
            break
        a, b = walk[i - 1][0], walk[i][0]
        for _ in range(6):
            m = (a + b) / 2
            if env(m) >= target:
                a = m
            else:
                b = m
        out.add(b)
    return out


def _golden_max(env: Callable, a: Any, b: Any, t: Any, v: Any) -> tuple[Any, Any]:
    """Refine a grid maximum ``(t, v)`` of a unimodal-on-[a, b] function."""
    g = (mpmath.sqrt(5) - 1) / 2
    best = (t, v)
    x1, x2 = b - g * (b - a), a + g * (b - a)
    f1, f2 = env(x1), env(x2)
    for _ in range(200):
        if f1 > best[1]:
            best = (x1, f1)
        if f2 > best[1]:
            best = (x2, f2)
        if f1 >= f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - g * (b - a)
            f1 = env(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + g * (b - a)
            f2 = env(x2)
        if abs(b - a) < mpmath.mpf(10) ** -3 or abs(b - a) < mpmath.mpf(10) ** -30 * abs(best[0]):
            break
    return best


#: absolute accuracy asked of each piece, in units of the envelope's peak
PIECE_TOL = mpmath.mpf(10) ** -36


def _adaptive(h: Callable, a: Any, b: Any, depth: int = 0, degree: int = 5) -> tuple[Any, Any]:
    """Gauss-Legendre on [a, b] (every piece is smooth in t: kinks are break points and the
    ends of supp P are at t = +-oo or, for Pareto, where the density is smooth), up to
    3 * 2^(degree-1) nodes with mpmath's error estimate; the piece is halved where that is above
    :data:`PIECE_TOL`. (A piece far below the peak needs few digits: a lower ``degree``.)"""
    v, e = mpmath.quad(h, [a, b], error=True, method="gauss-legendre", maxdegree=degree)
    if mpmath.isfinite(v) and e <= PIECE_TOL:
        return v, e
    if degree < 5:
        return _adaptive(h, a, b, depth, 5)
    if depth >= 14:
        raise Inconclusive(f"quadrature does not settle on [{mpmath.nstr(a, 8)}, {mpmath.nstr(b, 8)}] (t)")
    m = (a + b) / 2
    v1, e1 = _adaptive(h, a, m, depth + 1)
    v2, e2 = _adaptive(h, m, b, depth + 1)
    return v1 + v2, e1 + e2


def _integrate(P: Dist, Q: Dist | None, integrand: Callable) -> mpmath.mpf:
    """E_P[integrand(x, 1 - x, log p(x))] for a continuous P, by quadrature in the chart t."""
    q = P.mp()
    chart = _chart(P, q)
    lp = _make_logpdf(P.family, q)
    lo, hi = chart.lo_t, mpmath.inf

    def logw(t: Any) -> tuple[Any, Any, Any, Any]:
        x, xc, lj = chart.point(t)
        lpx = lp(x, xc)
        return lpx + lj, x, xc, lpx

    def env(t: Any) -> Any:
        lw, x, xc, lpx = logw(t)
        if lw == -mpmath.inf:
            return lw
        return lw + mpmath.log1p(abs(integrand(x, xc, lpx)))

    xs = _landmarks(P, q) + _kinks(P, q)
    kx = _kinks(P, q)
    if Q is not None:
        qq = Q.mp()
        xs += _landmarks(Q, qq) + _kinks(Q, qq)
        kx += _kinks(Q, qq)
    candidates = [t for t in (chart.inverse(x) for x in xs) if t is not None]
    kinks = [t for t in (chart.inverse(x) for x in kx) if t is not None]
    # x = s e^t: t = 2^14 is already x = s e^16384; the logistic chart saturates much earlier
    reach = {"exp": 15, "logistic": 13}.get(chart.kind, 48)
    candidates = [t for t in candidates if abs(t) < mpmath.mpf(2) ** reach]
    pts = _breakpoints(env, lo, hi, reach, candidates, kinks)
    scale_log = max(env(t) for t in pts)
    scale = mpmath.exp(scale_log)

    def h(t: Any) -> Any:
        lw, x, xc, lpx = logw(t)
        return mpmath.exp(lw - scale_log) * integrand(x, xc, lpx)

    total, err = mpmath.mpf(0), mpmath.mpf(0)
    levels = [env(t) for t in pts]
    for i, (a, b) in enumerate(zip(pts[:-1], pts[1:])):
        drop = scale_log - max(levels[i], levels[i + 1])
        v, e = _adaptive(h, a, b, degree=3 if drop > 50 else 4 if drop > 15 else 5)
        total += v
        err += e
    if not mpmath.isfinite(total):
        raise Inconclusive(f"quadrature gave {total}")
    if err > TARGET * max(1, abs(total)) * 10:
        raise Inconclusive(f"quadrature error estimate {mpmath.nstr(err * scale, 3)} "
                           f"for a value {mpmath.nstr(total * scale, 8)}")
    return total * scale


# ============================================================================ summation
def _series(P: Dist, term: Callable[[int, Any, Any], Any], need_lf: bool) -> mpmath.mpf:
    """sum_k p(k) term(k, log p(k), log k!) over the atoms of P, 0 log 0 = 0 (zero-mass atoms
    are skipped). An infinite support is summed outward from the mode in log space until the
    rest is provably below 1e-40 of the sum of magnitudes: past the mode the envelope
    p(k) (1 + |term|) has decreasing ratios r_k < 1 (Poisson: ~rate/k; Geometric: (1 - p) times
    the ratio of a polynomially growing term), so the rest is at most e_k r_k / (1 - r_k).
    ``need_lf``: keep log k! up to date (else None is passed)."""
    q = P.mp()
    lpmf = _make_logpmf(P.family, q)
    supp = support(P)
    if supp != NATURALS:
        total = mpmath.mpf(0)
        for k in sorted(supp):
            lp = lpmf(k, None)
            total += mpmath.exp(lp) * term(k, lp, mpmath.loggamma(k + 1) if need_lf else None)
        return total
    need_lf = need_lf or P.family == "Poisson"
    mode = int(mpmath.floor(q["rate"])) if P.family == "Poisson" else 0
    # p(k+1)/p(k): rate/(k+1) (Poisson) or 1 - p (Geometric): the weights by recurrence
    if P.family == "Poisson":
        lam = q["rate"]

        def ratio_up(k: int) -> Any:  # p(k+1) / p(k)
            return lam / (k + 1)
    else:
        r = 1 - q["p"]

        def ratio_up(k: int) -> Any:
            return r
    eps = mpmath.mpf(10) ** -40
    total, mag = mpmath.mpf(0), mpmath.mpf(0)
    lf0 = mpmath.loggamma(mode + 1) if need_lf else None
    w0 = mpmath.exp(lpmf(mode, lf0))
    for direction in (1, -1):
        if direction == 1:
            k, lf, w = mode, lf0, w0
        else:
            if mode == 0:
                break
            k = mode - 1
            lf = lf0 - mpmath.log(mode) if need_lf else None
            w = w0 / ratio_up(k)
        prev = None
        steps = 0
        while k >= 0:
            t = term(k, lpmf(k, lf), lf)
            total += w * t
            envk = w * (1 + abs(t))
            mag += envk
            steps += 1
            if prev is not None and prev > 0 and steps > 3:
                ratio = envk / prev
                if ratio < 1 and envk * ratio / (1 - ratio) < eps * mag:
                    break
            if steps > 2_000_000:
                raise Inconclusive("series: more than 2e6 terms")
            prev = envk
            if direction == 1:
                w *= ratio_up(k)
                k += 1
                if need_lf:
                    lf += mpmath.log(k)
            else:
                if k == 0:
                    break
                w /= ratio_up(k - 1)
                if need_lf:
                    lf -= mpmath.log(k)
                k -= 1
    return total


# ============================================================================ the reference
@dataclass(frozen=True)
class Ref:
    """A reference value: ``status`` "finite" (``value``), "inf" or "inconclusive"; ``why``."""

    status: str
    value: mpmath.mpf | None = None
    why: str = ""

    def __str__(self) -> str:
        if self.status == "finite":
            return mpmath.nstr(self.value, 25)
        return "+oo" if self.status == "inf" else f"inconclusive ({self.why})"


def _lq_function(Q: Dist) -> Callable:
    return (_make_logpmf if Q.discrete else _make_logpdf)(Q.family, Q.mp())


@lru_cache(maxsize=4096)
def _entropy(P: Dist) -> Ref:
    with mpmath.workdps(DPS):
        try:
            if P.discrete:
                v = _series(P, lambda k, lp, lf: -lp, need_lf=False)
            else:
                v = _integrate(P, None, lambda x, xc, lpx: -lpx)
        except Inconclusive as exc:
            return Ref("inconclusive", why=str(exc))
        return Ref("finite", +v)


@lru_cache(maxsize=4096)
def _kl(P: Dist, Q: Dist) -> Ref:
    reason = infinite_reason("kl_divergence", P, Q)
    if reason is not None:
        return Ref("inf", why=reason)
    with mpmath.workdps(DPS):
        lq = _lq_function(Q)
        try:
            if P.discrete:
                v = _series(P, lambda k, lp, lf: lp - lq(k, lf), need_lf=Q.family in ("Poisson", "Binomial"))
            else:
                v = _integrate(P, Q, lambda x, xc, lpx: lpx - lq(x, xc))
        except Inconclusive as exc:
            return Ref("inconclusive", why=str(exc))
        if v < -TARGET:
            return Ref("inconclusive", why=f"the reference KL came out negative ({mpmath.nstr(v, 5)})")
        return Ref("finite", +v)


def reference(measure: str, P: Dist, Q: Dist | None = None) -> Ref:
    """The value of ``measure`` ("entropy", "cross_entropy", "kl_divergence") by definition.

    H(P) = -E_P[log p]; KL(P || Q) = E_P[log p - log q] (one integral, so a small KL keeps its
    digits); H(P, Q) = KL(P || Q) + H(P), +oo when either is (H(P) is finite in the catalog).
    """
    if measure == "entropy":
        return _entropy(P)
    assert Q is not None
    kl = _kl(P, Q)
    if measure == "kl_divergence" or kl.status != "finite":
        return kl
    h = _entropy(P)
    if h.status != "finite":
        return h
    with mpmath.workdps(DPS):
        return Ref("finite", kl.value + h.value)


def window_evidence(P: Dist, Q: Dist, end: int = 1, windows: int = 6) -> list[mpmath.mpf]:
    """Partial integrals of p(x) (-log q(x))^+ over successive windows [4^j, 4^(j+1)] of the chart
    variable t toward the infinite ``end`` of supp P (t is in P's own scale; log-scale for the
    positive families): they die off when the tail is finite and do not shrink when it diverges.
    A few digits suffice: 20-digit Gauss-Legendre on four pieces per window."""
    with mpmath.workdps(20):
        q, lq = P.mp(), _lq_function(Q)
        chart = _chart(P, q)
        lp = _make_logpdf(P.family, q)

        def h(t: Any) -> Any:
            x, xc, lj = chart.point(t)
            lw = lp(x, xc) + lj
            return mpmath.exp(lw) * max(mpmath.mpf(0), -lq(x, xc))

        out = []
        a = mpmath.mpf(1)
        for _ in range(windows):
            b = a * 4
            lo, hi = (a, b) if end > 0 else (-b, -a)
            out.append(mpmath.quad(h, mpmath.linspace(lo, hi, 5), method="gauss-legendre", maxdegree=4))
            a = b
        return out


# ============================================================================ sampling
#: a source of integers: draw(lo, hi) -> an int in [lo, hi]
Draw = Callable[[int, int], int]

REGIMES = ("moderate", "extreme", "float", "float-extreme")


def rng_source(rng: random.Random) -> Draw:
    return rng.randint


def _pick(draw: Draw, seq: Any) -> Any:
    seq = list(seq)
    return seq[draw(0, len(seq) - 1)]


def _sig(x: float, digits: int = 4) -> Fraction:
    """x rounded to ``digits`` significant decimal digits, as an exact Fraction."""
    if x == 0:
        return Fraction(0)
    e = math.floor(math.log10(abs(x))) - digits + 1
    m = round(x / 10.0**e)
    return Fraction(m) * Fraction(10) ** e


def _log_uniform(draw: Draw, lo_exp: float, hi_exp: float) -> Fraction:
    return _sig(10 ** (draw(int(lo_exp * 100), int(hi_exp * 100)) / 100))


def _real(draw: Draw, extreme: bool) -> Fraction:
    if not extreme:
        return Fraction(draw(-300, 300), 100)
    kind = draw(0, 4)
    if kind == 0:
        return Fraction(0)
    mag = _log_uniform(draw, -3, 3)
    return mag if kind in (1, 2) else -mag


def _positive(draw: Draw, extreme: bool, lo_exp: float = -3, hi_exp: float = 3) -> Fraction:
    if not extreme:
        return Fraction(draw(25, 400), 100)
    return _log_uniform(draw, lo_exp, hi_exp)


def _shape(draw: Draw, extreme: bool) -> Fraction:
    if not extreme:
        return Fraction(draw(40, 500), 100)
    return _pick(draw, (lambda: _log_uniform(draw, -1.3, 0), lambda: _log_uniform(draw, 0, 2),
                        lambda: Fraction(1), lambda: Fraction(1, 2)))()


def _prob(draw: Draw, extreme: bool, zero: bool = True, one: bool = True) -> Fraction:
    if not extreme:
        return Fraction(draw(5, 95), 100)
    j = draw(1, 8)
    specials = [Fraction(1, 10**j), 1 - Fraction(1, 10**j), _log_uniform(draw, -8, -0.05)]
    if zero:
        specials.append(Fraction(0))
    if one:
        specials.append(Fraction(1))
    return _pick(draw, specials)


def _draw_params(family: str, draw: Draw, extreme: bool, cheap: bool = False) -> tuple[Any, ...]:
    """``cheap``: leave out the points whose reference costs seconds (Geometric p < 1/100:
    ~100/p terms; Binomial n > 100; Poisson rate > 1000) -- for the fast slice."""
    x = extreme
    if family in ("Normal", "Laplace", "Gumbel"):
        return (_real(draw, x), _positive(draw, x))
    if family in ("Exponential", "HalfNormal"):
        return (_positive(draw, x),)
    if family == "Gamma":
        return (_shape(draw, x), _positive(draw, x))
    if family == "Beta":
        return (_shape(draw, x), _shape(draw, x))
    if family == "LogNormal":
        mu = Fraction(draw(-300, 300), 100) if not x else _pick(draw, (Fraction(0), _real(draw, False) * 3))
        return (mu, _positive(draw, x, -3, 1.5))
    if family == "Uniform":
        a = _real(draw, x)
        return (a, a + _positive(draw, x))
    if family == "Pareto":
        return (_positive(draw, x), _shape(draw, x))
    if family == "Weibull":
        return (_shape(draw, x), _positive(draw, x))
    if family == "Bernoulli":
        return (_prob(draw, x),)
    if family == "Poisson":
        return (_positive(draw, x, -3, 3 if cheap else 4) if x else Fraction(draw(50, 2000), 100),)
    if family == "Geometric":
        if not x:
            return (Fraction(draw(5, 95), 100),)
        low = 10 if cheap else 1
        return (_pick(draw, (Fraction(1), Fraction(low, 1000), Fraction(draw(low, 99), 1000),
                             1 - Fraction(1, 10 ** draw(1, 8)), _log_uniform(draw, -2 if cheap else -3, 0))),)
    if family == "Binomial":
        top = 100 if cheap else 400
        n = draw(1, 30) if not x else _pick(draw, (1, 2, draw(1, top), top))
        return (n, _prob(draw, x))
    if family == "Categorical":
        k = draw(2, 4)
        w = [draw(0 if x else 1, 1000) for _ in range(k)]
        if sum(w) == 0:
            w[0] = 1
        return (tuple(Fraction(v, sum(w)) for v in w),)
    raise KeyError(family)


def _floatify(family: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
    """The same point in binary floats (Binomial's n stays an int, Categorical stays exact)."""
    if family == "Categorical":
        return params
    out = []
    for name, v in zip(PARAMS[family], params):
        out.append(int(v) if name == "n" else float(v))
    if family == "Uniform" and not out[1] > out[0]:
        out[1] = math.nextafter(out[0], math.inf)
    return tuple(out)


def sample_dist(family: str, draw: Draw, regime: str | None = None, cheap: bool = False) -> Dist:
    """A valid point of ``family`` in ``regime`` (one of :data:`REGIMES`; drawn when None)."""
    regime = regime or _pick(draw, REGIMES)
    params = _draw_params(family, draw, extreme=regime in ("extreme", "float-extreme"), cheap=cheap)
    if regime.startswith("float"):
        params = _floatify(family, params)
    return Dist(family, params)


def _inside(draw: Draw, lo: Any, hi: Any, regime: str) -> tuple[Fraction, Fraction]:
    """A sub-interval of (lo, hi), touching its ends now and then."""
    unit = Fraction(1)
    if lo == -INF and hi == INF:
        a = Fraction(draw(-300, 300), 100)
        return a, a + Fraction(draw(1, 400), 100)
    if hi == INF:
        a = lo if draw(0, 2) == 0 else lo + Fraction(draw(1, 300), 100) * max(unit, abs(lo))
        return a, a + Fraction(draw(1, 400), 100) * max(unit, abs(lo))
    if lo == -INF:
        b = hi if draw(0, 2) == 0 else hi - Fraction(draw(1, 300), 100)
        return b - Fraction(draw(1, 400), 100), b
    width = hi - lo
    a = lo if draw(0, 2) == 0 else lo + width * Fraction(draw(1, 900), 1000)
    b = hi if draw(0, 2) == 0 else a + (hi - a) * Fraction(draw(1, 999), 1000)
    return a, b


def sample_pair(fp: str, fq: str, draw: Draw, regime: str | None = None,
                cheap: bool = False) -> tuple[Dist, Dist]:
    """(P, Q) for the ordered pair of families; P is biased toward supp P inside supp Q (half of
    the time for Uniform, Pareto, Binomial P) and, for one family, toward Q itself or a tiny
    perturbation of it (a KL near 0)."""
    regime = regime or _pick(draw, REGIMES)
    Q = sample_dist(fq, draw, regime, cheap)
    P = sample_dist(fp, draw, regime, cheap)
    as_float = regime.startswith("float")
    if fp == fq and fp != "Categorical" and draw(0, 3) == 0:
        if draw(0, 1) == 0:
            return Q, Q
        j = draw(3, 12)
        bumped = []
        for name, v in zip(PARAMS[fp], Q.params):
            if name in ("n", "mu", "a") or name == "p" and v in (0, 1):
                bumped.append(v)
            elif name == "p" or (fp == "Uniform" and name == "b"):
                bumped.append(v)
            else:
                bumped.append(float(v) * (1 + 10.0**-j) if as_float else Fraction(v) * (1 + Fraction(1, 10**j)))
        return Dist(fp, tuple(bumped)), Q
    if not Q.discrete and fp in ("Uniform", "Pareto") and not P.discrete and draw(0, 1) == 0:
        lo, hi = support(Q)
        if fp == "Uniform":
            a, b = _inside(draw, lo, hi, regime)
            params: tuple[Any, ...] = (a, b)
        elif hi == INF:
            m = (lo if lo > 0 else Fraction(1, 2)) if draw(0, 1) == 0 else max(lo, Fraction(0)) + _positive(draw, False)
            params = (m, P.params[1])
        else:
            params = P.params
        P = Dist(fp, _floatify(fp, params) if as_float else params)
    if fp == "Binomial" and fq in ("Binomial", "Bernoulli") and draw(0, 1) == 0:
        nq = Q.params[0] if fq == "Binomial" else 1
        P = Dist(fp, (draw(1, int(nq)), P.params[1]))
    return P, Q


@st.composite
def dist_strategy(draw_: Any, family: str, regime: str | None = None) -> Dist:
    """Hypothesis: points of ``family`` (every draw goes through hypothesis' integers)."""
    return sample_dist(family, lambda a, b: draw_(st.integers(a, b)), regime)


@st.composite
def pair_strategy(draw_: Any, fp: str, fq: str, regime: str | None = None) -> tuple[Dist, Dist]:
    """Hypothesis: (P, Q) points for the ordered pair, as :func:`sample_pair`."""
    return sample_pair(fp, fq, lambda a, b: draw_(st.integers(a, b)), regime)


def iter_points(fp: str, fq: str | None, seed: str, count: int, regimes: tuple[str, ...] = REGIMES,
                cheap: bool = False) -> Iterator[tuple[Dist, Dist | None]]:
    """``count`` seeded points for a pair (or a single family when ``fq`` is None), cycling
    through ``regimes``; the same seed gives the same points on every machine."""
    import zlib

    rng = random.Random(zlib.crc32(seed.encode()))
    draw = rng_source(rng)
    for i in range(count):
        regime = regimes[i % len(regimes)]
        if fq is None:
            yield sample_dist(fp, draw, regime, cheap), None
        else:
            yield sample_pair(fp, fq, draw, regime, cheap)
