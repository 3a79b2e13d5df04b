"""What a measure is: its names, symbols, definition and properties, as data.

A :class:`Measure` is a value object: the engine module that derives it (one module per measure
in this package) registers its function with :func:`symdiv.measures.registry.register`; the
parser, printers, code generation, the command line and the formula sheet read the registry, so
adding a measure is one module (and one row in the test table of independent definitions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Template
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:
    from ..derivation import Derivation

__all__ = ["Measure"]


def _fmt(value: Any) -> str:
    """A parameter value as it appears in a symbol: 1/2, alpha, 2."""
    return sp.sstr(value) if isinstance(value, sp.Basic) else str(value)


@dataclass(frozen=True, eq=False)
class Measure:
    """One information measure: a quantity of one family (``arity`` 1) or of a pair (2).

    Symbol templates use ``${P}``, ``${Q}`` and the measure's ``parameters`` (``${alpha}``).

    >>> from symdiv.measures.registry import get
    >>> get("kl_divergence").text()
    'KL(P || Q)'
    >>> get("kl_divergence").latex(P="P_1")
    'D_{\\\\mathrm{KL}}(P_1 \\\\,\\\\|\\\\, Q)'
    """

    #: the public function's name and the JSON ``quantity`` (``kl_divergence``)
    name: str
    #: what it is called in prose (``Kullback-Leibler divergence``)
    title: str
    #: 1 (a quantity of P) or 2 (of P and Q)
    arity: int
    #: the symbol in text, e.g. ``KL(${P} || ${Q})``, and in Unicode text
    text_symbol: str
    unicode_symbol: str
    #: the symbol in LaTeX, e.g. ``D_{\mathrm{KL}}(${P} \,\|\, ${Q})``
    latex_symbol: str
    #: the definition in text (the first step of every derivation of it)
    definition: str
    #: the command-line sub-command (``kl``) and the prefix of generated functions
    command: str
    #: extra parameters beside the families (Renyi's ``alpha``)
    parameters: tuple[str, ...] = ()
    #: function names the claim parser reads as this measure (``KL``, ``D_KL``)
    aliases: tuple[str, ...] = ()
    #: properties stated on the guide page and checked by the tests
    symmetric: bool = False
    metric: bool = False
    #: never negative (generated code clamps a float result that rounded below 0 to 0)
    nonnegative: bool = True
    #: measured in nats (a logarithm's unit: ``--log bits`` converts it); False for quantities without
    #: a unit (a coefficient, a distance in [0, 1], chi-squared)
    in_nats: bool = True
    #: the prefix of generated functions' names (default: ``command``)
    code_prefix: str = ""
    #: the range of its values, as text (``[0, oo]``, ``[0, 1]``)
    values: str = "[0, oo]"
    #: short description for the command line's help
    help: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -------------------------------------------------------------- compatibility with the old enum
    @property
    def value(self) -> str:
        """The measure's name (``Quantity.KL_DIVERGENCE.value == "kl_divergence"``)."""
        return self.name

    @property
    def symbol(self) -> str:
        """The text symbol with P and Q (``KL(P || Q)``); parameters by name (``D_alpha(P || Q)``)."""
        return self.text()

    @property
    def prefix(self) -> str:
        """The prefix of generated functions' names (``kl`` in ``kl_normal_normal``)."""
        return self.code_prefix or self.command

    # -------------------------------------------------------------- symbols
    def _values(self, params: Mapping[str, Any]) -> dict[str, str]:
        return {p: _fmt(params[p]) if p in params else p for p in self.parameters}

    def text(self, P: str = "P", Q: str = "Q", unicode: bool = False, **params: Any) -> str:
        """The symbol as text, e.g. ``D_1/2(P || Q)`` for Renyi's divergence with alpha = 1/2."""
        template = self.unicode_symbol if unicode else self.text_symbol
        return Template(template).safe_substitute(P=P, Q=Q, **self._values(params))

    def latex(self, P: str = "P", Q: str = "Q", **params: Any) -> str:
        """The symbol as LaTeX; parameter values printed by SymPy's LaTeX printer."""
        values = {p: sp.latex(params[p]) if p in params else rf"\{p}" for p in self.parameters}
        return Template(self.latex_symbol).safe_substitute(P=P, Q=Q, **values)

    # -------------------------------------------------------------- deriving
    def __call__(self, *families: Any, **params: Any) -> Derivation:
        """Derive this measure (the registered function)."""
        from .registry import function_of

        return function_of(self)(*families, **params)

    def __repr__(self) -> str:
        return f"<measure {self.name}>"

    def __reduce__(self) -> tuple[Callable[..., Measure], tuple[str]]:
        from .registry import get

        return get, (self.name,)
