"""LogNormal(mu, sigma): log X ~ Normal(mu, sigma)."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive, Real
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import gaussian_log_normaliser, is_log_x, power_of_x


class LogNormal(Family):
    """The log-normal distribution; mu and sigma are those of the underlying normal.

    >>> import symdiv as sd
    >>> sd.entropy(sd.LogNormal("mu", "sigma")).expr
    mu + log(2*E*pi*sigma**2)/2
    """

    name = "LogNormal"
    parameters = (Parameter("mu", Real, "mean of log X"), Parameter("sigma", Positive, "standard deviation of log X"))
    aliases = ("lognorm",)

    @property
    def mu(self) -> sp.Expr:
        return self._values[0]

    @property
    def sigma(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        mu, s = self.mu, self.sigma
        return -sp.log(x) - sp.log(s) - sp.log(2 * sp.pi) / 2 - (sp.log(x) - mu) ** 2 / (2 * s**2)

    def density(self, x: sp.Expr) -> sp.Expr:
        mu, s = self.mu, self.sigma
        return sp.exp(-((sp.log(x) - mu) ** 2) / (2 * s**2)) / (x * s * sp.sqrt(2 * sp.pi))

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.oo)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        mu, s = self.mu, self.sigma
        c = power_of_x(g)
        if c is not None:
            return sp.exp(c * mu + c**2 * s**2 / 2)
        if is_log_x(g):
            return mu
        if g.is_Pow and is_log_x(g.base) and g.exp == 2:
            return mu**2 + s**2
        return None

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((self.mu / self.sigma**2, -1 / (2 * self.sigma**2)), (sp.log(X), sp.log(X) ** 2),
                           gaussian_log_normaliser, -sp.log(2 * sp.pi) / 2 - sp.log(X), lambda t: sp.Lt(t[1], 0),
                           ("LogNormal",))
