"""LogNormal(mu, sigma): log X ~ Normal(mu, sigma)."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive, Real
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval, decide_nonnegative
from ._common import abs_center, gaussian_log_normaliser, is_log_x, mean_absolute_deviation, power_of_x


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

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return (1 + sp.erf((sp.log(x) - self.mu) / (sp.sqrt(2) * self.sigma))) / 2

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        mu, s = self.mu, self.sigma
        c = power_of_x(g)
        if c is not None:
            return sp.exp(c * mu + c**2 * s**2 / 2)
        if is_log_x(g):
            return mu
        if g.is_Pow and is_log_x(g.base) and g.exp == 2:
            return mu**2 + s**2
        mean = sp.exp(mu + s**2 / 2)
        centre = abs_center(g)
        if centre is None:
            return None
        inside = mean_absolute_deviation(sp.Abs(X - sp.Dummy("c", positive=True)), mean, sp.Integer(0), sp.oo,
                                         lambda t: sp.erfc((mu - sp.log(t)) / (sp.sqrt(2) * s)) / 2,
                                         lambda t: mean * sp.erfc((mu + s**2 - sp.log(t)) / (sp.sqrt(2) * s)) / 2)
        assert inside is not None
        inside = inside.xreplace({d: centre for d in inside.atoms(sp.Dummy)})
        positive = decide_nonnegative(-centre, {})
        if positive is True:  # c <= 0: |X - c| = X - c
            return mean - centre
        if centre.is_positive:
            return inside
        # log of a clamped centre would be log 0 = zoo (not -oo) at c <= 0: the two cases instead
        return sp.Piecewise((mean - centre, centre <= 0), (inside, True))

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((self.mu / self.sigma**2, -1 / (2 * self.sigma**2)), (sp.log(X), sp.log(X) ** 2),
                           gaussian_log_normaliser, -sp.log(2 * sp.pi) / 2 - sp.log(X), lambda t: sp.Lt(t[1], 0),
                           ("LogNormal",))
