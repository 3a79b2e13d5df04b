"""Binomial(n, p): pmf C(n, k) p^k (1-p)^(n-k), k = 0..n."""

from __future__ import annotations

import sympy as sp

from ..domains import PositiveInteger, UnitInterval
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import IntegerRange
from ._common import lgamma, power_of_x
from .bernoulli import log_mass


class Binomial(Family):
    """The binomial distribution: n trials (a positive integer, number or symbol), success probability p.

    >>> import symdiv as sd
    >>> sd.kl_divergence(sd.Binomial("n", "p"), sd.Binomial("n", "q")).expr
    n*(p*log(p/q) + (1 - p)*log((1 - p)/(1 - q)))
    """

    name = "Binomial"
    parameters = (Parameter("n", PositiveInteger, "number of trials"),
                  Parameter("p", UnitInterval, "success probability"))
    discrete = True
    aliases = ("binom",)

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Binomial:
        return cls("n", "pq"[role - 1] if role in (1, 2) else f"p_{role}")  # the same n: the usual pair

    @property
    def n(self) -> sp.Expr:
        return self._values[0]

    @property
    def p(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        n = self.n
        log_choose = lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)
        return log_choose + x * log_mass(self.p) + (n - x) * log_mass(1 - self.p)

    def density(self, x: sp.Expr) -> sp.Expr:
        return sp.binomial(self.n, x) * self.p**x * (1 - self.p) ** (self.n - x)

    def support(self) -> IntegerRange:
        lo = self.n if (self.p - 1).is_zero else sp.Integer(0)
        return IntegerRange(lo, sp.Integer(0) if self.p.is_zero else self.n)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        n, p = self.n, self.p
        c = power_of_x(g)
        if c == 1:
            return n * p
        if c == 2:
            return n * p * (1 - p) + n**2 * p**2
        return None

    def natural_form(self) -> NaturalForm | None:
        if self.p.is_zero or (1 - self.p).is_zero:
            return None
        n = self.n
        return NaturalForm((sp.log(self.p / (1 - self.p)),), (X,), lambda t: n * sp.log(1 + sp.exp(t[0])),
                           lgamma(n + 1) - lgamma(X + 1) - lgamma(n - X + 1), lambda t: sp.true, ("Binomial", n))
