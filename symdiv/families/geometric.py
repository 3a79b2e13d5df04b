"""Geometric(p): the number of failures before the first success, pmf p (1-p)^k, k >= 0."""

from __future__ import annotations

import sympy as sp

from ..domains import UnitInterval
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import IntegerRange
from ._common import power_of_x
from .bernoulli import log_mass


class Geometric(Family):
    """The geometric distribution on {0, 1, 2, ...} with success probability p.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Geometric("p")).expr
    (1 - 1/p)*log(1 - p) - log(p)
    """

    name = "Geometric"
    #: p = 0 never succeeds (refused by _validate): the probability lies in (0, 1]
    parameters = (Parameter("p", UnitInterval.worded("(0, 1]"), "success probability"),)
    discrete = True
    aliases = ("geom",)

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Geometric:
        return cls("pq"[role - 1] if role in (1, 2) else f"p_{role}")

    @property
    def p(self) -> sp.Expr:
        return self._values[0]

    def _validate(self) -> None:
        if self.p.is_zero:
            from ..errors import InvalidParameterError

            raise InvalidParameterError(self.name, "p", self.p, "(0, 1]", "p = 0 never succeeds")

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return log_mass(self.p) + x * log_mass(1 - self.p)

    def density(self, x: sp.Expr) -> sp.Expr:
        return self.p * (1 - self.p) ** x

    def support(self) -> IntegerRange:
        return IntegerRange(sp.Integer(0), sp.Integer(0) if (self.p - 1).is_zero else sp.oo)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        p = self.p
        c = power_of_x(g)
        if c == 1:
            return (1 - p) / p
        if c == 2:
            return (1 - p) * (2 - p) / p**2
        return None

    def natural_form(self) -> NaturalForm | None:
        if (1 - self.p).is_zero:
            return None
        return NaturalForm((sp.log(1 - self.p),), (X,), lambda t: -sp.log(1 - sp.exp(t[0])), sp.Integer(0),
                           lambda t: sp.Lt(t[0], 0), ("Geometric",))
