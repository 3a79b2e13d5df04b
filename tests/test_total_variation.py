"""The total variation distance TV(P, Q) = 1/2 int |p - q|, against an independent mpmath reference.

The reference densities are written here afresh with mpmath (never through symdiv); the reference
value is 1/2 int |p - q| by quadrature over the union of the supports, split at the supports' ends,
at the densities' kinks and at the crossings of p and q found numerically (sign changes on a grid,
refined by bisection).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.cli import main
from symdiv.measures.registry import by_alias, get

DIGITS = 20
TOL = mpmath.mpf(10) ** -DIGITS
mp = mpmath.mp


# ---------------------------------------------------------------------------------------- reference
def normal(mu, s):
    return (lambda x: mpmath.exp(-(x - mu) ** 2 / (2 * s**2)) / (s * mpmath.sqrt(2 * mpmath.pi)),
            -mpmath.inf, mpmath.inf, [mu - 3 * s, mu, mu + 3 * s])


def exponential(lam):
    return (lambda x: lam * mpmath.exp(-lam * x), mpmath.mpf(0), mpmath.inf, [1 / lam, 5 / lam])


def uniform(a, b):
    return (lambda x: 1 / (mpmath.mpf(b) - a), mpmath.mpf(a), mpmath.mpf(b), [])


def laplace(mu, b):
    return (lambda x: mpmath.exp(-abs(x - mu) / b) / (2 * b), -mpmath.inf, mpmath.inf, [mu - 5 * b, mu, mu + 5 * b])


def gamma(a, b):
    return (lambda x: b**a * x ** (a - 1) * mpmath.exp(-b * x) / mpmath.gamma(a), mpmath.mpf(0), mpmath.inf,
            [a / b, 5 * (a + 1) / b])


def weibull(k, lam):
    return (lambda x: k / lam * (x / lam) ** (k - 1) * mpmath.exp(-((x / lam) ** k)), mpmath.mpf(0), mpmath.inf,
            [lam, 5 * lam])


def lognormal(mu, s):
    return (lambda x: mpmath.exp(-(mpmath.log(x) - mu) ** 2 / (2 * s**2)) / (x * s * mpmath.sqrt(2 * mpmath.pi)),
            mpmath.mpf(0), mpmath.inf, [mpmath.exp(mu - 3 * s), mpmath.exp(mu), mpmath.exp(mu + 3 * s)])


def gumbel(mu, beta):
    def f(x):
        z = (x - mu) / beta
        # far left the density is below exp(-10^4): 0 to any precision used here (exp(e^-z) would be huge)
        return mpmath.mpf(0) if z < -mpmath.log(10**4) else mpmath.exp(-z - mpmath.exp(-z)) / beta
    return (f, -mpmath.inf, mpmath.inf, [mu - 3 * beta, mu, mu + 8 * beta])


def halfnormal(s):
    return (lambda x: mpmath.sqrt(2 / mpmath.pi) / s * mpmath.exp(-x**2 / (2 * s**2)), mpmath.mpf(0), mpmath.inf,
            [s, 4 * s])


def _crossings(f: Callable, lo, hi, marks) -> list:
    """Sign changes of f on a fine grid over (lo, hi), refined by bisection."""
    finite = [m for m in marks if lo < m < hi] or [mpmath.mpf(0)]
    span = max(finite) - min(finite) + 1
    a = lo if mpmath.isfinite(lo) else min(finite) - 15 * span
    b = hi if mpmath.isfinite(hi) else max(finite) + 15 * span
    grid = sorted({a + (b - a) * mpmath.mpf(i) / 3000 for i in range(1, 3000)} | {m for m in finite})
    out = []
    values = [f(x) for x in grid]
    for (x0, v0), (x1, v1) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if v0 != 0 and v1 != 0 and (v0 > 0) != (v1 > 0):
            for _ in range(150):
                m = (x0 + x1) / 2
                if (f(m) > 0) == (v0 > 0):
                    x0 = m
                else:
                    x1 = m
            out.append((x0 + x1) / 2)
    return out


def reference_tv(p, q) -> mpmath.mpf:
    with mpmath.workdps(45):
        fp, lp, hp, mp_ = p
        fq, lq, hq, mq = q

        def dp(x):
            return fp(x) if lp < x < hp else 0

        def dq(x):
            return fq(x) if lq < x < hq else 0

        lo, hi = min(lp, lq), max(hp, hq)
        marks = [mpmath.mpf(m) for m in (*mp_, *mq, lp, hp, lq, hq) if mpmath.isfinite(m)]
        cuts = set(marks) | set(_crossings(lambda x: dp(x) - dq(x), lo, hi, marks))
        points = [lo, *sorted(c for c in cuts if lo < c < hi), hi]
        return sum(mpmath.quad(lambda x: abs(dp(x) - dq(x)) / 2, [a, b]) for a, b in zip(points, points[1:]))


def value(d: sd.Derivation, point: dict | None = None) -> mpmath.mpf:
    subs = {s: v for s, v in (point or {}).items()}
    return mpmath.mpf(sp.N(d.expr, 35, subs=subs) if subs else sp.N(d.expr, 35))


def error(d: sd.Derivation, densities: Callable[[], tuple], subs: dict | None = None) -> mpmath.mpf:
    """|symdiv's value - the reference|, both at 45 digits (the densities built at that precision)."""
    with mpmath.workdps(45):
        return abs(value(d, subs) - reference_tv(*densities()))


def q(x: Fraction) -> mpmath.mpf:
    return mpmath.mpf(x.numerator) / x.denominator


def rationals(rng: random.Random, lo: float, hi: float) -> Fraction:
    return Fraction(rng.randint(int(lo * 1000), int(hi * 1000)), 1000)


# ---------------------------------------------------------------------------------------- symbolic cases
def sym(name: str, **kw: bool) -> sp.Symbol:
    return sp.Symbol(name, **kw)


SYMBOLIC = {
    # id: (P, Q, sampler of a point {name: Fraction}, reference densities from the point)
    "normal-equal-sigma": (
        lambda: (sd.Normal("mu_1", "sigma"), sd.Normal("mu_2", "sigma")),
        lambda r: {"mu_1": rationals(r, -3, 3), "mu_2": rationals(r, -3, 3), "sigma": rationals(r, 0.2, 3)},
        lambda v: (normal(q(v["mu_1"]), q(v["sigma"])), normal(q(v["mu_2"]), q(v["sigma"])))),
    "normal": (
        lambda: (sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")),
        lambda r: {"mu_1": rationals(r, -3, 3), "mu_2": rationals(r, -3, 3), "sigma_1": rationals(r, 0.2, 3),
                   "sigma_2": rationals(r, 0.2, 3)},
        lambda v: (normal(q(v["mu_1"]), q(v["sigma_1"])), normal(q(v["mu_2"]), q(v["sigma_2"])))),
    "exponential": (
        lambda: (sd.Exponential("lambda_1"), sd.Exponential("lambda_2")),
        lambda r: {"lambda_1": rationals(r, 0.1, 5), "lambda_2": rationals(r, 0.1, 5)},
        lambda v: (exponential(q(v["lambda_1"])), exponential(q(v["lambda_2"])))),
    "uniform": (
        lambda: (sd.Uniform("a_1", "b_1"), sd.Uniform("a_2", "b_2")),
        lambda r: dict(zip(("a_1", "b_1"), sorted(rationals(r, -2, 2) for _ in range(2))))
        | dict(zip(("a_2", "b_2"), sorted(rationals(r, -2, 2) for _ in range(2)))),
        lambda v: (uniform(q(v["a_1"]), q(v["b_1"])), uniform(q(v["a_2"]), q(v["b_2"])))),
    "laplace-equal-scale": (
        lambda: (sd.Laplace("mu_1", "b"), sd.Laplace("mu_2", "b")),
        lambda r: {"mu_1": rationals(r, -3, 3), "mu_2": rationals(r, -3, 3), "b": rationals(r, 0.2, 3)},
        lambda v: (laplace(q(v["mu_1"]), q(v["b"])), laplace(q(v["mu_2"]), q(v["b"])))),
    "lognormal": (
        lambda: (sd.LogNormal("mu_1", "sigma_1"), sd.LogNormal("mu_2", "sigma_2")),
        lambda r: {"mu_1": rationals(r, -1, 1), "mu_2": rationals(r, -1, 1), "sigma_1": rationals(r, 0.3, 2),
                   "sigma_2": rationals(r, 0.3, 2)},
        lambda v: (lognormal(q(v["mu_1"]), q(v["sigma_1"])), lognormal(q(v["mu_2"]), q(v["sigma_2"])))),
    "halfnormal": (
        lambda: (sd.HalfNormal("s_1"), sd.HalfNormal("s_2")),
        lambda r: {"s_1": rationals(r, 0.2, 3), "s_2": rationals(r, 0.2, 3)},
        lambda v: (halfnormal(q(v["s_1"])), halfnormal(q(v["s_2"])))),
}


def _points(case: str, n: int = 3) -> list[dict]:
    rng = random.Random(zlib.crc32(case.encode()))
    out: list[dict] = []
    while len(out) < n:
        point = SYMBOLIC[case][1](rng)
        vals = list(point.values())
        if len(set(vals)) == len(vals):  # distinct values: no degenerate (equal or empty) interval
            out.append(point)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", list(SYMBOLIC))
def test_symbolic_closed_forms_match_the_reference(case: str) -> None:
    make, _, densities = SYMBOLIC[case]
    P, Q = make()
    d = sd.total_variation(P, Q)
    assert d.is_complete, d.expr
    assert not d.expr.has(sp.Integral)
    symbols = {str(s): s for s in P.free_symbols | Q.free_symbols}
    for point in _points(case):
        subs = {symbols[k]: sp.Rational(v.numerator, v.denominator) for k, v in point.items()}
        assert all(sp.sympify(c).xreplace(subs) is not sp.false for c in d.assumptions)
        err = error(d, lambda point=point: densities(point), subs)
        assert err < TOL, (case, point, err)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["normal", "exponential", "laplace-equal-scale", "uniform"])
def test_numeric_closed_forms_match_the_reference(case: str) -> None:
    """The same cases with numbers for parameters (the numeric crossing route)."""
    make, _, densities = SYMBOLIC[case]
    P, Q = make()
    symbols = {str(s): s for s in P.free_symbols | Q.free_symbols}
    for point in _points(case):
        subs = {symbols[k]: sp.Rational(v.numerator, v.denominator) for k, v in point.items()}
        d = sd.total_variation(P.at(subs), Q.at(subs))
        assert d.is_complete, d.expr
        assert error(d, lambda point=point: densities(point)) < TOL, (case, point)


@pytest.mark.slow
def test_textbook_forms() -> None:
    mu_1, mu_2, s = sym("mu_1", real=True), sym("mu_2", real=True), sym("sigma", positive=True)
    d = sd.total_variation(sd.Normal(mu_1, s), sd.Normal(mu_2, s))
    assert d.expr == sp.erf(sp.Abs(mu_1 - mu_2) / (2 * sp.sqrt(2) * s))
    b = sym("b", positive=True)
    d = sd.total_variation(sd.Laplace(mu_1, b), sd.Laplace(mu_2, b))
    assert d.expr == 1 - sp.exp(-sp.Abs(mu_1 - mu_2) / (2 * b))


@pytest.mark.slow
def test_exponential_crossing_is_named() -> None:
    d = sd.total_variation(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"))
    notes = " ".join(s.note for s in d.steps)
    assert "log(lambda_1/lambda_2)/(lambda_1 - lambda_2)" in notes
    kinds = [s.kind for s in d.steps]
    assert kinds[0] is sd.StepKind.DEFINITION and sd.StepKind.INTEGRATE in kinds


# ---------------------------------------------------------------------------------------- discrete
def test_bernoulli() -> None:
    p, q_ = sym("p", positive=True), sym("q", positive=True)
    d = sd.total_variation(sd.Bernoulli(p), sd.Bernoulli(q_))
    assert d.expr == sp.Abs(p - q_)
    numeric = sd.total_variation(sd.Bernoulli(sp.Rational(1, 3)), sd.Bernoulli(sp.Rational(3, 4)))
    assert numeric.expr == sp.Rational(5, 12)


def test_categorical_symbolic_and_numeric() -> None:
    d = sd.total_variation(sd.Categorical(["p_0", "p_1", "p_2"]), sd.Categorical(["q_0", "q_1", "q_2"]))
    rng = random.Random(3)
    symbols = {str(s): s for f in d.families for s in f.free_symbols}
    for _ in range(3):
        ps = [Fraction(rng.randint(1, 50)) for _ in range(3)]
        qs = [Fraction(rng.randint(1, 50)) for _ in range(3)]
        ps, qs = [x / sum(ps) for x in ps], [x / sum(qs) for x in qs]
        subs = {symbols[f"p_{i}"]: sp.Rational(x.numerator, x.denominator) for i, x in enumerate(ps)}
        subs |= {symbols[f"q_{i}"]: sp.Rational(x.numerator, x.denominator) for i, x in enumerate(qs)}
        ref = sum(abs(a - b) for a, b in zip(ps, qs)) / 2
        assert d.expr.xreplace(subs) == sp.Rational(ref.numerator, ref.denominator)
    # atoms of one only: p = 0 off its atoms
    two = sd.total_variation(sd.Categorical([sp.Rational(1, 2), sp.Rational(1, 2)]),
                             sd.Categorical([sp.Rational(1, 4), sp.Rational(1, 4), sp.Rational(1, 2)]))
    assert two.expr == sp.Rational(1, 2)


@pytest.mark.slow
def test_binomial_numeric_n() -> None:
    p = sym("p", positive=True)
    d = sd.total_variation(sd.Binomial(4, p), sd.Binomial(4, sp.Rational(1, 3)))
    for pv in (Fraction(1, 7), Fraction(1, 2), Fraction(9, 10)):
        with mpmath.workdps(40):
            ref = sum(abs(mpmath.binomial(4, k) * (q(pv) ** k * (1 - q(pv)) ** (4 - k)
                                                   - mpmath.mpf(1) / 3**k * (mpmath.mpf(2) / 3) ** (4 - k)))
                      for k in range(5)) / 2
            got = mpmath.mpf(sp.N(d.expr.xreplace({p: sp.Rational(pv.numerator, pv.denominator)}), 30))
            assert abs(got - ref) < TOL
    # different n: atoms of one only
    d2 = sd.total_variation(sd.Binomial(2, sp.Rational(1, 2)), sd.Binomial(3, sp.Rational(1, 2)))
    with mpmath.workdps(40):
        ref2 = sum(abs(mpmath.binomial(2, k) / 4 * (k <= 2) - mpmath.binomial(3, k) / 8) for k in range(4)) / 2
        assert abs(mpmath.mpf(sp.N(d2.expr, 30)) - ref2) < TOL


# ---------------------------------------------------------------------------------------- cross families
CROSS = [
    ("exponential-normal", lambda: (sd.Exponential(sp.Rational(3, 2)), sd.Normal(1, 2)),
     lambda: (exponential(mpmath.mpf(3) / 2), normal(1, 2)), True),
    ("gamma-exponential", lambda: (sd.Gamma(sp.Rational(5, 2), 2), sd.Exponential(1)),
     lambda: (gamma(mpmath.mpf(5) / 2, 2), exponential(1)), True),
    ("laplace-normal", lambda: (sd.Laplace(0, 1), sd.Normal(sp.Rational(1, 2), sp.Rational(3, 2))),
     lambda: (laplace(0, 1), normal(mpmath.mpf(1) / 2, mpmath.mpf(3) / 2)), True),
    ("uniform-normal", lambda: (sd.Uniform(-1, 2), sd.Normal(0, 1)),
     lambda: (uniform(-1, 2), normal(0, 1)), True),
    ("weibull-exponential", lambda: (sd.Weibull(2, 1), sd.Exponential(1)),
     lambda: (weibull(2, 1), exponential(1)), False),
    ("uniform-exponential", lambda: (sd.Uniform(-1, 1), sd.Exponential(2)),
     lambda: (uniform(-1, 1), exponential(2)), True),
    ("halfnormal-exponential", lambda: (sd.HalfNormal(1), sd.Exponential(1)),
     lambda: (halfnormal(1), exponential(1)), True),
    ("gumbel-normal", lambda: (sd.Gumbel(0, 1), sd.Normal(0, 1)),
     lambda: (gumbel(0, 1), normal(0, 1)), False),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "make", "densities", "closed"), CROSS, ids=[c[0] for c in CROSS])
def test_cross_family_pairs(case: str, make: Callable, densities: Callable, closed: bool) -> None:
    d = sd.total_variation(*make())
    assert d.is_complete is closed, d.expr
    assert error(d, densities) < TOL


@pytest.mark.slow
def test_explicit_integral_has_the_right_value() -> None:
    d = sd.total_variation(sd.Gumbel(0, 1), sd.Normal(0, 1))
    assert not d.is_complete
    assert d.expr.has(sp.Integral)
    with mpmath.workdps(45):
        assert abs(mpmath.mpf(sp.N(d.expr, 25)) - reference_tv(gumbel(0, 1), normal(0, 1))) < mpmath.mpf(10) ** -20


def test_explicit_series_has_the_right_value() -> None:
    d = sd.total_variation(sd.Poisson(2), sd.Poisson(3))
    assert not d.is_complete
    with mpmath.workdps(30):
        ref = mpmath.nsum(lambda k: abs(mpmath.mpf(2) ** k * mpmath.exp(-2) - mpmath.mpf(3) ** k * mpmath.exp(-3))
                          / mpmath.factorial(k), [0, mpmath.inf]) / 2
        assert abs(mpmath.mpf(sp.N(d.expr, 25)) - ref) < mpmath.mpf(10) ** -20


def test_symbolic_without_closed_form_stays_explicit() -> None:
    d = sd.total_variation(sd.Laplace("mu_1", "b_1"), sd.Laplace("mu_2", "b_2"))
    assert not d.is_complete and d.expr.has(sp.Integral)
    assert d.steps[-1].kind is sd.StepKind.UNEVALUATED


# ---------------------------------------------------------------------------------------- edges
@pytest.mark.slow
def test_identical_distributions_have_tv_zero() -> None:
    assert sd.total_variation(sd.Bernoulli("p"), sd.Bernoulli("p")).expr == 0
    assert sd.total_variation(sd.Exponential("lam"), sd.Exponential("lam")).expr == 0
    assert sd.total_variation(sd.Normal(1, 2), sd.Normal(1, 2)).expr == 0


def test_disjoint_supports_have_tv_one() -> None:
    assert sd.total_variation(sd.Uniform(0, 1), sd.Uniform(2, 3)).expr == 1
    assert sd.total_variation(sd.Uniform(0, 1), sd.Uniform(1, 2)).expr == 1
    assert sd.total_variation(sd.Bernoulli(0), sd.Bernoulli(1)).expr == 1
    assert sd.total_variation(sd.Poisson(2), sd.Normal(0, 1)).expr == 1  # mutually singular


def test_bad_input_raises_a_symdiv_error() -> None:
    with pytest.raises(sd.SymdivError):
        sd.total_variation("normal", sd.Normal(0, 1))  # type: ignore[arg-type]
    with pytest.raises(sd.SymdivError):
        sd.total_variation(sd.Normal(0, 1), 3)  # type: ignore[arg-type]
    with pytest.raises(sd.SymdivError):
        sd.total_variation(sd.Normal(0, 1), sd.Dirichlet([1, 2]))


@pytest.mark.slow
def test_float_parameters_evaluate_to_15_digits() -> None:
    d = sd.total_variation(sd.Normal(0.0, 1.0), sd.Normal(1.0, 1.0))
    assert d.steps[-1].kind is sd.StepKind.EVALUATE
    assert abs(float(d.expr) - float(mpmath.erf(1 / (2 * mpmath.sqrt(2))))) < 1e-14


def test_measure_is_registered_with_its_names(capsys: pytest.CaptureFixture[str]) -> None:
    m = get("tv")
    assert m is by_alias("TV") is get("total_variation")
    assert m.symmetric and m.metric and m.values == "[0, 1]"
    assert m.text(P="P", Q="Q") == "TV(P, Q)" and m.latex() == r"\operatorname{TV}(P, Q)"
    assert "total_variation" in sd.__all__
    assert main(["tv", "bernoulli", "bernoulli"]) == 0
    assert "Abs(p - q)" in capsys.readouterr().out


@pytest.mark.slow
def test_claims_read_tv() -> None:
    P, Q = sd.Bernoulli("p"), sd.Bernoulli("q")
    assert sd.check("TV(P, Q) = Abs(p - q)", P, Q).verdict == "proved"
    assert sd.check("TV(P, Q) = 2*Abs(p - q)", P, Q).verdict == "false"
