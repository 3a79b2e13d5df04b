"""Small helpers the family modules share: recognising basis functions in X."""

from __future__ import annotations

import sympy as sp

from ..family import X

__all__ = ["power_of_x", "exp_rate", "abs_center", "is_log_x", "is_log_one_minus_x", "EULER"]

EULER = sp.EulerGamma


def power_of_x(g: sp.Expr) -> sp.Expr | None:
    """c when g = X**c (c free of X), 1 for X itself, else None."""
    if g == X:
        return sp.Integer(1)
    if g.is_Pow and g.base == X and not g.exp.has(X):
        return g.exp
    return None


def exp_rate(g: sp.Expr) -> sp.Expr | None:
    """t when g = exp(t X) (t free of X), else None."""
    if isinstance(g, sp.exp):
        t = sp.cancel(g.args[0] / X)
        if not t.has(X):
            return t
    return None


def abs_center(g: sp.Expr) -> sp.Expr | None:
    """m when g = |X - m|, else None."""
    if isinstance(g, sp.Abs):
        inner = g.args[0]
        coeff = inner.coeff(X)
        if coeff in (1, -1) and not (inner - coeff * X).has(X):
            return -(inner - coeff * X) * coeff
    return None


def is_log_x(g: sp.Expr) -> bool:
    return isinstance(g, sp.log) and g.args[0] == X


def is_log_one_minus_x(g: sp.Expr) -> bool:
    return isinstance(g, sp.log) and sp.expand(g.args[0] - (1 - X)) == 0
