"""Weibull(k, lam): density (k/lam) (x/lam)^(k-1) exp(-(x/lam)^k) on x > 0."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Known, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import EULER, gamma, is_log_x, mean_absolute_deviation, moment_derivative, power_log_of_x, power_of_x


class Weibull(Family):
    """The Weibull distribution with shape k and scale lambda.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Weibull("k", "lam")).expr.has(sd.X)
    False
    """

    name = "Weibull"
    parameters = (Parameter("k", Positive, "shape"), Parameter("lam", Positive, "scale"))

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Weibull:
        return cls(f"k_{role}", f"lambda_{role}")

    @property
    def k(self) -> sp.Expr:
        return self._values[0]

    @property
    def lam(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        k, lam = self.k, self.lam
        return sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(x) - x**k / lam**k

    def density(self, x: sp.Expr) -> sp.Expr:
        k, lam = self.k, self.lam
        return k / lam * (x / lam) ** (k - 1) * sp.exp(-((x / lam) ** k))

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.oo)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return 1 - sp.exp(-((x / self.lam) ** self.k))

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        k, lam = self.k, self.lam
        c = power_of_x(g)
        if c is not None:
            return lam**c * gamma(1 + c / k)
        if is_log_x(g):
            return sp.log(lam) - EULER / k
        pl = power_log_of_x(g)
        if pl is not None:  # d^n/dc^n of E[X^c] = lam^c Gamma(1 + c/k)
            c = sp.Dummy("c")
            return Known(moment_derivative(lam**c * gamma(1 + c / k), c, pl[1], pl[0]),
                         sp.Gt(pl[0], -k) if not (pl[0] + k).is_positive else sp.true)
        return mean_absolute_deviation(g, lam * gamma(1 + 1 / k), sp.Integer(0), sp.oo,
                                       lambda t: 1 - sp.exp(-((t / lam) ** k)),
                                       lambda t: lam * sp.lowergamma(1 + 1 / k, (t / lam) ** k))

    def natural_form(self) -> NaturalForm | None:
        k = self.k  # an exponential family for a fixed shape
        return NaturalForm((-(self.lam ** (-k)),), (X**k,), lambda t: -sp.log(-t[0]), sp.log(k) + (k - 1) * sp.log(X),
                           lambda t: sp.Lt(t[0], 0), ("Weibull", k))
