"""The stable rewrite: :func:`stable_form` rewrites ``derivation.expr`` with SymPy, pattern by
pattern, into a form that is safe to evaluate in floating point.

* ``w*log(y)`` terms whose weight ``w`` vanishes on the boundary of the domain (a probability p,
  1 - p, a summation index k, n - k) become ``xlogy(w, y)`` / ``xlog1py(w, z)`` (so 0 log 0 = 0
  and Bernoulli KL at p = 0 is -log(1 - q));
* logs of ratios stay ratios while powers are taken out of logs (``log(sigma**2)`` ->
  ``2*log(sigma)``), ``log(1 + z)`` -> ``log1p(z)``, ``exp(z) - 1`` -> ``expm1(z)``,
  ``1 - erf(z)`` -> ``erfc(z)``;
* logs of gamma and beta functions become ``loggamma``, products with gamma functions are
  evaluated as ``exp(sum of logs)``, and ``a**2/b**2`` becomes ``(a/b)**2``;
* ``erfc(z)*exp(A)`` with ``A = z**2 + B`` becomes ``erfcx(z)*exp(B)`` (the product of a huge and
  a tiny number, HalfNormal -> Gumbel KL at sigma_1/beta_2 = 100, is about ``exp(B)/(z sqrt(pi))``).

The result is made of the nodes of :mod:`symdiv.gencode.nodes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..derivation import Derivation
from . import near
from .nodes import (
    DigammaRem,
    Erfcx,
    Group,
    KLDiv,
    LogGamma,
    LogGammaRem,
    Quot,
    XLog1PY,
    XLogRatio1P,
    XLogY,
    stirling,
)

if TYPE_CHECKING:
    from ..family import Family

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
    from ..domains import Simplex, UnitInterval

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


def _stable_log(y: sp.Expr, ctx: _Context) -> sp.Expr:
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
        return _stab(y.exp, ctx) * _stable_log(y.base, ctx)
    if y.is_Pow and y.exp == -1 and _positive(y.base, ctx):
        return -_stable_log(y.base, ctx)
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
            terms.append(_stable_log(sp.Pow(b, e), ctx))
    if len(num) <= 1 and len(den) <= 1:
        core = sp.Mul(*num) / sp.Mul(*den)
        if core != 1:  # log(2*(sigma_2/sigma_1)) overflowed at a ratio of 1e308: log 2 + log of the ratio
            terms.insert(0, sp.log(_stab(core, ctx)))
        if c != 1:
            terms.insert(0, sp.log(c))
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
    transcendental call instead of two): xlogratio1p(w, a - b, a, b) when a and b are 1 - p and 1 - q
    (log1p((q - p)/(1 - q)) near a/b = 1, log(a/b) far from it, see :class:`XLogRatio1P`)."""
    if not ctx.ratios or c != 1 or len(parts) != 2 or sorted(e for _, e in parts) != [-1, 1]:
        return None
    a = next(b for b, e in parts if e == 1)
    b = next(b for b, e in parts if e == -1)
    if _one_plus(a) is not None and _one_plus(b) is not None:
        return XLogRatio1P(ws, _stab(sp.expand(a - b), ctx), _stab(a, ctx), _stab(b, ctx))
    if _log_special(a) is None and _log_special(b) is None:
        return XLogY(ws, Quot(_stab(a, ctx), _stab(b, ctx)))
    return None


def _stem(s: sp.Expr) -> str:
    return str(s).rsplit("_", 1)[0] if isinstance(s, sp.Symbol) else ""


def _neg_exp(e: sp.Expr) -> bool:
    return bool(e.is_negative) or (not e.is_number and e.could_extract_minus_sign())


def _divide_term(t: sp.Expr, b: sp.Expr, e: int, ctx: _Context) -> sp.Expr:
    """t/b**e with each of the e factors b dividing one factor of t: mu_2**2/sigma_2**2 ->
    (mu_2/sigma_2)**2, mu_2/(lambda_1*sigma_2**2) -> (mu_2/sigma_2)*(1/(lambda_1*sigma_2)),
    1/sigma_2**2 -> (1/sigma_2)**2 (no factor of size b**e that overflows where t/b**e does not)."""
    tc, tr = t.as_coeff_Mul()
    budget = e
    out: list[sp.Expr] = []
    dens: list[tuple[sp.Expr, int]] = []
    unpacked: list[sp.Expr] = []
    for f in sp.Mul.make_args(tr):  # a kept quotient x/y is a numerator and a denominator here
        unpacked.extend([*sp.Mul.make_args(f.args[0]), sp.Pow(f.args[1], -1)] if isinstance(f, Quot) else [f])
    for f in unpacked:
        fb, fe = f.as_base_exp()
        if fe.is_Integer and fe < 0:
            dens.append((fb, int(-fe)))
        elif fe.is_Integer and fe > 0 and budget > 0 and not fb.is_number:
            k = min(int(fe), budget)
            out.append(sp.Pow(Quot(fb, b), k) * sp.Pow(fb, fe - k))
            budget -= k
        else:
            out.append(f)
    for fb, fe in dens:
        k = min(fe, budget)
        out.append(sp.Pow(Quot(1, fb * b), k) * sp.Pow(fb, k - fe) if k else sp.Pow(fb, -fe))
        budget -= k
    if budget:
        out.append(sp.Pow(Quot(1, b), budget))
    return _balance(tc, out, ctx)  # (sigma_1**2/beta)/beta: one sigma_1 per beta, (sigma_1/beta)**2


def _balance(coeff: sp.Expr, factors: list[sp.Expr], ctx: _Context) -> sp.Expr:
    """Pair each denominator b**e with a numerator of the same power: a**e/b**e -> (a/b)**e,
    (a**2 + c**2)/b**2 -> (a/b)**2 + (c/b)**2 (each term divided factor by factor, see
    :func:`_divide_term`), and unpaired denominators of the same power as one: 1/(a**2*b**2) ->
    (1/(a*b))**2, so that large or small parameters do not overflow (Exponential -> HalfNormal KL at
    lambda_1 = 1e-200, sigma_2 = 1e200 was nan); a numerator that is a term of a denominator sum is
    divided by it first: alpha_1*lambda_2/(alpha_1 + beta_1) -> (alpha_1/(alpha_1 + beta_1))*lambda_2
    (alpha_1*lambda_2 overflowed at 1e300*1e16)."""
    factors = list(factors)
    for j, f in enumerate(factors):
        if f.is_Pow and f.exp == -1 and f.base.is_Add:
            i = next((i for i, g in enumerate(factors) if g.is_Symbol and g in f.base.args
                      or g.is_Add and set(g.args) < set(f.base.args)), None)
            if i is not None:
                factors[i], factors[j] = Quot(factors[i], f.base), sp.Integer(1)
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
                new = sp.Add(*(_divide_term(t, b, int(e), ctx) for t in f.args))
                score = 0
            if new is not None and (best is None or score > best[0]):
                best = (score, i, new)
        if best is not None:
            _, i, new = best
            factors[i], factors[j] = new, sp.Integer(1)
    by_power: dict[sp.Expr, list[int]] = {}
    for j in dens:
        if factors[j] != 1 and factors[j].exp.is_Integer:
            by_power.setdefault(-factors[j].exp, []).append(j)
    for e, js in by_power.items():
        if len(js) == 1 and e > 1:  # x/sigma_2**2 as x*(1/sigma_2)**2: no overflow of sigma_2**2 = 1e600 (math)
            factors[js[0]] = sp.Pow(Quot(1, factors[js[0]].base), e)
        elif len(js) > 1:
            factors[js[0]] = sp.Pow(Quot(1, sp.Mul(*(factors[j].base for j in js))), e)
            for j in js[1:]:
                factors[j] = sp.Integer(1)
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


def _erfc_arg(f: sp.Expr) -> sp.Expr | None:
    """z when f is erfc(z) or 1 - erf(z), else None."""
    if isinstance(f, sp.erfc):
        return f.args[0]
    if f.is_Add and isinstance(1 - f, sp.erf):
        return (1 - f).args[0]
    return None


def _monomials(e: sp.Expr) -> set[sp.Expr]:
    """The terms of e expanded, without their numeric coefficients."""
    return {t.as_coeff_Mul()[1] for t in sp.Add.make_args(sp.expand(e))}


def _erfcx(coeff: sp.Expr, factors: list[sp.Expr], ctx: _Context) -> sp.Expr | None:
    """erfc(z)*exp(A) as erfcx(z)*exp(A - z**2) when A contains +z**2, that is when A - z**2
    expands to terms without those of z**2: for large z, exp(A) overflows and erfc(z) underflows
    while erfcx(z) ~ 1/(z sqrt(pi)). Not where z < 0: there erfc(z) ~ 2, and erfcx(z) ~ 2 exp(z**2)
    would overflow before exp(A) does."""
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if not exps:
        return None
    for j, f in enumerate(factors):
        z = _erfc_arg(f)
        if z is None or z.is_number or z.is_extended_negative:
            continue
        exponent = sp.expand(sp.Add(*(g.args[0] for g in exps)) - z**2)
        if _monomials(exponent) & (_monomials(z**2) - {sp.Integer(1)}):
            continue
        rest = [g for i, g in enumerate(factors) if i != j and not isinstance(g, sp.exp)]
        return Erfcx(_stab(z, ctx)) * _stab(coeff * sp.exp(exponent) * sp.Mul(*rest), ctx)
    return None


def _fold_denominator(w: sp.Expr, rest: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(w/D, rest*D) for a denominator D of rest that has w as a term: b_1*log(b_1)/(b_1 - a_1) ->
    xlogy(b_1/(b_1 - a_1), b_1), about log(b_1), where b_1*log(b_1) overflowed at b_1 = 1e200 once
    multiplied by the shape 1e200 of Uniform -> Gamma; else (w, rest)."""
    for f in sp.Mul.make_args(rest):
        if f.is_Pow and f.exp == -1 and f.base.is_Add and (w in f.base.args or -w in f.base.args):
            return Quot(w, f.base), rest * f.base
    return w, rest


def _exp_into_sum(coeff: sp.Expr, factors: list[sp.Expr]) -> sp.Expr | None:
    """exp(x)*(c_1 exp(y_1) + c_2 exp(y_2)) as c_1 exp(x + y_1) + c_2 exp(x + y_2): the product of
    exp(3e8) = inf and exp(-5e9) = 0 was nan (Uniform(-3, 0) -> Gumbel(-50, 1e-8)), the sum of
    the exponents is -4.7e9; None where there is no such product."""
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if not exps:
        return None
    for j, f in enumerate(factors):
        if not f.is_Add:
            continue
        parts = [t.as_independent(sp.exp, as_Add=False) for t in f.args]
        if all(c.is_number and isinstance(g, sp.exp) for c, g in parts):
            shift = sp.Add(*(g.args[0] for g in exps))
            total = sp.Add(*(c * sp.exp(g.args[0] + shift) for c, g in parts))
            rest = [g for i, g in enumerate(factors) if i != j and not isinstance(g, sp.exp)]
            return coeff * total * sp.Mul(*rest)
    return None


def _wlog_power(coeff: sp.Expr, factors: list[sp.Expr], ctx: _Context) -> sp.Expr | None:
    """w*log(y)**k (k = 2, 3, ...) for a weight w that may vanish (a boundary weight, or a factor of
    y: a_1*log(a_1)**2 of Uniform(a_1, b_1) -> LogNormal at a_1 = 0) as (w**(1/k)*log(y))**k with the
    guarded w**(1/k)*log(y): 0 at w = 0, where the plain product is 0*inf = nan. w >= 0 there (a
    probability, or a factor of the argument of a real log), so its root is real; None otherwise."""
    pows = [f for f in factors if f.is_Pow and isinstance(f.base, sp.log) and f.exp.is_Integer and f.exp > 1]
    if len(pows) != 1 or any(isinstance(f, sp.log) for f in factors):
        return None
    (lp,) = pows
    others = [f for f in factors if f is not lp]
    if any(f.has(sp.log) for f in others):
        return None
    y, k = lp.base.args[0], lp.exp
    found = _find_weight(others, ctx) or _shared_factor(others, y)
    if found is None:
        return None
    w, rest = found
    if w.is_Add and w.could_extract_minus_sign():  # a sign taken out of a factor of y: keep w >= 0
        return None
    return coeff * _stab(rest, ctx) * _wlog(sp.Pow(w, sp.Rational(1, k)), y, ctx) ** k


def _stab_mul(e: sp.Mul, ctx: _Context) -> sp.Expr:
    coeff, factors = sp.Integer(1), []
    for f in e.args:
        if f.is_number:
            coeff *= f
        else:
            factors.append(f)
    logs = [f for f in factors if isinstance(f, sp.log)]
    others = [f for f in factors if not isinstance(f, sp.log)]
    powered = _wlog_power(coeff, factors, ctx)
    if powered is not None:
        return powered
    if len(logs) == 1 and not any(f.has(sp.log) for f in others):
        (lg,) = logs
        y = lg.args[0]
        found = _find_weight(others, ctx)
        if found is not None:
            w, rest = found
            return coeff * _stab(rest, ctx) * _wlog(w, y, ctx)
        shared = _shared_factor(others, y)
        if shared is not None:  # x*log(x/c): x log x -> 0 as x -> 0; the ratio is kept
            w, rest = _fold_denominator(*shared)
            z = _one_plus(y)
            term = XLog1PY(_stab(w, ctx), _stab(z, ctx)) if z is not None else XLogY(_stab(w, ctx), _stab(y, ctx))
            return coeff * _stab(rest, ctx) * term
        return _stab(coeff * sp.Mul(*others), ctx) * _stable_log(y, ctx)
    sums = [f for f in factors if f.is_Add and f.has(sp.log)]
    if sums:
        outer = [f for f in factors if f is not sums[0]]
        if _find_weight(outer, ctx) is not None:  # w*(log a - log b): distribute the weight
            return _stab(sp.Add(*(coeff * sp.Mul(*outer) * t for t in sums[0].args)), ctx)
    moved = _exp_into_sum(coeff, factors)
    if moved is not None:
        return _stab(moved, ctx)
    done = _erfcx(coeff, factors, ctx)
    if done is None:
        done = _explog(coeff, factors, ctx)
    if done is not None:
        return done
    return _balance(coeff, [_stab(f, ctx) for f in _factored(factors)], ctx)


def _factored(factors: list[sp.Expr]) -> list[sp.Expr]:
    """Polynomial sums (and their integer powers) as products of their factors, so that a common
    factor of a denominator is divided out factor by factor: alpha_1*mu_2/(alpha_1*sigma_2**2 +
    beta_1*sigma_2**2) -> (alpha_1/(alpha_1 + beta_1))*mu_2/sigma_2**2 (the sum of products of size
    1e600 was inf/inf = nan in Beta -> Normal cross entropy at alpha_1 = sigma_2 = 1e300)."""
    out: list[sp.Expr] = []
    for f in factors:
        b, e = f.as_base_exp()
        if b.is_Add and e.is_Integer and _polynomial(b):
            g = sp.factor(b)
            if g.is_Mul or g.is_Pow:
                c, rest = g.as_coeff_Mul()
                out.extend(sp.Pow(h, e) for h in (c, *sp.Mul.make_args(rest)) if h != 1)
                continue
        out.append(f)
    return out


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
    return sp.Add(*_squares(_same_denominator(args)))


def _squares(args: list[sp.Expr]) -> list[sp.Expr]:
    """A positive definite quadratic form in kept quotients (terms c*u*v with numbers c) as a sum of
    squares with positive weights (the LDL decomposition of its matrix): u**2 - u*v + v**2/2 ->
    (u - v/2)**2 + v**2/4 with u = 1/(lambda_1*sigma_2), v = mu_2/sigma_2 of Exponential -> Normal KL
    (at lambda_1*sigma_2 = 1e-500, u**2 - u*v was inf - inf = nan; the true value is inf), and no
    cancellation between terms of the form where it is finite."""
    quad: list[int] = []
    pairs: list[tuple[sp.Expr, list[sp.Expr]]] = []
    for j, a in enumerate(args):
        c, rest = a.as_coeff_Mul()
        atoms: list[sp.Expr] = []
        for f in sp.Mul.make_args(rest):
            b, e = f.as_base_exp()
            if isinstance(b, Quot) and e.is_Integer and e > 0:
                atoms.extend([b] * int(e))
            else:
                atoms = []
                break
        if c.is_Rational and len(atoms) == 2:
            quad.append(j)
            pairs.append((c, atoms))
    us = sorted({u for _, atoms in pairs for u in atoms}, key=sp.default_sort_key)
    if len(quad) < 3 or len(us) < 2:
        return args
    n = len(us)
    m = sp.zeros(n, n)
    for c, (u, v) in pairs:
        i, k = us.index(u), us.index(v)
        m[i, k] += c / 2
        m[k, i] += c / 2
    lower, diag = sp.eye(n), [sp.Integer(0)] * n  # m = L D L^T, no pivoting
    for i in range(n):
        diag[i] = m[i, i] - sum(lower[i, k] ** 2 * diag[k] for k in range(i))
        if diag[i] < 0 or (diag[i] == 0 and i < n - 1):
            return args
        for r in range(i + 1, n):
            lower[r, i] = (m[r, i] - sum(lower[r, k] * lower[i, k] * diag[k] for k in range(i))) / diag[i]
    squares = [diag[i] * sp.Add(*(lower[r, i] * us[r] for r in range(i, n))) ** 2 for i in range(n) if diag[i] != 0]
    return [a for j, a in enumerate(args) if j not in quad] + squares


def _same_denominator(args: list[sp.Expr]) -> list[sp.Expr]:
    """Kept quotients of one denominator as one quotient of their difference: mu_1/beta_2 - mu_2/beta_2
    -> (mu_1 - mu_2)/beta_2 (Gumbel KL at mu_1 = mu_2 = 1e200, beta_2 = 1e8: the two quotients of
    size 1e192 summed beside log Gamma(1e8 + 1) = 1.7e9 lost it, exp(0) instead of inf)."""
    args = [t for a in args for t in sp.Add.make_args(a)]
    groups: dict[sp.Expr, list[int]] = {}
    for j, a in enumerate(args):
        c, q = a.as_coeff_Mul()
        if isinstance(q, Quot) and c.is_Rational:
            groups.setdefault(q.args[1], []).append(j)
    out = list(args)
    for den, js in groups.items():
        if len(js) < 2:
            continue
        num = sp.Add(*(out[j].as_coeff_Mul()[0] * out[j].as_coeff_Mul()[1].args[0] for j in js))
        out[js[0]] = Quot(num, den) if num != 0 else sp.Integer(0)
        for j in js[1:]:
            out[j] = sp.Integer(0)
    return out


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
        return _stable_log(e.args[0], ctx)
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


def _polynomial(e: sp.Expr) -> bool:
    """A polynomial in the parameters: no functions, no negative or symbolic powers."""
    return not e.atoms(sp.Function) and not e.has(sp.Sum) and bool(e.is_polynomial(*e.free_symbols))


def _rational(f: sp.Expr) -> bool:
    """A polynomial, a kept quotient of polynomials, or sums and products of them: k_1*(r_2/r_1 - 1)."""
    if _polynomial(f) or (isinstance(f, Quot) and all(_polynomial(a) for a in f.args)):
        return True
    if f.is_Pow:
        return bool(f.exp.is_Integer and f.exp > 0) and _rational(f.base)
    return (f.is_Add or f.is_Mul) and all(_rational(a) for a in f.args)


def _linear_special(t: sp.Expr) -> bool:
    """t = rational * (LogGamma(x) or digamma(x) or log(x)) with x a polynomial, or a rational term
    (:func:`_rational`): a term of :func:`_stirling`'s symbolic cancellation (the -k_1 of
    k_1*(r_2/r_1 - 1) in Gamma KL cancels the k_1 of Stirling's approximation; summed apart, the
    1/2 of (1e16 - 1/2) was lost)."""
    special = [f for f in sp.Mul.make_args(t) if not _rational(f)]
    if not special:
        return True
    if len(special) != 1:
        return False
    (f,) = special
    if isinstance(f, sp.polygamma):
        return f.args[0] == 0 and _polynomial(f.args[1])
    return isinstance(f, (LogGamma, sp.log)) and _polynomial(f.args[0])


def _difference(u: sp.Expr, v: sp.Expr) -> sp.Expr:
    """u - v with the terms of the same stem subtracted first: (a_1 - a_2) + (b_1 - b_2) for
    u = a_1 + b_1, v = a_2 + b_2 (left to right, a_1 - a_2 + b_1 - b_2 lost the 1 of 1e16 + 1)."""
    tu, tv = list(sp.Add.make_args(u)), list(sp.Add.make_args(v))
    for t in list(tu):
        if t in tv:
            tu.remove(t)
            tv.remove(t)
    parts: list[sp.Expr] = []
    for t in list(tu):
        match = next((w for w in tv if _stem(w.as_coeff_Mul()[1]) == _stem(t.as_coeff_Mul()[1]) != ""), None)
        if match is not None:
            parts.append(Group(t - match))
            tu.remove(t)
            tv.remove(match)
    rest = sp.Add(*tu) - sp.Add(*tv)
    if len(parts) == 1 and rest == 0:
        return parts[0].args[0]
    return sp.Add(*parts, rest)


def _pair_score(u: sp.Expr, v: sp.Expr) -> int:
    """How near 1 u/v is likely to be: shared terms (b_1 in a_1 + b_1) first, then the same stem."""
    shared = set(sp.Add.make_args(u)) & set(sp.Add.make_args(v))
    return 2 * len(shared) + (_stem(u) == _stem(v) != "")


def _weighted_logs(weight: sp.Expr, members: list[tuple[sp.Expr, int]]) -> list[sp.Expr]:
    """weight * sum(sign * log(u)), pairing a log of a numerator with one of a denominator into one
    log of their ratio (:class:`XLogRatio1P`: log1p of an exact difference where the ratio is near
    1, the weight being as large as 1e16 there), best-matched pairs first; the rest as logs."""
    nums = sorted((u for u, sign in members if sign > 0), key=sp.default_sort_key)
    dens = sorted((u for u, sign in members if sign < 0), key=sp.default_sort_key)
    out: list[sp.Expr] = []
    while nums and dens:
        u, v = max(((u, v) for u in nums for v in dens), key=lambda uv: _pair_score(*uv))
        out.append(XLogRatio1P(weight, _difference(u, v), u, v))
        nums.remove(u)
        dens.remove(v)
    return out + [weight * sp.log(u) for u in nums] + [-weight * sp.log(v) for v in dens]


def _shared_log_weights(terms: list[sp.Expr]) -> bool:
    """Two logs of different arguments whose weights share a symbolic monomial: k_2*log(lambda_2) +
    (1 - k_2)*log(lambda_1) of Weibull cross entropy (at lambda_1 = lambda_2 = 1e300, k_2 = 1e16 the two
    terms of size 7e18 cancelled to -35, true 655.5), one log of a ratio after :func:`_stirling`."""
    seen: dict[sp.Expr, sp.Expr] = {}
    for t in terms:
        logs = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.log) and not f.is_number]
        if len(logs) != 1:
            continue
        weight = sp.expand(t / logs[0])
        for mono in sp.Add.make_args(weight):
            m = mono.as_coeff_Mul()[1]
            if m == 1:
                continue
            if m in seen and seen[m] != logs[0]:
                return True
            seen.setdefault(m, logs[0])
    return False


def _rests_by_weight(rest: sp.Expr) -> list[sp.Expr]:
    """The Stirling rests weighted by polynomials, collected by the monomials of the weights and
    then by equal sums of rests: (alpha_2 - alpha_1)*(DigammaRem(alpha_1) - DigammaRem(alpha_1 + beta_1))
    for Beta KL, where the two products of size 5e191 (alpha_1 = 1e8, alpha_2 = 1e200) summed apart
    lost a term of size 1e100 (or were inf - inf at beta_2 = 1e300); the rest of the terms as they are."""
    rems = sorted(rest.atoms(LogGammaRem, DigammaRem), key=sp.default_sort_key)
    if not rems:
        return [rest]
    by_mono: dict[sp.Expr, sp.Expr] = {}
    other: list[sp.Expr] = []
    for t in sp.Add.make_args(sp.expand(rest, log=False, power_base=False, power_exp=False, multinomial=False)):
        rem = [f for f in sp.Mul.make_args(t) if isinstance(f, (LogGammaRem, DigammaRem))]
        if len(rem) != 1:
            other.append(t)
            continue
        mono = t / rem[0]
        c, m = mono.as_coeff_Mul()
        by_mono[m] = by_mono.get(m, sp.Integer(0)) + c * rem[0]
    brackets: dict[sp.Expr, sp.Expr] = {}
    for m, bracket in by_mono.items():
        if bracket == 0:
            continue
        if -bracket in brackets:
            brackets[-bracket] -= m
        else:
            brackets[bracket] = brackets.get(bracket, sp.Integer(0)) + m
    out = [Group(w) * Group(b) if w.is_Add and b.is_Add else (Group(w) * b if w.is_Add else
           w * Group(b) if b.is_Add else w * b) for b, w in brackets.items() if w != 0]
    return out + other


def _stirling(expr: sp.Expr) -> sp.Expr:
    """Log-gamma and digamma terms with their terms of size x log x cancelled symbolically: in the
    polynomial-weighted terms of ``expr``, log Gamma(x) = stirling(x) + LogGammaRem(x) and
    digamma(x) = log(x) - DigammaRem(x); then the logs are collected, and those whose weights share
    a monomial (up to sign) are paired into logs of ratios with that monomial as their weight.
    Gamma entropy k + (1 - k) digamma(k) + log Gamma(k) becomes log(k)/2 + (k - 1) DigammaRem(k) +
    LogGammaRem(k) + log(2 pi)/2 (it was 0 at k = 1e16, a difference of numbers of size 4e17); Beta
    entropy has logs of a, b, a + b with weights 1/2, 1/2, -3/2 (it was 0 at b = 1e200); Beta KL has
    b_2*(log((a_1 + b_1)/b_1) + log(b_2/(a_2 + b_2))), two log1p of small ratios. Applied only where
    two such special terms meet (nothing cancels otherwise); the rests are small where x is large
    and the plain difference where x < 10."""
    if not expr.is_Add:
        return expr
    inside = [t for t in expr.args if _linear_special(t)]
    if sum(t.has(LogGamma, sp.polygamma) for t in inside) < 2 and not _shared_log_weights(inside):
        return expr
    outside = [t for t in expr.args if t not in inside]
    split = sp.Add(*inside).replace(
        lambda e: isinstance(e, LogGamma), lambda e: stirling(e.args[0]) + LogGammaRem(e.args[0])).replace(
        lambda e: isinstance(e, sp.polygamma), lambda e: sp.log(e.args[1]) - DigammaRem(e.args[1]))
    split = sp.expand(split, log=False, power_base=False, power_exp=False, multinomial=False)
    logs = sorted((lg for lg in split.atoms(sp.log) if not lg.is_number), key=sp.default_sort_key)
    parts = sp.collect(split, logs, evaluate=False)
    rest = parts.pop(sp.Integer(1), sp.Integer(0))
    poly = sp.Add(*(t for t in sp.Add.make_args(rest) if _polynomial(t)))
    rest -= poly
    # what is left of the polynomial terms (k_1 - k_2 of Gamma KL) is summed before the rest
    terms = [Group(poly) if poly.is_Add else poly, *_rests_by_weight(rest)]
    # log(u) with weight sum_m k_m m: one group per monomial m and |k_m|, members (u, sign of k_m);
    # groups of the same members (up to one sign) share one sum of logs: (k_2 - 1/2) log(k_2/k_1)
    groups: dict[frozenset[tuple[sp.Expr, int]], sp.Expr] = {}
    by_monomial: dict[tuple[sp.Expr, sp.Expr], list[tuple[sp.Expr, int]]] = {}
    for lg, c in parts.items():
        for mono, k in sp.expand(c).as_coefficients_dict().items():
            by_monomial.setdefault((mono, abs(k)), []).append((lg.args[0], 1 if k > 0 else -1))
    for (mono, k), members in by_monomial.items():
        first = min(members, key=lambda m: sp.default_sort_key(m[0]))
        flip = first[1]
        key = frozenset((u, sign * flip) for u, sign in members)
        groups[key] = groups.get(key, sp.Integer(0)) + flip * k * mono
    for key, weight in groups.items():
        terms.extend(_weighted_logs(weight, sorted(key, key=lambda m: sp.default_sort_key(m[0]))))
    return sp.Add(*outside, *terms)


def _kl_div(expr: sp.Expr) -> sp.Expr:
    """x*log(x/y) - x + y in a sum (Poisson KL) as one :class:`KLDiv`: the three terms are of size x
    where their sum is (x - y)**2/(2 y)."""
    if not expr.is_Add:
        return expr
    args = list(expr.args)
    for t in expr.args:
        factors = sp.Mul.make_args(t)
        if len(factors) != 2:
            continue
        x = next((f for f in factors if f.is_Symbol), None)
        lg = next((f for f in factors if isinstance(f, sp.log)), None)
        if x is None or lg is None:
            continue
        y = 1 / (lg.args[0] / x)
        if y.is_Symbol and -x in args and y in args:
            for used in (t, -x, y):
                args.remove(used)
            args.append(KLDiv(x, y))
    return sp.Add(*args)


def stable_form(derivation: Derivation | sp.Expr, families: Sequence[Family] = (), *, ratios: bool = False) -> sp.Expr:
    """The closed form rewritten for floating point (see the module docstring).

    The result uses :class:`XLogY`, :class:`XLog1PY`, :class:`Quot`, ``log1p``, ``expm1``,
    ``loggamma``; :func:`plain` turns it back into an expression equal to the original.

    >>> import symdiv as sd
    >>> stable_form(sd.entropy(sd.Bernoulli("p")))
    -XLog1PY(1 - p, -p) - XLogY(p, p)
    >>> stable_form(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")))
    KLDivD(p, q, p - q) + KLDivD(1 - p, 1 - q, -p + q)
    >>> stable_form(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")))
    PowLogBregman(2, sigma_1 - sigma_2, sigma_1, sigma_2)/2 + Quot(mu_1 - mu_2, sigma_2)**2/2
    """
    if isinstance(derivation, Derivation):
        expr, families = derivation.expr, derivation.families
    else:
        expr = sp.sympify(derivation)
    if expr.has(sp.oo, -sp.oo, sp.zoo) and expr.is_infinite:
        return expr
    ctx = replace(_context(families), ratios=ratios)
    far = near.exp_differences(near.kl_terms(_stirling(_stab(_kl_div(expr), ctx)), ctx.simplex))
    close = near.exp_differences(near.kl_terms(_stirling(_stab(near.before(_kl_div(expr)), ctx)), ctx.simplex))
    return near.switch(close, far)
