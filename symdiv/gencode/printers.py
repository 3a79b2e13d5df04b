"""SymPy printers of the stable form, one per target: subclasses of SymPy's ``NumPyPrinter``
(numpy, torch, jax), ``PythonCodePrinter`` (math), ``MpmathPrinter`` and ``C99CodePrinter``.

Every printer prints the nodes of :mod:`symdiv.gencode.nodes` as one call each, under the names
in its ``names`` table (``xlogy``, ``torch.xlogy``, ``symdiv_xlogy``, ...), and the arguments
under their local names (``symbol_names``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import NumPyPrinter as SymPyNumPyPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import MpmathPrinter as SymPyMpmathPrinter
from sympy.printing.pycode import PythonCodePrinter

from ..errors import UnsupportedError
from .checks import is_class_sum
from .nodes import Quot
from .signature import Signature


def _literal(c: sp.Expr) -> str:
    return repr(float(sp.N(c, 20)))


def make_printer(cls: type, symbol_names: dict[sp.Basic, str], sig: Signature) -> Any:
    """An instance of the printer class ``cls`` for a function with these arguments."""
    settings: dict[str, Any] = {"fully_qualified_modules": True} if issubclass(cls, SymPyNumPyPrinter) else {}
    printer = cls(settings)
    if isinstance(printer, C99CodePrinter):
        printer.math_macros = {}  # M_PI_2 and friends are not C99: print numbers
    printer.symbol_names = symbol_names
    printer.sig = sig
    return printer


class Printer:
    """Shared printing: function names come from ``names``, symbols from ``symbol_names``."""

    names: ClassVar[dict[str, str]] = {}
    symbol_names: dict[sp.Basic, str]
    sig: Signature

    def _arg(self, a: sp.Expr) -> str:
        """A function argument: a quotient needs no parentheses of its own there."""
        text = self._print(a)  # type: ignore[attr-defined]
        return text[1:-1] if isinstance(a, Quot) else text

    def _fn(self, key: str, *args: sp.Expr) -> str:
        return f"{self.names[key]}({', '.join(self._arg(a) for a in args)})"

    def _ratio(self, arg: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
        """(a, b) where ``arg`` is a quotient a/b (a kept one, or a product with a denominator) and
        the target prints log(a/b) as ``logratio(a, b)``; else None."""
        if "logratio" not in self.names:
            return None
        if isinstance(arg, Quot):
            return arg.args[0], arg.args[1]
        if arg.is_Mul:
            a, b = sp.fraction(arg)
            if b != 1:
                return a, b
        return None

    def _print_XLogY(self, e: sp.Expr) -> str:
        x, y = e.args
        ratio = self._ratio(y)
        if ratio is not None:
            return self._fn("xlogratio", x, *ratio)
        return self._fn("xlogy", x, y)

    def _print_XLog1PY(self, e: sp.Expr) -> str:
        return self._fn("xlog1py", *e.args)

    def _print_XLogRatio1P(self, e: sp.Expr) -> str:
        return self._fn("xlogratio1p", *e.args)

    def _print_KLDiv(self, e: sp.Expr) -> str:
        return self._fn("kl_div", *e.args)

    def _near(self, key: str, e: sp.Expr) -> str:
        """A node of the P ~ Q rewrite as its helper where the target has one, else written out
        (torch, jax: their plain forms, as accurate as before the rewrite)."""
        if key in self.names:
            return self._fn(key, *e.args)
        return f"({self._print(e._eval_rewrite_as_log(*e.args))})"  # type: ignore[attr-defined]

    def _print_KLDivD(self, e: sp.Expr) -> str:
        return self._near("kl_div_d", e)

    def _print_PowLogBregman(self, e: sp.Expr) -> str:
        return self._near("powlog_bregman", e)

    def _print_LogGammaBregman(self, e: sp.Expr) -> str:
        return self._near("lgamma_bregman", e)

    def _print_Expm1mx(self, e: sp.Expr) -> str:
        return self._near("expm1mx", e)

    def _print_ExpDiff(self, e: sp.Expr) -> str:
        return self._near("expdiff", e)

    def _print_NonNeg(self, e: sp.Expr) -> str:
        return self._near("nonneg", e)

    def _print_Group(self, e: sp.Expr) -> str:
        return f"({self._print(e.args[0])})"  # type: ignore[attr-defined]

    def _print_Quot(self, e: sp.Expr) -> str:
        a, b = e.args
        num = self.parenthesize(a, PRECEDENCE["Mul"])  # type: ignore[attr-defined]
        den = self.parenthesize(b, PRECEDENCE["Mul"])  # type: ignore[attr-defined]  # 1/(a*b), not 1/a*b
        return f"({num}/{den})"

    def _print_log(self, e: sp.Expr) -> str:
        """``log(a/b)``; a kept quotient as ``logratio(a, b)`` where the target has one (a/b
        overflows or underflows for a = 1e-200, b = 1e200; logratio then takes log a - log b)."""
        (arg,) = e.args
        ratio = self._ratio(arg)
        if ratio is not None:
            return self._fn("logratio", *ratio)
        return self._fn("log", arg)

    def _print_log1p(self, e: sp.Expr) -> str:
        return self._fn("log1p", *e.args)

    def _print_exp(self, e: sp.Expr) -> str:
        return self._fn("exp", *e.args)

    def _print_expm1(self, e: sp.Expr) -> str:
        return self._fn("expm1", *e.args)

    def _print_loggamma(self, e: sp.Expr) -> str:
        return self._fn("lgamma", *e.args)

    _print_LogGamma = _print_loggamma

    def _print_LogGammaRem(self, e: sp.Expr) -> str:
        return self._fn("loggamma_rem", *e.args)

    def _print_DigammaRem(self, e: sp.Expr) -> str:
        return self._fn("digamma_rem", *e.args)

    def _print_gamma(self, e: sp.Expr) -> str:
        return self._fn("gamma", *e.args)

    def _print_polygamma(self, e: sp.Expr) -> str:
        return self._fn("digamma", e.args[1])

    def _print_erf(self, e: sp.Expr) -> str:
        return self._fn("erf", *e.args)

    def _print_erfc(self, e: sp.Expr) -> str:
        return self._fn("erfc", *e.args)

    def _print_Erfcx(self, e: sp.Expr) -> str:
        return self._fn("erfcx", *e.args)

    def _print_Symbol(self, e: sp.Symbol) -> str:
        return self.symbol_names.get(e) or super()._print_Symbol(e)  # type: ignore[misc]

    def _print_IndexedBase(self, e: sp.IndexedBase) -> str:
        return self.symbol_names.get(e, str(e.label))

    def _print_Float(self, e: sp.Float) -> str:
        return repr(float(e))

    def _print_NumberSymbol(self, e: sp.Expr) -> str:
        return _literal(e)


class ArrayPrinter(Printer, SymPyNumPyPrinter):
    """numpy (and torch / jax): class arrays have the classes on the last axis."""

    sum_call: ClassVar[str] = "numpy.sum({}, axis=-1, keepdims=True)"
    range_sum: ClassVar[str | None] = "range_sum"
    inf: ClassVar[str] = "numpy.inf"

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return self._print(e.base)

    def _minmax(self, e: sp.Expr, op: str) -> str:
        args = [self._print(a) for a in e.args]
        text = args[-1]
        for a in reversed(args[:-1]):
            text = f"{self._module}.{op}({a}, {text})"
        return text

    def _print_Min(self, e: sp.Expr) -> str:
        return self._minmax(e, "minimum")

    def _print_Max(self, e: sp.Expr) -> str:
        return self._minmax(e, "maximum")

    def _print_Relational(self, e: sp.Expr) -> str:  # infix: numpy, torch and jax arrays all compare so
        lhs = self.parenthesize(e.lhs, PRECEDENCE["Relational"])
        rhs = self.parenthesize(e.rhs, PRECEDENCE["Relational"])
        return f"({lhs} {e.rel_op} {rhs})"

    def _print_And(self, e: sp.Expr) -> str:
        return "(" + " & ".join(self._print(a) for a in e.args) + ")"

    def _print_Or(self, e: sp.Expr) -> str:
        return "(" + " | ".join(self._print(a) for a in e.args) + ")"

    def _print_Not(self, e: sp.Expr) -> str:
        return f"(~{self._print(e.args[0])})"

    def _print_OrInf(self, e: sp.Expr) -> str:
        value, cond = e.args
        return f"{self._module}.where({self._print(cond)}, {self._arg(value)}, {self.inf})"

    def _print_Near(self, e: sp.Expr) -> str:
        near, far, cond = e.args
        return f"{self._module}.where({self._print(cond)}, {self._arg(near)}, {self._arg(far)})"

    def _print_Sum(self, e: sp.Sum) -> str:
        if is_class_sum(e, self.sig):
            return self.sum_call.format(self._print(e.function))
        (k, lo, hi), = e.limits if len(e.limits) == 1 else ((None, None, None),)
        if k is None or self.range_sum is None:
            raise UnsupportedError(f"the sum {sp.sstr(e)} is not supported by this backend")
        return f"{self.range_sum}(lambda {self._print(k)}: {self._print(e.function)}, {self._print(lo)}, " \
               f"{self._print(hi)})"


class _TensorConstants:
    """numpy, torch and jax: a constant such as sqrt(2), pi or log(2/pi) is printed as a float
    literal (torch.sqrt(2) rejects a Python int, ``numpy`` is not in their namespace, and
    numpy.log(2*numpy.pi) is a float64 scalar that turned float32 results into float64)."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Rational and expr.is_finite:
            return _literal(expr)
        return super()._print(expr, **kwargs)  # type: ignore[misc, no-any-return]


class NumpyPrinter(_TensorConstants, ArrayPrinter):
    names: ClassVar[dict[str, str]] = {
        "kl_div_d": "kl_div_d", "powlog_bregman": "powlog_bregman", "expm1mx": "expm1mx", "expdiff": "expdiff",
        "nonneg": "nonneg",
        "lgamma_bregman": "lgamma_bregman",
        "log": "numpy.log", "log1p": "numpy.log1p", "exp": "numpy.exp", "expm1": "numpy.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "gammaln", "gamma": "gamma", "digamma": "digamma",
        "erf": "erf", "erfc": "erfc", "erfcx": "erfcx", "logratio": "logratio", "xlogratio": "xlogratio",
        "xlogratio1p": "xlogratio1p", "loggamma_rem": "loggamma_rem", "kl_div": "kl_div", "digamma_rem": "digamma_rem",
    }

    def _print_Pi(self, e: sp.Expr) -> str:
        return "numpy.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "numpy.e"


class TorchPrinter(_TensorConstants, ArrayPrinter):
    _module = "torch"
    inf = "float('inf')"
    sum_call = "torch.sum({}, dim=-1, keepdim=True)"
    range_sum = None
    names: ClassVar[dict[str, str]] = {
        "log": "torch.log", "log1p": "torch.log1p", "exp": "torch.exp", "expm1": "torch.expm1",
        "xlogy": "torch.xlogy", "xlog1py": "torch.special.xlog1py", "lgamma": "torch.lgamma",
        "gamma": "gamma", "digamma": "torch.special.digamma", "erf": "torch.special.erf",
        "erfc": "torch.special.erfc", "erfcx": "torch.special.erfcx", "logratio": "symdiv_logratio",
        "xlogratio": "symdiv_xlogratio", "xlogratio1p": "symdiv_xlogratio1p", "loggamma_rem": "symdiv_loggamma_rem",
        "kl_div": "symdiv_kl_div",
        "digamma_rem": "symdiv_digamma_rem",
    }

    def _print_Abs(self, e: sp.Expr) -> str:
        return f"torch.abs({self._print(e.args[0])})"

    def _print_sign(self, e: sp.Expr) -> str:
        return f"torch.sign({self._print(e.args[0])})"


class JaxPrinter(_TensorConstants, ArrayPrinter):
    _module = "jnp"
    inf = "jnp.inf"
    sum_call = "jnp.sum({}, axis=-1, keepdims=True)"
    range_sum = None
    names: ClassVar[dict[str, str]] = {
        "log": "jnp.log", "log1p": "jnp.log1p", "exp": "jnp.exp", "expm1": "jnp.expm1",
        "xlogy": "jss.xlogy", "xlog1py": "jss.xlog1py", "lgamma": "jss.gammaln", "gamma": "jss.gamma",
        "digamma": "jss.digamma", "erf": "jss.erf", "erfc": "jss.erfc", "logratio": "symdiv_logratio",
        "xlogratio": "symdiv_xlogratio", "xlogratio1p": "symdiv_xlogratio1p", "loggamma_rem": "symdiv_loggamma_rem",
        "kl_div": "symdiv_kl_div",
        "digamma_rem": "symdiv_digamma_rem",
    }

    def _print_Erfcx(self, e: sp.Expr) -> str:  # jax.scipy.special has no erfcx: overflows for z > 26
        (z,) = e.args
        return f"({self._fn('erfc', z)}*{self._fn('exp', z**2)})"


class PythonPrinter(Printer, PythonCodePrinter):
    """math: scalars; class arrays are sequences, their sums math.fsum over range(K)."""

    fsum: ClassVar[str] = "math.fsum"
    names: ClassVar[dict[str, str]] = {
        "kl_div_d": "kl_div_d", "powlog_bregman": "powlog_bregman", "expm1mx": "expm1mx", "expdiff": "expdiff",
        "nonneg": "nonneg",
        "lgamma_bregman": "lgamma_bregman",
        "log": "math.log", "log1p": "math.log1p", "exp": "math.exp", "expm1": "math.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "math.lgamma", "gamma": "math.gamma",
        "digamma": "digamma", "erf": "math.erf", "erfc": "math.erfc", "erfcx": "erfcx", "logratio": "logratio",
        "xlogratio": "xlogratio", "xlogratio1p": "xlogratio1p", "loggamma_rem": "loggamma_rem", "kl_div": "kl_div",
        "digamma_rem": "digamma_rem",
    }

    def _print_Pi(self, e: sp.Expr) -> str:
        return "math.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "math.e"

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{self._print(e.base)}[{', '.join(self._print(i) for i in e.indices)}]"

    def _print_OrInf(self, e: sp.Expr) -> str:  # the value is computed only where the conditions hold
        value, cond = e.args
        return f"({self._print(value)} if {self._print(cond)} else {self.inf})"

    def _print_Near(self, e: sp.Expr) -> str:
        near, far, cond = e.args
        return f"({self._print(near)} if {self._print(cond)} else {self._print(far)})"

    inf: ClassVar[str] = "math.inf"

    def _range(self, lo: sp.Expr, hi: sp.Expr) -> str:
        stop = self._print(hi + 1) if (hi + 1).free_symbols <= set(self.sig.counts) else f"int({self._print(hi)}) + 1"
        start = self._print(lo) if lo.is_Integer else f"int({self._print(lo)})"
        return f"range({start}, {stop})"

    def _print_Sum(self, e: sp.Sum) -> str:
        body = self._print(e.function)
        loops = " ".join(f"for {self._print(k)} in {self._range(lo, hi)}" for k, lo, hi in reversed(e.limits))
        return f"{self.fsum}({body} {loops})"


class MpmathPrinter(Printer, SymPyMpmathPrinter):
    names: ClassVar[dict[str, str]] = {
        "kl_div_d": "kl_div_d", "powlog_bregman": "powlog_bregman", "expm1mx": "expm1mx", "expdiff": "expdiff",
        "nonneg": "nonneg",
        "lgamma_bregman": "lgamma_bregman",
        "log": "mpmath.log", "log1p": "mpmath.log1p", "exp": "mpmath.exp", "expm1": "mpmath.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "mpmath.loggamma", "gamma": "mpmath.gamma",
        "digamma": "mpmath.digamma", "erf": "mpmath.erf", "erfc": "mpmath.erfc", "erfcx": "erfcx",
        "xlogratio1p": "xlogratio1p", "loggamma_rem": "loggamma_rem", "kl_div": "kl_div", "digamma_rem": "digamma_rem",
    }
    _print_Indexed = PythonPrinter._print_Indexed
    _print_OrInf = PythonPrinter._print_OrInf
    inf = "mpmath.inf"

    def _print_Near(self, e: sp.Expr) -> str:  # mpmath: the plain form before the P ~ Q rewrite
        return self._print(e.args[1])
    _range = PythonPrinter._range

    def _print_Float(self, e: sp.Float) -> str:
        return SymPyMpmathPrinter._print_Float(self, e)

    def _print_NumberSymbol(self, e: sp.Expr) -> str:
        return f"mpmath.mpf({str(sp.N(e, 40))!r})"

    def _print_Pi(self, e: sp.Expr) -> str:
        return "mpmath.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "mpmath.e"

    def _print_EulerGamma(self, e: sp.Expr) -> str:
        return "mpmath.euler"

    def _print_Sum(self, e: sp.Sum) -> str:
        if len(e.limits) == 1 and e.limits[0][2].is_finite is False:
            k, lo, _ = e.limits[0]
            return (f"symdiv_series(lambda {self._print(k)}: {self._print(e.function)}, int({self._print(lo)}), "
                    "mpmath.inf, mpmath.mp.dps)")
        body = self._print(e.function)
        loops = " ".join(f"for {self._print(k)} in {self._range(lo, hi)}" for k, lo, hi in reversed(e.limits))
        return f"mpmath.fsum({body} {loops})"


class CPrinter(Printer, C99CodePrinter):
    names: ClassVar[dict[str, str]] = {
        "kl_div_d": "symdiv_kl_div_d", "powlog_bregman": "symdiv_powlog_bregman", "expm1mx": "symdiv_expm1mx",
        "expdiff": "symdiv_expdiff", "nonneg": "symdiv_nonneg",
        "lgamma_bregman": "symdiv_lgamma_bregman",
        "log": "log", "log1p": "log1p", "exp": "exp", "expm1": "expm1", "xlogy": "symdiv_xlogy",
        "xlog1py": "symdiv_xlog1py", "lgamma": "lgamma", "gamma": "tgamma", "digamma": "symdiv_digamma",
        "erf": "erf", "erfc": "erfc", "erfcx": "symdiv_erfcx", "logratio": "symdiv_logratio",
        "xlogratio": "symdiv_xlogratio", "xlogratio1p": "symdiv_xlogratio1p", "loggamma_rem": "symdiv_loggamma_rem",
        "kl_div": "symdiv_kl_div",
        "digamma_rem": "symdiv_digamma_rem",
    }

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{self._print(e.base)}[{self._print(e.indices[0])}]"

    def _print_OrInf(self, e: sp.Expr) -> str:
        value, cond = e.args
        return f"(({self._print(cond)}) ? {self._print(value)} : INFINITY)"

    def _print_Near(self, e: sp.Expr) -> str:
        near, far, cond = e.args
        return f"(({self._print(cond)}) ? {self._print(near)} : {self._print(far)})"

    def _print_Pi(self, e: sp.Expr) -> str:
        return _literal(e)

    _print_Exp1 = _print_Pi
    _print_EulerGamma = _print_Pi
    _print_Catalan = _print_Pi
    _print_GoldenRatio = _print_Pi

    def _print_Float(self, e: sp.Float) -> str:
        return repr(float(e))

    def _print_Sum(self, e: sp.Sum) -> str:
        raise UnsupportedError(f"C: the sum {sp.sstr(e)} depends on an outer summation index")

