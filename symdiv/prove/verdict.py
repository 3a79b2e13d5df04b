"""The one result type of every check: a :class:`Verdict` is proved, false (with a
:class:`Counterexample` showing both sides evaluated) or undecided (with :class:`NumericEvidence`
and the ``reason``). :class:`Verification` is the verdict on H(P, Q) = KL(P || Q) + H(P)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from ..derivation import Derivation, Step
from ..family import Family
from ..hooks import provided
from ..printing.conditions import conditions_text

__all__ = ["CONFIRM_DPS", "Counterexample", "NumericEvidence", "Verdict", "Verification"]

#: the fewest correct digits a counterexample is confirmed with (20 more than its ``dps`` when that is more)
CONFIRM_DPS = 50


@dataclass(frozen=True)
class NumericEvidence:
    """How closely the two sides agreed: the largest |lhs - rhs| over the ``points`` sample points
    at which both were evaluated (with mpmath at ``dps`` digits); ``tolerance`` is the relative
    difference beyond which a point is a counterexample candidate."""

    points: int
    dps: int
    max_abs_residual: mpmath.mpf
    tolerance: mpmath.mpf


@dataclass(frozen=True)
class Counterexample:
    """Exact parameter values at which the two sides of a claim differ, with both values."""

    point: Mapping[Any, Any]
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    dps: int

    @property
    def confirmed_dps(self) -> int:
        """The correct digits with which both sides were evaluated again, independently, and still differed."""
        return max(CONFIRM_DPS, self.dps + 20)

    def __str__(self) -> str:
        at = ", ".join(f"{k} = {_show(v)}" for k, v in self.point.items())
        where = f"at {at}" if at else "for the given parameters"
        return f"{where}: lhs = {mpmath.nstr(self.lhs, 15)}, rhs = {mpmath.nstr(self.rhs, 15)}"


@dataclass(frozen=True)
class Verdict:
    """The verdict on a claim: ``holds`` is True (proved), False (disproved) or None (undecided).

    >>> import symdiv as sd
    >>> v = sd.check("KL(P||Q) = KL(Q||P)", sd.Exponential("lambda_1"), sd.Exponential("lambda_2"))
    >>> v.verdict, v.counterexample.point
    ('false', {lambda_1: 927/250, lambda_2: 1827/1000})
    """

    claim: sp.Eq
    holds: bool | None
    lhs: sp.Expr
    rhs: sp.Expr
    residual: sp.Expr
    reduced: sp.Expr
    proof: tuple[Step, ...]
    counterexample: Counterexample | None
    evidence: NumericEvidence
    families: tuple[Family, ...] = field(repr=False)
    #: the derivations of the quantities in the claim
    derivations: tuple[Derivation, ...] = field(repr=False, default=())
    assumptions: tuple[sp.Basic, ...] = ()
    text: str = ""
    #: the conditions, beyond the families' parameter domains, under which the derived closed forms
    #: are the values of the quantities in the claim (supports that nest, moments that exist). A
    #: proof holds where they hold; where one fails a quantity is +oo (or not given by its closed
    #: form) and nothing was proved there. Counterexamples are searched where they hold.
    conditions: tuple[sp.Basic, ...] = ()
    #: why the verdict is undecided when something stopped the check (a time budget, values too
    #: large to evaluate, inconsistent assumptions, an undefined side); "" otherwise
    reason: str = ""
    #: what was found where a condition fails (the claim states none): a false verdict's "it holds
    #: only where ...", or a proof's "it also holds at the points tried there"; "" when not looked at
    outside: str = ""
    #: the conditions the claim states (``check(..., where=...)``): it is judged only where they hold
    where: tuple[sp.Basic, ...] = ()

    @property
    def verdict(self) -> str:
        """"proved", "false" or "undecided"."""
        return {True: "proved", False: "false", None: "undecided"}[self.holds]

    def __bool__(self) -> bool:
        return self.holds is True

    def __str__(self) -> str:
        shown = self.text or sp.sstr(self.claim)
        if self.holds is True:
            how = ("lhs - rhs reduces to exactly 0" if self.residual is not sp.nan
                   else f"both sides are {'+oo' if self.lhs == sp.oo else sp.sstr(self.lhs)}")
            if self.conditions:
                beyond = self.outside or ("where a condition fails, a quantity in the claim is +oo or not given by "
                                          "its closed form, and this proof says nothing")
                return f"{shown}: proved where {conditions_text(self.conditions)} ({how} there; {beyond})"
            if self.where:
                return f"{shown}: proved for {conditions_text(self.where)}, as the claim states ({how})"
            return f"{shown}: proved ({how})"
        if self.holds is False:
            why = f" ({self.outside})" if self.outside else ""
            return f"{shown}: false; counterexample {self.counterexample}{why}"
        ev = self.evidence
        why = f"{self.reason}; " if self.reason else "no proof; "
        if ev.points == 0:
            return f"{shown}: undecided ({why.rstrip('; ')})"
        return (f"{shown}: undecided ({why}at {ev.points} random points |lhs - rhs| <= "
                f"{mpmath.nstr(ev.max_abs_residual, 3)} with {ev.dps}-digit arithmetic)")

    def latex(self, env: str | None = "aligned", notation: Any = None) -> str:
        """The claim, then its proof or its counterexample, as LaTeX."""
        return provided("verdict_latex")(self, env=env, notation=notation)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(env="aligned") + "$$"


class Verification(Verdict):
    """The verdict on H(P, Q) = KL(P || Q) + H(P) for one pair (from
    :func:`symdiv.verify_decomposition`): a :class:`Verdict` whose ``derivations`` are H(P, Q),
    KL(P || Q) and H(P), in that order."""


def _show(v: Any) -> str:
    if isinstance(v, sp.MatrixBase):
        return str(v.tolist())
    if isinstance(v, tuple):
        return "(" + ", ".join(map(str, v)) + ")"
    return str(v)
