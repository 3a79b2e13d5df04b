"""Gumbel(mu, beta): the (maximum) Gumbel distribution with location mu and scale beta."""

from __future__ import annotations

import mpmath
import sympy as sp

from ..domains import Positive, Real
from ..family import Family, Known, Parameter
from ..support import REALS, RealInterval
from ._common import EULER, exp_rate, gamma, mean_absolute_deviation, moment_derivative, power_exp_of_x, power_of_x


class Gumbel(Family):
    """The Gumbel distribution: density exp(-(z + exp(-z))) / beta, z = (x - mu) / beta.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Gumbel("mu", "beta")).expr
    log(beta) + EulerGamma + 1
    """

    name = "Gumbel"
    parameters = (Parameter("mu", Real, "location"), Parameter("beta", Positive, "scale"))

    @property
    def mu(self) -> sp.Expr:
        return self._values[0]

    @property
    def beta(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        z = (x - self.mu) / self.beta
        return -sp.log(self.beta) - z - sp.exp(-z)

    def density(self, x: sp.Expr) -> sp.Expr:
        z = (x - self.mu) / self.beta
        return sp.exp(-z - sp.exp(-z)) / self.beta

    def support(self) -> RealInterval:
        return REALS

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return sp.exp(-sp.exp(-(x - self.mu) / self.beta))

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        mu, b = self.mu, self.beta
        c = power_of_x(g)
        if c == 1:
            return mu + EULER * b
        if c == 2:
            return (mu + EULER * b) ** 2 + sp.pi**2 * b**2 / 6
        t = exp_rate(g)
        if t is not None:
            return Known(gamma(1 - b * t) * sp.exp(t * mu), sp.Lt(b * t, 1))
        pe = power_exp_of_x(g)
        if pe is not None:  # derivatives of the moment generating function
            s = sp.Dummy("t")
            return Known(moment_derivative(gamma(1 - b * s) * sp.exp(s * mu), s, pe[0], pe[1]),
                         sp.Lt(b * pe[1], 1))
        # with u = e^(-(t - mu)/beta): F(t) = e^(-u), E[X; X <= t] = t F(t) - beta E_1(u)
        return mean_absolute_deviation(g, mu + EULER * b, -sp.oo, sp.oo, lambda t: sp.exp(-sp.exp(-(t - mu) / b)),
                                       lambda t: t * sp.exp(-sp.exp(-(t - mu) / b))
                                       - b * sp.expint(1, sp.exp(-(t - mu) / b)))

    def _quad_points(self, supp: RealInterval) -> list:
        mu, b = mpmath.mpf(sp.N(self.mu, 40)), mpmath.mpf(sp.N(self.beta, 40))
        # left of z = -7 the density is below exp(-e^7) ~ 1e-477: cut there (mpmath would otherwise
        # evaluate exp(e^(1e40)) near -oo)
        return [mu + k * b for k in (-7, -4, -1, 0, 2, 10, 40)] + [mpmath.inf]
