"""The engine's own symbols: the random variable, its vector form, summation indices and the
names of the distributions in expectations.

Each is an :class:`EngineSymbol`, a class of its own: SymPy compares symbols by class as well
as name, so a user parameter called ``X`` or ``k`` is a different symbol and can never be
captured by an integral, a sum or a substitution of the engine. They print by their names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import sympy as sp

__all__ = ["symbol_log", "EngineSymbol", "X", "XV", "P_NAME", "Q_NAME", "index_symbol", "RESERVED_NAMES"]


@functools.lru_cache(maxsize=8192)
def symbol_log(b: sp.Symbol) -> sp.Expr:
    """log(b) of a symbol, unevaluated (nothing to evaluate), made once per symbol: creating a SymPy
    function costs 0.2 ms, thousands of times in a 1000-class Categorical."""
    return sp.log(b, evaluate=False)


class EngineSymbol(sp.Symbol):
    """A symbol that only the engine creates; equal to no ``sympy.Symbol`` of the same name."""


#: The random variable of every expectation. Discrete families evaluate it at integers.
X = EngineSymbol("X", real=True)
#: The random vector of multivariate families: components X[0], X[1], ... (or X[i]).
XV = sp.IndexedBase(EngineSymbol("X", real=True))
#: the names under which expectations over P (and Q) are printed
P_NAME = EngineSymbol("P")
Q_NAME = EngineSymbol("Q")

#: names SymPy prints as its constants: a parameter so named would read as the constant
RESERVED_NAMES = frozenset({"E", "I", "pi", "oo", "nan", "zoo", "EulerGamma", "Catalan", "GoldenRatio",
                            "TribonacciConstant"})

_INDEX_NAMES = ("k", "j", "n", "m", "l", "r", "s", "t", "u", "v", "w")


def index_symbol(avoid: Iterable[sp.Basic] = (), preferred: str = "k", **assumptions: bool) -> EngineSymbol:
    """A summation index printed with a name that no symbol in ``avoid`` has (``k``, else ``j``, ...)."""
    taken = {str(s) for s in avoid}
    for name in (preferred, *_INDEX_NAMES):
        if name not in taken:
            return EngineSymbol(name, **(assumptions or {"integer": True, "nonnegative": True}))
    return EngineSymbol(f"k_{len(taken)}", **(assumptions or {"integer": True, "nonnegative": True}))
