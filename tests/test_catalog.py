"""The whole catalog against the independent reference in tests/catalog_reference.py.

For every family: entropy, cross-entropy and KL against mpmath integration/summation of the
definition (40 digits, relative error <= 1e-20), the decomposition proved, Gibbs, compactness
against the cited textbook form, each step checked numerically, and scipy's entropies. For
every listed cross-family pair: the same, from the same engine (no pair registry).
"""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from catalog_reference import CROSS_KL, REFERENCE, by_definition, close, evaluate, params_at
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiv as sd
from symdiv.families.pairs import CROSS_PAIRS
from symdiv.numeric import evaluate as sd_evaluate

NEW = [name for name in REFERENCE if name not in ("Normal", "Bernoulli")]
MEASURES = ("entropy", "cross_entropy", "kl_divergence")


def family(name: str, role: int, **override: sp.Expr) -> sd.Family:
    ref, cls = REFERENCE[name], getattr(sd, name)
    symbols = {**ref.symbols(role), **override}
    return cls(*(symbols[p.name] for p in cls.parameters))


def pair(name: str) -> tuple[sd.Family, sd.Family]:
    return family(name, 1), family(name, 2)


def derive(measure: str, P: sd.Family, Q: sd.Family) -> sd.Derivation:
    return sd.entropy(P) if measure == "entropy" else getattr(sd, measure)(P, Q)


def test_every_catalog_family_has_a_reference_row() -> None:
    elsewhere = {"Categorical": "CASES in tests/catalog_reference.py", "Dirichlet": "tests/test_dirichlet.py",
                 "MultivariateNormal": "tests/test_mvn.py",
                 "JointCategorical": "tests/test_mutual_information.py"}
    missing = [f.name for f in sd.CATALOG if f.name not in REFERENCE and f.name not in elsewhere]
    assert not missing


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("measure", MEASURES)
@settings(max_examples=4)
@given(data=st.data())
def test_matches_the_definition(name, measure, data) -> None:
    point = data.draw(REFERENCE[name].points_nested)
    P, Q = pair(name)
    d = derive(measure, P, Q)
    ours = sd_evaluate(d.expr, point, P, dps=30)
    direct = by_definition(name, measure, point)
    assert close(ours, direct), (d.expr, point, ours, direct)


@pytest.mark.parametrize("name", NEW)
def test_decomposition_proved(name) -> None:
    v = sd.verify_decomposition(*pair(name))
    assert v.holds is True, v
    assert v.evidence.points == 20 and v.evidence.max_abs_residual < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("name", NEW)
def test_gibbs(name) -> None:
    P, Q = pair(name)
    assert sd.kl_divergence(P, P).expr == 0
    import random

    rng = random.Random(3)
    for _ in range(5):
        pt = Q.sample(rng, P.sample(rng))
        d = sd.kl_divergence(P, Q)
        if all(bool(c.xreplace(pt)) for c in d.assumptions if isinstance(c, sp.core.relational.Relational)):
            assert sd_evaluate(d.expr, pt, P) >= -mpmath.mpf(10) ** -25


#: (family, measure) with a textbook form; Poisson and Binomial entropies have none (they keep a series)
COMPACT = [(n, m) for n in NEW for m in ("entropy", "kl_divergence")
           if m in REFERENCE[n].textbook or m in REFERENCE[n].conditional]
COMPACT = [(n, m) for n, m in COMPACT if not REFERENCE[n].textbook.get(m, sp.Integer(0)).has(sp.Sum)
           or m in REFERENCE[n].conditional]


@pytest.mark.parametrize(("name", "measure"), COMPACT)
def test_compact(name, measure) -> None:
    ref = REFERENCE[name]
    if measure in ref.conditional:  # the textbook form needs a condition: take it (Binomial: n_P = n_Q)
        textbook = ref.conditional[measure][1]
        P = family(name, 1)
        Q = family(name, 2, n=ref.symbols_P["n"]) if name == "Binomial" else family(name, 2)
    else:
        textbook, (P, Q) = ref.textbook[measure], pair(name)
    ours = derive(measure, P, Q).expr
    assert sp.count_ops(ours) <= sp.count_ops(textbook), (ours, textbook, ref.source)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("measure", MEASURES)
def test_steps_preserve_the_value(name, measure) -> None:
    import random

    P, Q = pair(name)
    d = derive(measure, P, Q)
    rng = random.Random(11)
    relations = [c for c in d.assumptions if isinstance(c, sp.core.relational.Relational)]
    for _ in range(500):
        pt = Q.sample(rng, P.sample(rng))
        if all(bool(c.xreplace(pt)) for c in relations):
            break
    values = [sd_evaluate(s.expr, pt, P, dps=30) for s in d.steps]
    for before, after, step in zip(values, values[1:], d.steps[1:]):
        assert close(after, before, mpmath.mpf(10) ** -18), (step.kind, step.note, before, after)


@pytest.mark.parametrize("name", [n for n in NEW if REFERENCE[n].scipy is not None])
def test_entropy_matches_scipy(name) -> None:
    ref = REFERENCE[name]
    values = {sym: sp.Rational(7, 5) + k for k, sym in enumerate(ref.symbols_P.values())}
    if name == "Binomial":
        values = {ref.symbols_P["n"]: sp.Integer(6), ref.symbols_P["p"]: sp.Rational(3, 10)}
    if name in ("Geometric",):
        values = {ref.symbols_P["p"]: sp.Rational(3, 10)}
    if name == "Uniform":
        values = {ref.symbols_P["a"]: sp.Rational(-1, 2), ref.symbols_P["b"]: sp.Rational(5, 2)}
    P = family(name, 1).at(values)
    d = sd.entropy(P)
    ours = float(sp.N(d.expr, 30))
    theirs = float(ref.scipy(params_at(ref, values, 1)).entropy())
    assert math.isclose(ours, theirs, rel_tol=1e-9), (name, ours, theirs)


CROSS = [pytest.param(p, q, id=f"{p}->{q}") for p, q in CROSS_PAIRS]  # a pair without a CROSS_KL row fails


@pytest.mark.parametrize(("p_name", "q_name"), CROSS)
@settings(max_examples=3)
@given(data=st.data())
def test_cross_family_kl_matches_the_definition(p_name, q_name, data) -> None:
    ref = CROSS_KL[(p_name, q_name)]
    point = data.draw(ref.points)
    P, Q = family(p_name, 1), family(q_name, 2)
    d = sd.kl_divergence(P, Q)
    assert not d.is_infinite
    ours = sd_evaluate(d.expr, point, P, dps=30)
    direct = by_definition(p_name, "kl_divergence", point, q_name, extra_breakpoints=ref.extra_breakpoints)
    assert close(ours, direct), (d.expr, point, ours, direct)
    assert close(evaluate(ref.textbook, point), direct)


@pytest.mark.parametrize(("p_name", "q_name"), CROSS)
def test_cross_family_decomposition(p_name, q_name) -> None:
    P, Q = family(p_name, 1), family(q_name, 2)
    assert sd.verify_decomposition(P, Q).holds is True


#: Cross pairs whose derived form still has more operations than the cited textbook/torch form.
#: Known gap of the tidy layer (issue 4 stays open for it); strict, so an improvement shows up.
NOT_YET_COMPACT = {
    ("Beta", "Normal"), ("Gumbel", "Normal"),
    ("Pareto", "Normal"), ("Uniform", "Beta"),
    ("Uniform", "Gamma"), ("Uniform", "Gumbel"), ("Uniform", "Normal"),
    ("Uniform", "Pareto"), ("Exponential", "LogNormal"), ("Geometric", "Poisson"),
}


@pytest.mark.parametrize(("p_name", "q_name"), [
    pytest.param(p, q, id=f"{p}->{q}", marks=pytest.mark.xfail(strict=True, reason="tidy: not yet textbook-compact"))
    if (p, q) in NOT_YET_COMPACT else pytest.param(p, q, id=f"{p}->{q}") for p, q in CROSS_KL])
def test_cross_family_compactness(p_name, q_name) -> None:
    ref = CROSS_KL[(p_name, q_name)]
    ours = sd.kl_divergence(family(p_name, 1), family(q_name, 2)).expr
    assert sp.count_ops(ours) <= sp.count_ops(ref.textbook), (ours, ref.textbook, ref.source)


@pytest.mark.parametrize(("P", "Q"), [
    (sd.Normal("mu", "sigma"), sd.Exponential("lam")),
    (sd.Uniform(0, 2), sd.Uniform(0, 1)),
    (sd.Poisson("lam"), sd.Binomial(4, "q")),
    (sd.Binomial(5, "p"), sd.Binomial(3, "q")),
    (sd.Exponential("lam"), sd.Pareto(1, "a")),
    (sd.Laplace(0, 1), sd.HalfNormal(1)),
])
def test_support_rule_makes_it_infinite(P, Q) -> None:
    for d in (sd.kl_divergence(P, Q), sd.cross_entropy(P, Q)):
        assert d.expr == sp.oo and d.steps[-1].kind is sd.StepKind.SUPPORT


def test_series_stay_explicit_and_evaluate() -> None:
    d = sd.entropy(sd.Poisson(sp.Rational(3, 2)))
    assert not d.is_complete and d.expr.has(sp.Sum)
    lam = mpmath.mpf(3) / 2
    with mpmath.workdps(30):
        direct = -mpmath.nsum(lambda k: mpmath.exp(-lam) * lam**k / mpmath.factorial(k)
                              * (k * mpmath.log(lam) - lam - mpmath.loggamma(k + 1)), [0, mpmath.inf])
    assert abs(sp.N(d.expr, 20) - sp.Float(str(direct), 30)) < 1e-12
    assert any("no closed form" in s.note for s in d.steps)


def test_binomial_with_different_n() -> None:
    small, large = sd.Binomial(3, sp.Rational(1, 3)), sd.Binomial(5, sp.Rational(1, 2))
    d = sd.kl_divergence(small, large)
    direct = sum(sp.binomial(3, k) * sp.Rational(1, 3) ** k * sp.Rational(2, 3) ** (3 - k)
                 * sp.log(sp.binomial(3, k) * sp.Rational(1, 3) ** k * sp.Rational(2, 3) ** (3 - k)
                          / (sp.binomial(5, k) * sp.Rational(1, 2) ** 5)) for k in range(4))
    assert abs(sp.N(d.expr - direct, 30)) < 1e-25
    n1, n2 = sp.Symbol("n_1", integer=True, positive=True), sp.Symbol("n_2", integer=True, positive=True)
    sym = sd.kl_divergence(sd.Binomial(n1, "p"), sd.Binomial(n2, "q"))
    assert sym.expr.has(sp.Sum) and any("n_1 <= n_2" in str(a) for a in sym.assumptions)


def test_a_beta_density_with_half_integer_shapes_has_no_catalan_number() -> None:
    """SymPy evaluates B(3/2, 5/2) through catalan(3/2): an explicit integral showed
    15*sqrt(X)*(1 - X)**(3/2)*catalan(3/2)/4 for the density 16*sqrt(X)*(1 - X)**(3/2)/pi."""
    x = sp.Symbol("x", positive=True)
    density = sd.Beta(sp.Rational(3, 2), sp.Rational(5, 2)).density(x)
    assert not density.has(sp.catalan)
    assert sp.simplify(density - 16 * sp.sqrt(x) * (1 - x) ** sp.Rational(3, 2) / sp.pi) == 0
