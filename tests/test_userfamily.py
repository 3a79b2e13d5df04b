"""User-defined families through Family.from_density: Rayleigh, Maxwell and an Erlang-2 of our own."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.numeric import evaluate

x = sp.Symbol("x", positive=True)
s, a, th = sp.Symbol("sigma", positive=True), sp.Symbol("a", positive=True), sp.Symbol("theta", positive=True)

Rayleigh = sd.Family.from_density(x / s**2 * sp.exp(-(x**2) / (2 * s**2)), x, {s: sd.Positive}, (0, sp.oo),
                                  "Rayleigh")
Maxwell = sd.Family.from_density(sp.sqrt(2 / sp.pi) * x**2 * sp.exp(-(x**2) / (2 * a**2)) / a**3, x,
                                 {a: sd.Positive}, (0, sp.oo), "Maxwell")
Erlang2 = sd.Family.from_density(th**2 * x * sp.exp(-th * x), x, {"theta": sd.Positive}, (0, sp.oo), "Erlang2")

# independent densities and textbook forms (Wikipedia 'Rayleigh distribution', 'Maxwell-Boltzmann distribution')
CASES = {
    "Rayleigh": (Rayleigh, lambda t, v: t / v**2 * mpmath.exp(-(t**2) / (2 * v**2)),
                 lambda v: 1 + sp.log(v / sp.sqrt(2)) + sp.EulerGamma / 2),
    "Maxwell": (Maxwell, lambda t, v: mpmath.sqrt(2 / mpmath.pi) * t**2 * mpmath.exp(-(t**2) / (2 * v**2)) / v**3,
                lambda v: sp.log(v * sp.sqrt(2 * sp.pi)) + sp.EulerGamma - sp.Rational(1, 2)),
    "Erlang2": (Erlang2, lambda t, v: v**2 * t * mpmath.exp(-v * t),
                lambda v: 2 - sp.log(v) + sp.EulerGamma - 1 + 0 * v),
}


@pytest.mark.parametrize("name", CASES)
def test_detected_as_exponential_family(name) -> None:
    fam = CASES[name][0]
    form = fam.exponential_family
    assert form is not None
    assert form.statistics == ([sd.X] if name == "Erlang2" else [sd.X**2])


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("values", [(sp.Rational(3, 2), sp.Rational(2, 3)), (sp.Rational(1, 3), 2)])
def test_measures_match_the_definition(name, values) -> None:
    fam, pdf, _ = CASES[name]
    P, Q = fam("u"), fam("v")
    u, v = sp.Symbol("u", positive=True), sp.Symbol("v", positive=True)
    point = {u: sp.Rational(values[0]), v: sp.Rational(values[1])}
    with mpmath.workdps(40):
        pu, pv = (mpmath.mpf(int(point[k].p)) / int(point[k].q) for k in (u, v))
        h = -mpmath.quad(lambda t: pdf(t, pu) * mpmath.log(pdf(t, pu)), [0, 1, 5, 20, mpmath.inf])
        ce = -mpmath.quad(lambda t: pdf(t, pu) * mpmath.log(pdf(t, pv)), [0, 1, 5, 20, mpmath.inf])
        kl = ce - h
    for d, direct in ((sd.entropy(P), h), (sd.cross_entropy(P, Q), ce), (sd.kl_divergence(P, Q), kl)):
        assert d.is_complete
        ours = evaluate(d.expr, point, P, dps=30)
        with mpmath.workdps(40):
            assert abs(ours - direct) < mpmath.mpf(10) ** -20 * max(1, abs(direct)), (d.expr, ours, direct)


@pytest.mark.parametrize("name", CASES)
def test_identity_and_textbook_entropy(name) -> None:
    fam, _, textbook = CASES[name]
    P, Q = fam("u"), fam("v")
    assert sd.verify_decomposition(P, Q).holds is True
    u = sp.Symbol("u", positive=True)
    h = sd.entropy(P).expr
    assert abs(sp.N(h.subs(u, sp.Rational(7, 3)) - textbook(u).subs(u, sp.Rational(7, 3)), 30)) < 1e-25
    assert sp.count_ops(h) <= sp.count_ops(textbook(u))
    assert sd.kl_divergence(P, P).expr == 0


def test_missing_expectations_are_derived_once_and_cached() -> None:
    from symdiv.family import _derive_expectation

    sd.clear_caches()
    sd.entropy(Rayleigh("w"))
    misses = _derive_expectation.cache_info().misses
    sd.cross_entropy(Rayleigh("w"), Rayleigh("z"))  # needs the same E[log X] again
    assert _derive_expectation.cache_info().misses == misses
    assert _derive_expectation.cache_info().hits >= 1


def test_bad_user_families() -> None:
    with pytest.raises(sd.InvalidParameterError, match="support"):
        sd.Family.from_density(x, x, {s: sd.Positive}, "everywhere", "Bad")
    with pytest.raises(sd.ParseError):
        sd.Family.from_density(x, x, {s: sd.Positive}, (0, 1), "bad name")
    with pytest.raises(sd.InvalidParameterError, match="sigma"):
        Rayleigh(-1)
