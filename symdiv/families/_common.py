"""Small helpers the family modules share: recognising basis functions in X."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ..family import Known, X
from ..support import decide_nonnegative

__all__ = ["power_of_x", "exp_rate", "abs_center", "mean_absolute_deviation", "is_log_x", "is_log_one_minus_x", "EULER",
           "power_log_of_x", "power_exp_of_x", "moment_derivative", "xlogx", "log_power_moment",
           "lgamma", "digamma", "gamma"]

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


def mean_absolute_deviation(g: sp.Expr, mean: sp.Expr, lo: sp.Expr, hi: sp.Expr,
                            cdf: Callable[[sp.Expr], sp.Expr],
                            partial_mean: Callable[[sp.Expr], sp.Expr]) -> sp.Expr | None:
    """E|X - c| when g = |X - c| (else None), for a distribution on [lo, hi] with mean ``mean``,
    distribution function ``cdf(t)`` = P(X <= t) and lower partial mean ``partial_mean(t)`` =
    E[X; X <= t], both given for lo <= t <= hi (0 at lo; 1 and the mean at hi):

        E|X - c| = E[X] - c + 2 E[(c - X); X <= c] = E[X] - c + 2 (c F(t) - M(t)),

    with t = c clamped into [lo, hi] (min/max where the sign of c - lo or hi - c is not known;
    at c <= lo it is E[X] - c, at c >= hi it is c - E[X]). The Laplace log-density is -|x - m|/b,
    so this is every cross entropy and KL towards a Laplace."""
    c = abs_center(g)
    if c is None:
        return None
    low, high = lo != -sp.oo, hi != sp.oo
    if low and decide_nonnegative(lo - c, {}) is True:
        return mean - c
    if high and decide_nonnegative(c - hi, {}) is True:
        return c - mean
    t = c
    if low and decide_nonnegative(c - lo, {}) is not True:
        t = sp.Max(t, lo)
    if high and decide_nonnegative(hi - c, {}) is not True:
        t = sp.Min(t, hi)
    return mean - c + 2 * (c * cdf(t) - partial_mean(t))


#: numbers beyond which SymPy's exact evaluation of special functions is not attempted (loggamma of
#: an integer n computes n! exactly, digamma(n) the harmonic number H_(n-1): unbounded work)
_EXACT_LIMIT = 100  # as tidy._SPECIAL_EXACT_LIMIT


def _huge(z: sp.Expr) -> bool:
    return bool(z.is_Rational and (abs(z.p) > _EXACT_LIMIT * z.q or z.q > _EXACT_LIMIT))


def lgamma(z: sp.Expr) -> sp.Expr:
    """log Gamma(z), kept unevaluated for large exact numbers."""
    return sp.loggamma(z, evaluate=False) if _huge(z) else sp.loggamma(z)


def digamma(z: sp.Expr) -> sp.Expr:
    """psi(z) = polygamma(0, z), kept unevaluated for large exact numbers."""
    return sp.polygamma(0, z, evaluate=False) if _huge(z) else sp.polygamma(0, z)


def gamma(z: sp.Expr) -> sp.Expr:
    """Gamma(z), kept unevaluated for large exact numbers."""
    return sp.gamma(z, evaluate=False) if _huge(z) else sp.gamma(z)


def xlogx(t: sp.Expr) -> sp.Expr:
    """t log t with its limit 0 at t = 0 (an endpoint of a support at 0 or 1)."""
    return sp.Integer(0) if t.is_zero else t * sp.log(t)  # .is_zero: Float(0.0) != 0 in SymPy


def is_log_x(g: sp.Expr) -> bool:
    return isinstance(g, sp.log) and g.args[0] == X


def is_log_one_minus_x(g: sp.Expr) -> bool:
    return isinstance(g, sp.log) and sp.expand(g.args[0] - (1 - X)) == 0


def power_log_of_x(g: sp.Expr) -> tuple[sp.Expr, int] | None:
    """(c, n) when g = X**c * log(X)**n with n >= 1 (c free of X, possibly 0), else None."""
    c, n = sp.Integer(0), 0
    for f in sp.Mul.make_args(g):
        base, e = f.as_base_exp()
        if base == X and not e.has(X):
            c += e
        elif isinstance(base, sp.log) and base.args[0] == X and e.is_Integer and e > 0:
            n += int(e)
        else:
            return None
    return (c, n) if n else None


def power_exp_of_x(g: sp.Expr) -> tuple[int, sp.Expr] | None:
    """(n, t) when g = X**n * exp(t X) with an integer n >= 1, else None."""
    n, t = 0, None
    for f in sp.Mul.make_args(g):
        base, e = f.as_base_exp()
        if base == X and e.is_Integer and e > 0:
            n += int(e)
        elif exp_rate(f) is not None and t is None:
            t = exp_rate(f)
        else:
            return None
    return (n, t) if n and t is not None else None


def moment_derivative(moment: sp.Expr, var: sp.Symbol, n: int, at: sp.Expr) -> sp.Expr:
    """d^n/dvar^n of a moment function (a power moment in its exponent, or a moment generating
    function in t), evaluated at ``at``: E[X^c log^n X] and E[X^n exp(tX)] by differentiation
    under the expectation, which the families' densities allow inside the stated conditions."""
    return sp.diff(moment, var, n).subs(var, at)


def log_power_moment(g: sp.Expr, moment: Callable[[sp.Expr], sp.Expr],
                     condition: Callable[[sp.Expr], sp.Basic]) -> Known | None:
    """E[X^c log^n X] (n >= 1) from the power moment E[X^t] = ``moment(t)``, finite where
    ``condition(t)`` holds near t = c: the n-th derivative in t at c. None when g has another form.
    (A table entry, not SymPy's integrate: E[log^2 X] of a Pareto came back as a Meijer G
    Piecewise, of a Gamma as a hypergeometric function.)"""
    pl = power_log_of_x(g)
    if pl is None:
        return None
    c, n = pl
    t = sp.Dummy("t")
    value = sp.factor_terms(sp.expand(moment_derivative(moment(t), t, n, c)))
    return Known(value, condition(c))


def gaussian_log_normaliser(t: Sequence[sp.Expr]) -> sp.Expr:
    """F(theta) of the Gaussian with statistics (x, x**2): theta = (mu/sigma**2, -1/(2 sigma**2))."""
    return -t[0] ** 2 / (4 * t[1]) - sp.log(-2 * t[1]) / 2
