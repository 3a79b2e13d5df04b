"""What can be generated, and for which target: :func:`check` (closed forms only, supported
functions, infinite series only where the target sums them), the derivation's conditions as an
:class:`~symdiv.gencode.nodes.OrInf` (:func:`under_conditions`), and the hoisting of sums into
statements ``sum_0 = ...`` (:func:`hoist`), innermost first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..derivation import Derivation, Expectation
from ..errors import UnsupportedError
from .nodes import (
    NEAR_NODES,
    DigammaRem,
    Erfcx,
    Group,
    KLDiv,
    LogGamma,
    LogGammaRem,
    Near,
    OrInf,
    Quot,
    XLog1PY,
    XLogRatio1P,
    XLogY,
    plain,
)
from .signature import Signature

#: the functions a closed form may contain
ALLOWED = (sp.log, sp.exp, log1p, expm1, sp.Abs, sp.loggamma, LogGamma, sp.gamma, sp.polygamma, sp.erf, sp.erfc,
           Erfcx, XLogY, XLog1PY, XLogRatio1P, Quot, Group, KLDiv, LogGammaRem, DigammaRem, sp.Min, sp.Max,
           sp.Piecewise, sp.sign, Near, *NEAR_NODES)


@dataclass(frozen=True)
class Target:
    """What a backend of ``to_function`` or a language of ``codegen`` evaluates."""

    #: the backend's name, in messages
    name: str
    #: arrays that broadcast (numpy, torch, jax): ``w*log(a/b)`` as one log of the ratio, which a
    #: scalar backend cannot do (a Python 0/0 raises)
    arrays: bool = False
    #: infinite series (mpmath sums them)
    series: bool = False
    #: Piecewise, Min and Max (not torch)
    piecewise: bool = True


def check(d: Derivation, expr: sp.Expr, target: Target) -> None:
    """Raise :class:`~symdiv.errors.UnsupportedError` unless code for ``target`` can compute ``expr``."""
    what = f"{d.symbol()} for {', '.join(map(repr, d.families))}"
    if expr.atoms(Expectation):
        raise UnsupportedError(f"{what} is incomplete: it contains an unevaluated expectation; "
                               "there is no closed form to generate code from")
    if expr.has(sp.Integral):
        raise UnsupportedError(f"{what} is incomplete: it contains an unevaluated integral; "
                               "there is no closed form to generate code from")
    if expr.has(sp.MatrixExpr) or any(getattr(s, "is_Matrix", False) for s in expr.free_symbols):
        raise UnsupportedError(f"{what}: matrix-valued expressions are not supported by code generation")
    for s in expr.atoms(sp.Sum):
        if any(lim[2].is_finite is False or lim[1].is_finite is False for lim in s.limits) and not target.series:
            raise UnsupportedError(
                f"{what} is incomplete: it contains the infinite series {sp.sstr(plain(s))} (no closed form); "
                f"backend {target.name!r} cannot evaluate it; use to_function(backend='mpmath'), which sums it "
                "from its largest terms outward (symdiv.explicit.sum_series)")
    for f in expr.atoms(sp.Function):
        if isinstance(f, sp.polygamma) and f.args[0] != 0:
            raise UnsupportedError(f"{what}: polygamma of order {f.args[0]} is not supported by code generation")
        if not isinstance(f, ALLOWED):
            raise UnsupportedError(f"{what}: the function {type(f).__name__} is not supported by code generation")
        if not target.piecewise and isinstance(f, (sp.Piecewise, sp.Min, sp.Max)):
            raise UnsupportedError(f"{what}: {type(f).__name__} is not supported by the {target.name} backend")


def conditions(d: Derivation) -> tuple[sp.Basic, ...] | None:
    """The conditions under which ``d.expr`` is the value (+oo where one fails), or None when one
    of them is False (the value is +oo everywhere)."""
    if d.is_infinite:
        return ()
    out: list[sp.Basic] = []
    for c in getattr(d, "conditions", ()):
        c = sp.sympify(c)
        if c == sp.false:
            return None
        if c != sp.true and c not in out:
            out.append(c)
    return tuple(out)


def conditions_note(d: Derivation) -> str:
    """Where the closed form holds, and what the function returns elsewhere (for comments and docstrings)."""
    conds = conditions(d) or ()
    return (f"the closed form holds where {' and '.join(sp.sstr(c) for c in conds)}; "
            f"elsewhere {d.symbol()} = +oo and the function returns inf")


def under_conditions(d: Derivation, expr: sp.Expr) -> sp.Expr:
    """``expr`` where the derivation's conditions hold, +oo elsewhere; ``expr`` unchanged (and the
    generated code as fast as before) when there are none."""
    conds = conditions(d)
    if conds is None:
        return sp.oo
    if not conds:
        return expr
    what = f"{d.symbol()} for {', '.join(map(repr, d.families))}"
    for c in conds:
        if not isinstance(c, (sp.Rel, sp.And, sp.Or, sp.Not)) or c.has(sp.Sum, sp.Integral, Expectation) \
                or any(not isinstance(f, ALLOWED) for f in c.atoms(sp.Function)):
            raise UnsupportedError(f"{what}: its condition {sp.sstr(c)} is not supported by code generation")
    return OrInf(expr, sp.And(*conds))


def is_class_sum(s: sp.Sum, sig: Signature) -> bool:
    """A sum over all classes: Sum(f(p[i]), (i, 0, K - 1)) with K the length of an array argument."""
    if len(s.limits) != 1:
        return False
    i, lo, hi = s.limits[0]
    if lo != 0 or not any(hi == k - 1 for k in sig.counts):
        return False
    body = s.function
    indexed = body.atoms(sp.Indexed)
    if not indexed or any(a.indices != (i,) for a in indexed if i in a.free_symbols):
        return False
    rest = body.xreplace({a: sp.Dummy() for a in indexed})
    return i not in rest.free_symbols


def hoist(expr: sp.Expr, taken: set[str]) -> tuple[list[tuple[sp.Symbol, sp.Sum]], sp.Expr]:
    """Innermost sums first, each into a statement ``sum_n = Sum(...)``."""
    statements: list[tuple[sp.Symbol, sp.Sum]] = []
    n = 0
    while True:
        bound = {lim[0] for s in expr.atoms(sp.Sum) for lim in s.limits}
        ready = [s for s in expr.atoms(sp.Sum)
                 if not s.function.has(sp.Sum) and not (s.free_symbols & bound)]
        if not ready:
            return statements, expr
        for s in sorted(ready, key=sp.default_sort_key):
            name = f"sum_{n}"
            while name in taken:
                name += "_"
            taken.add(name)
            n += 1
            tmp = sp.Symbol(name, real=True)
            statements.append((tmp, s))
            expr = expr.xreplace({s: tmp})

