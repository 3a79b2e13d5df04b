"""Uniform(a, b): constant density 1/(b - a) on (a, b), a < b."""

from __future__ import annotations

import sympy as sp

from ..domains import Real
from ..errors import InvalidParameterError
from ..family import Family, Parameter
from ..support import RealInterval
from ._common import exp_rate, is_log_one_minus_x, is_log_x, mean_absolute_deviation, power_of_x, xlogx


class Uniform(Family):
    """The continuous uniform distribution on (a, b).

    >>> import symdiv as sd
    >>> sd.entropy(sd.Uniform("a", "b")).expr
    log(-a + b)
    """

    name = "Uniform"
    #: a < b (refused otherwise by _validate: the interval would be empty)
    parameters = (Parameter("a", Real.worded("real numbers (-oo, b)"), "lower end"),
                  Parameter("b", Real.worded("real numbers (a, oo)"), "upper end (b > a)"))
    aliases = ("unif",)

    @property
    def a(self) -> sp.Expr:
        return self._values[0]

    @property
    def b(self) -> sp.Expr:
        return self._values[1]

    def _validate(self) -> None:
        if (self.b - self.a).is_positive is False:
            raise InvalidParameterError(self.name, "b", self.b, f"b > a = {self.a}", "the interval is empty")

    def facts(self) -> tuple[sp.Basic, ...]:
        gap = self.b - self.a
        return super().facts() + (() if gap.is_positive else (sp.StrictLessThan(self.a, self.b, evaluate=False),))

    def reparams(self) -> dict[sp.Symbol, sp.Expr]:
        out = super().reparams()
        if isinstance(self.b, sp.Symbol) and not (self.b - self.a).is_positive:
            out[self.b] = self.a + sp.Dummy(f"t_{self.b}", positive=True)
        return out

    def _sample_into(self, rng, point) -> None:  # type: ignore[no-untyped-def]
        super()._sample_into(rng, point)
        if isinstance(self.a, sp.Symbol) and isinstance(self.b, sp.Symbol) and point[self.b] <= point[self.a]:
            point[self.a], point[self.b] = point[self.b], point[self.a]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return -sp.log(self.b - self.a)

    def density(self, x: sp.Expr) -> sp.Expr:
        return 1 / (self.b - self.a)

    def support(self) -> RealInterval:
        return RealInterval(self.a, self.b)

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return (x - self.a) / (self.b - self.a)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        a, b = self.a, self.b
        c = power_of_x(g)
        if c is not None and c.is_Integer and c > 0:
            return sp.factor((b ** (c + 1) - a ** (c + 1)) / ((c + 1) * (b - a)))
        if is_log_x(g):  # needs a >= 0: only reached when supp P is inside (0, oo)
            return (xlogx(b) - xlogx(a)) / (b - a) - 1
        if is_log_one_minus_x(g):
            return (xlogx(1 - a) - xlogx(1 - b)) / (b - a) - 1
        t = exp_rate(g)
        if t is not None:
            return (sp.exp(t * b) - sp.exp(t * a)) / (t * (b - a))
        return mean_absolute_deviation(g, (a + b) / 2, a, b, lambda t: (t - a) / (b - a),
                                       lambda t: (t**2 - a**2) / (2 * (b - a)))
