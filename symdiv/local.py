"""The local view: gradients of derivations and the Fisher information matrix.

The Fisher information is derived from its own definition, I(theta)_ij = -E_P[d^2 log p(X) / d theta_i
d theta_j], through the same expectation engine as every measure; it is *not* read off the KL
divergence, so the second-order expansion KL(P_theta || P_theta+delta) = 1/2 delta^T I delta + O(|delta|^3)
checked in :func:`symdiv.claims.verify_local_expansion` compares two independent derivations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

from .derivation import P_NAME
from .errors import ParseError, UnsupportedError
from .expectation import expectation_steps
from .family import Family
from .tidy import tidy

if TYPE_CHECKING:
    from .derivation import Derivation

__all__ = ["diff", "gradient", "parameter_symbols", "regular_parameters", "fisher_information"]


def _symbol(param: str | sp.Symbol, symbols: Sequence[sp.Symbol], what: str) -> sp.Symbol:
    by_name = {str(s): s for s in symbols}
    key = str(param) if isinstance(param, (str, sp.Symbol)) else None
    if key is None or key not in by_name:
        known = ", ".join(sorted(by_name)) or "none"
        raise ParseError(f"{what}: {param!r} is not one of its parameters ({known})")
    return by_name[key]


def parameter_symbols(family: Family) -> list[sp.Symbol]:
    """The free parameter symbols of a family, in declaration order (vector entries in order)."""
    out: list[sp.Symbol] = []
    for value in family.params.values():
        items = value if isinstance(value, tuple) else (
            list(value) if isinstance(value, sp.MatrixBase) else (value,))
        for item in items:
            for s in sorted(sp.sympify(item).free_symbols, key=str):
                if isinstance(s, sp.Symbol) and s not in out:
                    out.append(s)
    return out


def _derivation_symbols(d: Derivation) -> list[sp.Symbol]:
    out: list[sp.Symbol] = []
    for f in d.families:
        out += [s for s in parameter_symbols(f) if s not in out]
    return out


def diff(d: Derivation, param: str | sp.Symbol, order: int = 1) -> sp.Expr:
    """d^order (closed form) / d param^order, tidied; ``param`` is a symbol or its name."""
    s = _symbol(param, _derivation_symbols(d), f"{d.symbol()}")
    if d.is_infinite:
        raise UnsupportedError(f"{d.symbol()} = +oo: it has no derivative in {s}")
    return tidy(sp.diff(d.expr, s, order))


def gradient(d: Derivation, params: Sequence[str | sp.Symbol] | None = None) -> sp.ImmutableMatrix:
    """The column of first derivatives with respect to ``params`` (default: every parameter)."""
    symbols = _derivation_symbols(d)
    chosen = [_symbol(p, symbols, d.symbol()) for p in params] if params is not None else symbols
    return sp.ImmutableMatrix([diff(d, s) for s in chosen])


def fisher_information(P: Family, params: Sequence[str | sp.Symbol] | None = None) -> sp.ImmutableMatrix:
    """The Fisher information matrix of ``P`` in its parameters, from -E_P[Hessian of log p(X)].

    >>> import symdiv as sd
    >>> sd.fisher_information(sd.Normal("mu", "sigma"))
    Matrix([
    [sigma**(-2),          0],
    [          0, 2/sigma**2]])
    >>> sd.fisher_information(sd.Bernoulli("p"))
    Matrix([[1/(p*(1 - p))]])
    """
    chosen = regular_parameters(P, params)
    bound = _bound_symbols(P)
    if not chosen:
        raise UnsupportedError(f"{P!r} has no symbolic parameters to differentiate")
    x = P.variable
    log_p = P.log_density(x)
    if log_p.has(sp.Sum) or getattr(P, "indexed", False):
        raise UnsupportedError(f"{P.name}: the Fisher information needs explicit parameters (no symbolic K or k)")
    for s in chosen:
        if s in bound:
            raise UnsupportedError(f"{P.name}: the support depends on {s}, so the Fisher information "
                                   f"in {s} is not defined by the usual regularity conditions")
    n = len(chosen)
    cells: dict[tuple[int, int], sp.Expr] = {}
    for i in range(n):
        first = sp.diff(log_p, chosen[i])
        for j in range(i, n):
            second = sp.diff(first, chosen[j])
            result = expectation_steps(P, second, -1, P_NAME)
            if not result.complete:
                raise UnsupportedError(f"{P.name}: E[d^2 log p / d{chosen[i]} d{chosen[j]}] has no closed form")
            cells[i, j] = cells[j, i] = _fisher_tidy(result.value)
    return sp.ImmutableMatrix(n, n, lambda i, j: cells[i, j])


def _bound_symbols(P: Family) -> set[sp.Basic]:
    out: set[sp.Basic] = set()
    for b in _bounds(P.support()):
        out |= sp.sympify(b).free_symbols
    return out


def regular_parameters(P: Family, params: Sequence[str | sp.Symbol] | None = None) -> list[sp.Symbol]:
    """The parameters to differentiate in: ``params`` (symbols or names), or by default every
    parameter symbol that is not an integer and does not move the support."""
    symbols = parameter_symbols(P)
    if params is not None:
        return [_symbol(p, symbols, P.name) for p in params]
    bound = _bound_symbols(P)
    return [s for s in symbols if not s.is_integer and s not in bound]


def _fisher_tidy(value: sp.Expr) -> sp.Expr:
    candidates = [tidy(value)]
    if not value.has(sp.polygamma):
        candidates.append(_positive_denominators(sp.factor(sp.cancel(sp.together(value)))))
    return min(candidates, key=lambda e: (sp.count_ops(e), e.could_extract_minus_sign()))


def _positive_denominators(e: sp.Expr) -> sp.Expr:
    """-c / (a (p - 1)) -> c / (a (1 - p)): the sign moved into a factor of the denominator."""
    if not (e.is_Mul and e.could_extract_minus_sign()):
        return e
    for f in e.args:
        base, ex = f.as_base_exp()
        if base.is_Add and ex.is_odd:
            return sp.Mul(*(g for g in e.args if g is not f)) * (-1) * (-base) ** ex
    return e


def _bounds(supp: Any) -> list[Any]:
    return [getattr(supp, a) for a in ("lo", "hi") if hasattr(supp, a)]
