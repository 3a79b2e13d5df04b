"""Integrals of density powers from the log-normaliser of an exponential family.

For two members of one exponential family (equal :attr:`NaturalForm.key`),

    int p^a q^(1 - a) = exp(F(a theta_P + (1 - a) theta_Q) - a F(theta_P) - (1 - a) F(theta_Q)),

finite exactly when the mixed natural parameter a theta_P + (1 - a) theta_Q lies in the natural
parameter space (for 0 < a < 1 it always does: the space is convex; for a > 1, as in the Renyi
divergence of order a or the chi-squared divergence (a = 2), it may not). This module is the one
place that forms F at mixed parameters; KL is the Bregman divergence of F,

    KL(P || Q) = F(theta_Q) - F(theta_P) - <theta_Q - theta_P, grad F(theta_P)>,

which the test suite uses as an independent check of the expectation engine.
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from .family import Family
from .natural import NaturalForm

__all__ = ["PowerIntegral", "shared_form", "power_integral", "bregman_kl"]


class PowerIntegral(NamedTuple):
    """int p^a q^(1-a) as a closed form, and the condition under which it is finite (+oo otherwise)."""

    value: sp.Expr
    condition: sp.Basic


def shared_form(P: Family, Q: Family) -> tuple[NaturalForm, NaturalForm] | None:
    """The natural forms of P and Q when both are members of one exponential family, else None."""
    fp, fq = P.natural_form(), Q.natural_form()
    if fp is None or fq is None or fp.key != fq.key or type(P) is not type(Q):
        return None
    return fp, fq


def power_integral(P: Family, Q: Family, a: sp.Expr) -> PowerIntegral | None:
    """int p^a q^(1-a) from the log-normaliser, or None when P and Q share no natural form.

    >>> import sympy as sp, symdiv as sd
    >>> bc = power_integral(sd.Normal(0, 1), sd.Normal(1, 1), sp.Rational(1, 2))
    >>> bc.value, bc.condition
    (exp(-1/8), True)
    >>> power_integral(sd.Exponential(1), sd.Exponential(3), 2).condition   # 2*(-1) - (-3) < 0
    False
    """
    forms = shared_form(P, Q)
    if forms is None:
        return None
    fp, fq = forms
    a = sp.sympify(a)
    mixed = tuple(a * tp + (1 - a) * tq for tp, tq in zip(fp.theta, fq.theta))
    condition = sp.sympify(fp.space(mixed))
    if condition is sp.false:
        return PowerIntegral(sp.oo, sp.false)
    value = sp.exp(fp.F(mixed) - a * fp.F() - (1 - a) * fq.F())
    return PowerIntegral(value, condition)


def bregman_kl(P: Family, Q: Family) -> sp.Expr | None:
    """KL(P || Q) as the Bregman divergence of the log-normaliser, or None without a shared form.

    >>> import symdiv as sd
    >>> P, Q = sd.Poisson("lambda_1"), sd.Poisson("lambda_2")
    >>> sp.expand(sp.expand_log(bregman_kl(P, Q) - sd.kl_divergence(P, Q).expr, force=True))
    0
    """
    forms = shared_form(P, Q)
    if forms is None:
        return None
    fp, fq = forms
    dummies = sp.symbols(f"t0:{len(fp.theta)}", real=True)
    F = fp.log_normaliser(dummies)
    at_p = dict(zip(dummies, fp.theta))
    grad = [sp.diff(F, d).xreplace(at_p) for d in dummies]
    return fq.F() - fp.F() - sp.Add(*((tq - tp) * g for tq, tp, g in zip(fq.theta, fp.theta, grad)))
