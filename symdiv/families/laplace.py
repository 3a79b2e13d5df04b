"""Laplace(mu, b): density exp(-|x - mu| / b) / (2 b)."""

from __future__ import annotations

import mpmath
import sympy as sp

from ..domains import Positive, Real
from ..family import Family, Known, Parameter
from ..support import REALS, RealInterval
from ._common import abs_center, exp_rate, power_of_x


class Laplace(Family):
    """The Laplace (double exponential) distribution with location mu and scale b.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Laplace("mu", "b")).expr
    log(2*b) + 1
    """

    name = "Laplace"
    parameters = (Parameter("mu", Real, "location"), Parameter("b", Positive, "scale"))

    @property
    def mu(self) -> sp.Expr:
        return self._values[0]

    @property
    def b(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return -sp.log(2) - sp.log(self.b) - sp.Abs(x - self.mu) / self.b

    def density(self, x: sp.Expr) -> sp.Expr:
        return sp.exp(-sp.Abs(x - self.mu) / self.b) / (2 * self.b)

    def support(self) -> RealInterval:
        return REALS

    def cdf(self, x: sp.Expr) -> sp.Expr:
        # one formula (sign, not cases), so that differences of CDFs simplify
        d = x - self.mu
        return (1 + sp.sign(d) * (1 - sp.exp(-sp.Abs(d) / self.b))) / 2

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        mu, b = self.mu, self.b
        c = power_of_x(g)
        if c == 1:
            return mu
        if c == 2:
            return mu**2 + 2 * b**2
        m = abs_center(g)
        if m is not None:
            if m == mu:
                return b
            d = sp.Abs(mu - m)
            return d + b * sp.exp(-d / b)
        t = exp_rate(g)
        if t is not None:
            return Known(sp.exp(t * mu) / (1 - b**2 * t**2), sp.Lt(sp.Abs(t), 1 / b))
        return None

    def _quad_points(self, supp: RealInterval) -> list:
        mu, b = mpmath.mpf(sp.N(self.mu, 40)), mpmath.mpf(sp.N(self.b, 40))
        return [-mpmath.inf] + [mu + k * b for k in (-20, -3, 0, 3, 20)] + [mpmath.inf]
