"""Generated numeric code: a derivation's closed form as a vectorized function or as source text.

One pipeline, four stages:

1. :func:`stable_form` rewrites ``derivation.expr`` with SymPy, pattern by pattern, into a form
   that is safe to evaluate in floating point: ``w*log(y)`` terms whose weight ``w`` vanishes on
   the boundary of the domain (a probability p, 1 - p, a summation index k, n - k) become
   ``xlogy(w, y)`` / ``xlog1py(w, z)`` (so 0 log 0 = 0 and Bernoulli KL at p = 0 is -log(1 - q)),
   logs of ratios stay ratios while powers are taken out of logs (``log(sigma**2)`` ->
   ``2*log(sigma)``), ``log(1 + z)`` -> ``log1p(z)``, ``exp(z) - 1`` -> ``expm1(z)``, logs of gamma
   and beta functions become ``loggamma``, products with gamma functions are evaluated as
   ``exp(sum of logs)``, and ``a**2/b**2`` becomes ``(a/b)**2``.
2. Sums are hoisted into statements (``sum_0 = ...``).
3. A SymPy printer (subclasses of ``NumPyPrinter``, ``PythonCodePrinter``, ``MpmathPrinter`` and
   ``C99CodePrinter``) prints them for one backend.
4. :func:`to_function` compiles the printed source into a callable; :func:`codegen` returns
   readable Python or C source with a provenance comment.

Import helpers with ``from symdiv.gencode import ...``; ``symdiv.codegen`` is the lazily importing wrapper (NumPy is
imported only when code is generated).
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import keyword
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import MpmathPrinter, PythonCodePrinter

from .derivation import Derivation, Expectation, Quantity
from .errors import UnsupportedError

if TYPE_CHECKING:
    from .family import Family

__all__ = [
    "BACKENDS",
    "LANGUAGES",
    "XLogY",
    "XLog1PY",
    "Quot",
    "OrInf",
    "LogGamma",
    "stable_form",
    "plain",
    "function_name",
    "parameter_names",
    "to_function",
    "codegen",
    "xlogy",
    "xlog1py",
    "digamma",
    "gammaln",
]

#: backends of :func:`to_function`
BACKENDS = ("numpy", "math", "mpmath", "torch", "jax")
#: languages of :func:`codegen`
LANGUAGES = ("python", "c")


# ====================================================================== SymPy nodes of the rewrite
class XLogY(sp.Function):
    """``x*log(y)``, and 0 where ``x = 0`` (the 0 log 0 = 0 convention of expectations).

    >>> p, q = sp.symbols("p q", positive=True)
    >>> plain(XLogY(p, q))
    p*log(q)
    """

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(y)


class XLog1PY(sp.Function):
    """``x*log(1 + y)``, and 0 where ``x = 0``."""

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: Any) -> sp.Expr:
        return x * sp.log(1 + y)


class LogGamma(sp.Function):
    """``log(Gamma(x))`` that never evaluates (SymPy's ``loggamma(n)`` becomes ``log(gamma(n))`` for
    integers ``n``, which would overflow again)."""

    nargs = 1

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.loggamma(x)


class OrInf(sp.Function):
    """``value`` where ``condition`` holds, +oo elsewhere: a derivation's closed form under its
    ``conditions`` (supports that nest, moments that exist), as the generated code evaluates it."""

    nargs = 2

    def _eval_rewrite_as_log(self, value: sp.Expr, condition: sp.Basic, **kwargs: Any) -> sp.Expr:
        return sp.Piecewise((value, condition), (sp.oo, True))


class Quot(sp.Function):
    """``a/b`` kept as one quotient, so that ``(a/b)**2`` is not expanded into ``a**2/b**2``."""

    nargs = 2

    def _eval_rewrite_as_log(self, a: sp.Expr, b: sp.Expr, **kwargs: Any) -> sp.Expr:
        return a / b


def plain(expr: sp.Expr) -> sp.Expr:
    """The rewritten expression with :class:`XLogY`, :class:`XLog1PY`, :class:`Quot`, ``log1p`` and
    ``expm1`` written out again (for checking that the rewrite is an identity).

    >>> x = sp.Symbol("x", positive=True)
    >>> plain(log1p(-x) + expm1(x))
    exp(x) + log(1 - x) - 1
    """
    expr = expr.replace(lambda e: isinstance(e, OrInf), lambda e: sp.Piecewise((e.args[0], e.args[1]), (sp.oo, True)))
    return expr.replace(
        lambda e: isinstance(e, (XLogY, XLog1PY, Quot, LogGamma, log1p, expm1)),
        lambda e: (e.args[0] * sp.log(e.args[1]) if isinstance(e, XLogY)
                   else sp.loggamma(e.args[0]) if isinstance(e, LogGamma)
                   else e.args[0] * sp.log(1 + e.args[1]) if isinstance(e, XLog1PY)
                   else e.args[0] / e.args[1] if isinstance(e, Quot)
                   else sp.log(1 + e.args[0]) if isinstance(e, log1p)
                   else sp.exp(e.args[0]) - 1),
    )


# ====================================================================== parameters
@dataclass(frozen=True)
class _Signature:
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


def _signature(d: Derivation, expr: sp.Expr) -> _Signature:
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
    return _Signature(tuple(symbols), counts, tuple(vectors))


def parameter_names(derivation: Derivation) -> tuple[str, ...]:
    """The argument names of the generated functions, in order: P's parameters, then Q's.

    >>> import symdiv as sd
    >>> parameter_names(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")))
    ('mu_1', 'sigma_1', 'mu_2', 'sigma_2')
    >>> parameter_names(sd.entropy(sd.Categorical.symbolic("p", "K")))
    ('p',)
    """
    return _signature(derivation, derivation.expr).names


def function_name(derivation: Derivation) -> str:
    """``kl_normal_normal``, ``entropy_bernoulli``, ``cross_entropy_gamma_weibull``, ...

    >>> import symdiv as sd
    >>> function_name(sd.entropy(sd.Bernoulli("p")))
    'entropy_bernoulli'
    """
    prefix = {Quantity.ENTROPY: "entropy", Quantity.CROSS_ENTROPY: "cross_entropy",
              Quantity.KL_DIVERGENCE: "kl"}[derivation.quantity]
    fams = derivation.families if derivation.quantity is not Quantity.ENTROPY else derivation.families[:1]
    parts = [re.sub(r"\W+", "_", f.name.lower()).strip("_") or "family" for f in fams]
    return "_".join([prefix, *parts])


# ====================================================================== the stable rewrite
_GAMMALIKE = (sp.gamma, sp.factorial, sp.binomial, sp.beta)


@dataclass(frozen=True)
class _Context:
    #: symbols with boundary values at which a weight may vanish (probabilities, summation indices)
    boundary: Mapping[sp.Basic, tuple[sp.Expr, ...]]
    #: IndexedBase objects of probability vectors (entries in [0, 1])
    simplex: frozenset[sp.IndexedBase]
    #: re-parametrisations that let SymPy see domain facts (p = 1/(1 + t))
    reparams: Mapping[sp.Basic, sp.Expr]
    #: w log(a/b) as one log of a ratio: array backends only (a scalar 0/0 raises in Python)
    ratios: bool = False

    def inside(self, limits: Sequence[tuple[sp.Expr, ...]]) -> _Context:
        boundary = dict(self.boundary)
        for k, lo, hi in limits:
            boundary[k] = tuple(v for v in (lo, hi) if v.is_finite is not False)
        return replace(self, boundary=boundary)


def _context(families: Sequence[Family]) -> _Context:
    from .domains import Simplex, UnitInterval

    boundary: dict[sp.Basic, tuple[sp.Expr, ...]] = {}
    simplex: set[sp.IndexedBase] = set()
    reparams: dict[sp.Basic, sp.Expr] = {}
    for fam in families:
        for s, dom in getattr(fam, "_symbol_domains", {}).items():
            if dom in (UnitInterval, Simplex):
                boundary[s] = (sp.Integer(0), sp.Integer(1))
        if getattr(fam, "indexed", False) and type(fam).parameters[0].domain == Simplex:
            simplex.add(fam.vector)  # type: ignore[attr-defined]
        try:
            reparams.update({k: v for k, v in fam.reparams().items() if isinstance(k, sp.Symbol)})
        except (AttributeError, NotImplementedError):  # pragma: no cover - user families without facts
            pass
    return _Context(boundary, frozenset(simplex), reparams)


def _positive(f: sp.Expr, ctx: _Context) -> bool:
    """True when f > 0 follows from the assumptions and the domain facts (unknown -> False)."""
    if f.is_positive:
        return True
    if isinstance(f, sp.exp):
        return bool(f.args[0].is_extended_real)
    if isinstance(f, (sp.gamma, sp.beta)):
        return all(_positive(a, ctx) for a in f.args)
    if isinstance(f, (sp.factorial, sp.binomial)):
        return True  # inside sums over the support: 0 <= k <= n
    if isinstance(f, sp.Pow):
        return _positive(f.base, ctx) and bool(f.exp.is_extended_real)
    if isinstance(f, sp.Mul):
        return all(_positive(a, ctx) for a in f.args)
    if ctx.reparams and f.free_symbols & set(ctx.reparams):
        return bool(f.xreplace(ctx.reparams).is_positive)
    return False


def _is_weight(f: sp.Expr, ctx: _Context) -> bool:
    """A factor that vanishes somewhere on the boundary: p, 1 - p, p[i], k, n - k."""
    if f.is_number:
        return False
    for s, values in ctx.boundary.items():
        if f.has(s) and any(f.xreplace({s: v}) == 0 for v in values):
            return True
    for base in ctx.simplex:
        if f.has(base):
            zero = f.replace(lambda a, b=base: isinstance(a, sp.Indexed) and a.base == b, lambda a: sp.Integer(0))
            if zero == 0:
                return True
    return False


def _find_weight(factors: list[sp.Expr], ctx: _Context) -> tuple[sp.Expr, sp.Expr] | None:
    """(weight, rest) with weight*rest == Mul(*factors), or None; 1 - p rather than p - 1."""
    found = _find_weight_signed(factors, ctx)
    if found is not None and found[0].is_Add and found[0].as_coeff_Add()[0].is_negative:
        return -found[0], -found[1]
    return found


def _find_weight_signed(factors: list[sp.Expr], ctx: _Context) -> tuple[sp.Expr, sp.Expr] | None:
    for j, f in enumerate(factors):
        others = factors[:j] + factors[j + 1:]
        if _is_weight(f, ctx):
            return f, sp.Mul(*others)
        if f.is_Add or (f.is_Pow and f.base.is_Add):
            g = sp.factor(sp.together(f))
            if g != f:
                for h in sp.Mul.make_args(g):
                    if h.is_Pow and h.exp.is_Integer and h.exp > 0:
                        h = h.base
                    if _is_weight(h, ctx):
                        return h, sp.Mul(*others) * g / h
    return None


def _shared_factor(factors: list[sp.Expr], y: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(w, rest) with w*rest == Mul(*factors) and w (up to sign) a factor of y: the pattern
    w*log(w*c), whose limit at w = 0 is 0 (a parameter on the edge of its domain, e.g. a = 0)."""
    inside = {b for b, e in _split(y)[1] if e.is_positive}
    if not inside:
        return None
    for j, f in enumerate(factors):
        others = sp.Mul(*(factors[:j] + factors[j + 1:]))
        whole = sp.factor(f) if f.is_Add else f
        for g in (f, *sp.Mul.make_args(whole)):
            if g.is_number:
                continue
            for sign in (1, -1):
                if sign * g in inside:
                    return sign * g, sp.Mul(others, whole if g is not f else f, sp.Pow(g, -1), sign)
    return None


def _split(y: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Expr, sp.Expr]]]:
    """y = c * prod b**e with c a number: (c, [(b, e), ...])."""
    c, parts = sp.Integer(1), []
    for f in sp.Mul.make_args(y):
        if f.is_number:
            c *= f
        else:
            parts.append(f.as_base_exp())
    return c, parts


def _log_special(f: sp.Expr) -> sp.Expr | None:
    """log of exp, gamma, factorial, binomial, beta (arguments assumed positive), else None."""
    if isinstance(f, sp.exp):
        return f.args[0]
    if isinstance(f, sp.gamma):
        return LogGamma(f.args[0])
    if isinstance(f, sp.factorial):
        return LogGamma(f.args[0] + 1)
    if isinstance(f, sp.binomial):
        n, k = f.args
        return LogGamma(n + 1) - LogGamma(k + 1) - LogGamma(n - k + 1)
    if isinstance(f, sp.beta):
        a, b = f.args
        return LogGamma(a) + LogGamma(b) - LogGamma(a + b)
    return None


def _one_plus(b: sp.Expr) -> sp.Expr | None:
    """z when b = 1 + z (an Add with constant term 1), else None."""
    if b.is_Add:
        c, z = b.as_coeff_Add()
        if c == 1 and z != 0:
            return z
    return None


def _log(y: sp.Expr, ctx: _Context) -> sp.Expr:
    """A stable form of log(y)."""
    if y.is_number:
        return sp.log(y)
    special = _log_special(y)
    if special is not None:
        return _stab(special, ctx)
    z = _one_plus(y)
    if z is not None:
        return log1p(_stab(z, ctx))
    if y.is_Pow and y.exp not in (1, -1) and _positive(y.base, ctx) and y.exp.is_extended_real:
        return _stab(y.exp, ctx) * _log(y.base, ctx)
    if y.is_Pow and y.exp == -1 and _positive(y.base, ctx):
        return -_log(y.base, ctx)
    if not y.is_Mul:
        return sp.log(_stab(y, ctx))
    c, parts = _split(y)
    if c.is_positive is not True or not all(_positive(sp.Pow(b, e), ctx) for b, e in parts):
        return sp.log(_stab(y, ctx))
    num: list[sp.Expr] = []
    den: list[sp.Expr] = []
    terms: list[sp.Expr] = []
    for b, e in parts:
        simple = _log_special(b) is None and _one_plus(b) is None and not b.is_Pow
        if simple and e == 1:
            num.append(b)
        elif simple and e == -1:
            den.append(b)
        else:
            terms.append(_log(sp.Pow(b, e), ctx))
    if len(num) <= 1 and len(den) <= 1:
        core = c * sp.Mul(*num) / sp.Mul(*den)
        if core != 1:
            terms.insert(0, sp.log(_stab(core, ctx)))
    else:
        if c != 1:
            terms.insert(0, sp.log(c))
        terms.extend(sp.log(_stab(b, ctx)) for b in num)
        terms.extend(-sp.log(_stab(b, ctx)) for b in den)
    return sp.Add(*terms)


def _wlog(w: sp.Expr, y: sp.Expr, ctx: _Context) -> sp.Expr:
    """A stable form of w*log(y) for a weight w that may vanish: 0 where w = 0."""
    ws = _stab(w, ctx)

    def whole() -> sp.Expr:
        z = _one_plus(y)
        return XLog1PY(ws, _stab(z, ctx)) if z is not None else XLogY(ws, _stab(y, ctx))

    if y.is_number:
        return ws * sp.log(y)
    c, parts = _split(y)
    if c.is_positive is not True or not all(_positive(b, ctx) for b, _ in parts):
        return whole()
    ratio = _ratio(c, parts, ws, ctx)
    if ratio is not None:
        return ratio
    terms = [ws * sp.log(c)] if c != 1 else []
    for b, e in parts:
        special = _log_special(b)
        z = _one_plus(b)
        if special is not None:
            terms.append(ws * _stab(e, ctx) * _stab(special, ctx))
        elif z is not None:
            terms.append(_stab(e, ctx) * XLog1PY(ws, _stab(z, ctx)))
        else:
            terms.append(_stab(e, ctx) * XLogY(ws, _stab(b, ctx)))
    return sp.Add(*terms)


def _ratio(c: sp.Expr, parts: list, ws: sp.Expr, ctx: _Context) -> sp.Expr | None:
    """w log(a/b) as one log of the ratio (accurate where a ~ b, where KL terms cancel, and one
    transcendental call instead of two): xlog1py(w, (a - b)/b) when a and b are 1 - p and 1 - q."""
    if not ctx.ratios or c != 1 or len(parts) != 2 or sorted(e for _, e in parts) != [-1, 1]:
        return None
    a = next(b for b, e in parts if e == 1)
    b = next(b for b, e in parts if e == -1)
    if _one_plus(a) is not None and _one_plus(b) is not None:
        return XLog1PY(ws, Quot(_stab(sp.expand(a - b), ctx), _stab(b, ctx)))
    if _log_special(a) is None and _log_special(b) is None:
        return XLogY(ws, Quot(_stab(a, ctx), _stab(b, ctx)))
    return None


def _stem(s: sp.Expr) -> str:
    return str(s).rsplit("_", 1)[0] if isinstance(s, sp.Symbol) else ""


def _neg_exp(e: sp.Expr) -> bool:
    return bool(e.is_negative) or (not e.is_number and e.could_extract_minus_sign())


def _balance(coeff: sp.Expr, factors: list[sp.Expr], ctx: _Context) -> sp.Expr:
    """Pair each denominator b**e with a numerator of the same power: a**e/b**e -> (a/b)**e,
    (a**2 + c**2)/b**2 -> (a/b)**2 + (c/b)**2, so that large parameters do not overflow."""
    factors = list(factors)
    dens = [j for j, f in enumerate(factors)
            if f.is_Pow and _neg_exp(f.exp) and isinstance(f.base, (sp.Symbol, sp.Indexed)) and _positive(f.base, ctx)]
    for j in dens:
        b, e = factors[j].base, -factors[j].exp
        best: tuple[int, int, sp.Expr] | None = None
        for i, f in enumerate(factors):
            if i == j or i in dens or f == 1:
                continue
            fb, fe = f.as_base_exp()
            new = None
            if fe == e and isinstance(fb, (sp.Symbol, sp.Indexed)) and (e.is_Integer or _positive(fb, ctx)):
                new = sp.Pow(Quot(fb, b), e) if e != 1 else Quot(fb, b)
                score = 2 if _stem(fb) == _stem(b) else 1
            elif f.is_Add and e.is_Integer and e > 0:
                terms = []
                for t in f.args:
                    tc, tr = t.as_coeff_Mul()
                    tb, te = tr.as_base_exp()
                    if e == 1:
                        terms.append(tc * Quot(tr, b))
                    elif te == e and not tb.is_number:
                        terms.append(tc * sp.Pow(Quot(tb, b), e))
                    else:
                        break
                else:
                    new, score = sp.Add(*terms), 0
            if new is not None and (best is None or score > best[0]):
                best = (score, i, new)
        if best is not None:
            _, i, new = best
            factors[i], factors[j] = new, sp.Integer(1)
    return coeff * sp.Mul(*factors)


def _explog(coeff: sp.Expr, factors: list[sp.Expr], ctx: _Context) -> sp.Expr | None:
    """Products with gamma functions (or several symbolic powers and exponentials) evaluated as
    exp(sum of logs): Gamma(201) overflows, exp(loggamma(201) - 300) does not."""

    def gammalike(f: sp.Expr) -> bool:
        return isinstance(f, _GAMMALIKE) or (f.is_Pow and isinstance(f.base, _GAMMALIKE) and f.exp.is_Integer)

    def growing(f: sp.Expr) -> bool:
        return isinstance(f, sp.exp) or (f.is_Pow and not f.exp.is_number)

    special = [f for f in factors if gammalike(f)]
    if not special and sum(growing(f) for f in factors) < 2:
        return None
    pos = [f for f in factors if not f.is_number and not f.has(sp.log) and _positive(f, ctx)]
    if not all(f in pos for f in special) or len(pos) < 2 and not special:
        return None
    rest = [f for f in factors if f not in pos]
    groups: dict[sp.Expr, tuple[list[sp.Expr], list[sp.Expr]]] = {}
    logs: list[sp.Expr] = []
    for f in pos:
        b, e = f.as_base_exp()
        s = _log_special(b)
        if s is not None:
            logs.append(e * s)
            continue
        sign = _neg_exp(e)
        key = -e if sign else e
        num, den = groups.setdefault(key, ([], []))
        (den if sign else num).append(b)
    for e, (num, den) in groups.items():
        logs.append(e * sp.log(sp.Mul(*num) / sp.Mul(*den)))
    exponent = _stab(sp.Add(*logs), ctx)
    return coeff * sp.exp(exponent) * _stab(sp.Mul(*rest), ctx)


def _stab_mul(e: sp.Mul, ctx: _Context) -> sp.Expr:
    coeff, factors = sp.Integer(1), []
    for f in e.args:
        if f.is_number:
            coeff *= f
        else:
            factors.append(f)
    logs = [f for f in factors if isinstance(f, sp.log)]
    others = [f for f in factors if not isinstance(f, sp.log)]
    if len(logs) == 1 and not any(f.has(sp.log) for f in others):
        (lg,) = logs
        y = lg.args[0]
        found = _find_weight(others, ctx)
        if found is not None:
            w, rest = found
            return coeff * _stab(rest, ctx) * _wlog(w, y, ctx)
        shared = _shared_factor(others, y)
        if shared is not None:  # x*log(x/c): x log x -> 0 as x -> 0; the ratio is kept
            w, rest = shared
            z = _one_plus(y)
            term = XLog1PY(_stab(w, ctx), _stab(z, ctx)) if z is not None else XLogY(_stab(w, ctx), _stab(y, ctx))
            return coeff * _stab(rest, ctx) * term
        return _stab(coeff * sp.Mul(*others), ctx) * _log(y, ctx)
    sums = [f for f in factors if f.is_Add and f.has(sp.log)]
    if sums:
        outer = [f for f in factors if f is not sums[0]]
        if _find_weight(outer, ctx) is not None:  # w*(log a - log b): distribute the weight
            return _stab(sp.Add(*(coeff * sp.Mul(*outer) * t for t in sums[0].args)), ctx)
    done = _explog(coeff, factors, ctx)
    if done is not None:
        return done
    return _balance(coeff, [_stab(f, ctx) for f in factors], ctx)


def _stab_add(e: sp.Add, ctx: _Context) -> sp.Expr:
    args = [_stab(a, ctx) for a in e.args]
    # exp(z) - 1 -> expm1(z); 1 - erf(z) -> erfc(z)
    if sp.Integer(-1) in args:
        for j, a in enumerate(args):
            if isinstance(a, sp.exp):
                args = [x for k, x in enumerate(args) if k != j and x != -1] + [expm1(a.args[0])]
                break
    if sp.Integer(1) in args:
        for j, a in enumerate(args):
            if a.is_Mul and a.args[0] == -1 and len(a.args) == 2 and isinstance(a.args[1], sp.erf):
                args = [x for k, x in enumerate(args) if k != j and x != 1] + [sp.erfc(a.args[1].args[0])]
                break
    return sp.Add(*args)


def _stab(e: sp.Expr, ctx: _Context) -> sp.Expr:
    if e.is_Atom or isinstance(e, (sp.Indexed, sp.IndexedBase)):
        return e
    if isinstance(e, sp.Sum):
        return e.func(_stab(e.function, ctx.inside(e.limits)), *e.limits)
    if e.is_Add:
        return _stab_add(e, ctx)
    if e.is_Mul:
        return _stab_mul(e, ctx)
    if isinstance(e, sp.log):
        return _log(e.args[0], ctx)
    if e.is_Pow:
        return sp.Pow(_stab(e.base, ctx), _stab(e.exp, ctx))
    if isinstance(e, sp.loggamma):
        return LogGamma(_stab(e.args[0], ctx))
    if isinstance(e, sp.beta):  # a bare beta function: Gamma(a)Gamma(b)/Gamma(a+b) via logs
        return sp.exp(_stab(_log_special(e), ctx)) if _positive(e, ctx) else e
    if e.args:
        args = [_stab(a, ctx) if isinstance(a, sp.Expr) else a for a in e.args]
        try:
            return e.func(*args, evaluate=False) if isinstance(e, sp.Function) else e.func(*args)
        except (TypeError, ValueError):  # pragma: no cover - nodes that cannot be rebuilt this way
            return e
    return e  # pragma: no cover


def stable_form(derivation: Derivation | sp.Expr, families: Sequence[Family] = (), *, ratios: bool = False) -> sp.Expr:
    """The closed form rewritten for floating point (see the module docstring).

    The result uses :class:`XLogY`, :class:`XLog1PY`, :class:`Quot`, ``log1p``, ``expm1``,
    ``loggamma``; :func:`plain` turns it back into an expression equal to the original.

    >>> import symdiv as sd
    >>> stable_form(sd.entropy(sd.Bernoulli("p")))
    -XLog1PY(1 - p, -p) - XLogY(p, p)
    >>> stable_form(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")))
    XLog1PY(1 - p, -p) - XLog1PY(1 - p, -q) + XLogY(p, p) - XLogY(p, q)
    >>> stable_form(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")))
    log(Quot(sigma_2, sigma_1)) + Quot(sigma_1, sigma_2)**2/2 + Quot(mu_1 - mu_2, sigma_2)**2/2 - 1/2
    """
    if isinstance(derivation, Derivation):
        expr, families = derivation.expr, derivation.families
    else:
        expr = sp.sympify(derivation)
    if expr.has(sp.oo, -sp.oo, sp.zoo) and expr.is_infinite:
        return expr
    return _stab(expr, replace(_context(families), ratios=ratios))


# ====================================================================== checks
_ALLOWED = (sp.log, sp.exp, log1p, expm1, sp.Abs, sp.loggamma, LogGamma, sp.gamma, sp.polygamma, sp.erf, sp.erfc,
            XLogY, XLog1PY, Quot, sp.Min, sp.Max, sp.Piecewise, sp.sign)


def _check(d: Derivation, expr: sp.Expr, backend: str) -> None:
    what = f"{d.quantity.symbol} for {', '.join(map(repr, d.families))}"
    if expr.atoms(Expectation):
        raise UnsupportedError(f"{what} is incomplete: it contains an unevaluated expectation; "
                               "there is no closed form to generate code from")
    if expr.has(sp.Integral):
        raise UnsupportedError(f"{what} is incomplete: it contains an unevaluated integral; "
                               "there is no closed form to generate code from")
    if expr.has(sp.MatrixExpr) or any(getattr(s, "is_Matrix", False) for s in expr.free_symbols):
        raise UnsupportedError(f"{what}: matrix-valued expressions are not supported by code generation")
    for s in expr.atoms(sp.Sum):
        if any(lim[2].is_finite is False or lim[1].is_finite is False for lim in s.limits) and backend != "mpmath":
            raise UnsupportedError(
                f"{what} is incomplete: it contains the infinite series {sp.sstr(plain(s))} (no closed form); "
                f"backend {backend!r} cannot evaluate it; use to_function(backend='mpmath'), which sums it "
                "from its largest terms outward (symdiv.explicit.sum_series)")
    for f in expr.atoms(sp.Function):
        if isinstance(f, sp.polygamma) and f.args[0] != 0:
            raise UnsupportedError(f"{what}: polygamma of order {f.args[0]} is not supported by code generation")
        if not isinstance(f, _ALLOWED):
            raise UnsupportedError(f"{what}: the function {type(f).__name__} is not supported by code generation")
        if backend == "torch" and isinstance(f, (sp.Piecewise, sp.Min, sp.Max)):
            raise UnsupportedError(f"{what}: {type(f).__name__} is not supported by the torch backend")


def _conditions(d: Derivation) -> tuple[sp.Basic, ...] | None:
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


def _conditions_note(d: Derivation) -> str:
    conds = _conditions(d) or ()
    return (f"the closed form holds where {' and '.join(sp.sstr(c) for c in conds)}; "
            f"elsewhere {d.quantity.symbol} = +oo and the function returns inf")


def _under_conditions(d: Derivation, expr: sp.Expr) -> sp.Expr:
    """``expr`` where the derivation's conditions hold, +oo elsewhere; ``expr`` unchanged (and the
    generated code as fast as before) when there are none."""
    conds = _conditions(d)
    if conds is None:
        return sp.oo
    if not conds:
        return expr
    what = f"{d.quantity.symbol} for {', '.join(map(repr, d.families))}"
    for c in conds:
        if not isinstance(c, (sp.Rel, sp.And, sp.Or, sp.Not)) or c.has(sp.Sum, sp.Integral, Expectation) \
                or any(not isinstance(f, _ALLOWED) for f in c.atoms(sp.Function)):
            raise UnsupportedError(f"{what}: its condition {sp.sstr(c)} is not supported by code generation")
    return OrInf(expr, sp.And(*conds))


def _is_class_sum(s: sp.Sum, sig: _Signature) -> bool:
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


def _hoist(expr: sp.Expr, taken: set[str]) -> tuple[list[tuple[sp.Symbol, sp.Sum]], sp.Expr]:
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


# ====================================================================== printers
def _literal(c: sp.Expr) -> str:
    return repr(float(sp.N(c, 20)))


class _Mixin:
    """Shared printing: function names come from ``names``, symbols from ``symbol_names``."""

    names: ClassVar[dict[str, str]] = {}
    symbol_names: dict[sp.Basic, str]
    sig: _Signature

    def _arg(self, a: sp.Expr) -> str:
        """A function argument: a quotient needs no parentheses of its own there."""
        text = self._print(a)  # type: ignore[attr-defined]
        return text[1:-1] if isinstance(a, Quot) else text

    def _fn(self, key: str, *args: sp.Expr) -> str:
        return f"{self.names[key]}({', '.join(self._arg(a) for a in args)})"

    def _print_XLogY(self, e: sp.Expr) -> str:
        return self._fn("xlogy", *e.args)

    def _print_XLog1PY(self, e: sp.Expr) -> str:
        return self._fn("xlog1py", *e.args)

    def _print_Quot(self, e: sp.Expr) -> str:
        a, b = e.args
        num = self.parenthesize(a, PRECEDENCE["Mul"])  # type: ignore[attr-defined]
        den = self.parenthesize(b, PRECEDENCE["Mul"], strict=True)  # type: ignore[attr-defined]
        return f"({num}/{den})"

    def _print_log(self, e: sp.Expr) -> str:
        return self._fn("log", *e.args)

    def _print_log1p(self, e: sp.Expr) -> str:
        return self._fn("log1p", *e.args)

    def _print_exp(self, e: sp.Expr) -> str:
        return self._fn("exp", *e.args)

    def _print_expm1(self, e: sp.Expr) -> str:
        return self._fn("expm1", *e.args)

    def _print_loggamma(self, e: sp.Expr) -> str:
        return self._fn("lgamma", *e.args)

    _print_LogGamma = _print_loggamma

    def _print_gamma(self, e: sp.Expr) -> str:
        return self._fn("gamma", *e.args)

    def _print_polygamma(self, e: sp.Expr) -> str:
        return self._fn("digamma", e.args[1])

    def _print_erf(self, e: sp.Expr) -> str:
        return self._fn("erf", *e.args)

    def _print_erfc(self, e: sp.Expr) -> str:
        return self._fn("erfc", *e.args)

    def _print_Symbol(self, e: sp.Symbol) -> str:
        return self.symbol_names.get(e) or super()._print_Symbol(e)  # type: ignore[misc]

    def _print_IndexedBase(self, e: sp.IndexedBase) -> str:
        return self.symbol_names.get(e, str(e.label))

    def _print_Float(self, e: sp.Float) -> str:
        return repr(float(e))

    def _print_NumberSymbol(self, e: sp.Expr) -> str:
        return _literal(e)


class _ArrayPrinter(_Mixin, NumPyPrinter):
    """numpy (and torch / jax): class arrays have the classes on the last axis."""

    sum_call: ClassVar[str] = "numpy.sum({}, axis=-1, keepdims=True)"
    range_sum: ClassVar[str | None] = "range_sum"
    inf: ClassVar[str] = "numpy.inf"

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return self._print(e.base)

    def _minmax(self, e: sp.Expr, op: str) -> str:
        args = [self._print(a) for a in e.args]
        text = args[-1]
        for a in reversed(args[:-1]):
            text = f"{self._module}.{op}({a}, {text})"
        return text

    def _print_Min(self, e: sp.Expr) -> str:
        return self._minmax(e, "minimum")

    def _print_Max(self, e: sp.Expr) -> str:
        return self._minmax(e, "maximum")

    def _print_Relational(self, e: sp.Expr) -> str:  # infix: numpy, torch and jax arrays all compare so
        lhs = self.parenthesize(e.lhs, PRECEDENCE["Relational"])
        rhs = self.parenthesize(e.rhs, PRECEDENCE["Relational"])
        return f"({lhs} {e.rel_op} {rhs})"

    def _print_And(self, e: sp.Expr) -> str:
        return "(" + " & ".join(self._print(a) for a in e.args) + ")"

    def _print_Or(self, e: sp.Expr) -> str:
        return "(" + " | ".join(self._print(a) for a in e.args) + ")"

    def _print_Not(self, e: sp.Expr) -> str:
        return f"(~{self._print(e.args[0])})"

    def _print_OrInf(self, e: sp.Expr) -> str:
        value, cond = e.args
        return f"{self._module}.where({self._print(cond)}, {self._arg(value)}, {self.inf})"

    def _print_Sum(self, e: sp.Sum) -> str:
        if _is_class_sum(e, self.sig):
            return self.sum_call.format(self._print(e.function))
        (k, lo, hi), = e.limits if len(e.limits) == 1 else ((None, None, None),)
        if k is None or self.range_sum is None:
            raise UnsupportedError(f"the sum {sp.sstr(e)} is not supported by this backend")
        return f"{self.range_sum}(lambda {self._print(k)}: {self._print(e.function)}, {self._print(lo)}, " \
               f"{self._print(hi)})"


class _NumpyPrinter(_ArrayPrinter):
    names: ClassVar[dict[str, str]] = {
        "log": "numpy.log", "log1p": "numpy.log1p", "exp": "numpy.exp", "expm1": "numpy.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "gammaln", "gamma": "gamma", "digamma": "digamma",
        "erf": "erf", "erfc": "erfc",
    }

    def _print_Pi(self, e: sp.Expr) -> str:
        return "numpy.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "numpy.e"


class _TorchPrinter(_ArrayPrinter):
    _module = "torch"
    inf = "float('inf')"
    sum_call = "torch.sum({}, dim=-1, keepdim=True)"
    range_sum = None
    names: ClassVar[dict[str, str]] = {
        "log": "torch.log", "log1p": "torch.log1p", "exp": "torch.exp", "expm1": "torch.expm1",
        "xlogy": "torch.xlogy", "xlog1py": "torch.special.xlog1py", "lgamma": "torch.lgamma",
        "gamma": "gamma", "digamma": "torch.special.digamma", "erf": "torch.special.erf",
        "erfc": "torch.special.erfc",
    }

    def _print_Abs(self, e: sp.Expr) -> str:
        return f"torch.abs({self._print(e.args[0])})"

    def _print_sign(self, e: sp.Expr) -> str:
        return f"torch.sign({self._print(e.args[0])})"


class _JaxPrinter(_ArrayPrinter):
    _module = "jnp"
    inf = "jnp.inf"
    sum_call = "jnp.sum({}, axis=-1, keepdims=True)"
    range_sum = None
    names: ClassVar[dict[str, str]] = {
        "log": "jnp.log", "log1p": "jnp.log1p", "exp": "jnp.exp", "expm1": "jnp.expm1",
        "xlogy": "jss.xlogy", "xlog1py": "jss.xlog1py", "lgamma": "jss.gammaln", "gamma": "jss.gamma",
        "digamma": "jss.digamma", "erf": "jss.erf", "erfc": "jss.erfc",
    }


class _PythonPrinter(_Mixin, PythonCodePrinter):
    """math: scalars; class arrays are sequences, their sums math.fsum over range(K)."""

    fsum: ClassVar[str] = "math.fsum"
    names: ClassVar[dict[str, str]] = {
        "log": "math.log", "log1p": "math.log1p", "exp": "math.exp", "expm1": "math.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "math.lgamma", "gamma": "math.gamma",
        "digamma": "digamma", "erf": "math.erf", "erfc": "math.erfc",
    }

    def _print_Pi(self, e: sp.Expr) -> str:
        return "math.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "math.e"

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{self._print(e.base)}[{', '.join(self._print(i) for i in e.indices)}]"

    def _print_OrInf(self, e: sp.Expr) -> str:  # the value is computed only where the conditions hold
        value, cond = e.args
        return f"({self._print(value)} if {self._print(cond)} else {self.inf})"

    inf: ClassVar[str] = "math.inf"

    def _range(self, lo: sp.Expr, hi: sp.Expr) -> str:
        stop = self._print(hi + 1) if (hi + 1).free_symbols <= set(self.sig.counts) else f"int({self._print(hi)}) + 1"
        start = self._print(lo) if lo.is_Integer else f"int({self._print(lo)})"
        return f"range({start}, {stop})"

    def _print_Sum(self, e: sp.Sum) -> str:
        body = self._print(e.function)
        loops = " ".join(f"for {self._print(k)} in {self._range(lo, hi)}" for k, lo, hi in reversed(e.limits))
        return f"{self.fsum}({body} {loops})"


class _MpmathPrinter(_Mixin, MpmathPrinter):
    names: ClassVar[dict[str, str]] = {
        "log": "mpmath.log", "log1p": "mpmath.log1p", "exp": "mpmath.exp", "expm1": "mpmath.expm1",
        "xlogy": "xlogy", "xlog1py": "xlog1py", "lgamma": "mpmath.loggamma", "gamma": "mpmath.gamma",
        "digamma": "mpmath.digamma", "erf": "mpmath.erf", "erfc": "mpmath.erfc",
    }
    _print_Indexed = _PythonPrinter._print_Indexed
    _print_OrInf = _PythonPrinter._print_OrInf
    inf = "mpmath.inf"
    _range = _PythonPrinter._range

    def _print_Float(self, e: sp.Float) -> str:
        return MpmathPrinter._print_Float(self, e)

    def _print_NumberSymbol(self, e: sp.Expr) -> str:
        return f"mpmath.mpf({str(sp.N(e, 40))!r})"

    def _print_Pi(self, e: sp.Expr) -> str:
        return "mpmath.pi"

    def _print_Exp1(self, e: sp.Expr) -> str:
        return "mpmath.e"

    def _print_EulerGamma(self, e: sp.Expr) -> str:
        return "mpmath.euler"

    def _print_Sum(self, e: sp.Sum) -> str:
        if len(e.limits) == 1 and e.limits[0][2].is_finite is False:
            k, lo, _ = e.limits[0]
            return (f"symdiv_series(lambda {self._print(k)}: {self._print(e.function)}, int({self._print(lo)}), "
                    "mpmath.inf, mpmath.mp.dps)")
        body = self._print(e.function)
        loops = " ".join(f"for {self._print(k)} in {self._range(lo, hi)}" for k, lo, hi in reversed(e.limits))
        return f"mpmath.fsum({body} {loops})"


class _CPrinter(_Mixin, C99CodePrinter):
    names: ClassVar[dict[str, str]] = {
        "log": "log", "log1p": "log1p", "exp": "exp", "expm1": "expm1", "xlogy": "symdiv_xlogy",
        "xlog1py": "symdiv_xlog1py", "lgamma": "lgamma", "gamma": "tgamma", "digamma": "symdiv_digamma",
        "erf": "erf", "erfc": "erfc",
    }

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{self._print(e.base)}[{self._print(e.indices[0])}]"

    def _print_OrInf(self, e: sp.Expr) -> str:
        value, cond = e.args
        return f"(({self._print(cond)}) ? {self._print(value)} : INFINITY)"

    def _print_Pi(self, e: sp.Expr) -> str:
        return _literal(e)

    _print_Exp1 = _print_Pi
    _print_EulerGamma = _print_Pi
    _print_Catalan = _print_Pi
    _print_GoldenRatio = _print_Pi

    def _print_Float(self, e: sp.Float) -> str:
        return repr(float(e))

    def _print_Sum(self, e: sp.Sum) -> str:
        raise UnsupportedError(f"C: the sum {sp.sstr(e)} depends on an outer summation index")


# ====================================================================== helpers (numpy, math, mpmath, C)
def _as_float(x: Any) -> np.ndarray:
    a = np.asarray(x)
    return a.astype(np.float64) if a.dtype.kind in "biu" or a.dtype == object else a


def xlogy(x: Any, y: Any) -> np.ndarray:
    """``x*log(y)`` elementwise, 0 where ``x == 0`` (unless y is nan); numpy only.

    >>> float(xlogy(0.0, 0.0)), float(xlogy(2.0, np.e))
    (0.0, 2.0)
    """
    x, y = _as_float(x), _as_float(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log(y)
    return _zero_where_x_is_zero(r, x, y)


def xlog1py(x: Any, y: Any) -> np.ndarray:
    """``x*log1p(y)`` elementwise, 0 where ``x == 0`` (unless y is nan); numpy only.

    >>> float(xlog1py(0.0, -1.0)), bool(xlog1py(1.0, -0.5) == np.log(0.5))
    (0.0, True)
    """
    x, y = _as_float(x), _as_float(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log1p(y)
    return _zero_where_x_is_zero(r, x, y)


def _zero_where_x_is_zero(r: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The 0 log 0 = 0 fix-up, paid only where x == 0 occurs (NumPy's log is several times faster
    than scipy.special.xlogy, so this is what the generated code calls). A zero weight gives 0 even
    where y is nan: in a ratio p/q, p = q = 0 is a term of zero mass."""
    zero = x == 0
    if not np.any(zero):
        return r
    fix = zero
    r = np.array(r, copy=True) if np.ndim(r) else r
    if np.ndim(r) == 0:
        return np.zeros_like(r) if bool(np.broadcast_to(fix, ()).item()) else r
    np.copyto(r, 0, where=np.broadcast_to(fix, r.shape))
    return r


_SHIFT = 10.0  # recurrence up to x >= 10, then the asymptotic series (truncation error < 1e-16)


def digamma(x: Any) -> np.ndarray:
    """The digamma function psi(x) = d/dx log Gamma(x), vectorized with numpy (used when scipy is
    missing): recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series;
    reflection for x < 0. Relative error below 1e-13 (absolute near the root x = 1.4616...).
    Poles (x = 0, -1, ...) give -inf at 0 and nan below, as scipy.special.digamma.

    >>> abs(float(digamma(1.0)) + 0.5772156649015329) < 1e-15    # psi(1) = -EulerGamma
    True
    """
    x = _as_float(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reflect = x < 0
        r = np.where(reflect, x - np.round(x), 0.5)  # tan(pi x) = tan(pi r), r exact: no loss near poles
        acc = np.where(reflect, -np.pi / np.tan(np.pi * r), np.zeros_like(x))
        y = np.where(reflect, 1 - x, x)
        for _ in range(int(_SHIFT)):
            small = y < _SHIFT
            acc = acc - np.where(small, 1 / np.where(small, y, 1), 0)
            y = np.where(small, y + 1, y)
        f = 1 / (y * y)
        series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760
                                                                                              - f / 12))))))
        out = acc + np.log(y) - 0.5 / y - series
        pole = (x <= 0) & (x == np.floor(x))
        out = np.where(pole, np.where(x == 0, -np.inf, np.nan), out)
    return out.astype(x.dtype) if x.dtype.kind == "f" else out


def gammaln(x: Any) -> np.ndarray:
    """log|Gamma(x)|, vectorized with numpy (used when scipy is missing): recurrence up to x >= 10
    (one log of the product), then Stirling's series; reflection for x < 0. Relative error below
    1e-13 (absolute near the zeros x = 1, 2). Poles give inf, as scipy.special.gammaln.

    >>> round(float(gammaln(10.0)), 10) == round(math.lgamma(10.0), 10)
    True
    """
    x = _as_float(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reflect = x < 0
        y = np.where(reflect, 1 - x, x)
        prod = np.ones_like(y)
        for _ in range(int(_SHIFT)):
            small = y < _SHIFT
            prod = np.where(small, prod * y, prod)
            y = np.where(small, y + 1, y)
        s = 1 / y
        f = s * s
        series = s * (1 / 12 - f * (1 / 360 - f * (1 / 1260 - f * (1 / 1680 - f * (1 / 1188 - f * (691 / 360360
                                                                                                - f / 156))))))
        out = (y - 0.5) * np.log(y) - y + 0.5 * math.log(2 * math.pi) + series - np.log(prod)
        r = np.where(reflect, x - np.round(x), 0.5)  # |sin(pi x)| = |sin(pi r)|, r exact
        reflected = np.log(np.pi / np.abs(np.sin(np.pi * r))) - out
        out = np.where(reflect, reflected, out)
        pole = (x <= 0) & (x == np.floor(x))
        out = np.where(pole, np.inf, out)
    return out


def _gamma(x: Any) -> np.ndarray:
    """Gamma(x) for numpy without scipy: exp(gammaln(x)) with the sign of Gamma for x < 0."""
    x = _as_float(x)
    with np.errstate(all="ignore"):
        sign = np.where((x < 0) & (np.floor(x) % 2 == 1), -1.0, 1.0)
        return (sign * np.exp(gammaln(x))).astype(x.dtype)


def _vectorized(f: Callable[[float], float]) -> Callable[[Any], np.ndarray]:
    vf = np.vectorize(f, otypes=[np.float64])

    def g(x: Any) -> np.ndarray:
        a = _as_float(x)
        return vf(a).astype(a.dtype)

    return g


def range_sum(term: Callable[[Any], Any], lo: Any, hi: Any) -> Any:
    """sum_{k=lo}^{hi} term(k) elementwise, where lo and hi are (arrays of) integers; numpy only.

    >>> range_sum(lambda k: k, 0, np.array([2, 3]))
    array([3., 6.])
    """
    lo, hi = np.asarray(lo), np.asarray(hi)
    total: Any = 0
    if lo.size == 0 or hi.size == 0:
        return np.zeros(np.broadcast_shapes(lo.shape, hi.shape))
    kind = hi.dtype if hi.dtype.kind == "f" else np.dtype(np.float64)
    for k in range(int(np.min(lo)), int(np.max(hi)) + 1):
        total = total + np.where((lo <= k) & (k <= hi), term(kind.type(k)), 0)
    return total


#: Python helper definitions emitted into generated source when used (math backend and codegen)
_PY_HELPERS = {
    "xlogy": '''
def xlogy(x, y):
    """x*log(y), and 0 where x == 0 (0*log(0) = 0); x*(-inf) where y == 0."""
    if x == 0:
        return 0.0
    return x * -math.inf if y == 0 else x * math.log(y)
''',
    "xlog1py": '''
def xlog1py(x, y):
    """x*log(1 + y), and 0 where x == 0; x*(-inf) where y == -1."""
    if x == 0:
        return 0.0
    return x * -math.inf if y == -1 else x * math.log1p(y)
''',
    "digamma": '''
def digamma(x):
    """psi(x): recurrence up to x >= 10, then the asymptotic series; reflection for x < 0."""
    if x <= 0 and x == math.floor(x):
        return -math.inf if x == 0 else math.nan
    result = 0.0
    if x < 0:
        result -= math.pi / math.tan(math.pi * (x - round(x)))
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))))
    return result + math.log(x) - 0.5 / x - series
''',
}

_MP_HELPERS = {
    "xlogy": "def xlogy(x, y):\n    return mpmath.mpf(0) if x == 0 else x * mpmath.log(y)\n",
    "xlog1py": "def xlog1py(x, y):\n    return mpmath.mpf(0) if x == 0 else x * mpmath.log1p(y)\n",
}

_C_HELPERS = {
    "symdiv_xlogy": """
/* x*log(y), and 0 where x == 0 (0*log(0) = 0) */
static double symdiv_xlogy(double x, double y)
{
    return x == 0.0 ? 0.0 : x * log(y);
}
""",
    "symdiv_xlog1py": """
/* x*log(1 + y), and 0 where x == 0 */
static double symdiv_xlog1py(double x, double y)
{
    return x == 0.0 ? 0.0 : x * log1p(y);
}
""",
    "symdiv_digamma": """
/* psi(x): recurrence up to x >= 10, then the asymptotic series; reflection for x < 0 */
static double symdiv_digamma(double x)
{
    double result = 0.0, f, series;
    if (x <= 0.0 && x == floor(x))
        return x == 0.0 ? -INFINITY : NAN;
    if (x < 0.0) {
        result -= 3.141592653589793 / tan(3.141592653589793 * (x - round(x)));
        x = 1.0 - x;
    }
    while (x < 10.0) {
        result -= 1.0 / x;
        x += 1.0;
    }
    f = 1.0 / (x * x);
    series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132
             - f * (691.0 / 32760 - f / 12))))));
    return result + log(x) - 0.5 / x - series;
}
""",
}

_math_namespace: dict[str, Any] = {"math": math}
for _src in _PY_HELPERS.values():
    exec(_src, _math_namespace)  # our own fixed helper source, shared with the generated text


# ====================================================================== building source
_RESERVED_PY = set(keyword.kwlist) | set(dir(builtins)) | {
    "math", "mpmath", "numpy", "torch", "jnp", "jss", "xlogy", "xlog1py", "digamma", "gammaln", "gamma",
    "erf", "erfc", "range_sum", "K", "symdiv_series"}
_RESERVED_C = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "log", "log1p", "exp", "expm1", "lgamma", "tgamma", "pow", "sqrt", "fabs", "erf", "erfc", "floor", "tan",
    "fmin", "fmax", "main", "NAN", "INFINITY"}


@dataclass
class _Plan:
    """Everything a printer needs: signature, local names, hoisted sums and the final expression."""

    derivation: Derivation
    name: str
    sig: _Signature
    symbol_names: dict[sp.Basic, str]
    statements: list[tuple[sp.Symbol, sp.Sum]]
    expr: sp.Expr
    class_axis: bool
    uses_k: bool


def _plan(d: Derivation, backend: str, name: str | None, bits: bool, reserved: set[str]) -> _Plan:
    expr = stable_form(d, ratios=backend in ("numpy", "torch", "jax"))
    if bits and not d.is_infinite:
        expr = expr / sp.log(2)
    _check(d, expr, backend)
    expr = _under_conditions(d, expr)
    sig = _signature(d, d.expr)
    symbol_names: dict[sp.Basic, str] = {}
    taken: set[str] = set()
    for s in (*sig.symbols, *sig.counts):
        ident = re.sub(r"\W", "_", str(s))
        if not ident or ident[0].isdigit():
            ident = "x_" + ident
        if s in sig.counts:
            ident = str(s)
        while ident in taken or (ident in reserved and s not in sig.counts):
            ident += "_"
        taken.add(ident)
        symbol_names[s] = ident
    for s in expr.free_symbols | {lim[0] for sm in expr.atoms(sp.Sum) for lim in sm.limits}:
        if isinstance(s, sp.Symbol) and s not in symbol_names:
            ident = re.sub(r"\W", "_", str(s))
            while ident in taken or ident in reserved:
                ident += "_"
            taken.add(ident)
            symbol_names[s] = ident
    statements, expr = _hoist(expr, taken | reserved)
    sums = [s for _, s in statements] + list(expr.atoms(sp.Sum))
    class_axis = any(_is_class_sum(s, sig) for s in sums)
    uses_k = any(k in s.free_symbols for k in sig.counts for s in [expr, *sums])
    return _Plan(d, name or function_name(d), sig, symbol_names, statements, expr, class_axis, uses_k)


def _printer(cls: type, plan: _Plan) -> Any:
    settings: dict[str, Any] = {"fully_qualified_modules": True} if issubclass(cls, NumPyPrinter) else {}
    printer = cls(settings)
    if isinstance(printer, C99CodePrinter):
        printer.math_macros = {}  # M_PI_2 and friends are not C99: print numbers
    printer.symbol_names = plan.symbol_names
    printer.sig = plan.sig
    return printer


def _used_helpers(text: str, helpers: Mapping[str, str]) -> list[str]:
    return [h for h in helpers if re.search(rf"(?<![\w.]){h}\(", text)]


def _python_body(plan: _Plan, printer: Any, indent: str = "    ") -> list[str]:
    lines = []
    if plan.uses_k:
        for k, base in plan.sig.counts.items():
            lines.append(f"{indent}{plan.symbol_names[k]} = len({plan.symbol_names[base]})")
    for tmp, s in plan.statements:
        lines.append(f"{indent}{tmp} = {printer.doprint(s)}")
    lines.append(f"{indent}return {printer.doprint(plan.expr)}")
    return lines


def _header(plan: _Plan, comment: str, bits: bool) -> list[str]:
    from . import __version__

    d = plan.derivation
    unit = "bits" if bits else "nats"
    lines = [f"{plan.name}: {d.quantity.symbol} in {unit}"]
    for role, fam in zip(("P", "Q"), d.families if d.quantity is not Quantity.ENTROPY else d.families[:1]):
        lines.append(f"  {role} = {fam!r}")
    lines.extend(textwrap.wrap(f"{d.quantity.symbol} = {sp.sstr(d.expr)}", 96, initial_indent="  ",
                               subsequent_indent="      "))
    if d.assumptions:
        lines.extend(textwrap.wrap("assumptions: " + ", ".join(sp.sstr(a) for a in d.assumptions), 96,
                                   initial_indent="  ", subsequent_indent="      "))
    if _conditions(d):
        lines.extend(textwrap.wrap(_conditions_note(d), 96, initial_indent="  ", subsequent_indent="      "))
    if plan.sig.counts:
        arrays = ", ".join(plan.symbol_names[b] for b in plan.sig.symbols if plan.sig.is_array(b))
        lines.append(f"  {arrays}: sequences of the K class values (index 0 .. K-1)")
    lines.append(f"generated by symdiv {__version__} (symdiv.gencode), with a numerically stable rewrite:")
    lines.append("  0*log(0) = 0 via xlogy, log1p/expm1, ratios of parameters, lgamma for gamma functions")
    if comment == "#":
        return ["# " + x for x in lines]
    return ["/*", *(" * " + x for x in lines), " */"]


def _python_source(plan: _Plan, bits: bool = False) -> str:
    printer = _printer(_PythonPrinter, plan)
    body = _python_body(plan, printer)
    code = "\n".join(body)
    helpers = _used_helpers(code, _PY_HELPERS)
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    doc = f'    """{plan.derivation.quantity.symbol}; see the comment above."""'
    parts = ["\n".join(_header(plan, "#", bits)), "import math", *(_PY_HELPERS[h].strip("\n") for h in helpers),
             "\n".join([f"def {plan.name}({args}):", doc, code])]
    return "\n\n\n".join(parts) + "\n"


def _c_type(s: sp.Basic) -> str:
    return "const double *" if isinstance(s, sp.IndexedBase) else "double "


def _c_source(plan: _Plan, bits: bool = False) -> str:
    printer = _printer(_CPrinter, plan)
    params = [f"{_c_type(s)}{plan.symbol_names[s]}" for s in plan.sig.symbols]
    params += [f"long {plan.symbol_names[k]}" for k in plan.sig.counts]
    lines = []
    for tmp, s in plan.statements:
        body = printer.doprint(s.function)
        lines.append(f"    double {tmp} = 0.0;")
        loops_open: list[str] = []
        for k, lo, hi in s.limits:
            kname = printer.doprint(k)
            if _is_class_sum(s, plan.sig) or (lo.is_Integer and hi.free_symbols <= set(plan.sig.counts)):
                loops_open.append(f"for (long {kname} = {printer.doprint(lo)}; {kname} <= {printer.doprint(hi)}; "
                                  f"++{kname})")
            else:
                loops_open.append(f"for (double {kname} = {printer.doprint(lo)}; {kname} <= {printer.doprint(hi)}; "
                                  f"{kname} += 1.0)")
        pad = "    "
        for loop in loops_open:
            lines.append(f"{pad}{loop} {{")
            pad += "    "
        lines.append(f"{pad}{tmp} += {body};")
        for _ in loops_open:
            pad = pad[:-4]
            lines.append(f"{pad}}}")
    expr = printer.doprint(plan.expr)
    used = plan.expr.free_symbols | {a for _, sm in plan.statements for a in sm.free_symbols}
    used |= {a.base for _, sm in plan.statements for a in sm.atoms(sp.Indexed)}
    used |= {a.base for a in plan.expr.atoms(sp.Indexed)}
    unused = [plan.symbol_names[s] for s in (*plan.sig.symbols, *plan.sig.counts) if s not in used]
    lines[:0] = [f"    (void){name};  /* not needed by this closed form */" for name in unused]
    lines.append(f"    return {expr};")
    if printer._not_supported:
        raise UnsupportedError(f"C: cannot print {', '.join(map(sp.sstr, printer._not_supported))}")
    code = "\n".join(lines)
    helpers = _used_helpers(code, _C_HELPERS)
    signature = f"double {plan.name}({', '.join(params) or 'void'})"
    parts = ["\n".join(_header(plan, "/*", bits)), "#include <math.h>", *(_C_HELPERS[h].strip("\n") for h in helpers),
             "\n".join([signature, "{", code, "}"])]
    return "\n\n".join(parts) + "\n"


def codegen(derivation: Derivation, language: str = "python", *, name: str | None = None,
            bits: bool = False) -> str:
    """Readable source text of a function computing the derivation's closed form.

    ``language`` is ``"python"`` (uses :mod:`math`; small helpers such as ``xlogy`` are defined in
    the text when used) or ``"c"`` (``double``, ``<math.h>``; static helpers when used; arrays of a
    symbolic number of classes K are ``const double *`` with ``long K`` as the last argument).
    The function is named like ``kl_normal_normal`` (or ``name``), its arguments are
    :func:`parameter_names`, and a comment block states the quantity, the families, the closed
    form, the assumptions and the symdiv version. ``bits=True`` gives the value in bits.

    >>> import symdiv as sd
    >>> src = codegen(sd.entropy(sd.Bernoulli("p")))
    >>> print(src.splitlines()[-1])
        return -xlog1py(1 - p, -p) - xlogy(p, p)
    >>> namespace = {}
    >>> exec(src, namespace)
    >>> namespace["entropy_bernoulli"](0.0), round(namespace["entropy_bernoulli"](0.5), 12)
    (0.0, 0.69314718056)
    >>> print(codegen(sd.entropy(sd.Bernoulli("p")), "c").splitlines()[-4])
    double entropy_bernoulli(double p)
    """
    lang = language.lower()
    if lang not in LANGUAGES:
        raise UnsupportedError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    if lang == "python":
        return _python_source(_plan(derivation, "math", name, bits, _RESERVED_PY), bits)
    return _c_source(_plan(derivation, "c", name, bits, _RESERVED_C), bits)


# ====================================================================== to_function
def _import(backend: str, module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise UnsupportedError(f"backend {backend!r} needs the {package} package: pip install {package}") from None


def _numpy_namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {"numpy": np, "range_sum": range_sum}
    try:
        special = importlib.import_module("scipy.special")
    except ImportError:
        special = None
    ns.update(xlogy=xlogy, xlog1py=xlog1py)  # numpy's log plus a fix-up: faster than scipy's xlogy
    if special is not None:
        ns.update(digamma=special.digamma,
                  gammaln=special.gammaln, gamma=special.gamma, erf=special.erf, erfc=special.erfc)
    else:
        ns.update(digamma=digamma, gammaln=gammaln, gamma=_gamma,
                  erf=_vectorized(math.erf), erfc=_vectorized(math.erfc))
    return ns


def _array_source(plan: _Plan, printer_cls: type) -> str:
    printer = _printer(printer_cls, plan)
    lines = [f"    {tmp} = {printer.doprint(s)}" for tmp, s in plan.statements]
    expr = printer.doprint(plan.expr)
    k_lines = []
    if plan.uses_k and any(k in plan.expr.free_symbols for k in plan.sig.counts):
        k_lines = [f"    {plan.symbol_names[k]} = {plan.symbol_names[b]}.shape[-1]"
                   for k, b in plan.sig.counts.items()]
    ret = f"    return ({expr})[..., 0]" if plan.class_axis else f"    return {expr}"
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    return "\n".join([f"def {plan.name}({args}):", *k_lines, *lines, ret]) + "\n"


def _mpmath_source(plan: _Plan) -> str:
    printer = _printer(_MpmathPrinter, plan)
    body = _python_body(plan, printer)
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    return "\n".join([f"def {plan.name}({args}):", *body]) + "\n"


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    ns = dict(namespace)
    exec(compile(source, f"<symdiv.gencode {name}>", "exec"), ns)  # our own generated source
    return ns[name]


def _to_mp(v: Any) -> Any:
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, sp.Basic):
        v = sp.sympify(v)
        if v.is_Rational:
            return mpmath.mpf(int(v.p)) / int(v.q)
        return mpmath.mpf(sp.Float(v, mpmath.mp.dps + 5)._mpf_)
    return mpmath.mpmathify(v)


def _doc(plan: _Plan, backend: str, bits: bool) -> str:
    from . import __version__

    d = plan.derivation
    names = ", ".join(plan.sig.names)
    lines = [f"{plan.name}({names}) -> {d.quantity.symbol} in {'bits' if bits else 'nats'}", ""]
    for role, fam in zip(("P", "Q"), d.families if d.quantity is not Quantity.ENTROPY else d.families[:1]):
        lines.append(f"{role} = {fam!r}")
    lines.append(f"{d.quantity.symbol} = {sp.sstr(d.expr)}")
    if d.assumptions:
        lines.append("Assumptions: " + ", ".join(sp.sstr(a) for a in d.assumptions))
    if _conditions(d):
        lines.append(_conditions_note(d)[0].upper() + _conditions_note(d)[1:])
    lines.append("")
    lines.append(f"Arguments, positional in this order or by keyword: {names or '(none)'}.")
    arrays = [str(b) for b in plan.sig.symbols if plan.sig.is_array(b)]
    if backend in ("numpy", "torch", "jax"):
        lines.append(f"Backend {backend}: arrays broadcast against each other"
                     + (f"; {', '.join(arrays)} have the K classes on the last axis." if arrays else "."))
    else:
        lines.append(f"Backend {backend}: scalars" + (f"; {', '.join(arrays)} are sequences of K values."
                                                       if arrays else "."))
    if plan.sig.vectors:
        lines.append(f"Or pass {len(plan.sig.vectors)} array(s) of the {len(plan.sig.vectors[0])} class values each "
                     "(last axis).")
    lines.append(f"Generated by symdiv {__version__} with a numerically stable rewrite (0 log 0 = 0).")
    return "\n".join(lines)


def to_function(derivation: Derivation, backend: str = "numpy", *, bits: bool = False) -> Callable[..., Any]:
    """A function computing the derivation's closed form for numbers.

    Arguments are the free parameters in the order of :func:`parameter_names` (P's parameters,
    then Q's), positional or by keyword; ``fn.params`` lists them. ``backend``:

    * ``"numpy"``: arrays broadcast against each other (float32 stays float32); special functions
      from scipy.special when installed, else symdiv's own numpy implementations. A symbolic-K
      Categorical or Dirichlet takes arrays with the K classes on the last axis. An explicit
      Categorical with symbols p_0..p_{K-1} takes the K arrays, or one array (..., K) per family.
    * ``"math"``: Python floats (the same code as ``codegen(derivation, "python")``).
    * ``"mpmath"``: mpmath numbers at the current ``mpmath.mp.dps``; infinite series are
      summed from their largest terms outward (:func:`symdiv.explicit.sum_series`).
    * ``"torch"``, ``"jax"``: tensors (optional packages).

    Boundaries give limits (0 log 0 = 0); an infinite derivation gives inf. ``fn.source`` is the
    generated code, ``fn.expr`` the stable form. Raises :class:`symdiv.UnsupportedError` for
    incomplete derivations (integrals, infinite series except with mpmath) and missing packages.

    >>> import numpy as np, symdiv as sd
    >>> kl = to_function(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")))
    >>> kl.params
    ('p', 'q')
    >>> kl(np.array([0.0, 0.5, 1.0]), 0.25)
    array([0.28768207, 0.14384104, 1.38629436])
    >>> bool(kl(p=0.0, q=0.5) == np.log(2))
    True
    >>> H = to_function(sd.entropy(sd.Categorical.symbolic("p", "K")), "math")
    >>> round(H([0.5, 0.5, 0.0]), 12)
    0.69314718056
    """
    if backend not in BACKENDS:
        raise UnsupportedError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "math":
        plan = _plan(derivation, "math", None, bits, _RESERVED_PY)
        source = _python_source(plan, bits)
        core = _compile(source, plan.name, {})
    elif backend == "mpmath":
        plan = _plan(derivation, "mpmath", None, bits, _RESERVED_PY)
        source = _mpmath_source(plan)
        from .explicit import sum_series

        ns: dict[str, Any] = {"mpmath": mpmath, "symdiv_series": sum_series}
        for h in _MP_HELPERS.values():
            exec(h, ns)  # our own fixed helper source
        core = _compile(source, plan.name, ns)
    elif backend == "numpy":
        plan = _plan(derivation, "numpy", None, bits, _RESERVED_PY)
        source = _array_source(plan, _NumpyPrinter)
        core = _compile(source, plan.name, _numpy_namespace())
    elif backend == "torch":
        torch = _import("torch", "torch")
        plan = _plan(derivation, "torch", None, bits, _RESERVED_PY)
        source = _array_source(plan, _TorchPrinter)
        core = _compile(source, plan.name, {"torch": torch, "gamma": lambda x: torch.exp(torch.lgamma(x))})
    else:
        jnp = _import("jax", "jax.numpy")
        jss = _import("jax", "jax.scipy.special")
        plan = _plan(derivation, "jax", None, bits, _RESERVED_PY)
        source = _array_source(plan, _JaxPrinter)
        core = _compile(source, plan.name, {"jnp": jnp, "jss": jss})
    return _wrap(core, plan, backend, source, bits)


def _wrap(core: Callable[..., Any], plan: _Plan, backend: str, source: str, bits: bool) -> Callable[..., Any]:
    sig = plan.sig
    names = sig.names
    constant = not plan.expr.free_symbols and not plan.statements

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        if sig.vectors and len(args) == len(sig.vectors) and not kwargs and len(args) != len(names):
            values: list[Any] = []
            for group, a in zip(sig.vectors, args):
                if backend in ("math", "mpmath"):
                    if len(a) != len(group):
                        raise TypeError(f"{plan.name}: expected {len(group)} class values, got {len(a)}")
                    values.extend(a[j] for j in range(len(group)))
                else:
                    arr = np.asarray(a) if backend == "numpy" else a
                    if arr.ndim == 0 or arr.shape[-1] != len(group):
                        raise TypeError(f"{plan.name}: expected arrays with {len(group)} classes on the last axis")
                    values.extend(arr[..., j] for j in range(len(group)))
            return values
        if len(args) > len(names):
            raise TypeError(f"{plan.name}() takes {len(names)} argument(s) ({', '.join(names)}), got {len(args)}")
        by_name: dict[str, Any] = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError(f"{plan.name}() got an unexpected argument {k!r}; arguments: {', '.join(names)}")
            if k in by_name:
                raise TypeError(f"{plan.name}() got multiple values for argument {k!r}")
            by_name[k] = v
        missing = [n for n in names if n not in by_name]
        if missing:
            raise TypeError(f"{plan.name}() missing argument(s): {', '.join(missing)}")
        return [by_name[n] for n in names]

    arrays = [sig.is_array(s) for s in sig.symbols]

    if backend == "numpy":
        def fn(*args: Any, **kwargs: Any) -> Any:
            values = [_as_float(v) for v in bind(args, kwargs)]
            if sig.vectors and len(args) == len(sig.vectors) and len(args) != len(names):
                arrays_now = [False] * len(values)
            else:
                arrays_now = arrays
            shapes = [v.shape[:-1] if a else v.shape for v, a in zip(values, arrays_now)]
            if plan.class_axis:
                values = [v if a else v[..., None] for v, a in zip(values, arrays_now)]
            with np.errstate(all="ignore"):
                out = np.asarray(core(*values))
            dtype = np.result_type(*values) if values else np.float64
            if out.dtype.kind not in "fc" or constant:
                out = out.astype(dtype if np.dtype(dtype).kind in "fc" else np.float64)
            shape = np.broadcast_shapes(out.shape, *shapes)
            if out.shape != shape:
                out = np.broadcast_to(out, shape).copy()
            return out[()] if out.ndim == 0 else out
    elif backend == "math":
        def fn(*args: Any, **kwargs: Any) -> Any:
            values = [[float(x) for x in v] if a else float(v)
                      for v, a in zip(bind(args, kwargs), arrays if not _vector_call(args, kwargs) else
                                      [False] * (len(sig.symbols)))]
            return float(core(*values))
    elif backend == "mpmath":
        def fn(*args: Any, **kwargs: Any) -> Any:
            values = [[_to_mp(x) for x in v] if a else _to_mp(v)
                      for v, a in zip(bind(args, kwargs), arrays if not _vector_call(args, kwargs) else
                                      [False] * (len(sig.symbols)))]
            return mpmath.mpmathify(core(*values))
    else:
        mod = _import(backend, "torch" if backend == "torch" else "jax.numpy")

        def convert(v: Any) -> Any:
            if backend == "torch":
                t = mod.as_tensor(v)
                return t if t.is_floating_point() else t.to(mod.get_default_dtype())
            a = mod.asarray(v)
            return a if mod.issubdtype(a.dtype, mod.floating) else a.astype(mod.float32)

        def fn(*args: Any, **kwargs: Any) -> Any:
            values = [convert(v) for v in bind(args, kwargs)]
            if plan.class_axis:
                values = [v if a else v[..., None] for v, a in zip(values, arrays)]
            return core(*values)

    def _vector_call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return bool(sig.vectors) and len(args) == len(sig.vectors) and not kwargs and len(args) != len(names)

    fn.__name__ = fn.__qualname__ = plan.name
    fn.__doc__ = _doc(plan, backend, bits)
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n if n.isidentifier() and not keyword.iskeyword(n) else f"_{j}",
                           inspect.Parameter.POSITIONAL_OR_KEYWORD) for j, n in enumerate(names)])
    fn.params = names  # type: ignore[attr-defined]
    fn.source = source  # type: ignore[attr-defined]
    fn.expr = plan.expr  # type: ignore[attr-defined]
    fn.backend = backend  # type: ignore[attr-defined]
    fn.derivation = plan.derivation  # type: ignore[attr-defined]
    return fn
