"""Every property over every row of the case table (``CASES`` in tests/catalog_reference.py)."""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp
from catalog_reference import CASES, MEASURES, REFERENCE, by_definition, derive
from hypothesis import given
from hypothesis import strategies as st

import symdiv as sd
from symdiv.derivation import Expectation
from symdiv.numeric import evaluate

ROWS = [pytest.param(c, id=c.id) for c in CASES]
ROW_MEASURES = [pytest.param(c, m, id=f"{c.id}-{m}") for c in CASES for m in MEASURES]
REL = mpmath.mpf(10) ** -20


def close(a: mpmath.mpf, b: mpmath.mpf) -> bool:
    with mpmath.workdps(40):
        return abs(a - b) <= REL * max(1, abs(b))


def test_every_catalog_family_has_a_row() -> None:
    """Meta-test: adding a family to the catalog without a test row (here or in the
    catalog reference table) fails here."""
    covered = {c.family.name for c in CASES} | set(REFERENCE)
    covered |= {"Dirichlet", "MultivariateNormal", "JointCategorical"}  # their own test files
    missing = [f.name for f in sd.CATALOG if f.name not in covered]
    assert not missing, f"catalog families without a test row: {missing}"


# (a) closed form against the definition, integrated or summed with mpmath, 30 digits
@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
@given(data=st.data())
def test_closed_form_matches_definition(case, measure, data) -> None:
    point = data.draw(case.points)
    d = derive(case, measure)
    assert d.is_complete
    closed = evaluate(d.expr, point, case.P, dps=30)
    direct = by_definition(case, measure, point)
    assert close(closed, direct), (measure, point, closed, direct)


# (b) the identity, proved symbolically
@pytest.mark.parametrize("case", ROWS)
def test_decomposition_is_proved(case) -> None:
    v = sd.verify_decomposition(case.P, case.Q)
    assert v.holds is True, v
    assert v.reduced == 0
    assert v.evidence.points >= 20 and v.evidence.dps >= 30
    assert v.evidence.max_abs_residual < mpmath.mpf(10) ** -25
    assert v.proof[0].kind is sd.StepKind.DEFINITION and v.proof[-1].expr == 0


# (c) Gibbs: KL(P||P) = 0 exactly, KL >= 0 at random points
@pytest.mark.parametrize("case", ROWS)
def test_kl_of_a_distribution_with_itself_is_zero(case) -> None:
    assert sd.kl_divergence(case.P, case.P).expr == 0
    assert sd.cross_entropy(case.P, case.P).expr == sd.entropy(case.P).expr


@pytest.mark.parametrize("case", ROWS)
@given(data=st.data())
def test_kl_is_nonnegative(case, data) -> None:
    point = data.draw(case.points)
    value = evaluate(sd.kl_divergence(case.P, case.Q).expr, point, case.P)
    assert value >= -mpmath.mpf(10) ** -25


# (d) compactness: no more operations than the textbook form
@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
def test_compactness(case, measure) -> None:
    ours, textbook = derive(case, measure).expr, case.textbook[measure]
    assert sp.count_ops(ours) <= sp.count_ops(textbook), (ours, textbook, case.source)


@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
def test_textbook_form_is_the_same_function(case, measure) -> None:
    """The textbook forms of the compactness check are themselves right (guards the table)."""
    rng = random.Random(7)
    pt = case.Q.sample(rng, case.P.sample(rng))
    assert close(evaluate(case.textbook[measure], pt), evaluate(derive(case, measure).expr, pt, case.P))


# (e) each step equals the previous one at random points
@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
@given(data=st.data())
def test_each_step_preserves_the_value(case, measure, data) -> None:
    point = data.draw(case.points)
    d = derive(case, measure)
    kinds = [s.kind for s in d.steps]
    assert kinds[0] is sd.StepKind.DEFINITION and kinds[1] is sd.StepKind.SUPPORT
    assert sd.StepKind.EXPAND_LOG in kinds and sd.StepKind.LINEARITY in kinds
    assert not d.expr.atoms(Expectation)
    values = [evaluate(s.expr, point, case.P, dps=30) for s in d.steps]
    for before, after, step in zip(values, values[1:], d.steps[1:]):
        assert close(after, before), (step.kind, step.note, before, after)


@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
def test_derivations_are_cached_and_equal(case, measure) -> None:
    assert derive(case, measure) is derive(case, measure)
