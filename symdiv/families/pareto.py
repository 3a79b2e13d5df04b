"""Pareto(x_m, alpha): density alpha x_m^alpha / x^(alpha + 1) on x >= x_m."""

from __future__ import annotations

import sympy as sp

from ..domains import Positive
from ..family import Family, Known, Parameter, X
from ..natural import NaturalForm
from ..support import RealInterval, decide_nonnegative
from ._common import (
    abs_center,
    exp_rate,
    is_log_x,
    log_power_moment,
    mean_absolute_deviation,
    power_exp_of_x,
    power_of_x,
)


class _FromScale(RealInterval):
    """[x_m, oo): Pareto's density is positive from x = x_m on, the scale included (the same
    interval as ``RealInterval(x_m, oo)`` for every purpose but its text)."""

    def text(self) -> str:
        return f"[{self.lo}, {self.hi})"


class Pareto(Family):
    """The Pareto (type I) distribution with scale x_m and shape alpha.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Pareto("m", "alpha")).expr
    log(m/alpha) + 1 + 1/alpha
    """

    name = "Pareto"
    parameters = (Parameter("x_m", Positive, "scale (the support starts there)"), Parameter("alpha", Positive, "shape"))

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Pareto:
        return cls(f"m_{role}", f"alpha_{role}")

    @property
    def x_m(self) -> sp.Expr:
        return self._values[0]

    @property
    def alpha(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        a, m = self.alpha, self.x_m
        return sp.log(a) + a * sp.log(m) - (a + 1) * sp.log(x)

    def density(self, x: sp.Expr) -> sp.Expr:
        a, m = self.alpha, self.x_m
        return a * m**a / x ** (a + 1)

    def support(self) -> RealInterval:
        return _FromScale(self.x_m, sp.oo)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return 1 - (self.x_m / x) ** self.alpha

    def _expectation(self, g: sp.Expr) -> sp.Expr | Known | None:
        a, m = self.alpha, self.x_m
        c = power_of_x(g)
        if c is not None:
            return Known(a * m**c / (a - c), sp.Gt(a, c))
        if is_log_x(g):
            return sp.log(m) + 1 / a
        logs = log_power_moment(g, lambda t: a * m**t / (a - t), lambda c: sp.Gt(a, c))
        if logs is not None:
            return logs
        rate, power = exp_rate(g), 0
        if rate is None and power_exp_of_x(g) is not None:
            power, rate = power_exp_of_x(g)  # type: ignore[misc]
        if rate is not None:  # E[X^n e^(tX)] = alpha m^alpha (-t)^(alpha-n) Gamma(n - alpha, -t m), t < 0
            if sp.Lt(rate, 0) is sp.false:
                return Known(sp.nan, sp.false)
            return Known(a * m**a * (-rate) ** (a - power) * sp.uppergamma(power - a, -rate * m), sp.Lt(rate, 0))
        center = abs_center(g)
        if center is not None:  # |X - c| grows like X: finite exactly when E[X] is
            if decide_nonnegative(m - center, {}) is True:  # X >= x_m >= c: |X - c| = X - c
                return Known(a * m / (a - 1) - center, sp.Gt(a, 1))
            if sp.Gt(a, 1) is sp.false:
                return Known(sp.nan, sp.false)
            mad = mean_absolute_deviation(g, a * m / (a - 1), m, sp.oo, lambda t: 1 - (m / t) ** a,
                                          lambda t: a * m / (a - 1) * (1 - (m / t) ** (a - 1)))
            return Known(mad, sp.Gt(a, 1))
        return None

    def natural_form(self) -> NaturalForm | None:
        m = self.x_m  # an exponential family for a fixed scale (the support starts there)
        return NaturalForm((-self.alpha - 1,), (sp.log(X),), lambda t: (t[0] + 1) * sp.log(m) - sp.log(-t[0] - 1),
                           sp.Integer(0), lambda t: sp.Lt(t[0], -1), ("Pareto", m))
