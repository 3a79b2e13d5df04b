"""Poisson(rate): pmf rate^k e^(-rate) / k! on k = 0, 1, 2, ..."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import IntegerRange
from ._common import power_of_x


class Poisson(Family):
    """The Poisson distribution with rate lambda. Its entropy keeps the series E[log X!].

    >>> import sympy as sp, symdiv as sd
    >>> d = sd.entropy(sd.Poisson("lambda"))
    >>> d.is_complete, d.expr.has(sp.Sum)
    (False, True)
    """

    name = "Poisson"
    parameters = (Parameter("rate", Positive, "rate lambda (the mean)"),)
    discrete = True
    aliases = ("pois",)

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Poisson:
        return cls(f"lambda_{role}")

    @property
    def rate(self) -> sp.Expr:
        return self._values[0]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return x * sp.log(self.rate) - self.rate - sp.loggamma(x + 1)

    def density(self, x: sp.Expr) -> sp.Expr:
        return self.rate**x * sp.exp(-self.rate) / sp.factorial(x)

    def support(self) -> IntegerRange:
        return IntegerRange(sp.Integer(0), sp.oo)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        lam = self.rate
        c = power_of_x(g)
        if c == 1:
            return lam
        if c == 2:
            return lam + lam**2
        return None

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((sp.log(self.rate),), (X,), lambda t: sp.exp(t[0]), -sp.loggamma(X + 1),
                           lambda t: sp.true, ("Poisson",))
