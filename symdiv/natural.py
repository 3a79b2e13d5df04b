"""The exponential-family (natural) form of a family, declared once per family.

    p_theta(x) = h(x) exp(<theta, T(x)> - F(theta))

A family that is an exponential family (for fixed values of some parameters: Binomial's n,
Weibull's shape, Pareto's scale) returns a :class:`NaturalForm` from ``Family.natural_form()``:
its natural parameters theta, the sufficient statistics T, the log-normaliser F as a function of
*any* natural parameter (so that F(a theta_P + (1 - a) theta_Q) can be formed), the log of the
base measure h and the natural parameter space. Two members share statistics and base measure
exactly when their forms have the same ``key``; integrals of density powers between them are then
closed forms of F (:mod:`symdiv.normaliser`). The test suite checks every declaration against the
family's own log-density at random points, so the form is never a second, unchecked source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = ["NaturalForm"]


@dataclass(frozen=True)
class NaturalForm:
    """``log p(x) = <theta, T(x)> - F(theta) + log h(x)`` for one member of an exponential family."""

    #: the natural parameters of this member
    theta: tuple[sp.Expr, ...]
    #: the sufficient statistics T_j, functions of the family's variable
    statistics: tuple[sp.Expr, ...]
    #: F, for any natural parameter vector (a sequence as long as ``theta``)
    log_normaliser: Callable[[Sequence[sp.Expr]], sp.Expr]
    #: log h(x), the log of the base measure
    log_base: sp.Expr
    #: the natural parameter space: a condition on a natural parameter vector (True where F is finite)
    space: Callable[[Sequence[sp.Expr]], Any]
    #: identifies the family with its fixed parameters (statistics and base measure are shared
    #: exactly by forms with equal keys)
    key: tuple[Any, ...]

    def F(self, theta: Sequence[sp.Expr] | None = None) -> sp.Expr:
        """The log-normaliser at ``theta`` (this member's by default)."""
        return self.log_normaliser(tuple(self.theta if theta is None else theta))

    def log_density(self, x: sp.Expr, variable: sp.Basic) -> sp.Expr:
        """``<theta, T(x)> - F(theta) + log h(x)``, the log-density this form declares, at ``x``."""
        stats = [t.xreplace({variable: x}) for t in self.statistics]
        return sp.Add(*(th * t for th, t in zip(self.theta, stats))) - self.F() + self.log_base.xreplace({variable: x})
