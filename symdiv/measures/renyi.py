"""Renyi's divergence of order alpha: D_alpha(P || Q) = log(int p^alpha q^(1-alpha)) / (alpha - 1).

Derived from the power integral (:mod:`symdiv.measures.power`); alpha is a positive number other than
1, or a positive symbol (then alpha != 1 is an assumption). For alpha > 1 it is +oo where P has mass
that Q lacks, or where the mixed natural parameter leaves the parameter space; such conditions
are stated. As alpha -> 1 it tends to KL(P || Q).
"""

from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..family import Family
from .base import Measure
from .power import power_measure
from .registry import register

__all__ = ["RENYI", "renyi_divergence"]

RENYI = Measure(
    "renyi_divergence", "Renyi divergence", 2, "D_${alpha}(${P} || ${Q})", "D_${alpha}(${P} \u2225 ${Q})",
    r"D_{${alpha}}(${P} \,\|\, ${Q})", "D_alpha(P || Q) = log(int p^alpha q^(1-alpha)) / (alpha - 1)", "renyi",
    parameters=("alpha",), aliases=("D_alpha", "Renyi"),
    help="D_alpha(P || Q), the Renyi divergence of order alpha (--alpha)")

_derive = power_measure(RENYI, None, lambda i, a: sp.log(i) / (a - 1),
                        "D_alpha(P || Q) = 1/(alpha - 1) log E_P[(q(X)/p(X))^(1 - alpha)]")


def renyi_divergence(P: Family, Q: Family, alpha: object) -> Derivation:
    """Renyi's divergence of order ``alpha``, D_alpha(P || Q), derived step by step.

    ``alpha``: a positive number other than 1 (``sympy.Rational(1, 2)``, ``2``, ``"1/2"``), or a
    positive symbol or its name (``"alpha"``).

    >>> import symdiv as sd
    >>> sd.renyi_divergence(sd.Exponential("lambda_1"), sd.Exponential("lambda_2"), 2).expr
    log(lambda_1**2/(lambda_2*(2*lambda_1 - lambda_2)))
    """
    return _derive(P, Q, alpha)


register(RENYI, renyi_divergence)
