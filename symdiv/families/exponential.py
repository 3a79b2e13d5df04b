"""Exponential(rate): density rate * exp(-rate x) on x > 0."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Known, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import EULER, exp_rate, gamma, is_log_x, log_power_moment, mean_absolute_deviation, power_of_x


class Exponential(Family):
    """The exponential distribution with rate lambda (mean 1/lambda).

    >>> import symdiv as sd
    >>> sd.entropy(sd.Exponential("lambda")).expr
    1 - log(lambda)
    """

    name = "Exponential"
    parameters = (Parameter("rate", Positive, "rate lambda (mean 1/lambda)"),)
    aliases = ("exp", "expon")

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Exponential:
        return cls(f"lambda_{role}")

    @property
    def rate(self) -> sp.Expr:
        return self._values[0]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return sp.log(self.rate) - self.rate * x

    def density(self, x: sp.Expr) -> sp.Expr:
        return self.rate * sp.exp(-self.rate * x)

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.oo)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return 1 - sp.exp(-self.rate * x)

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        lam = self.rate
        c = power_of_x(g)
        if c is not None:
            return sp.factorial(c) / lam**c if c.is_Integer else Known(gamma(1 + c) / lam**c, sp.Gt(c, -1))
        if is_log_x(g):
            return -EULER - sp.log(lam)
        t = exp_rate(g)
        if t is not None:
            return Known(lam / (lam - t), sp.Lt(t, lam))
        mad = mean_absolute_deviation(g, 1 / lam, sp.Integer(0), sp.oo, lambda t: 1 - sp.exp(-lam * t),
                                      lambda t: (1 - sp.exp(-lam * t) * (1 + lam * t)) / lam)
        if mad is not None:
            return mad
        return log_power_moment(g, lambda c: gamma(1 + c) / lam**c, lambda c: sp.Gt(c, -1))

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((-self.rate,), (X,), lambda t: -sp.log(-t[0]), sp.Integer(0), lambda t: sp.Lt(t[0], 0),
                           ("Exponential",))
