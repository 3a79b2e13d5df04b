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

__all__ = ["Support", "RealInterval", "IntegerRange", "FiniteAtoms", "SimplexSupport", "RealSpace",
           "decide_nonnegative", "REALS"]


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


@dataclass(frozen=True)
class IntegerRange(Support):
    """The integers lo, lo+1, ..., hi (hi may be symbolic or oo)."""

    lo: sp.Expr
    hi: sp.Expr
    discrete = True

    def text(self) -> str:
        hi = "\u2026" if self.hi == sp.oo else f"\u2026, {self.hi}"
        return f"{{{self.lo}, {hi}}}"

    def atoms(self) -> tuple[int, ...] | None:
        if self.lo.is_Integer and self.hi.is_Integer:
            return tuple(range(int(self.lo), int(self.hi) + 1))
        return None

    def _subset(self, other: Support, reparams: Mapping[sp.Symbol, sp.Expr]) -> tuple[bool | None, list[sp.Basic]]:
        if isinstance(other, IntegerRange):
            return _all([_le(other.lo, self.lo, reparams), _le(self.hi, other.hi, reparams)])
        atoms = self.atoms()
        return (None, []) if atoms is None else FiniteAtoms(atoms)._subset(other, reparams)


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
        lo, hi = sp.Integer(min(self.values)), sp.Integer(max(self.values))
        return _all([_le(other.lo, lo, reparams), _le(hi, other.hi, reparams)])


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
