"""Bernoulli(p): P(X = 1) = p, P(X = 0) = 1 - p."""

from __future__ import annotations

import sympy as sp

from ..domains import UnitInterval
from ..family import Family, Parameter, X
from ..natural import NaturalForm
from ..support import FiniteAtoms
from ..symbols import symbol_log


def log_mass(p: sp.Expr) -> sp.Expr:
    """log of a probability, with log 0 = -oo (not SymPy's complex infinity)."""
    if p.is_zero:  # (Float(0.0) == 0 is False in SymPy)
        return -sp.oo
    # a bare symbol has nothing to evaluate: skip SymPy's (slow) evaluation attempt
    return symbol_log(p) if isinstance(p, sp.Symbol) else sp.log(p)


class Bernoulli(Family):
    """The Bernoulli distribution on {0, 1}.

    >>> import sympy as sp, symdiv as sd
    >>> sd.entropy(sd.Bernoulli("p")).expr
    -p*log(p) + (p - 1)*log(1 - p)
    >>> sd.kl_divergence(sd.Bernoulli(0), sd.Bernoulli(sp.Rational(1, 2))).expr
    log(2)
    """

    name = "Bernoulli"
    parameters = (Parameter("p", UnitInterval, "P(X = 1)"),)
    discrete = True
    aliases = ("bern",)

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Bernoulli:
        return cls("pq"[role - 1] if role in (1, 2) else f"p_{role}")

    @property
    def p(self) -> sp.Expr:
        return self._values[0]

    def log_density(self, x: sp.Expr) -> sp.Expr:
        return x * log_mass(self.p) + (1 - x) * log_mass(1 - self.p)

    def density(self, x: sp.Expr) -> sp.Expr:
        return self.p**x * (1 - self.p) ** (1 - x)

    def support(self) -> FiniteAtoms:
        return FiniteAtoms(tuple(a for a, m in ((0, 1 - self.p), (1, self.p)) if not m.is_zero))

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        # X is 0 or 1, so X**k = X for k >= 1
        if g == X or (g.is_Pow and g.base == X and g.exp.is_positive and g.exp.is_integer):
            return self.p
        return None

    def natural_form(self) -> NaturalForm | None:
        if self.p.is_zero or (1 - self.p).is_zero:
            return None  # a point mass: not in the open natural parameter space
        return NaturalForm((sp.log(self.p / (1 - self.p)),), (X,), lambda t: sp.log(1 + sp.exp(t[0])),
                           sp.Integer(0), lambda t: sp.true, ("Bernoulli",))
