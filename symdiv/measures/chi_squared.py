"""Pearson's chi-squared divergence chi^2(P || Q) = int (p - q)^2 / q = int p^2 / q - 1.

The power integral of order 2 (:mod:`symdiv.measures.power`) minus 1: +oo where P has mass that Q
lacks, or where 2 theta_P - theta_Q leaves the natural parameter space (stated as a condition).
For members of one exponential family, D_2(P || Q) = log(1 + chi^2(P || Q)).
"""

from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..family import Family
from .base import Measure
from .power import power_measure
from .registry import register

__all__ = ["CHI_SQUARED", "chi_squared_divergence"]

CHI_SQUARED = Measure(
    "chi_squared_divergence", "Pearson chi-squared divergence", 2, "chi2(${P} || ${Q})",
    "\u03c7\u00b2(${P} \u2225 ${Q})",
    r"\chi^2(${P} \,\|\, ${Q})", "chi^2(P || Q) = int (p(x) - q(x))^2 / q(x) dx", "chi2", aliases=("chi2", "Chi2"),
    in_nats=False, help="chi^2(P || Q), Pearson's chi-squared divergence")

_derive = power_measure(CHI_SQUARED, sp.Integer(2), lambda i, a: i - 1,
                        "chi^2(P || Q) = int p^2/q - 1 = E_P[p(X)/q(X)] - 1")


def chi_squared_divergence(P: Family, Q: Family) -> Derivation:
    """Pearson's chi-squared divergence chi^2(P || Q) = int (p - q)^2 / q, derived step by step.

    >>> import symdiv as sd
    >>> sd.chi_squared_divergence(sd.Poisson("lambda_1"), sd.Poisson("lambda_2")).expr
    exp((lambda_1 - lambda_2)**2/lambda_2) - 1
    """
    return _derive(P, Q)


register(CHI_SQUARED, chi_squared_divergence)
