"""What every printer shows of a result: its value (in the chosen unit) and the conditions under
which that value holds (+oo where one fails).

A :class:`~symdiv.Derivation`'s ``conditions`` decide between its closed form and +oo (supports
that nest only for some parameters, a moment that exists only for some); the parameters'
domain facts (sigma > 0) are not conditions and are not shown here. Every output format reads
the value and the conditions from :func:`shown`, so that text, LaTeX, JSON and generated code
agree on the number, always.

>>> import symdiv as sd
>>> d = sd.kl_divergence(sd.Uniform("a_1", "b_1"), sd.Uniform("a_2", "b_2"))
>>> value, conds = shown(d)
>>> conditions_text(conds)
'a_2 <= a_1 and b_1 <= b_2'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sympy as sp

from ..derivation import Derivation
from ..domains import UnitInterval
from ..errors import InvalidParameterError
from ..tidy import to_bits

if TYPE_CHECKING:
    from ..family import Family

__all__ = ["shown", "in_unit", "conditions_text", "otherwise_text", "conditions_sstr", "mentioned",
           "open_probabilities"]


def require_unit(d: Derivation, bits: bool) -> None:
    """Refuse bits for a quantity that has no unit (the Bhattacharyya coefficient, Hellinger, chi^2)."""
    if bits and not d.quantity.in_nats:
        raise InvalidParameterError(d.symbol(), "log", "bits", "nats: this quantity has no unit",
                                    f"the {d.quantity.title} is not a logarithm, so it has no value in bits")


def in_unit(expr: sp.Expr, bits: bool) -> sp.Expr:
    """``expr`` (a value in nats) in bits when ``bits``: divided by log 2 whenever it is finite or
    symbolic, whether or not it contains a logarithm (1 nat is 1/log 2 bits)."""
    expr = sp.sympify(expr)
    if not bits or expr.is_finite is False or expr.has(sp.nan, sp.zoo):
        return expr
    return to_bits(expr)


def shown(d: Derivation, bits: bool = False) -> tuple[sp.Expr, tuple[sp.Basic, ...]]:
    """The value to show (``d.expr``, in bits when asked) and the conditions to show beside it.
    Bits for a quantity without a unit are refused (:func:`require_unit`).

    No conditions for an infinite result; a condition that is False makes the value +oo (a
    finite number is never shown where the quantity is infinite); conditions that are True are
    dropped.
    """
    require_unit(d, bits)
    if d.is_infinite:
        return sp.oo, ()
    conds: list[sp.Basic] = []
    for c in getattr(d, "conditions", ()):
        if c == sp.true:
            continue
        if c == sp.false:
            return sp.oo, ()
        if c not in conds:
            conds.append(c)
    return in_unit(d.expr, bits), tuple(conds)


def open_probabilities(families: Sequence[Family]) -> list[sp.Symbol]:
    """The symbolic probabilities among the families' parameters. A probability given as a symbol
    means the open interval (0, 1) (a result at p = 0 or 1 is another formula, or +oo: use
    ``.at()``), which printers say, since the domain itself reads [0, 1].

    >>> import symdiv as sd
    >>> open_probabilities([sd.Binomial("n", "p"), sd.Bernoulli("q")])
    [p, q]
    """
    out: list[sp.Symbol] = []
    for f in families:
        for param, value in zip(f.parameters, f.params.values()):
            if param.domain == UnitInterval and isinstance(value, sp.Symbol) and value not in out:
                out.append(value)
    return out


def conditions_sstr(conds: Sequence[sp.Basic]) -> list[str]:
    """Each condition as plain text (for JSON and code comments)."""
    return [sp.sstr(c) for c in conds]


def conditions_text(conds: Sequence[sp.Basic], unicode: bool = False) -> str:
    """``a_2 <= a_1 and b_1 <= b_2`` (``a₂ ≤ a₁ and b₁ ≤ b₂`` with ``unicode``)."""

    def one(c: sp.Basic) -> str:
        if unicode:
            text = sp.pretty(c, use_unicode=True)
            if "\n" not in text:
                return text
        return sp.sstr(c)

    return " and ".join(one(c) for c in conds)


def otherwise_text(lhs: str, conds: Sequence[sp.Basic], unicode: bool = False) -> str:
    """``if a_2 <= a_1 and b_1 <= b_2; otherwise KL(P || Q) = +oo``."""
    inf = "+\u221e" if unicode else "+oo"
    return f"if {conditions_text(conds, unicode)}; otherwise {lhs} = {inf}"


def mentioned(note: str, conds: Sequence[sp.Basic]) -> list[sp.Basic]:
    """The conditions a step's note states (the engine writes them with ``sstr``)."""
    return [c for c in conds if sp.sstr(c) in note]
