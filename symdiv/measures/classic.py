"""entropy, cross_entropy and kl_divergence: each derived from its own definition.

H(P, Q) = -E_P[log q(X)],  H(P) = -E_P[log p(X)],  KL(P || Q) = E_P[log p(X) - log q(X)].
None is computed from the other two; the decomposition is *checked* in verify.py.
Derivations are cached (bounded, thread-safe) by the families' parameter signatures.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy as sp

from ..budget import own_budget, shared_budget
from ..derivation import P_NAME as _P
from ..derivation import Derivation, Expectation, Step, StepKind
from ..divergence import explicit_parts_converge
from ..errors import InvalidParameterError, InvalidParameterTypeError, UnsupportedError
from ..expectation import expectation_steps
from ..family import Family, facts_of, reparams_of
from ..numeric import certain_decimal
from .base import Measure
from .registry import register

__all__ = ["entropy", "cross_entropy", "kl_divergence", "clear_caches", "Quantity", "ENTROPY", "CROSS_ENTROPY",
           "KL_DIVERGENCE"]

CACHE_SIZE = 1024

ENTROPY = Measure(
    "entropy", "entropy", 1, "H(${P})", "H(${P})", r"H(${P})", "H(P) = -E_P[log p(X)]", "entropy",
    aliases=("H",), values="[-oo, oo] (differential); [0, oo] (discrete)", nonnegative=False,
    help="H(P), the (differential) entropy")
CROSS_ENTROPY = Measure(
    "cross_entropy", "cross-entropy", 2, "H(${P}, ${Q})", "H(${P}, ${Q})", r"H(${P}, ${Q})",
    "H(P, Q) = -E_P[log q(X)]", "ce", aliases=("CE",), values="[-oo, oo]", help="cross-entropy H(P, Q)",
    nonnegative=False, code_prefix="cross_entropy")
KL_DIVERGENCE = Measure(
    "kl_divergence", "Kullback-Leibler divergence", 2, "KL(${P} || ${Q})", "KL(${P} \u2225 ${Q})",
    r"D_{\mathrm{KL}}(${P} \,\|\, ${Q})", "KL(P || Q) = E_P[log p(X) - log q(X)]", "kl",
    aliases=("KL", "D_KL"), help="KL(P || Q), the Kullback-Leibler divergence")


class Quantity:
    """The three classic measures by their old names (``Quantity.KL_DIVERGENCE``); every measure is
    in :mod:`symdiv.measures.registry`."""

    ENTROPY = ENTROPY
    CROSS_ENTROPY = CROSS_ENTROPY
    KL_DIVERGENCE = KL_DIVERGENCE


def _require_family(obj: object, role: str) -> Family:
    if not isinstance(obj, Family):
        raise InvalidParameterTypeError("symdiv", role, obj,
                                        "a distribution family such as symdiv.Normal('mu', 'sigma')",
                                        f"got {type(obj).__name__}")
    return obj


def _require_pair(P: object, Q: object) -> tuple[Family, Family]:
    """Both families, whose parameters of one name are one symbol: Bernoulli("p") against
    Bernoulli(Symbol("p")) has two different p's (other assumptions) that print alike, so every
    formula would be ambiguous (and lambdify refused the duplicate name with a SyntaxError)."""
    P, Q = _require_family(P, "P"), _require_family(Q, "Q")
    mine = {str(s): s for s in P.free_symbols}
    for s in sorted(Q.free_symbols, key=str):
        other = mine.get(str(s))
        if other is not None and other != s:
            raise InvalidParameterError(
                Q.name, str(s), s, "a name of P's parameter means that same parameter",
                f"P's {other} is another symbol of the same name, with other assumptions; use one symbol "
                "or different names")
    return P, Q


def _assumptions(*families: Family) -> tuple[sp.Basic, ...]:
    return tuple(dict.fromkeys(f for fam in families for f in facts_of(fam)))


def _common_variable(P: Family, Q: Family) -> sp.Basic:
    if P.variable != Q.variable:
        raise UnsupportedError(f"{P!r} and {Q!r} live on different sample spaces (a scalar and a vector)")
    return P.variable


#: a number parameter beyond this size makes the shown density unevaluated: Gamma(10^300, 3)'s
#: 3**(10**300) would otherwise be computed exactly (a hang outside any budget)
_HUGE_PARAMETER = 10**4


def _log_density_shown(P: Family, x: sp.Expr) -> sp.Expr:
    """log p(x), unevaluated, as the definition step shows it."""
    numbers = [a for v in P._values for item in (v if isinstance(v, tuple) else (v,))
               if isinstance(item, sp.Basic) for a in item.atoms(sp.Rational)]
    huge = any(abs(a.p) > _HUGE_PARAMETER * a.q or a.q > _HUGE_PARAMETER for a in numbers)
    with sp.evaluate(False) if huge else contextlib.nullcontext():
        return sp.log(P.density(x), evaluate=False)


def _derive(quantity: Measure, P: Family, Q: Family, integrand: tuple[sp.Expr, ...], definition: sp.Expr,
            note: str, sign: int) -> Derivation:
    families = (P,) if quantity is Quantity.ENTROPY else (P, Q)
    steps = [Step(StepKind.DEFINITION, definition, note)]
    if quantity is not Quantity.ENTROPY:
        P._check_pair(Q)
        Q._check_pair(P)
        reparams = {**reparams_of(P), **reparams_of(Q)}
        inside, reason, conditions = P.support().subset_of(Q.support(), reparams)
        if inside is None and not conditions:
            raise UnsupportedError(f"{P!r} vs {Q!r}: cannot decide whether supp P \u2286 supp Q ({reason})")
        if inside is False:
            why = f"Q gives zero probability (density) where P has mass, so {quantity.symbol} = +oo"
            steps.append(Step(StepKind.SUPPORT, sp.oo, f"{reason}: {why}"))
            return Derivation(quantity, families, tuple(steps), _assumptions(*families))
        if inside is None:
            stated = ", ".join(sp.sstr(c) for c in conditions)
            reason += f"; assuming {stated} (otherwise {quantity.symbol} = +oo)"
        steps.append(Step(StepKind.SUPPORT, definition, f"{reason}: the expectation is over supp P"))
    else:
        steps.append(Step(StepKind.SUPPORT, definition, f"supp P = {P.support().text()}"))
        conditions = []
    with shared_budget():  # the integrations of one derivation share one work budget
        divergent_is_infinite: bool | Callable[[], bool] = quantity is Quantity.KL_DIVERGENCE
        if quantity is Quantity.CROSS_ENTROPY:
            divergent_is_infinite = functools.partial(_finite_entropy, P)
        result = expectation_steps(P, integrand, sign, _P, divergent_is_infinite=divergent_is_infinite,
                                   families=families, stated=conditions)
    assumptions = _assumptions(*families) + tuple(conditions) + result.conditions
    finiteness = () if quantity is Quantity.ENTROPY else strongest((*conditions, *result.conditions))
    return Derivation(quantity, families, tuple(steps) + result.steps, strongest(assumptions),
                      result.complete, finiteness)


def _finite_entropy(P: Family) -> bool:
    """Whether H(P) is finite (a finite closed form, or an explicit one whose series provably
    converge and whose integrals, free of parameters, have values): then H(P, Q) = H(P) + KL(P || Q)
    is +oo with the KL."""
    with own_budget():
        h = _entropy(P)
    if h.is_complete:
        return h.expr.is_finite is True
    return h.expr not in (sp.oo, -sp.oo) and explicit_parts_converge(P, h.expr, sampled=False)


def strongest(conditions: tuple[sp.Basic, ...]) -> tuple[sp.Basic, ...]:
    """The conditions without repeats, and of several numeric bounds on one symbol only the tightest.

    >>> a = sp.Symbol("alpha", positive=True)
    >>> strongest((a > 1, a > 2, a >= 2, a < 5))
    (alpha > 2, alpha < 5)
    """
    def bound(c: sp.Basic) -> tuple[sp.Symbol, bool, sp.Expr, bool] | None:
        if not isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan)):
            return None
        c = c.canonical
        if not isinstance(c.lhs, sp.Symbol) or not c.rhs.is_number or not c.rhs.is_extended_real:
            return None
        strict = isinstance(c, (sp.StrictGreaterThan, sp.StrictLessThan))
        return c.lhs, isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan)), c.rhs, strict

    unique = tuple(dict.fromkeys(conditions))
    best: dict[tuple[sp.Symbol, bool], tuple[sp.Expr, bool, sp.Basic]] = {}
    for c in unique:
        b = bound(c)
        if b is None:
            continue
        sym, lower, value, strict = b
        old = best.get((sym, lower))
        tighter = old is None or bool(value > old[0] if lower else value < old[0]) or (value == old[0] and strict)
        if tighter:
            best[(sym, lower)] = (value, strict, c)
    keep = {entry[2] for entry in best.values()}
    return tuple(c for c in unique if bound(c) is None or c in keep)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _entropy(P: Family) -> Derivation:
    x = P.variable
    integrand = (P.log_density(x),)
    return _derive(Quantity.ENTROPY, P, P, integrand, -Expectation(_log_density_shown(P, x), _P),
                   "H(P) = -E_P[log p(X)]", -1)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cross_entropy(P: Family, Q: Family) -> Derivation:
    x = _common_variable(P, Q)
    integrand = (Q.log_density(x),)
    return _derive(Quantity.CROSS_ENTROPY, P, Q, integrand, -Expectation(_log_density_shown(Q, x), _P),
                   "H(P, Q) = -E_P[log q(X)]", -1)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _kl_divergence(P: Family, Q: Family) -> Derivation:
    x = _common_variable(P, Q)
    integrand = (P.log_density(x), -Q.log_density(x))
    definition = Expectation(_log_density_shown(P, x) - _log_density_shown(Q, x), _P)
    return _derive(Quantity.KL_DIVERGENCE, P, Q, integrand, definition,
                   "KL(P || Q) = E_P[log p(X) - log q(X)]", 1)


#: significant digits of the value returned for float parameters (a float carries about 15)
FLOAT_DIGITS = 15


def _exact_then_float(derive: Callable[..., Derivation], *families: Family) -> Derivation:
    """Derive with float parameters read as exact decimals, then evaluate the value to 15 digits.

    SymPy evaluates functions of floats as it builds them (log(0.3) becomes -1.20397...), so a
    derivation in floats adds and subtracts rounded numbers: KL(Poisson(1e5) || Poisson(100001.0))
    came out with 6 correct digits, a Binomial(10^6, 0.3) -> Poisson KL with 2. Exactly, the
    closed form is evaluated by ``evalf``, which raises its precision until the digits it returns
    are right. The step list keeps the exact derivation and ends with an EVALUATE step; the
    families shown are the user's.
    """
    try:
        return _exact_then_float_unguarded(derive, *families)
    except ValueError as exc:  # Python refuses to print integers beyond 4300 digits (an exact 5000!)
        if "integer string conversion" not in str(exc) and "digits" not in str(exc):
            raise
        names = ", ".join(repr(f) for f in families)
        raise UnsupportedError(f"{names}: the exact result holds an integer of more digits than Python prints "
                               f"(over 4300 digits): exact arithmetic at these parameter values is refused") from None


def _exact_then_float_unguarded(derive: Callable[..., Derivation], *families: Family) -> Derivation:
    exact = tuple(f.exact() for f in families)
    if all(e is f for e, f in zip(exact, families)):
        return derive(*families)
    d = derive(*exact)
    value = d.expr
    if not d.is_complete or value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return replace(d, families=families)
    numeric = certain_decimal(value, FLOAT_DIGITS)
    if numeric is None:  # no decimal whose digits are certain: the exact value is the answer
        return replace(d, families=families)
    note = ("parameters given as floats are the decimals they print as (e.g. 0.3 = 3/10); the exact "
            f"value evaluated to {FLOAT_DIGITS} significant digits")
    return replace(d, families=families, steps=(*d.steps, Step(StepKind.EVALUATE, numeric, note)))


def entropy(P: Family) -> Derivation:
    """The (differential) entropy H(P) = -E_P[log p(X)], derived step by step.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Normal("mu", "sigma")).expr
    log(2*E*pi*sigma**2)/2
    """
    return _exact_then_float(_entropy, _require_family(P, "P"))


def cross_entropy(P: Family, Q: Family) -> Derivation:
    """The cross-entropy H(P, Q) = -E_P[log q(X)], derived step by step.

    It is +oo (with a SUPPORT step saying why) when supp P is not inside supp Q.

    >>> import symdiv as sd
    >>> sd.cross_entropy(sd.Bernoulli("p"), sd.Bernoulli("q")).expr
    -p*log(q) + (p - 1)*log(1 - q)
    """
    return _exact_then_float(_cross_entropy, *_require_pair(P, Q))


def kl_divergence(P: Family, Q: Family) -> Derivation:
    """The Kullback-Leibler divergence KL(P || Q) = E_P[log p(X) - log q(X)], derived step by step.

    >>> import symdiv as sd
    >>> sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")).expr
    p*log(p/q) + (1 - p)*log((1 - p)/(1 - q))
    """
    return _exact_then_float(_kl_divergence, *_require_pair(P, Q))


register(ENTROPY, entropy)
register(CROSS_ENTROPY, cross_entropy)
register(KL_DIVERGENCE, kl_divergence)


def clear_caches() -> None:
    """Empty symdiv's caches of derivations and derived expectations (e.g. before a cold timing)."""
    from ..family import _derive_expectation

    for cached in (_entropy, _cross_entropy, _kl_divergence, _derive_expectation, facts_of, reparams_of, *_CACHES):
        cached.cache_clear()


#: the caches of the other measure modules (:func:`register_cache`), emptied by :func:`clear_caches`
_CACHES: list[Any] = []


def register_cache(cached: Any) -> None:
    """Have :func:`clear_caches` empty ``cached`` (an ``functools.lru_cache`` function) too."""
    _CACHES.append(cached)
