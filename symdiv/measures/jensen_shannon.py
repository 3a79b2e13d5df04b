"""The Jensen-Shannon divergence JSD(P || Q) = 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q)/2.

Symmetric, always finite, in [0, log 2]. Over finite supports it is an exact sum over the union of
the atoms (0 log 0 = 0); otherwise the mixture's logarithm log((p + q)/2) has no expansion into the
basis functions of the expectation engine, so the result is the exact integral (or series) over the
common support, ``is_complete`` False, whose numeric value ``sympy.N`` computes. Supports that
differ and are not finite are refused (the integrand would need each density's support spelled out).
"""

from __future__ import annotations

import functools

import sympy as sp

from ..derivation import Derivation, Step, StepKind
from ..errors import UnsupportedError
from ..explicit import ExplicitIntegral, ExplicitSum
from ..family import Family, X, reparams_of
from ..support import FiniteAtoms, IntegerRange, RealInterval
from ..symbols import index_symbol
from .base import Measure
from .classic import CACHE_SIZE, _assumptions, _common_variable, _exact_then_float, _require_pair, register_cache
from .registry import register

__all__ = ["JENSEN_SHANNON", "js_divergence"]

JENSEN_SHANNON = Measure(
    "js_divergence", "Jensen-Shannon divergence", 2, "JSD(${P} || ${Q})", "JSD(${P} \u2225 ${Q})",
    r"\operatorname{JSD}(${P} \,\|\, ${Q})", "JSD(P || Q) = 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q)/2", "js",
    aliases=("JSD", "JS"), symmetric=True, values="[0, log 2]",
    help="JSD(P || Q) = KL(P || M)/2 + KL(Q || M)/2 with M = (P + Q)/2, the Jensen-Shannon divergence")


def _term(p: sp.Expr, q: sp.Expr) -> sp.Expr:
    """p log(2p/(p + q)), 0 where p = 0 (0 log 0 = 0)."""
    if p.is_zero:
        return sp.Integer(0)
    return p * sp.log(2 * p / (p + q))


def _atoms(supp: object) -> list[int] | None:
    """The atoms of a finite support (explicit atoms, or 0..n with a numeric n); None otherwise."""
    if isinstance(supp, FiniteAtoms):
        return [int(v) for v in supp.values]
    if isinstance(supp, IntegerRange):
        found = supp.atoms()
        return None if found is None else [int(v) for v in found]
    return None


def _integrand(P: Family, Q: Family, x: sp.Expr) -> sp.Expr:
    p, q = P.density(x), Q.density(x)
    return (_term(p, q) + _term(q, p)) / 2


@functools.lru_cache(maxsize=CACHE_SIZE)
def _jensen_shannon(P: Family, Q: Family) -> Derivation:
    _common_variable(P, Q)
    families = (P, Q)
    sp_, sq = P.support(), Q.support()
    shown = sp.Function("p")(X), sp.Function("q")(X)
    definition = sp.Integral(_term(shown[0], shown[1]) / 2 + _term(shown[1], shown[0]) / 2, X)
    steps = [Step(StepKind.DEFINITION, definition, JENSEN_SHANNON.definition + ": the integral (sum) of "
                  "p log(2p/(p+q))/2 + q log(2q/(p+q))/2 over the union of the supports")]
    assumptions = _assumptions(*families)
    atoms_p, atoms_q = _atoms(sp_), _atoms(sq)
    if atoms_p is not None and atoms_q is not None:
        atoms = sorted(set(atoms_p) | set(atoms_q))
        total = sp.Add(*(_integrand(P, Q, sp.Integer(v)) for v in atoms))
        steps.append(Step(StepKind.SUM, total, "summed over the union of the atoms (0 log 0 = 0)"))
        return Derivation(JENSEN_SHANNON, families, tuple(steps), assumptions)
    reparams = {**reparams_of(P), **reparams_of(Q)}
    same = sp_.subset_of(sq, reparams)[0] is True and sq.subset_of(sp_, reparams)[0] is True
    if not same:
        raise UnsupportedError(f"{P!r} vs {Q!r}: the Jensen-Shannon divergence of families whose supports differ is "
                               "derived only for finite supports")
    value: sp.Expr
    if isinstance(sp_, RealInterval):
        value = ExplicitIntegral(_integrand(P, Q, X), (X, sp_.lo, sp_.hi))
        note = "no closed form: log((p + q)/2) does not expand into basis functions; the integral stays explicit"
    elif isinstance(sp_, IntegerRange):
        k = index_symbol(set(P.free_symbols) | set(Q.free_symbols))
        value = ExplicitSum(_integrand(P, Q, k), (k, sp_.lo, sp_.hi))
        note = "no closed form: log((p + q)/2) does not expand into basis functions; the series stays explicit"
    else:
        raise UnsupportedError(f"{P!r} vs {Q!r}: the Jensen-Shannon divergence is derived on the real line and the "
                               "integers only")
    steps.append(Step(StepKind.UNEVALUATED, value, note))
    return Derivation(JENSEN_SHANNON, families, tuple(steps), assumptions, False)


register_cache(_jensen_shannon)


def js_divergence(P: Family, Q: Family) -> Derivation:
    """The Jensen-Shannon divergence JSD(P || Q) = KL(P || M)/2 + KL(Q || M)/2, M = (P + Q)/2.

    Exact over finite supports; otherwise the exact integral or series (``is_complete`` False).

    >>> import symdiv as sd
    >>> sd.js_divergence(sd.Bernoulli(0), sd.Bernoulli(1)).expr
    log(2)
    """
    return _exact_then_float(_jensen_shannon, *_require_pair(P, Q))


register(JENSEN_SHANNON, js_divergence)
