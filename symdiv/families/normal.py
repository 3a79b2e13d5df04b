"""Normal(mu, sigma): the Gaussian with mean mu and standard deviation sigma."""

from __future__ import annotations

import mpmath
import sympy as sp

from ..domains import Positive, Real
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import REALS, RealInterval
from ._common import abs_center, exp_rate, gaussian_log_normaliser


class Normal(Family):
    """The normal distribution N(mu, sigma^2); sigma is the standard deviation.

    >>> import symdiv as sd
    >>> sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")).expr
    log(sigma_2/sigma_1) - 1/2 + (sigma_1**2 + (mu_1 - mu_2)**2)/(2*sigma_2**2)
    """

    name = "Normal"
    parameters = (Parameter("mu", Real, "mean"), Parameter("sigma", Positive, "standard deviation"))
    aliases = ("gaussian", "norm")

    @property
    def mu(self) -> sp.Expr:
        return self._values[0]

    @property
    def sigma(self) -> sp.Expr:
        return self._values[1]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return -sp.log(self.sigma) - sp.log(2 * sp.pi) / 2 - (x - self.mu) ** 2 / (2 * self.sigma**2)

    def density(self, x: sp.Expr) -> sp.Expr:
        # unevaluated: SymPy would spend most of a cold derivation rationalising 1/sqrt(2 pi)
        scale = sp.Pow(sp.Mul(sp.sqrt(2 * sp.pi), self.sigma, evaluate=False), -1, evaluate=False)
        return sp.Mul(scale, sp.exp(-((x - self.mu) ** 2) / (2 * self.sigma**2)), evaluate=False)

    def support(self) -> RealInterval:
        return REALS

    def cdf(self, x: sp.Expr) -> sp.Expr:
        return (1 + sp.erf((x - self.mu) / (sp.sqrt(2) * self.sigma))) / 2

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        mu, s = self.mu, self.sigma
        table = {X: mu, X**2: mu**2 + s**2}
        if g in table:
            return table[g]
        t = exp_rate(g)
        if t is not None:  # the moment generating function
            return sp.exp(t * mu + t**2 * s**2 / 2)
        m = abs_center(g)
        if m is not None:  # the folded-normal mean
            d = mu - m
            return s * sp.sqrt(2 / sp.pi) * sp.exp(-(d**2) / (2 * s**2)) + d * sp.erf(d / (sp.sqrt(2) * s))
        return None

    def _quad_points(self, supp: RealInterval) -> list:
        mu, s = mpmath.mpf(sp.N(self.mu, 40)), mpmath.mpf(sp.N(self.sigma, 40))
        return [-mpmath.inf] + [mu + k * s for k in (-8, -2, 0, 2, 8)] + [mpmath.inf]

    def natural_form(self) -> NaturalForm | None:
        return NaturalForm((self.mu / self.sigma**2, -1 / (2 * self.sigma**2)), (X, X**2), gaussian_log_normaliser,
                           -sp.log(2 * sp.pi) / 2, lambda t: sp.Lt(t[1], 0), ("Normal",))
