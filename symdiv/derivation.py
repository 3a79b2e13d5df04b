"""Derivations: frozen value objects. No printing and no SymPy work beyond holding data."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from .errors import InvalidParameterError
from .hooks import provided
from .symbols import P_NAME

if TYPE_CHECKING:
    from .family import Family
    from .measures.base import Measure

__all__ = ["StepKind", "Step", "Derivation", "Expectation"]


class StepKind(enum.Enum):
    """The closed set of step kinds."""

    DEFINITION = "definition"
    SUPPORT = "support"
    EXPAND_LOG = "expand_log"
    LINEARITY = "linearity"
    EXPECTATION = "expectation"
    INTEGRATE = "integrate"
    SUM = "sum"
    TIDY = "tidy"
    UNEVALUATED = "unevaluated"
    #: float parameters: the exact value (from their decimals) evaluated to 15 significant digits
    EVALUATE = "evaluate"




class Expectation(sp.Expr):
    """An unevaluated expectation E_P[g(X)] over the distribution named ``dist``.

    Only the engine creates these; each stands in a derivation step until it is replaced
    by its value, or stays (and the derivation is then incomplete).
    """

    is_commutative = True

    def __new__(cls, g: sp.Expr, dist: sp.Symbol | None = None) -> Expectation:
        return super().__new__(cls, sp.sympify(g), dist if dist is not None else P_NAME)

    @property
    def g(self) -> sp.Expr:
        return self.args[0]

    @property
    def dist(self) -> sp.Symbol:
        return self.args[1]

    def _sympystr(self, printer: Any) -> str:
        return f"E_{self.dist}[{printer.doprint(self.g)}]"


@dataclass(frozen=True)
class Step:
    """One step of a derivation: its kind, the expression after it, and why it holds."""

    kind: StepKind
    expr: sp.Expr
    note: str


@dataclass(frozen=True)
class Derivation:
    """The result of a measure: the ordered steps from the definition to the closed form.

    ``expr`` is the last step's expression (``sympy.oo`` when infinite);
    ``is_complete`` is False when an expectation, integral or series could not be
    evaluated in closed form and stays explicit in ``expr``.
    """

    #: the measure derived (a :class:`symdiv.measures.base.Measure`)
    quantity: Measure
    families: tuple[Family, ...]
    steps: tuple[Step, ...]
    assumptions: tuple[sp.Basic, ...]
    is_complete: bool = True
    #: the conditions (also in ``assumptions``) under which ``expr`` is the value; where one of
    #: them fails the quantity is +oo (supports that do not nest, a moment that diverges)
    conditions: tuple[sp.Basic, ...] = ()
    #: the measure's parameters beside the families, as (name, value) pairs (Renyi's alpha)
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def expr(self) -> sp.Expr:
        return self.steps[-1].expr

    @property
    def is_infinite(self) -> bool:
        return self.expr == sp.oo

    def piecewise(self) -> sp.Expr:
        """``expr`` where every condition holds, +oo elsewhere (``expr`` itself when there are none).

        >>> import symdiv as sd
        >>> sd.kl_divergence(sd.Pareto("m_1", 3), sd.Pareto("m_2", 3)).piecewise()
        Piecewise((3*log(m_1/m_2), m_1 >= m_2), (oo, True))
        """
        if not self.conditions or self.expr == sp.oo:
            return self.expr
        return sp.Piecewise((self.expr, sp.And(*self.conditions)), (sp.oo, True))

    def at(self, values: Mapping[Any, Any] | None = None, /, **kwargs: Any) -> Derivation:
        """The same quantity re-derived with parameters given values (by name or symbol).

        Use this, not ``expr.subs``, for boundary values: SymPy reads 0*log(0) as nan, while
        the engine applies 0 log 0 = 0, decides supports and divergent moments, and evaluates
        float parameters exactly.

        >>> import symdiv as sd
        >>> d = sd.entropy(sd.Bernoulli("p"))
        >>> (p,) = d.P.free_symbols
        >>> d.expr.subs(p, 0)
        nan
        >>> d.at(p=0).expr
        0
        >>> sd.kl_divergence(sd.Pareto("m_1", 3), sd.Pareto("m_2", 3)).at(m_1=1, m_2=2).expr
        oo
        """
        given = {str(k): v for k, v in {**(values or {}), **kwargs}.items()}
        known = {str(s) for f in self.families for s in f.free_symbols}
        unknown = sorted(set(given) - known)
        if unknown:
            raise InvalidParameterError(self.symbol(), unknown[0], given[unknown[0]],
                                        "a parameter of " + (", ".join(sorted(known)) or "no free parameter"),
                                        "no such parameter")
        return self.quantity(*(f.substitute(given) for f in self.families), **dict(self.options))

    @property
    def P(self) -> Family:
        return self.families[0]

    @property
    def Q(self) -> Family:
        return self.families[-1]

    def symbol(self, unicode: bool = False) -> str:
        """The measure's symbol in text with its parameters (``KL(P || Q)``, ``D_1/2(P || Q)``)."""
        return self.quantity.text(unicode=unicode, **dict(self.options))

    def __str__(self) -> str:
        text = f"{self.symbol()} = {self.expr}"
        if self.conditions and self.expr != sp.oo:
            text += f" if {' and '.join(sp.sstr(c) for c in self.conditions)}; otherwise +oo"
        return text

    def latex(self, steps: bool = False, env: str | None = None, label: str | None = None,
              notation: Any = None) -> str:
        r"""LaTeX: one equation, or with ``steps=True`` one line per step aligned on ``=``.

        ``env`` is None, "equation", "equation*", "align*" or "aligned"; ``notation`` a
        :class:`symdiv.Notation`.

        >>> import symdiv as sd
        >>> print(sd.entropy(sd.Bernoulli("p")).latex())
        H(P) = - p \log{p} - \left(1 - p\right) \log{\left(1 - p\right)}
        """
        return provided("derivation_latex")(self, steps=steps, env=env, label=label, notation=notation)

    def to_function(self, backend: str = "numpy", *, bits: bool = False, checked: bool = True) -> Callable[..., Any]:
        """The closed form as a numeric function (see :func:`symdiv.gencode.to_function`).

        ``backend`` is "numpy" (arrays broadcast), "math", "mpmath", "torch" or "jax"; the
        arguments are ``fn.params`` (P's parameters, then Q's), positional or by keyword.

        >>> import symdiv as sd
        >>> f = sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")).to_function("math")
        >>> f.params, f(0.0, 0.5) == f(p=0.0, q=0.5) > 0
        (('p', 'q'), True)
        """
        return provided("to_function")(self, backend, bits=bits, checked=checked)

    def diff(self, param: Any, order: int = 1) -> sp.Expr:
        """The derivative of the closed form with respect to a parameter (a symbol or its name).

        >>> import symdiv as sd
        >>> sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")).diff("mu_2")
        (-mu_1 + mu_2)/sigma_2**2
        """
        return provided("diff")(self, param, order)

    def gradient(self, params: Any = None) -> sp.ImmutableMatrix:
        """The column of first derivatives with respect to ``params`` (default: every parameter)."""
        return provided("gradient")(self, params)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(steps=True, env="aligned") + "$$"
