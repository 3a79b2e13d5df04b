"""The shared base of families with one vector parameter: explicit entries, or a symbolic length K."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sympy as sp

from ..domains import PositiveInteger, to_expr
from ..errors import InvalidParameterError
from ..family import Family
from ..symbols import EngineSymbol

#: The index of symbolic-K sums.
INDEX = EngineSymbol("i", integer=True, nonnegative=True)
CLASSES = PositiveInteger(2)
#: the most entries an integer K makes explicit (symbols name_0 .. name_{K-1}); the benchmarks go to 1000
MAX_EXPLICIT = 10_000


class VectorFamily(Family):
    """A family whose one parameter is a vector of K >= 2 entries (K may be a symbol)."""

    #: what the K entries count, for messages ("classes", "coordinates")
    noun: ClassVar[str] = "entries"

    K: sp.Expr
    indexed: bool = False
    #: the printed names of the summation indices of symbolic-K results (no user name may equal them)
    index_names: ClassVar[tuple[str, ...]] = (str(INDEX),)

    @classmethod
    def symbolic(cls, name: str = "p", K: int | str | sp.Expr = "K") -> Any:
        """Symbolic entries: the symbols name_0 .. name_{K-1} for an integer K (at most
        ``MAX_EXPLICIT``); for a name or symbol K, an ``IndexedBase`` name[i], i = 0..K-1 (results
        are sums over i). Names that would print like the summation index (``i``) or like each other
        are refused: ``Sum(p[i], (i, 0, i - 1))`` would read wrongly.

        >>> import symdiv as sd
        >>> sd.Categorical.symbolic("p", "i")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        symdiv.errors.InvalidParameterError: Categorical: parameter K = 'i' is invalid (the name i is the summation ...
        """
        param = cls.parameters[0]
        k = to_expr(K, cls.name, "K", CLASSES)
        CLASSES.check(k, cls.name, "K")
        if k.is_Integer:
            if int(k) > MAX_EXPLICIT:
                raise InvalidParameterError(
                    cls.name, "K", K, f"integers from 2 to {MAX_EXPLICIT}, or a name for a symbolic K",
                    f"more than {MAX_EXPLICIT} explicit {cls.noun} (one symbol each); use a name such as 'K' "
                    f"for a symbolic number of {cls.noun}")
            return cls([f"{name}_{j}" for j in range(int(k))])
        to_expr(name, cls.name, param.name, param.domain)  # validates the name
        allowed = f"integers >= {CLASSES.minimum}, or a name other than {', '.join(cls.index_names)}"
        for s in k.free_symbols:
            if str(s) in cls.index_names:
                raise InvalidParameterError(
                    cls.name, "K", K, allowed,
                    f"the name {s} is the summation index of symbolic-K results, so "
                    f"Sum({name}[{s}], ({s}, 0, {k} - 1)) would read wrongly; choose another name, e.g. 'K'")
            if str(s) == name:
                raise InvalidParameterError(cls.name, param.name, name, f"a name other than {s}",
                                            f"the number of {cls.noun} K is named {s} too")
        if name in cls.index_names:
            raise InvalidParameterError(cls.name, param.name, name, f"a name other than {', '.join(cls.index_names)}",
                                        f"{name}[{name}] would read wrongly: {name} is the summation index")
        self = cls.__new__(cls)
        self.K, self.indexed = k, True
        self._values = (sp.IndexedBase(name, positive=True),)
        self._symbol_domains = {}
        return self

    @property
    def vector(self) -> Any:
        """The tuple of entries, or the IndexedBase of a symbolic-K family."""
        return self._values[0]

    def _key(self) -> tuple[Any, ...]:
        return (type(self), self.indexed, self.K, self._values)

    def __repr__(self) -> str:
        if self.indexed:
            return f"{self.name}({self.parameters[0].name}={self.vector}[{INDEX}], {INDEX}=0..{self.K - 1})"
        return super().__repr__()

    def _check_pair(self, other: Family) -> None:
        if isinstance(other, type(self)) and self.K != other.K:
            raise InvalidParameterError(self.name, self.parameters[0].name, f"K_P = {self.K}, K_Q = {other.K}",
                                        f"the same number of {self.noun} K for P and Q", "mismatched K")

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        if self.indexed:
            return {self.vector} | self.K.free_symbols
        return super().free_symbols

    def substitute(self, values: Mapping[str, Any]) -> Any:
        """With a value for a symbolic K, the explicit family of that size (its entries name_0, ...)."""
        if self.indexed and str(self.K) in values:
            explicit = type(self).symbolic(str(self.vector), values[str(self.K)])
            return explicit.substitute({k: v for k, v in values.items() if k != str(self.K)})
        return super().substitute(values)

    def renamed(self, names: Mapping[str, str]) -> Any:
        if not self.indexed:
            return super().renamed(names)
        base, k = str(self.vector), str(self.K)
        return type(self).symbolic(names.get(base, base), names.get(k, k) if isinstance(self.K, sp.Symbol) else self.K)

    def reparams(self) -> dict[sp.Symbol, sp.Expr]:
        out = super().reparams() if not self.indexed else {}
        if isinstance(self.K, sp.Symbol):
            out[self.K] = CLASSES.reparam(self.K)
        return out
