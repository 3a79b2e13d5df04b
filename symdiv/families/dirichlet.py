"""Dirichlet(alpha): on the probability simplex, density Γ(α₀)/Π Γ(α_i) Π x_i^(α_i - 1).

An explicit vector of K >= 2 concentrations, or :meth:`Dirichlet.symbolic` with a symbolic K
(results are sums over the class index i).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import mpmath
import sympy as sp

from ..domains import Positive, to_expr
from ..errors import InvalidParameterError, InvalidParameterTypeError, UnsupportedError
from ..explicit import lambdify
from ..family import XV, Parameter, Point
from ..support import SimplexSupport
from ..symbols import EngineSymbol
from ._common import digamma, gamma, lgamma
from ._vector import CLASSES as _CLASSES
from ._vector import INDEX, VectorFamily

_J = EngineSymbol("j", integer=True, nonnegative=True)


class Dirichlet(VectorFamily):
    """The Dirichlet distribution with concentrations alpha_0 .. alpha_{K-1}.

    >>> import symdiv as sd
    >>> d = sd.kl_divergence(sd.Dirichlet(["a_0", "a_1"]), sd.Dirichlet(["b_0", "b_1"]))
    >>> d.is_complete, sd.verify_decomposition(*d.families).holds
    (True, True)
    """

    name = "Dirichlet"
    parameters = (Parameter("alpha", Positive.worded("positive vectors (entries in (0, oo), at least 2 entries)"),
                            "concentrations alpha_0, ..., alpha_{K-1}"),)
    variable = XV
    aliases = ("dir",)
    noun = "coordinates"
    index_names = (str(INDEX), str(_J))

    def _convert(self, param: Parameter, value: Any) -> Any:
        if isinstance(value, (str, bytes, Mapping, set)) or value is None or not hasattr(value, "__iter__"):
            raise InvalidParameterTypeError(self.name, param.name, value, "K >= 2 positive concentrations",
                                            "expected a sequence")
        entries = tuple(to_expr(v, self.name, f"alpha[{i}]", Positive) for i, v in enumerate(value))
        if len(entries) < 2:
            raise InvalidParameterError(self.name, param.name, list(entries), "K >= 2 positive concentrations",
                                        f"K = {len(entries)}")
        for i, v in enumerate(entries):
            Positive.check(v, self.name, f"alpha[{i}]")
        self.K = sp.Integer(len(entries))
        return entries

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Dirichlet:
        return cls.symbolic(("alpha", "beta")[role - 1] if role in (1, 2) else f"c{role}", "K")

    @property
    def alpha(self) -> Any:
        return self.vector

    def a(self, j: sp.Expr) -> sp.Expr:
        return self.alpha[j] if self.indexed else self.alpha[int(j)]

    def total(self) -> sp.Expr:
        if self.indexed:
            return sp.Sum(self.alpha[_J], (_J, 0, self.K - 1))
        return sp.Add(*self.alpha)

    # ------------------------------------------------------------------ declaration
    def log_density(self, x: sp.Expr) -> sp.Expr:
        if self.indexed:
            i = INDEX
            return (lgamma(self.total()) - sp.Sum(lgamma(self.alpha[i]), (i, 0, self.K - 1))
                    + sp.Sum((self.alpha[i] - 1) * sp.log(x[i]), (i, 0, self.K - 1)))
        a = self.alpha
        return (lgamma(self.total()) - sp.Add(*(lgamma(v) for v in a))
                + sp.Add(*((v - 1) * sp.log(x[k]) for k, v in enumerate(a))))

    def density(self, x: sp.Expr) -> sp.Expr:
        if self.indexed:
            i = INDEX
            return (gamma(self.total()) / sp.Product(gamma(self.alpha[i]), (i, 0, self.K - 1))
                    * sp.Product(x[i] ** (self.alpha[i] - 1), (i, 0, self.K - 1)))
        a = self.alpha
        return (gamma(self.total()) / sp.Mul(*(gamma(v) for v in a))
                * sp.Mul(*(x[k] ** (v - 1) for k, v in enumerate(a))))

    def support(self) -> SimplexSupport:
        return SimplexSupport(self.K)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        if isinstance(g, sp.log) and isinstance(g.args[0], sp.Indexed) and g.args[0].base == XV:
            (j,) = g.args[0].indices
            return digamma(self.a(j)) - digamma(self.total())
        if isinstance(g, sp.Indexed) and g.base == XV:
            return self.a(g.indices[0]) / self.total()
        return None

    # ------------------------------------------------------------------ symbols and numbers
    def facts(self) -> tuple[sp.Basic, ...]:
        if not self.indexed:
            return super().facts()
        return (*_CLASSES.facts(self.K), sp.StrictGreaterThan(self.alpha[INDEX], 0, evaluate=False))

    def _sample_into(self, rng: random.Random, point: Point) -> None:
        if not self.indexed:
            return super()._sample_into(rng, point)
        if isinstance(self.K, sp.Symbol) and self.K not in point:
            point[self.K] = sp.Integer(rng.randint(2, 3))
        k = int(self.K.xreplace(point))
        if self.alpha not in point:
            point[self.alpha] = tuple(Positive.sample(rng) for _ in range(k))
        return None

    def at(self, point: Mapping[Any, Any]) -> Dirichlet:
        if not self.indexed:
            return super().at(point)  # type: ignore[return-value]
        k = int(self.K.xreplace({s: v for s, v in point.items() if isinstance(s, sp.Symbol)}))
        return Dirichlet(list(point[self.alpha])[:k])

    def numeric_expectation(self, g: sp.Expr, dps: int = 30, resolve: Any = lambda e: e) -> mpmath.mpf:
        """E[g(X)] by quadrature over the simplex (K = 2 or 3, stick-breaking coordinates)."""
        k = int(self.K)
        if k > 3:
            raise UnsupportedError("numeric Dirichlet expectations are implemented for K <= 3")
        xs = sp.symbols(f"u0:{k}")
        body = resolve(g * self.density(XV)).replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == XV, lambda e: xs[int(e.indices[0])])
        f = lambdify(xs, body, modules="mpmath")
        with mpmath.workdps(dps + 10):
            if k == 2:
                return mpmath.quad(lambda u: f(u, 1 - u), [0, mpmath.mpf(1) / 2, 1])
            return mpmath.quad(lambda u, v: (1 - u) * f(u, (1 - u) * v, (1 - u) * (1 - v)), [0, 1], [0, 1])
