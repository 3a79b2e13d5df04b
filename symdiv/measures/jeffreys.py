"""Jeffreys' divergence J(P, Q) = KL(P || Q) + KL(Q || P), the symmetrised KL divergence.

Derived from its definition E_P[log p(X) - log q(X)] + E_Q[log q(X) - log p(X)]: each expectation by
the expectation engine (as :func:`symdiv.kl_divergence` derives it), then the sum tidied. +oo where
either is; the conditions of both are stated.
"""

from __future__ import annotations

import sympy as sp

from ..derivation import Derivation, Expectation, Step, StepKind
from ..family import Family
from ..symbols import P_NAME, Q_NAME
from .base import Measure
from .classic import _assumptions, _exact_then_float, _kl_divergence, _log_density_shown, _require_pair, strongest
from .power import checked_tidy
from .registry import register

__all__ = ["JEFFREYS", "jeffreys_divergence"]

JEFFREYS = Measure(
    "jeffreys_divergence", "Jeffreys divergence", 2, "J(${P}, ${Q})", "J(${P}, ${Q})", r"D_{\mathrm{J}}(${P}, ${Q})",
    "J(P, Q) = E_P[log p(X) - log q(X)] + E_Q[log q(X) - log p(X)]", "jeffreys", aliases=("J", "D_J", "Jeffreys"),
    symmetric=True, help="J(P, Q) = KL(P || Q) + KL(Q || P), Jeffreys' divergence")


def _jeffreys(P: Family, Q: Family) -> Derivation:
    from ..family import X

    shown_p, shown_q = _log_density_shown(P, X), _log_density_shown(Q, X)
    definition = Expectation(shown_p - shown_q, P_NAME) + Expectation(shown_q - shown_p, Q_NAME)
    steps = [Step(StepKind.DEFINITION, definition, JEFFREYS.definition)]
    forward, backward = _kl_divergence(P, Q), _kl_divergence(Q, P)
    families = (P, Q)
    conditions = strongest(forward.conditions + backward.conditions)
    if forward.is_infinite or backward.is_infinite:
        which = "E_P[log p/q]" if forward.is_infinite else "E_Q[log q/p]"
        why = (forward if forward.is_infinite else backward).steps[-1].note
        steps.append(Step(StepKind.EXPECTATION, sp.oo, f"{which} = +oo ({why})"))
        return Derivation(JEFFREYS, families, tuple(steps), _assumptions(*families), True, (), ())
    total = forward.expr + backward.expr
    steps.append(Step(StepKind.EXPECTATION, total,
                      "each expectation derived as KL is (expand the logarithms, linearity, the tables of P and Q): "
                      f"E_P[log p/q] = {sp.sstr(forward.expr)}; E_Q[log q/p] = {sp.sstr(backward.expr)}"))
    known = (*_assumptions(*families), *conditions)
    tidied = checked_tidy(total, families, known)
    if tidied != total:
        steps.append(Step(StepKind.TIDY, tidied, "collect terms, combine logarithms"))
    complete = forward.is_complete and backward.is_complete
    return Derivation(JEFFREYS, families, tuple(steps), strongest(known), complete, conditions)


def jeffreys_divergence(P: Family, Q: Family) -> Derivation:
    """Jeffreys' divergence KL(P || Q) + KL(Q || P), derived from its definition step by step.

    >>> import symdiv as sd
    >>> sd.jeffreys_divergence(sd.Normal("mu_1", "sigma"), sd.Normal("mu_2", "sigma")).expr
    (mu_1 - mu_2)**2/sigma**2
    """
    return _exact_then_float(_jeffreys, *_require_pair(P, Q))


register(JEFFREYS, jeffreys_divergence)
