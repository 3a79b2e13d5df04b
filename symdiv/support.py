"""Supports of distributions, and the one generic rule: is supp P inside supp Q?

Three kinds cover the catalog: an interval of the real line (Lebesgue measure), a range
of integers and an explicit finite set of integer atoms (counting measure). Bounds may be
symbolic; inequalities between them are decided with the parameters' domain facts
(see :meth:`symdiv.domains.Domain.reparam`), three-valued: True, False or None (unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

__all__ = ["Support", "RealInterval", "IntegerRange", "FiniteAtoms", "PairAtoms", "SimplexSupport", "RealSpace",
           "decide_nonnegative", "REALS", "ATOM_LIMIT"]

#: An integer range with more atoms than this is a series: never enumerated, summed as ``Sum``
#: (an explicit Categorical is a :class:`FiniteAtoms`, always enumerated: its atoms are given).
ATOM_LIMIT = 4096


def decide_nonnegative(expr: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr]) -> bool | None:
    """Decide ``expr >= 0`` using the re-parametrisations that encode domain facts."""
    expr = sp.sympify(expr)
    if expr.is_nonnegative is not None:
        return bool(expr.is_nonnegative)
    used = {s: r for s, r in reparams.items() if s in expr.free_symbols}
    if not used:
        return None
    value = sp.cancel(sp.together(expr.xreplace(used)))
    return None if value.is_nonnegative is None else bool(value.is_nonnegative)


def _le(a: sp.Expr, b: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
    """Three-valued ``a <= b`` with infinite bounds, and the inequality itself when undecided."""
    if a == b or a == -sp.oo or b == sp.oo:
        return True, []
    if a == sp.oo or b == -sp.oo:
        return False, []
    verdict = decide_nonnegative(b - a, reparams)
    return verdict, ([sp.LessThan(a, b, evaluate=False)] if verdict is None else [])


class Support:
    """Base class. ``discrete`` says which reference measure densities are taken against."""

    discrete: bool = False

    @property
    def space(self) -> tuple[object, ...]:
        """The space the support lives in: the real line (the default), a simplex, R^k."""
        return ("line",)

    def text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def subset_of(
        self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]
    ) -> tuple[bool | None, str, list[sp.Basic]]:
        """Return (is self ⊆ other, a one-line reason, the conditions that decide it when undecided)."""
        if self.discrete != other.discrete:
            kinds = ("discrete", "continuous") if self.discrete else ("continuous", "discrete")
            return False, (
                f"P is {kinds[0]} and Q is {kinds[1]}: P is not absolutely continuous "
                f"with respect to Q, so log(dP/dQ) is +oo on a set of positive P-probability"
            ), []
        if self.space != other.space:
            return None, f"supp P = {self.text()} and supp Q = {other.text()} lie in different spaces", []
        verdict, conditions = self._subset(other, reparams)
        rel = {True: "\u2286", False: "\u2288", None: "?\u2286"}[verdict]
        return verdict, f"supp P = {self.text()} {rel} supp Q = {other.text()}", conditions

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        raise NotImplementedError  # pragma: no cover


def _all(values: list[tuple[bool | None, list[sp.Basic]]]) -> tuple[bool | None, list[sp.Basic]]:
    if any(v is False for v, _ in values):
        return False, []
    if all(v is True for v, _ in values):
        return True, []
    return None, [c for _, conds in values for c in conds]


@dataclass(frozen=True)
class RealInterval(Support):
    lo: sp.Expr = -sp.oo
    hi: sp.Expr = sp.oo
    discrete = False

    def text(self) -> str:
        if self.lo == -sp.oo and self.hi == sp.oo:
            return "\u211d"
        return f"({self.lo}, {self.hi})"

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        assert isinstance(other, RealInterval)
        return _all([_le(other.lo, self.lo, reparams), _le(self.hi, other.hi, reparams)])


REALS = RealInterval()


def _first(lo: sp.Expr) -> sp.Expr:
    """The least integer >= lo (lo itself for an integer, an integer symbol or -oo)."""
    return sp.ceiling(lo)


def _last(hi: sp.Expr) -> sp.Expr:
    """The greatest integer <= hi (hi itself for an integer, an integer symbol or oo)."""
    return sp.floor(hi)


def _unbounded(bound: sp.Expr) -> bool:
    return bool(bound.is_infinite) or bound in (sp.oo, -sp.oo)


def _runs(values: tuple[int, ...]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers in a set: {0, 1, 2, 5, 6} -> [(0, 2), (5, 6)]."""
    out: list[tuple[int, int]] = []
    for v in sorted(set(values)):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


@dataclass(frozen=True)
class IntegerRange(Support):
    """The integers lo, lo+1, ..., hi (hi may be symbolic or oo, lo may be -oo).

    Bounds that are not integers stand for the integers between them (ceiling of lo, floor of hi).
    """

    lo: sp.Expr
    hi: sp.Expr
    discrete = True

    def text(self) -> str:
        lo, hi = _first(self.lo), _last(self.hi)
        if lo == -sp.oo:
            return "\u2124" if hi == sp.oo else f"{{\u2026, {hi}}}"
        tail = "\u2026" if hi == sp.oo else f"\u2026, {hi}"
        return f"{{{lo}, {tail}}}"

    def size(self) -> sp.Expr:
        """The number of atoms: an integer, a symbolic expression or oo."""
        lo, hi = _first(self.lo), _last(self.hi)
        if _unbounded(lo) or _unbounded(hi):
            return sp.oo
        return sp.Max(hi - lo + 1, 0) if (hi - lo).is_number else hi - lo + 1

    def atoms(self) -> tuple[int, ...] | None:
        """The atoms when there are at most :data:`ATOM_LIMIT` of them; None for a series
        (an infinite, symbolic-length or large range)."""
        lo, hi = _first(self.lo), _last(self.hi)
        if lo.is_Integer and hi.is_Integer and int(hi) - int(lo) < ATOM_LIMIT:
            return tuple(range(int(lo), int(hi) + 1))
        return None

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        lo, hi = _first(self.lo), _last(self.hi)
        if isinstance(other, IntegerRange):
            return _all([_le(_first(other.lo), lo, reparams), _le(hi, _last(other.hi), reparams)])
        assert isinstance(other, FiniteAtoms)
        if _unbounded(lo) or _unbounded(hi):
            return False, []  # infinitely many atoms are never inside a finite set
        if lo.is_Integer and hi.is_Integer:
            if int(hi) - int(lo) + 1 > len(set(other.values)):
                return False, []
            present = set(other.values)
            return all(k in present for k in range(int(lo), int(hi) + 1)), []
        # symbolic bounds: inside iff the whole range lies in one run of consecutive atoms
        verdicts = [_all([_le(a, lo, reparams), _le(hi, b, reparams)])
                    for a, b in _runs(tuple(int(v) for v in other.values))]
        if any(v is True for v, _ in verdicts):
            return True, []
        open_runs = [conds for v, conds in verdicts if v is None]
        if not open_runs:
            return False, []
        if len(open_runs) == 1:
            return None, open_runs[0]
        return None, [sp.Or(*(sp.And(*conds) for conds in open_runs))]


@dataclass(frozen=True)
class FiniteAtoms(Support):
    """An explicit finite set of integer atoms: the outcomes with positive mass."""

    values: tuple[int, ...]
    discrete = True

    def text(self) -> str:
        return "{" + ", ".join(map(str, self.values)) + "}"

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        if isinstance(other, FiniteAtoms):
            return set(self.values) <= set(other.values), []
        assert isinstance(other, IntegerRange)
        if not self.values:
            return True, []
        lo, hi = sp.Integer(min(self.values)), sp.Integer(max(self.values))
        # a finite set lies in a range iff its least and greatest atoms do
        return _all([_le(_first(other.lo), lo, reparams), _le(hi, _last(other.hi), reparams)])


@dataclass(frozen=True)
class PairAtoms(FiniteAtoms):
    """The cells (i, j) of a K1 x K2 table with positive mass; cell (i, j) is the atom
    i * columns + j of the engine's variable (``values``), shown as the pair."""

    columns: int = 1

    @property
    def space(self) -> tuple[object, ...]:
        return ("pairs", self.columns)

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        return tuple(divmod(v, self.columns) for v in self.values)

    def text(self) -> str:
        return "{" + ", ".join(f"({i}, {j})" for i, j in self.pairs) + "}"


@dataclass(frozen=True)
class SimplexSupport(Support):
    """The open probability simplex {x : x_i > 0, Σ x_i = 1} in K coordinates (K may be a symbol)."""

    K: sp.Expr
    discrete = False

    @property
    def space(self) -> tuple[object, ...]:
        return ("simplex", self.K)

    def text(self) -> str:
        return f"the {self.K - 1}-simplex"

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        if isinstance(other, SimplexSupport) and other.K == self.K:
            return True, []
        return None, []


@dataclass(frozen=True)
class RealSpace(Support):
    """All of R^k (k may be a symbol): the support of a non-degenerate multivariate normal."""

    k: sp.Expr
    discrete = False

    @property
    def space(self) -> tuple[object, ...]:
        return ("R^k", self.k)

    def text(self) -> str:
        return f"\u211d^{self.k}"

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        return True, []  # same space: the spaces were compared first
