"""The SymPy nodes of the stable rewrite (:mod:`symdiv.gencode.rewrite`) and :func:`plain`, which
writes them out again.

Each node is one numerically stable operation that the printers (:mod:`symdiv.gencode.printers`)
print as one call: ``xlogy``, ``xlog1py``, ``lgamma``, ``erfcx``, a kept quotient, or a value
under conditions.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p


class XLogY(sp.Function):
    """``x*log(y)``, and 0 where ``x = 0`` (the 0 log 0 = 0 convention of expectations).

    >>> p, q = sp.symbols("p q", positive=True)
    >>> plain(XLogY(p, q))
    p*log(q)
    """

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(y)


class XLog1PY(sp.Function):
    """``x*log(1 + y)``, and 0 where ``x = 0``."""

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(1 + y)


class XLogRatio1P(sp.Function):
    """``x*log(a/b)`` with the difference ``d = a - b`` given as well: ``x*log1p(d/b)`` where a/b is
    near 1 (Bernoulli KL at p ~ q, where 1 - p and 1 - q round), ``x*log(a/b)`` where it is not
    (at p = 1 - 2**-53, q = 0.3, d/b rounds to -1 and log1p gave -inf; a = 1 - p is exact there).
    0 where ``x = 0``."""

    nargs = 4

    def _eval_rewrite_as_log(self, x: sp.Expr, d: sp.Expr, a: sp.Expr, b: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(1 + d / b)


class KLDiv(sp.Function):
    """``x*log(x/y) - x + y`` (x >= 0, y > 0; y at x = 0), the Poisson KL: about (x - y)**2/(2 y)
    where x ~ y, which the three terms computed apart lost to the rounding of x/y (rates of 1e200
    that differ by 1e-10 gave 1e4 times the value)."""

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(x / y) - x + y


class Group(sp.Function):
    """``x``, a sum printed in parentheses so that it is evaluated before the terms around it:
    (a_1 - a_2) + (b_1 - b_2), each difference exact where a_1 ~ a_2."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x


class LogGamma(sp.Function):
    """``log(Gamma(x))`` that never evaluates (SymPy's ``loggamma(n)`` becomes ``log(gamma(n))`` for
    integers ``n``, which would overflow again)."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(x)


def stirling(x: sp.Expr) -> sp.Expr:
    """Stirling's approximation of log Gamma(x) without its series: (x - 1/2) log x - x + log(2 pi)/2."""
    return (x - sp.S.Half) * sp.log(x) - x + sp.log(2 * sp.pi) / 2


class LogGammaRem(sp.Function):
    """``log Gamma(x) - stirling(x)``, the rest of Stirling's series (about 1/(12 x)): with it the
    terms of size x log x of log-gamma functions cancel symbolically (Gamma entropy at shape 1e16,
    log Beta(2, 1e200)) instead of in floating point."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(x) - stirling(x)


class DigammaRem(sp.Function):
    """``log(x) - digamma(x)`` (about 1/(2 x)): with it ``(1 - b)*digamma(b) + (a + b - 2)*digamma(a + b)``
    becomes logs of ratios and small rests instead of a difference of terms of size b log b."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.log(x) - sp.polygamma(0, x)


class OrInf(sp.Function):
    """``value`` where ``condition`` holds, +oo elsewhere: a derivation's closed form under its
    ``conditions`` (supports that nest, moments that exist), as the generated code evaluates it."""

    nargs = 2

    def _eval_rewrite_as_log(self, value: sp.Expr, condition: sp.Basic, **kwargs: Any) -> sp.Expr:
        return sp.Piecewise((value, condition), (sp.oo, True))


class Quot(sp.Function):
    """``a/b`` kept as one quotient, so that ``(a/b)**2`` is not expanded into ``a**2/b**2``."""

    nargs = 2

    def _eval_rewrite_as_log(self, a: sp.Expr, b: sp.Expr, **kwargs: Any) -> sp.Expr:
        return a / b


class Erfcx(sp.Function):
    """``exp(z**2)*erfc(z)``, the scaled complementary error function: about ``1/(z sqrt(pi))`` for
    large z, where ``exp(z**2)`` overflows and ``erfc(z)`` underflows.

    >>> z = sp.Symbol("z", positive=True)
    >>> plain(Erfcx(z))
    exp(z**2)*erfc(z)
    """

    nargs = 1

    def _eval_rewrite_as_log(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.exp(z**2) * sp.erfc(z)


def plain(expr: sp.Expr) -> sp.Expr:
    """The rewritten expression with :class:`XLogY`, :class:`XLog1PY`, :class:`XLogRatio1P`, :class:`Quot`,
    :class:`Group`, :class:`KLDiv`, :class:`LogGammaRem`, :class:`DigammaRem`, :class:`Erfcx`,
    ``log1p`` and ``expm1`` written out again (for checking that the rewrite is an identity).

    >>> x = sp.Symbol("x", positive=True)
    >>> plain(log1p(-x) + expm1(x))
    exp(x) + log(1 - x) - 1
    """
    expr = expr.replace(lambda e: isinstance(e, OrInf), lambda e: sp.Piecewise((e.args[0], e.args[1]), (sp.oo, True)))
    expr = expr.replace(lambda e: isinstance(e, Near), lambda e: e.args[0])
    expr = expr.replace(lambda e: isinstance(e, NEAR_NODES), lambda e: e._eval_rewrite_as_log(*e.args))
    return expr.replace(
        lambda e: isinstance(e, (XLogY, XLog1PY, XLogRatio1P, Quot, Group, KLDiv, LogGamma, LogGammaRem, DigammaRem,
                                 Erfcx, log1p, expm1)),
        lambda e: (e.args[0] * sp.log(e.args[1]) if isinstance(e, XLogY)
                   else e.args[0] * sp.log(e.args[0] / e.args[1]) - e.args[0] + e.args[1] if isinstance(e, KLDiv)
                   else e.args[0] if isinstance(e, Group)
                   else sp.loggamma(e.args[0]) - stirling(e.args[0]) if isinstance(e, LogGammaRem)
                   else sp.log(e.args[0]) - sp.polygamma(0, e.args[0]) if isinstance(e, DigammaRem)
                   else e.args[0] * sp.log(1 + e.args[1] / e.args[3]) if isinstance(e, XLogRatio1P)
                   else sp.loggamma(e.args[0]) if isinstance(e, LogGamma)
                   else e.args[0] * sp.log(1 + e.args[1]) if isinstance(e, XLog1PY)
                   else e.args[0] / e.args[1] if isinstance(e, Quot)
                   else sp.exp(e.args[0]**2) * sp.erfc(e.args[0]) if isinstance(e, Erfcx)
                   else sp.log(1 + e.args[0]) if isinstance(e, log1p)
                   else sp.exp(e.args[0]) - 1),
    )


class KLDivD(sp.Function):
    """``x*log(x/y) - x + y`` with the difference ``d = x - y`` given as well (computed exactly by
    the caller where x and y are not: 1 - p and 1 - q of Bernoulli KL round, p - q does not). Each
    such term is >= 0; summed over terms whose x and y have the same total (p and 1 - p against q
    and 1 - q, the classes of a Categorical) they are a KL divergence that no longer cancels down
    from terms of size 1 (Bernoulli KL at q = p + 2**-50 was -1e-17, it is 1.9e-30)."""

    nargs = 3

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, d: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(x / y) - x + y


class PowLogBregman(sp.Function):
    """``(a/b)**n - 1 - n*log(a/b)`` (n a positive integer) with ``d = a - b`` given as well: about
    n**2 (d/b)**2/2 where a ~ b, computed as -log1pmx(z) with z = (a/b)**n - 1 formed from d/b
    (Normal KL at sigma_2 = sigma_1 (1 + 1e-9) was 0, three terms of size 1/2 summed apart)."""

    nargs = 4

    def _eval_rewrite_as_log(self, n: sp.Expr, d: sp.Expr, a: sp.Expr, b: sp.Expr, **kwargs: Any) -> sp.Expr:
        return (a / b) ** n - 1 - n * sp.log(a / b)


class LogGammaBregman(sp.Function):
    """``log Gamma(a + d) - log Gamma(a) - d*digamma(a)`` (a, a + d > 0), about d**2 trigamma(a)/2
    where |d| << a: the Gamma and Beta KL at shapes 1e6 and 1e6 + 1 as a sum of terms of one sign
    (shifted up by the recurrence, then Stirling's series) instead of log-gamma values of size 1e7."""

    nargs = 2

    def _eval_rewrite_as_log(self, a: sp.Expr, d: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(a + d) - sp.loggamma(a) - d * sp.polygamma(0, a)


class Expm1mx(sp.Function):
    """``exp(z) - 1 - z``, about z**2/2 where z ~ 0 (Laplace KL at mu_1 ~ mu_2)."""

    nargs = 1

    def _eval_rewrite_as_log(self, z: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.exp(z) - 1 - z


class ExpDiff(sp.Function):
    """``exp(x) - exp(y)`` with ``d = x - y`` given as its own expression: ``-exp(x)*expm1(-d)``
    where d >= 0, ``exp(y)*expm1(d)`` elsewhere. No cancellation where x ~ y (KL(Uniform || Gumbel)
    of a Uniform far narrower than the Gumbel's scale lost exactly 1), no inf - inf where both
    exps overflow (nan where the value is inf)."""

    nargs = 3

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, d: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.exp(x) - sp.exp(y)


class NonNeg(sp.Function):
    """``max(x, 0)`` keeping nan: a divergence (KL >= 0 by Gibbs' inequality) as the generated code
    returns it, so that rounding at P ~ Q (a Gumbel or Weibull KL of 1e-16 computed as -1e-16)
    never gives a negative divergence. Written out, it is ``x`` (an equal value wherever the
    closed form is a divergence)."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x


#: the nodes of the P ~ Q rewrite, written out by :func:`plain` through their ``rewrite(sp.log)``
NEAR_NODES = (KLDivD, PowLogBregman, LogGammaBregman, Expm1mx, ExpDiff)


class Near(sp.Function):
    """``near`` where ``condition`` holds (the parameters of P and Q within a factor 3/2 of each
    other), ``far`` elsewhere: the P ~ Q rewrite where it is accurate, the form before it where
    the parameters are far apart (shapes of 1e16 and 0.5 cancel symbolically there)."""

    nargs = 3

    def _eval_rewrite_as_log(self, near: sp.Expr, far: sp.Expr, condition: sp.Basic, **kwargs: Any) -> sp.Expr:
        return near
