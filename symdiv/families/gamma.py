"""Gamma(shape, rate): density rate^shape x^(shape-1) exp(-rate x) / Gamma(shape) on x > 0."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Known, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import digamma, exp_rate, gamma, is_log_x, lgamma, log_power_moment, mean_absolute_deviation, power_of_x


class Gamma(Family):
    """The gamma distribution with shape alpha and rate beta.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Gamma("alpha", "beta")).expr
    alpha + (1 - alpha)*polygamma(0, alpha) - log(beta) + loggamma(alpha)
    """

    name = "Gamma"
    parameters = (Parameter("shape", Positive, "shape alpha"), Parameter("rate", Positive, "rate beta"))

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Gamma:
        return cls(f"alpha_{role}", f"beta_{role}")

    @property
    def shape(self) -> sp.Expr:
        return self._values[0]

    @property
    def rate(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        a, b = self.shape, self.rate
        return a * sp.log(b) + (a - 1) * sp.log(x) - b * x - lgamma(a)

    def density(self, x: sp.Expr) -> sp.Expr:
        a, b = self.shape, self.rate
        return b**a * x ** (a - 1) * sp.exp(-b * x) / gamma(a)

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.oo)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return sp.lowergamma(self.shape, self.rate * x) / sp.gamma(self.shape)

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        a, b = self.shape, self.rate
        c = power_of_x(g)
        if c is not None:
            if c.is_Integer and c > 0:
                return sp.rf(a, c) / b**c
            return Known(gamma(a + c) / (gamma(a) * b**c), sp.Gt(a + c, 0))
        if is_log_x(g):
            return digamma(a) - sp.log(b)
        t = exp_rate(g)
        if t is not None:
            return Known((1 - t / b) ** (-a), sp.Lt(t, b))
        mad = mean_absolute_deviation(g, a / b, sp.Integer(0), sp.oo, lambda t: sp.lowergamma(a, b * t) / gamma(a),
                                      lambda t: sp.lowergamma(a + 1, b * t) / (b * gamma(a)))
        if mad is not None:
            return mad
        return log_power_moment(g, lambda c: gamma(a + c) / (gamma(a) * b**c), lambda c: sp.Gt(a + c, 0))

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((self.shape - 1, -self.rate), (sp.log(X), X),
                           lambda t: lgamma(t[0] + 1) - (t[0] + 1) * sp.log(-t[1]), sp.Integer(0),
                           lambda t: sp.And(sp.Gt(t[0], -1), sp.Lt(t[1], 0)), ("Gamma",))
