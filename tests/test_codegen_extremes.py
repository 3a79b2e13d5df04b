"""Generated code at extreme but valid parameters (1e-300 ... 1e300): the value of the closed form
(to 1e-8, or as far as the condition of the problem allows), inf where it exceeds a double, never
nan or a wrong finite number. The reference is the closed form at the binary values of the
arguments as exact rationals (tests/extremes.py); there also the seeded fuzzer over the catalog.
"""

from __future__ import annotations

import math
import random
import shutil
import subprocess
from typing import Any

import pytest
from extremes import check, derivation, draw, reference, run

import symdiv as sd

#: (P, Q, measure, arguments in the order of parameter_names): each gave nan or a wrong number
REPRODUCTIONS = [
    # (mu_2 - mu_1)/beta_2 as two quotients of size 1e192 beside log Gamma(1e8 + 1): expm1(0), true inf
    ("Gumbel", "Gumbel", "kl_divergence", (1e200, 1e16, 1e200, 1e8)),
    # (alpha_2 - alpha_1)*digamma_rem(alpha_1) and the alpha_1 + beta_1 term, 5e191 each, lost 1e100
    ("Beta", "Beta", "kl_divergence", (1e8, 1e-300, 1e200, 1e-200)),
    # k_2*log(lambda_2) + (1 - k_2)*log(lambda_1), 7e18 each: -35, true 655.5
    ("Weibull", "Weibull", "cross_entropy", (1e16, 1e300, 1e16, 1e300)),
    # the same with alpha_2*log(m_1/m_2): 4.6e-6 relative error
    ("Pareto", "Pareto", "cross_entropy", (1e200, 1e8, 1e200, 1e16)),
    # u**2 - u*v of a quadratic form with u = 1/(lambda_1*sigma_2) = inf: nan, true inf
    ("Exponential", "Normal", "kl_divergence", (1e-200, 1e-8, 1e-300)),
    # sums of products over alpha_1*sigma_2**2 + beta_1*sigma_2**2 = inf: nan, true 691.69
    ("Beta", "Normal", "cross_entropy", (1e300, 1e16, 2.0, 1e300)),
]
def _ids(case: tuple) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}-{case[3]}"


#: the plain generated code is wrong here (nan or a wrong number; the rewrite does not reach them);
#: the run-time check (the default, ``checked=True``) flags each point and mpmath computes it
PLAIN_WRONG = [
    # beta_2*(digamma_rem(beta_1) - digamma_rem(alpha_1 + beta_1)) with alpha_1 + beta_1 rounding to
    # beta_1 = 1e-200: the difference (1e100) is lost, 5e299 instead of inf
    ("Beta", "Beta", "kl_divergence", (1e-300, 1e-200, 0.5, 1e300)),
    # log Gamma(beta_1/beta_2 + 1) - (mu_1 - mu_2)/beta_2 with both quotients beyond a double: inf - inf
    ("Gumbel", "Gumbel", "kl_divergence", (1e16, 1e200, -3.0, 1e-300)),
    # terms of 1e33 that cancel: 1.8e-5 relative error
    ("Gamma", "Weibull", "kl_divergence", (1e10, 0.1, 3.0, 1.0)),
    # (mu_1 - mu_2)**2 * (1/sigma_1)**2 = 0 * inf: nan, true 459.79
    ("Normal", "Laplace", "kl_divergence", (0.0, 1e-200, 0.0, 1.0)),
    # (a_1 - b_1)/beta_2 underflows to 0 and is then divided by (b_1 - a_1)/beta_2: off by 1
    ("Uniform", "Gumbel", "kl_divergence", (-1.3858872089845372e-254, 0.0, 0.0, 6.743868287374584e+211)),
]


@pytest.mark.parametrize("case", PLAIN_WRONG, ids=_ids)
def test_the_check_catches_what_the_plain_code_gets_wrong(case: tuple) -> None:
    assert not check(*case, checked=False, conditioning=False)[0], \
        "the plain code is right here now: move the case to REPRODUCTIONS"
    ok, got, ref = check(*case)
    assert ok, (case, got, ref)


@pytest.mark.parametrize("case", PLAIN_WRONG, ids=_ids)
def test_the_math_backend_is_checked_too(case: tuple) -> None:
    P, Q, measure, args = case
    d = derivation(P, Q, measure)
    ref = reference(d, args)
    got = sd.gencode.to_function(d, "math")(*args)
    assert got == ref if math.isinf(ref) else got == pytest.approx(ref, rel=1e-8), (got, ref)


@pytest.mark.parametrize("case", REPRODUCTIONS, ids=_ids)
def test_reproduction_gives_the_value(case: tuple) -> None:
    """The stable rewrite alone (``checked=False``) gets these right, and so does the default."""
    for checked in (False, True):  # one test: the reference (hundreds of digits) is computed once
        ok, got, ref = check(*case, checked=checked)
        assert ok, (case, checked, got, ref)


@pytest.mark.parametrize("case", [c for c in REPRODUCTIONS if c[:2] != ("Exponential", "Normal")], ids=_ids)
def test_reproduction_in_python_source(case: tuple) -> None:
    """The plain math backend (the code of codegen(d, "python")): the value, or inf / an
    UnsupportedError naming the overflow where the value exceeds a double. (Exponential -> Normal
    there divides by lambda_1*sigma_2 = 0.0 and raises UnsupportedError: Python floats, not a wrong
    number.)"""
    P, Q, measure, args = case
    d = derivation(P, Q, measure)
    ref = reference(d, args)
    assert ref is not None
    try:
        got: Any = float(sd.gencode.to_function(d, "math", checked=False)(*args))
    except sd.UnsupportedError as e:
        assert math.isinf(ref) and "overflows" in str(e), e
        return
    assert got == ref if math.isinf(ref) else got == pytest.approx(ref, rel=1e-8), (got, ref)


#: the fuzzer's slice in the fast tier: cases whose failure classes are fixed
SLICE = [("Weibull", "Weibull", "cross_entropy"),
         ("Pareto", "Pareto", "cross_entropy"), ("Exponential", "Normal", "kl_divergence"),
         ("Beta", "Normal", "cross_entropy"), ("Normal", "Normal", "kl_divergence"),
         ("Gamma", "Gamma", "cross_entropy"), ("Exponential", None, "entropy")]


@pytest.mark.parametrize("case", SLICE, ids=lambda c: "-".join(str(x) for x in c))
def test_fuzzer_slice(case: tuple) -> None:
    d = derivation(*case)
    assert d is not None
    rng = random.Random(f"extremes/{case}")
    bad = []
    for _ in range(6):
        args = draw(d, rng)
        ok, got, ref = check(*case, args)
        if not ok:
            bad.append((args, got, ref))
    assert not bad, bad


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
@pytest.mark.parametrize("case", REPRODUCTIONS, ids=_ids)
def test_reproduction_in_c_source(case: tuple, tmp_path: Any) -> None:
    P, Q, measure, args = case
    d = derivation(P, Q, measure)
    ref = reference(d, args)
    assert ref is not None
    call = f"{sd.gencode.function_name(d)}({', '.join(repr(float(a)) for a in args)})"
    (tmp_path / "f.c").write_text(sd.codegen(d, "c") + '\n#include <stdio.h>\nint main(void) { printf("%.17g\\n", '
                                  + call + "); return 0; }\n")
    subprocess.run(["cc", "-O1", "-o", str(tmp_path / "f"), str(tmp_path / "f.c"), "-lm"], check=True)
    got = float(subprocess.run([str(tmp_path / "f")], check=True, capture_output=True, text=True).stdout)
    assert got == ref if math.isinf(ref) else got == pytest.approx(ref, rel=1e-8), (got, ref)


@pytest.mark.parametrize("backend", ["numpy", "math", "mpmath"])
def test_a_difference_of_exponentials_keeps_its_digits(backend: str) -> None:
    """KL(Uniform(0, 2.2e-208) || Gumbel(0, 0.0057)): beta*(exp(-a/beta) - exp(-b/beta))/(b - a) is 1
    there and was computed as 1 - 1 = 0 (473.999 came out as 472.999); with both exponents beyond
    exp's range it was inf - inf = nan where the KL is +inf. Now exp(x) - exp(y) takes expm1 of the
    exact difference of the exponents."""
    f = sd.kl_divergence(sd.Uniform("a_1", "b_1"), sd.Gumbel("mu_2", "beta_2")).to_function(backend, checked=False)
    narrow = (0.0, 2.17480787205866e-208, 0.0, 0.005731673579942823)
    assert check("Uniform", "Gumbel", "kl_divergence", narrow, checked=False)[0]
    assert abs(float(f(*narrow)) - 473.9990112991961) < 1e-12
    if backend == "numpy":
        assert check("Uniform", "Gumbel", "kl_divergence", (-4.3087218662172106e+82, 0.0, 2.852570483770257e+220,
                                                           118.18401403655473), checked=False)[0]


@pytest.mark.parametrize("backend", ["numpy", "math", "mpmath"])
@pytest.mark.parametrize(("family", "point"), [("Weibull", (1.7, 2.3)), ("Gumbel", (0.3, 1.2)),
                                                ("Normal", (0.1, 0.7)), ("Gamma", (2.5, 0.4))])
def test_a_kl_from_generated_code_is_never_negative(backend: str, family: str, point: tuple) -> None:
    """Gumbel and Weibull KL at P ~ Q (one parameter 1 + 1e-8 times the other) came out as -9.7e-16
    and -6.9e-17 from the math backend: a divergence is >= 0, and the code now says so (nan stays nan)."""
    fam = getattr(sd, family)
    f = sd.kl_divergence(fam.symbolic_example(1), fam.symbolic_example(2)).to_function(backend, checked=False)
    for k in range(len(point)):
        for rel in (1e-8, 1e-12, -1e-8, 2.0**-50):
            moved = tuple(v * (1 + rel) if i == k else v for i, v in enumerate(point))
            assert float(f(*point, *moved)) >= 0, (point, moved)
    if backend == "numpy":
        assert math.isnan(float(f(*point, *(math.nan,) * len(point))))


@pytest.mark.parametrize(("args", "truth"), [((1e20, 1e15, 1.0), 100010.09398693178),
                                             ((1e30, 1e20, 1.0), 10000000010.093988),
                                             ((1e8, 1e8, 1.0), 8.7914018421048)])
def test_gamma_exponential_kl_far_from_equal(args: tuple, truth: float) -> None:
    """The P ~ Q form alpha*(r - 1 - log r) + (1 - alpha)*log(1/r) was used at every ratio r: at
    alpha = 1e20 its two terms of size 3e21 cancel to -0.92 (true 100010.09); a hostile audit found it.
    The switch to the general form applies wherever a log is left beside the Bregman terms."""
    f = sd.kl_divergence(sd.Gamma("alpha_1", "beta_1"), sd.Exponential("lambda_2")).to_function(checked=False)
    assert float(f(*args)) == pytest.approx(truth, rel=1e-12)
    assert check("Gamma", "Exponential", "kl_divergence", args, checked=False)[0]


@pytest.mark.parametrize(("args", "truth"), [((1e16, 0.5, 1.1e16, 0.5), 0.002344910097836106),
                                             ((1e12, 0.5, 1.1e12, 0.5), 0.0023449100978378823),
                                             ((16.0, 1e15, 16.0, 1.1e15), 0.07503712313082289)])
def test_beta_kl_with_one_large_shape(args: tuple, truth: float) -> None:
    """The P ~ Q form of the Beta KL (log-gamma Bregman terms of alpha and beta less that of
    alpha + beta) cancels where one shape is large: 0.0 for 0.0023 (hostile audit). Not used there."""
    f = sd.kl_divergence(sd.Beta("alpha_1", "beta_1"), sd.Beta("alpha_2", "beta_2")).to_function(checked=False)
    assert float(f(*args)) == pytest.approx(truth, rel=1e-9)


def test_an_mpmath_series_without_a_value_is_a_symdiv_error() -> None:
    """entropy(Poisson(lambda)) as mpmath code at lambda = 1e15 raised Python's bare ArithmeticError
    (the largest terms beyond reach); now a symdiv UnsupportedError that says so."""
    f = sd.entropy(sd.Poisson("lambda_1")).to_function("mpmath")
    assert abs(float(f(3.5)) - 2.0151725225129722812) < 1e-14
    with pytest.raises(sd.UnsupportedError, match="no value here"):
        f(10**15)


@pytest.mark.slow
def test_every_case_at_extreme_parameters() -> None:
    """The seeded fuzzer over every case (entropy, cross entropy, KL of the scalar catalog pairs),
    one point each (``python tests/extremes.py N SEED`` draws more), through the default (checked)
    numpy code: the right value, inf beyond a double, never nan or a wrong finite number."""
    total, bad = run(1, 11)
    assert total >= 75, total
    assert not bad, bad[:5]
