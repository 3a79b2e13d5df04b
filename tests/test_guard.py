"""The run-time check of generated float code (symdiv.gencode.guard): its error bound covers the
actual rounding error, it flags overflows and cancellations but not exact results or the +inf of a
divergence, and the checked functions fall back to mpmath only where they must."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiv as sd
from symdiv.gencode import guard
from symdiv.gencode.api import _Checker

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
positive = st.floats(allow_nan=False, allow_infinity=False, min_value=1e-300, max_value=1e300)


def _exact(x: float) -> Fraction:
    return Fraction(x)


def _covers(s: guard.Shadow, truth: Fraction) -> bool:
    v, e = float(s.v), float(s.e)
    if not math.isfinite(v) or not math.isfinite(e):
        return True  # flagged: nothing is claimed
    return abs(Fraction(v) - truth) <= Fraction(e)


@settings(max_examples=300, deadline=None)
@given(finite, finite, finite)
def test_the_bound_of_sums_and_products_covers_the_error(a: float, b: float, c: float) -> None:
    A, B, C = (guard.Shadow(np.float64(x), np.float64(0.0)) for x in (a, b, c))
    with np.errstate(all="ignore"):
        assert _covers((A + B) - A, _exact(b) + _exact(a) - _exact(a))
        assert _covers((A * B) + C, _exact(a) * _exact(b) + _exact(c))
        assert _covers((A - B) * (A + B) - A * A, -_exact(b) ** 2)
        if b != 0 and c != 0:
            assert _covers(A / B - A / C + C, _exact(a) / _exact(b) - _exact(a) / _exact(c) + _exact(c))


@settings(max_examples=200, deadline=None)
@given(positive, positive)
def test_the_bound_of_functions_covers_the_error(a: float, b: float) -> None:
    """log(a*b) - log(a) - log(b) is 0 up to rounding; the bound covers what the floats give."""
    np_ = guard.shadow_namespace({})["numpy"]
    A, B = guard.Shadow(np.float64(a), np.float64(0.0)), guard.Shadow(np.float64(b), np.float64(0.0))
    with np.errstate(all="ignore"):
        s = np_.log(A * B) - np_.log(A) - np_.log(B)
    with mpmath.workdps(60):
        truth = mpmath.log(mpmath.mpf(a) * b) - mpmath.log(a) - mpmath.log(b)
    v, e = float(s.v), float(s.e)
    if math.isfinite(v) and math.isfinite(e):
        assert abs(v - truth) <= e * (1 + 1e-9) + 1e-300


def _flags(source_fn, *values: float) -> bool:
    return bool(guard.untrusted(source_fn, [np.float64(v) for v in values]))


def test_overflow_cancellation_and_nan_are_flagged_exact_results_and_divergences_are_not() -> None:
    ns = guard.shadow_namespace({})
    npx = ns["numpy"]
    assert _flags(lambda x: npx.exp(x) / npx.exp(x), 800.0)  # inf / inf: the value 1 is unknown
    assert _flags(lambda x, y: (x + y) - x, 1e20, 1.0)  # 0 for 1: cancellation
    assert _flags(lambda x: x * x / x, 1e-200)  # underflow to 0, then 0 / 1e-200
    assert _flags(lambda x: 0 * npx.log(x), 0.0)  # 0 * -inf = nan
    assert not _flags(lambda x, y: npx.log(x / y), 2.0, 2.0)  # exactly 0
    assert not _flags(lambda x: npx.where(x > 0, npx.inf, x * x), 1.0)  # +inf of a divergence
    assert not _flags(lambda x, y: (x + y) - x, 1.0, 1.0)


@pytest.mark.parametrize(("P", "Q", "grid"), [
    (sd.Normal("m_1", "s_1"), sd.Normal("m_2", "s_2"), [(-3.0, 3.0), (0.1, 10), (-3.0, 3.0), (0.1, 10)]),
    (sd.Gamma("a_1", "b_1"), sd.Gamma("a_2", "b_2"), [(0.1, 50)] * 4),
    (sd.Gamma("a_1", "b_1"), sd.Weibull("k_2", "l_2"), [(0.1, 50)] * 4),
    (sd.Bernoulli("p"), sd.Bernoulli("q"), [(0.001, 0.999)] * 2),
])
def test_moderate_parameters_are_trusted(P, Q, grid) -> None:
    """The check is not vacuous: at ordinary parameters the float result is trusted (no mpmath
    fallback, which would make the checked function slow)."""
    d = sd.kl_divergence(P, Q)
    rng = np.random.default_rng(5)
    values = [np.exp(rng.uniform(math.log(lo), math.log(hi), 2000)) if lo > 0 else rng.uniform(lo, hi, 2000)
              for lo, hi in grid]
    fn = d.to_function()
    flags = _Checker(d, fn.__dict__.get("plan") or _plan(d), False).flags(values)
    assert np.mean(flags) < 0.01, np.mean(flags)


def _plan(d: sd.Derivation):
    from symdiv.gencode.backends import find_backend
    from symdiv.gencode.source import RESERVED_PY, make_plan

    return make_plan(d, find_backend("numpy"), None, False, RESERVED_PY)


def test_checked_and_plain_agree_where_the_plain_code_is_right() -> None:
    d = sd.kl_divergence(sd.Beta("a_1", "b_1"), sd.Beta("a_2", "b_2"))
    rng = np.random.default_rng(1)
    args = [rng.uniform(0.2, 20, 500) for _ in range(4)]
    checked, plain = d.to_function()(*args), d.to_function(checked=False)(*args)
    assert np.allclose(checked, plain, rtol=1e-9, atol=0)


def test_float32_arguments_stay_float32() -> None:
    f = sd.kl_divergence(sd.Normal("m_1", "s_1"), sd.Normal("m_2", "s_2")).to_function()
    out = f(np.float32([0.0, 1e30]), np.float32(1.0), np.float32(0.5), np.float32([2.0, 1e-30]))
    assert out.dtype == np.float32
    assert out[0] == pytest.approx(math.log(2) + (1 + 0.25) / 8 - 0.5, rel=1e-5)
    assert math.isinf(out[1])


def test_the_mpmath_backend_checks_its_digits() -> None:
    """At the default 15 digits, terms of 1e40 that cancel left no correct digit; the backend now
    computes at two higher precisions that agree."""
    d = sd.kl_divergence(sd.Gamma("alpha_1", "beta_1"), sd.Weibull("k_2", "lambda_2"))
    f = d.to_function("mpmath")
    with mpmath.workdps(15):
        got = f(1e22, 0.1, 300, 1e160)
    assert float(got) == pytest.approx(94654.45303707036, rel=1e-13)


def test_the_checked_math_backend_computes_an_overflow_by_mpmath() -> None:
    """Python floats raise OverflowError in an intermediate: the checked function gives the value."""
    d = sd.kl_divergence(sd.Exponential("lambda_1"), sd.Normal("mu_2", "sigma_2"))
    f = d.to_function("math")
    with mpmath.workdps(50):
        lam, mu, s = mpmath.mpf(1e-200), mpmath.mpf(1e-8), mpmath.mpf(1e-300)
        truth = -mpmath.log(lam) - 1 + mpmath.log(s * mpmath.sqrt(2 * mpmath.pi)) \
            + (2 / lam**2 - 2 * mu / lam + mu**2) / (2 * s**2)
    assert f(1e-200, 1e-8, 1e-300) == (math.inf if truth > 1.8e308 else pytest.approx(float(truth)))


@pytest.mark.parametrize("checked", [False, True])
def test_row_blocks_give_the_same_values(monkeypatch: pytest.MonkeyPatch, checked: bool) -> None:
    """Large arguments are computed in blocks of rows (api.ROW_BLOCK_ELEMENTS): the same values,
    shapes and dtypes as in one piece, with broadcasting, class arrays and checked points inside."""
    from symdiv.gencode import api

    rng = np.random.default_rng(3)
    cats = sd.Categorical.symbolic("p", 3), sd.Categorical.symbolic("q", 3)
    cat = sd.kl_divergence(*cats).to_function(checked=checked)
    normal = sd.kl_divergence(sd.Normal("m_1", "s_1"), sd.Normal("m_2", "s_2")).to_function(checked=checked)
    cp, cq = rng.dirichlet(np.ones(3), 37), rng.dirichlet(np.ones(3), 37)
    m = rng.normal(size=(37, 1))
    s = rng.uniform(0.5, 2, 5)
    s_extreme = np.array([1e-200, 1.0, 2.0, 3.0, 1e200])
    calls = [lambda: cat(cp, cq), lambda: normal(m, s, 0.0, 1.0), lambda: normal(m, s_extreme, 0.0, np.float32(1.0)),
             lambda: normal(m.ravel(), 1.0, 0.5, 2.0)]
    whole = [c() for c in calls]
    monkeypatch.setattr(api, "ROW_BLOCK_ELEMENTS", 7)
    for c, w in zip(calls, whole):
        got = c()
        assert got.shape == w.shape and got.dtype == w.dtype
        np.testing.assert_array_equal(got, w)


@pytest.mark.parametrize(("P", "Q", "args", "truth"), [
    # alpha_1 + beta_1 = 1e200 + 1e-12 rounds to 1e200 below 212 digits: 30 and 60 digits agreed on 1.0552
    (sd.Beta("alpha_1", "beta_1"), sd.Weibull("k_2", "lambda_2"), (1e-12, 1e200, 1.37e-12, 1.0000000000000002),
     "0.477130188794168047075606017982481841"),
    # a clamped KL (max(x, 0)) agrees with itself at every precision: garbage below 0 gave 0.0
    (sd.Gamma("alpha_1", "beta_1"), sd.Weibull("k_2", "lambda_2"), (1e100, 1.37e-100, 7.0, 1e100),
     "1.1039668432477463e+699"),
])
def test_the_mpmath_backend_at_spread_arguments(P, Q, args, truth) -> None:
    """Hostile audit: the mpmath backend's two precisions agreed on wrong values."""
    f = sd.kl_divergence(P, Q).to_function("mpmath")
    got = f(*args)
    assert abs(got - mpmath.mpf(truth)) <= mpmath.mpf(10) ** -14 * abs(mpmath.mpf(truth)), got


@pytest.mark.parametrize("backend", ["numpy", "math", "mpmath"])
def test_complex_and_oversized_arguments_are_symdiv_errors(backend: str) -> None:
    """Hostile audit: 1j gave 0j with a ComplexWarning; 10**400 raised a bare OverflowError."""
    f = sd.kl_divergence(sd.Normal("m_1", "s_1"), sd.Normal("m_2", "s_2")).to_function(backend)
    with pytest.raises(sd.InvalidParameterTypeError, match="complex"):
        f(1j, 1.0, 0.0, 1.0)
    with pytest.raises(sd.InvalidParameterTypeError, match="complex"):
        f(np.array([1 + 0j]), 1.0, 0.0, 1.0)
    if backend == "mpmath":
        assert f(10**400, 1.0, 0.0, 1.0) == mpmath.mpf(10) ** 800 / 2
    else:
        with pytest.raises(sd.UnsupportedError, match="exceeds the largest double"):
            f(10**400, 1.0, 0.0, 1.0)
