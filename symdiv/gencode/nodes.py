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


class LogGamma(sp.Function):
    """``log(Gamma(x))`` that never evaluates (SymPy's ``loggamma(n)`` becomes ``log(gamma(n))`` for
    integers ``n``, which would overflow again)."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(x)


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
    """The rewritten expression with :class:`XLogY`, :class:`XLog1PY`, :class:`Quot`, :class:`Erfcx`,
    ``log1p`` and ``expm1`` written out again (for checking that the rewrite is an identity).

    >>> x = sp.Symbol("x", positive=True)
    >>> plain(log1p(-x) + expm1(x))
    exp(x) + log(1 - x) - 1
    """
    expr = expr.replace(lambda e: isinstance(e, OrInf), lambda e: sp.Piecewise((e.args[0], e.args[1]), (sp.oo, True)))
    return expr.replace(
        lambda e: isinstance(e, (XLogY, XLog1PY, Quot, LogGamma, Erfcx, log1p, expm1)),
        lambda e: (e.args[0] * sp.log(e.args[1]) if isinstance(e, XLogY)
                   else sp.loggamma(e.args[0]) if isinstance(e, LogGamma)
                   else e.args[0] * sp.log(1 + e.args[1]) if isinstance(e, XLog1PY)
                   else e.args[0] / e.args[1] if isinstance(e, Quot)
                   else sp.exp(e.args[0]**2) * sp.erfc(e.args[0]) if isinstance(e, Erfcx)
                   else sp.log(1 + e.args[0]) if isinstance(e, log1p)
                   else sp.exp(e.args[0]) - 1),
    )
