"""HalfNormal(sigma): |Z| for Z ~ Normal(0, sigma)."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Known, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import EULER, gamma, is_log_x, log_power_moment, mean_absolute_deviation, power_of_x


class HalfNormal(Family):
    """The half-normal distribution with scale sigma.

    >>> import symdiv as sd
    >>> sd.entropy(sd.HalfNormal("sigma")).expr
    log(E*pi*sigma**2/2)/2
    """

    name = "HalfNormal"
    parameters = (Parameter("sigma", Positive, "scale of the underlying normal"),)
    aliases = ("halfnorm",)

    @property
    def sigma(self) -> sp.Expr:
        return self._values[0]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        s = self.sigma
        return sp.log(2) / 2 - sp.log(sp.pi) / 2 - sp.log(s) - x**2 / (2 * s**2)

    def density(self, x: sp.Expr) -> sp.Expr:
        s = self.sigma
        return sp.sqrt(2) / (sp.sqrt(sp.pi) * s) * sp.exp(-(x**2) / (2 * s**2))

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.oo)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return sp.erf(x / (sp.sqrt(2) * self.sigma))

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        s = self.sigma
        c = power_of_x(g)
        if c is not None:
            return s**c * 2 ** (c / 2) * gamma((c + 1) / 2) / sp.sqrt(sp.pi)
        if is_log_x(g):
            return sp.log(s) - (EULER + sp.log(2)) / 2
        mad = mean_absolute_deviation(g, s * sp.sqrt(2 / sp.pi), sp.Integer(0), sp.oo,
                                      lambda t: sp.erf(t / (sp.sqrt(2) * s)),
                                      lambda t: s * sp.sqrt(2 / sp.pi) * (1 - sp.exp(-(t**2) / (2 * s**2))))
        if mad is not None:
            return mad
        return log_power_moment(g, lambda c: s**c * 2 ** (c / 2) * gamma((c + 1) / 2) / sp.sqrt(sp.pi),
                                lambda c: sp.Gt(c, -1))

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((-1 / (2 * self.sigma**2),), (X**2,), lambda t: -sp.log(-2 * t[0]) / 2,
                           sp.log(2 / sp.pi) / 2, lambda t: sp.Lt(t[0], 0), ("HalfNormal",))
