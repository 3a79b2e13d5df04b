"""Generated numeric code: a derivation's closed form as a vectorized function or as source text.

One pipeline, four stages:

1. :func:`stable_form` (:mod:`~symdiv.gencode.rewrite`) rewrites ``derivation.expr`` with SymPy,
   pattern by pattern, into a form that is safe to evaluate in floating point, made of the nodes
   of :mod:`~symdiv.gencode.nodes` (``xlogy``, ``log1p``, ``loggamma``, ``erfcx``, kept ratios).
2. :mod:`~symdiv.gencode.checks` decides what can be generated for which target, and sums are
   hoisted into statements (``sum_0 = ...``).
3. A SymPy printer (:mod:`~symdiv.gencode.printers`: subclasses of ``NumPyPrinter``,
   ``PythonCodePrinter``, ``MpmathPrinter`` and ``C99CodePrinter``) prints them for one backend
   (:mod:`~symdiv.gencode.source`), with the helpers of :mod:`~symdiv.gencode.helpers` and, for
   numpy, the runtime of :mod:`~symdiv.gencode.runtime`.
4. :func:`to_function` compiles the printed source into a callable; :func:`codegen` returns
   readable Python or C source with a provenance comment (:mod:`~symdiv.gencode.api`). Backends
   and languages are entries of the registry in :mod:`~symdiv.gencode.backends`.

Import helpers with ``from symdiv.gencode import ...``; ``symdiv.codegen`` is the lazily importing wrapper (NumPy is
imported only when code is generated).
"""

from .api import codegen, to_function
from .backends import BACKENDS, LANGUAGES
from .nodes import DigammaRem, Erfcx, KLDiv, LogGamma, LogGammaRem, OrInf, Quot, XLog1PY, XLogRatio1P, XLogY, plain
from .rewrite import stable_form
from .runtime import digamma, erfcx, gammaln, xlog1py, xlogy
from .signature import function_name, parameter_names

__all__ = [
    "BACKENDS",
    "LANGUAGES",
    "XLogY",
    "XLog1PY",
    "Quot",
    "OrInf",
    "LogGamma",
    "LogGammaRem",
    "DigammaRem",
    "XLogRatio1P",
    "KLDiv",
    "Erfcx",
    "stable_form",
    "plain",
    "function_name",
    "parameter_names",
    "to_function",
    "codegen",
    "xlogy",
    "xlog1py",
    "digamma",
    "gammaln",
    "erfcx",
]
