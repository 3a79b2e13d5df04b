"""The arguments of a generated function (:class:`Signature`), and its name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from ..derivation import Derivation
from ..errors import UnsupportedError

if TYPE_CHECKING:
    from ..family import Family


@dataclass(frozen=True)
class Signature:
    """The arguments of a generated function, in order."""

    #: Symbol (scalar) or IndexedBase (class array, last axis = classes) per argument
    symbols: tuple[sp.Basic, ...]
    #: class-count symbol K -> the IndexedBase whose length it is
    counts: dict[sp.Symbol, sp.IndexedBase] = field(default_factory=dict)
    #: explicit vector families: groups of symbols that may be passed as one array (..., K)
    vectors: tuple[tuple[sp.Symbol, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.symbols)

    def is_array(self, s: sp.Basic) -> bool:
        return isinstance(s, sp.IndexedBase)


def _values(fam: Family) -> list[Any]:
    return list(fam.params.values())


def signature_of(d: Derivation, expr: sp.Expr) -> Signature:
    """The arguments for ``expr``: the families' parameters in order, then any other free symbol."""
    symbols: list[sp.Basic] = []
    counts: dict[sp.Symbol, sp.IndexedBase] = {}
    vectors: list[tuple[sp.Symbol, ...]] = []
    seen: set[sp.Basic] = set()

    def add(s: sp.Basic) -> None:
        if s not in seen:
            seen.add(s)
            symbols.append(s)

    for fam in d.families:
        if getattr(fam, "indexed", False):
            base = fam.vector  # type: ignore[attr-defined]
            add(base)
            for k in fam.K.free_symbols:  # type: ignore[attr-defined]
                counts.setdefault(k, base)
            continue
        for value in _values(fam):
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, sp.MatrixBase) or getattr(item, "is_Matrix", False):
                    raise UnsupportedError(f"{fam.name}: matrix-valued parameters are not supported by code generation")
                for s in sorted(item.free_symbols, key=str):
                    add(s)
            if isinstance(value, tuple) and len(value) >= 2 and all(isinstance(v, sp.Symbol) for v in value) \
                    and len(set(value)) == len(value):
                vectors.append(tuple(value))
    bound = {lim[0] for s in expr.atoms(sp.Sum) for lim in s.limits}
    extra = sorted((s for s in expr.free_symbols
                    if isinstance(s, sp.Symbol) and s not in seen and s not in counts and s not in bound
                    and not any(s == b.label for b in seen if isinstance(b, sp.IndexedBase))),
                   key=str)
    symbols.extend(extra)
    # the vector call is only offered when the groups are exactly all the arguments
    flat = [s for g in vectors for s in g]
    if sorted(flat, key=str) != sorted(symbols, key=str) or len(flat) != len(symbols):
        vectors = []
    return Signature(tuple(symbols), counts, tuple(vectors))


def parameter_names(derivation: Derivation) -> tuple[str, ...]:
    """The argument names of the generated functions, in order: P's parameters, then Q's.

    >>> import symdiv as sd
    >>> parameter_names(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")))
    ('mu_1', 'sigma_1', 'mu_2', 'sigma_2')
    >>> parameter_names(sd.entropy(sd.Categorical.symbolic("p", "K")))
    ('p',)
    """
    return signature_of(derivation, derivation.expr).names


def function_name(derivation: Derivation) -> str:
    """``kl_normal_normal``, ``entropy_bernoulli``, ``cross_entropy_gamma_weibull``, ...

    >>> import symdiv as sd
    >>> function_name(sd.entropy(sd.Bernoulli("p")))
    'entropy_bernoulli'
    """
    prefix = derivation.quantity.prefix
    fams = derivation.families[: derivation.quantity.arity]
    parts = [re.sub(r"\W+", "_", f.name.lower()).strip("_") or "family" for f in fams]
    return "_".join([prefix, *parts])
