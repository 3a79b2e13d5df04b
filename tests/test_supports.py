"""Supports: large and infinite integer ranges are series (never enumerated), and the rule
supp P ⊆ supp Q is decided exactly between ranges of integers and finite sets of atoms, and
soundly (three-valued, never True when false for some parameter values) everywhere."""

from __future__ import annotations

import itertools
import random
import time

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symdiv as sd
from symdiv.support import ATOM_LIMIT, FiniteAtoms, IntegerRange, RealInterval

R, oo = sp.Rational, sp.oo
I = sp.Integer
n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True)
NO_FACTS: dict[sp.Symbol, sp.Expr] = {}


def subset(a, b, reparams=NO_FACTS):
    verdict, reason, conditions = a.subset_of(b, reparams)
    return verdict, conditions


# ---------------------------------------------------------------------------------------------- atoms


def test_small_ranges_are_enumerated_large_ones_are_series() -> None:
    assert IntegerRange(I(0), I(3)).atoms() == (0, 1, 2, 3)
    assert IntegerRange(I(0), I(ATOM_LIMIT - 1)).atoms() == tuple(range(ATOM_LIMIT))
    assert IntegerRange(I(0), I(ATOM_LIMIT)).atoms() is None
    assert IntegerRange(I(1), oo).atoms() is None
    assert IntegerRange(-oo, I(0)).atoms() is None
    assert IntegerRange(I(0), n).atoms() is None
    start = time.perf_counter()
    assert IntegerRange(I(1), I(10**18)).atoms() is None
    assert time.perf_counter() - start < 0.1
    assert IntegerRange(R(1, 2), R(7, 2)).atoms() == (1, 2, 3)  # the integers between the bounds


def test_sizes_and_text() -> None:
    assert IntegerRange(I(1), I(10**9)).size() == 10**9
    assert IntegerRange(I(0), oo).size() == oo
    assert IntegerRange(I(0), n).size() == n + 1
    assert IntegerRange(-oo, oo).text() == "\u2124"
    assert IntegerRange(-oo, I(0)).text() == "{\u2026, 0}"
    assert IntegerRange(I(0), oo).text() == "{0, \u2026}"


def test_explicit_categorical_with_1000_classes_is_still_summed() -> None:
    probs = [R(1, 1000)] * 1000
    d = sd.entropy(sd.Categorical(probs))
    assert sp.simplify(d.expr - sp.log(1000)) == 0 and d.is_complete


def test_huge_binomial_is_not_enumerated() -> None:
    start = time.perf_counter()
    assert sd.Binomial(10**12, R(1, 2)).support().atoms() is None
    assert time.perf_counter() - start < 1


# ---------------------------------------------------------------------------------------------- subset rule


@pytest.mark.parametrize(("P", "Q", "expected"), [
    # an infinite range of integers is never inside a finite set
    (IntegerRange(I(0), oo), FiniteAtoms((0, 1)), False),
    (IntegerRange(-oo, I(0)), FiniteAtoms((-1, 0)), False),
    (IntegerRange(-oo, oo), FiniteAtoms(tuple(range(-5, 6))), False),
    (IntegerRange(I(0), I(10**12)), FiniteAtoms((0, 1)), False),  # decided without enumerating
    # a finite range is inside a finite set iff every integer of it is an atom
    (IntegerRange(I(0), I(2)), FiniteAtoms((0, 1, 2)), True),
    (IntegerRange(I(0), I(2)), FiniteAtoms((0, 2, 3)), False),
    (IntegerRange(I(1), I(2)), FiniteAtoms((0, 1, 2, 3)), True),
    (IntegerRange(I(0), I(3)), FiniteAtoms((0, 1, 2)), False),
    (IntegerRange(R(1, 2), R(5, 2)), FiniteAtoms((1, 2)), True),
    # a finite set is inside a range iff its least and greatest atoms are
    (FiniteAtoms((0, 1)), IntegerRange(I(0), oo), True),
    (FiniteAtoms((0, 1)), IntegerRange(I(1), oo), False),
    (FiniteAtoms((-3, 7)), IntegerRange(-oo, oo), True),
    (FiniteAtoms((0, 5)), IntegerRange(I(0), I(4)), False),
    (FiniteAtoms((0, 5)), IntegerRange(R(-1, 2), R(11, 2)), True),
    (FiniteAtoms((1, 2)), FiniteAtoms((0, 1, 2)), True),
    (FiniteAtoms((1, 3)), FiniteAtoms((0, 1, 2)), False),
    # ranges
    (IntegerRange(I(0), oo), IntegerRange(I(0), oo), True),
    (IntegerRange(I(0), oo), IntegerRange(I(1), oo), False),
    (IntegerRange(I(0), oo), IntegerRange(I(0), I(10**9)), False),
    (IntegerRange(I(1), I(10**9)), IntegerRange(I(0), oo), True),
    (IntegerRange(R(1, 3), I(4)), IntegerRange(I(1), I(4)), True),  # {1, ..., 4} both
    (IntegerRange(I(0), n), IntegerRange(I(0), oo), True),
    (IntegerRange(I(0), n), IntegerRange(-oo, n), True),
    # different reference measures: never absolutely continuous
    (IntegerRange(I(0), I(2)), RealInterval(I(-1), I(3)), False),
    (RealInterval(I(0), I(1)), FiniteAtoms((0, 1)), False),
    # intervals
    (RealInterval(I(0), I(1)), RealInterval(I(0), oo), True),
    (RealInterval(I(0), oo), RealInterval(I(0), I(10)), False),
])
def test_decided_exactly(P, Q, expected) -> None:
    assert subset(P, Q) == (expected, [])


def test_symbolic_ranges_against_atoms_give_the_exact_condition() -> None:
    verdict, conditions = subset(IntegerRange(I(0), n), FiniteAtoms((0, 1, 2)))
    assert verdict is None and conditions == [sp.LessThan(n, 2, evaluate=False)]
    # two runs of atoms: the range must fit in one of them
    verdict, conditions = subset(IntegerRange(m, m + 1), FiniteAtoms((0, 1, 2, 5, 6)))
    assert verdict is None and len(conditions) == 1 and isinstance(conditions[0], sp.Or)
    for value in range(-3, 10):
        inside = {value, value + 1} <= {0, 1, 2, 5, 6}
        assert bool(conditions[0].subs(m, value)) is inside, value
    # a run that cannot hold the range is dropped; none left: False
    assert subset(IntegerRange(I(3), n + 3), FiniteAtoms((0, 1, 2))) == (False, [])


def test_poisson_and_geometric_against_bernoulli_are_infinite() -> None:
    for P in (sd.Poisson(1), sd.Geometric(R(1, 2)), sd.Poisson("lam"), sd.Geometric("p")):
        d = sd.kl_divergence(P, sd.Bernoulli(R(1, 2)))
        assert d.expr == oo and d.steps[-1].kind.value == "support"
        assert sd.cross_entropy(P, sd.Bernoulli("q")).expr == oo


def test_symbolic_binomial_inside_a_categorical_is_conditional() -> None:
    d = sd.kl_divergence(sd.Binomial(2, "p"), sd.Categorical([R(1, 3)] * 3))
    assert d.expr != oo
    d = sd.kl_divergence(sd.Binomial(3, "p"), sd.Categorical([R(1, 3)] * 3))
    assert d.expr == oo


# ---------------------------------------------------------------------------------------------- soundness


BOUNDS = [-oo, -3, -1, 0, 1, 2, 4, oo]


def _members(s) -> set[int] | None:
    """The set of integers of a numeric support (None when infinite)."""
    if isinstance(s, FiniteAtoms):
        return set(s.values)
    lo, hi = sp.ceiling(s.lo), sp.floor(s.hi)
    if lo == -oo or hi == oo:
        return None
    return set(range(int(lo), int(hi) + 1))


def _truth(a, b) -> bool:
    ma, mb = _members(a), _members(b)
    if ma is None:
        if isinstance(b, FiniteAtoms):
            return False
        return bool(sp.ceiling(b.lo) <= sp.ceiling(a.lo) and sp.floor(a.hi) <= sp.floor(b.hi))
    if mb is None:
        return all(sp.ceiling(b.lo) <= v <= sp.floor(b.hi) for v in ma)
    return ma <= mb


def _numeric_supports():
    out = []
    for lo, hi in itertools.combinations_with_replacement(BOUNDS, 2):
        if lo != oo and hi != -oo and lo <= hi:
            out.append(IntegerRange(sp.sympify(lo), sp.sympify(hi)))
    for atoms in ((0,), (0, 1), (0, 2), (-1, 0, 1), (1, 2, 3, 4), (-3, 4)):
        out.append(FiniteAtoms(atoms))
    return out


@pytest.mark.parametrize("a", _numeric_supports(), ids=lambda s: s.text())
def test_every_numeric_pair_is_decided_and_right(a) -> None:
    for b in _numeric_supports():
        verdict, conditions = subset(a, b)
        assert verdict is _truth(a, b), (a, b, verdict)
        assert conditions == []


u, v = sp.Symbol("u", integer=True), sp.Symbol("v", integer=True)
w = sp.Symbol("w", positive=True)
SYMBOLIC = [
    IntegerRange(I(0), n), IntegerRange(u, oo), IntegerRange(u, u + 2), IntegerRange(-oo, v),
    IntegerRange(u, v), IntegerRange(I(1), n + 1), IntegerRange(I(0), w), IntegerRange(w, oo),
]


@given(st.sampled_from(SYMBOLIC + _numeric_supports()), st.sampled_from(SYMBOLIC + _numeric_supports()),
       st.integers(-4, 6), st.integers(1, 6), st.integers(-4, 6), st.fractions(0, 7))
def test_symbolic_verdicts_are_never_wrong(a, b, uu, nn, vv, ww) -> None:
    """Three-valued soundness: True/False must hold at every parameter value; None must come with
    conditions that are exactly the truth at each value (or, without conditions, an honest 'unknown')."""
    point = {u: uu, v: vv, n: nn, w: sp.Rational(ww.numerator, ww.denominator) if ww > 0 else R(1, 7)}
    verdict, conditions = subset(a, b)
    na, nb = (IntegerRange(s.lo.subs(point), s.hi.subs(point)) if isinstance(s, IntegerRange) else s for s in (a, b))
    if isinstance(na, IntegerRange) and sp.ceiling(na.lo) > sp.floor(na.hi):
        return  # an empty range is no support
    truth = _truth(na, nb)
    if verdict is not None:
        assert verdict is truth, (a, b, point)
    elif conditions:
        holds = all(bool(c.subs(point)) for c in conditions)
        assert holds is truth, (a, b, point, conditions)


def test_random_finite_sets_against_ranges() -> None:
    rng = random.Random(3)
    for _ in range(300):
        atoms = tuple(sorted(rng.sample(range(-6, 7), rng.randint(1, 6))))
        lo = rng.randint(-7, 7)
        r = IntegerRange(I(lo), I(lo + rng.randint(0, 5)))
        assert subset(FiniteAtoms(atoms), r)[0] is _truth(FiniteAtoms(atoms), r)
        assert subset(r, FiniteAtoms(atoms))[0] is _truth(r, FiniteAtoms(atoms))
