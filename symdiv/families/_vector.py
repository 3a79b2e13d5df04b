"""The shared base of families with one vector parameter: explicit entries, or a symbolic length K."""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp

from ..domains import PositiveInteger, to_expr
from ..errors import InvalidParameterError
from ..family import Family
from ..symbols import EngineSymbol

#: The index of symbolic-K sums.
INDEX = EngineSymbol("i", integer=True, nonnegative=True)
CLASSES = PositiveInteger(2)


class VectorFamily(Family):
    """A family whose one parameter is a vector of K >= 2 entries (K may be a symbol)."""

    #: what the K entries count, for messages ("classes", "coordinates")
    noun: ClassVar[str] = "entries"

    K: sp.Expr
    indexed: bool = False

    @classmethod
    def symbolic(cls, name: str = "p", K: int | str | sp.Expr = "K") -> Any:
        """Symbolic entries: the symbols name_0 .. name_{K-1} for an integer K; for a name or
        symbol K, an ``IndexedBase`` name[i], i = 0..K-1 (results are sums over i)."""
        param = cls.parameters[0]
        k = to_expr(K, cls.name, "K", CLASSES)
        CLASSES.check(k, cls.name, "K")
        if k.is_Integer:
            return cls([f"{name}_{j}" for j in range(int(k))])
        to_expr(name, cls.name, param.name, param.domain)  # validates the name
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

    def reparams(self) -> dict[sp.Symbol, sp.Expr]:
        out = super().reparams() if not self.indexed else {}
        if isinstance(self.K, sp.Symbol):
            out[self.K] = CLASSES.reparam(self.K)
        return out
