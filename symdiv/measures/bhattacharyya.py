"""The Bhattacharyya coefficient BC(P, Q) = int sqrt(p q) and distance D_B(P, Q) = -log BC(P, Q).

Both are the power integral of order 1/2 (:mod:`symdiv.measures.power`): always finite, symmetric,
BC in [0, 1] (0 for disjoint supports, 1 only for P = Q).
"""

from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..family import Family
from .base import Measure
from .power import power_measure
from .registry import register

__all__ = ["BHATTACHARYYA_COEFFICIENT", "BHATTACHARYYA_DISTANCE", "bhattacharyya_coefficient",
           "bhattacharyya_distance"]

HALF = sp.Rational(1, 2)

BHATTACHARYYA_COEFFICIENT = Measure(
    "bhattacharyya_coefficient", "Bhattacharyya coefficient", 2, "BC(${P}, ${Q})", "BC(${P}, ${Q})",
    r"\operatorname{BC}(${P}, ${Q})", "BC(P, Q) = int sqrt(p(x) q(x)) dx", "bc", aliases=("BC",),
    symmetric=True, values="[0, 1]", in_nats=False, help="BC(P, Q), the Bhattacharyya coefficient")
BHATTACHARYYA_DISTANCE = Measure(
    "bhattacharyya_distance", "Bhattacharyya distance", 2, "D_B(${P}, ${Q})", "D_B(${P}, ${Q})",
    r"D_{\mathrm{B}}(${P}, ${Q})", "D_B(P, Q) = -log int sqrt(p(x) q(x)) dx", "bhattacharyya",
    aliases=("D_B",), symmetric=True, help="D_B(P, Q) = -log BC(P, Q), the Bhattacharyya distance")

_coefficient = power_measure(BHATTACHARYYA_COEFFICIENT, HALF, lambda i, a: i,
                             "BC(P, Q) = int sqrt(p q) = E_P[sqrt(q(X)/p(X))]")
_distance = power_measure(BHATTACHARYYA_DISTANCE, HALF, lambda i, a: -sp.log(i),
                          "D_B(P, Q) = -log int sqrt(p q) = -log E_P[sqrt(q(X)/p(X))]")


def bhattacharyya_coefficient(P: Family, Q: Family) -> Derivation:
    """The Bhattacharyya coefficient BC(P, Q) = int sqrt(p q), derived step by step.

    >>> import symdiv as sd
    >>> sd.bhattacharyya_coefficient(sd.Bernoulli("p"), sd.Bernoulli("q")).expr
    sqrt(p)*sqrt(q) + sqrt(1 - p)*sqrt(1 - q)
    """
    return _coefficient(P, Q)


def bhattacharyya_distance(P: Family, Q: Family) -> Derivation:
    """The Bhattacharyya distance D_B(P, Q) = -log BC(P, Q), derived step by step.

    >>> import symdiv as sd
    >>> sd.bhattacharyya_distance(sd.Normal("mu_1", "sigma"), sd.Normal("mu_2", "sigma")).expr
    (mu_1 - mu_2)**2/(8*sigma**2)
    """
    return _distance(P, Q)


register(BHATTACHARYYA_COEFFICIENT, bhattacharyya_coefficient)
register(BHATTACHARYYA_DISTANCE, bhattacharyya_distance)
