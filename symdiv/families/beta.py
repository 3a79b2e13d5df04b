"""Beta(alpha, beta) on (0, 1)."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval
from ._common import (
    digamma,
    exp_rate,
    gamma,
    is_log_one_minus_x,
    is_log_x,
    lgamma,
    log_power_moment,
    mean_absolute_deviation,
    power_of_x,
)


class Beta(Family):
    """The beta distribution with shapes alpha and beta.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Beta("a", "b")).expr.has(sd.X)
    False
    """

    name = "Beta"
    parameters = (Parameter("alpha", Positive, "first shape"), Parameter("beta", Positive, "second shape"))

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Beta:
        return cls(f"alpha_{role}", f"beta_{role}")

    @property
    def alpha(self) -> sp.Expr:
        return self._values[0]

    @property
    def beta(self) -> sp.Expr:
        return self._values[1]

    def log_beta(self) -> sp.Expr:
        a, b = self.alpha, self.beta
        return lgamma(a) + lgamma(b) - lgamma(a + b)

    def log_density(self, x: sp.Expr) -> sp.Expr:
        a, b = self.alpha, self.beta
        return (a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x) - self.log_beta()

    def density(self, x: sp.Expr) -> sp.Expr:
        a, b = self.alpha, self.beta
        if a.is_number and b.is_number:  # SymPy writes B(3/2, 5/2) with catalan(3/2); the gammas give pi/16
            return x ** (a - 1) * (1 - x) ** (b - 1) * sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b))
        return x ** (a - 1) * (1 - x) ** (b - 1) / sp.beta(a, b)

    def support(self) -> RealInterval:
        return RealInterval(sp.Integer(0), sp.Integer(1))

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return sp.betainc_regularized(self.alpha, self.beta, 0, x)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        a, b = self.alpha, self.beta

        def moment(t: sp.Expr) -> sp.Expr:  # E[X^t]
            return gamma(a + t) * gamma(a + b) / (gamma(a) * gamma(a + b + t))

        c = power_of_x(g)
        if c is not None:
            if c.is_Integer and c > 0:
                return sp.rf(a, c) / sp.rf(a + b, c)
            return moment(c)
        if is_log_x(g):
            return digamma(a) - digamma(a + b)
        if is_log_one_minus_x(g):
            return digamma(b) - digamma(a + b)
        t = exp_rate(g)
        if t is not None:  # the moment generating function: Kummer's 1F1(a; a + b; t)
            return sp.hyper((a,), (a + b,), t)
        mad = mean_absolute_deviation(g, a / (a + b), sp.Integer(0), sp.Integer(1),
                                      lambda t: sp.betainc_regularized(a, b, 0, t),
                                      lambda t: a / (a + b) * sp.betainc_regularized(a + 1, b, 0, t))
        if mad is not None:
            return mad
        return log_power_moment(g, moment, lambda c: sp.Gt(a + c, 0))

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((self.alpha - 1, self.beta - 1), (sp.log(X), sp.log(1 - X)),
                           lambda t: lgamma(t[0] + 1) + lgamma(t[1] + 1) - lgamma(t[0] + t[1] + 2), sp.Integer(0),
                           lambda t: sp.And(sp.Gt(t[0], -1), sp.Gt(t[1], -1)), ("Beta",))
