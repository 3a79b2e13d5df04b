"""The P ~ Q part of the stable rewrite: a divergence between nearby distributions is a sum of terms
of size 1 that cancel down to a value of the size of the squared parameter difference, which the
generated code lost entirely (Normal KL at mu_2 = mu_1 + 1e-8 was 0, Bernoulli KL at q = p + 2**-50
was negative). These passes recognise the shapes that cancel, by their form and not by a family's
name, and write each of them as one node of :mod:`symdiv.gencode.nodes` whose helper computes it
from an exact difference of the parameters:

* :func:`gamma_bregman` (before the rest of the rewrite): ``lgamma(x) - lgamma(y) - (x - y)*digamma(y)``,
  also out of the log of a ratio of Beta functions, as :class:`LogGammaBregman` (Gamma, Beta KL);
* :func:`exp_linear`: ``X*exp(z) - X*z`` as ``X + X*expm1mx(z)`` (Laplace KL);
* :func:`log_bregman`: the terms that depend on a and b only through r = a/b, P(r) with a log term
  among them, as ``P(1) + P'(1)*log r + sum_n c_n*((r**n - 1) - n*log r)``, the last as
  :class:`PowLogBregman`, where P(1) cancels against the other terms (Normal, Exponential, Gamma,
  Pareto, Laplace KL);
* :func:`kl_terms` (after the rest): ``sum_i c*x_i*log(x_i/y_i)`` with ``sum_i x_i = sum_i y_i``
  (symbolically, or as two probability vectors summed over their classes) as
  ``c*sum_i kl_div_d(x_i, y_i, x_i - y_i)``, terms >= 0 (Bernoulli, Binomial, Geometric,
  Categorical KL); and ``log(u/v)`` of two sums of the same stems as log1p of their exact
  difference (Uniform KL);
* :func:`exp_differences` (after the rest): ``c*exp(x) - c*exp(y)`` as ``c*expdiff(x, y, x - y)``,
  the difference of the exponents formed exactly (Uniform -> Gumbel KL, a Uniform far narrower
  than the Gumbel's scale).

Every pass rewrites a sum into an equal sum (:func:`~symdiv.gencode.nodes.plain` writes the nodes out).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .nodes import (
    ExpDiff,
    Expm1mx,
    KLDivD,
    LogGamma,
    LogGammaBregman,
    PowLogBregman,
    Quot,
    XLog1PY,
    XLogRatio1P,
    XLogY,
)

_EXPAND = {"mul": True, "multinomial": False, "power_base": False, "power_exp": False, "log": False,
           "deep": False}


def _terms(expr: sp.Expr) -> list[sp.Expr]:
    """The terms of a sum, products over sums distributed (one level: (mu_1 - mu_2)**2 stays)."""
    out: list[sp.Expr] = []
    for t in sp.Add.make_args(expr):
        out.extend(sp.Add.make_args(sp.expand(t, **_EXPAND)))
    return out


# ---------------------------------------------------------------- log-gamma Bregman terms
def _loggammas(t: sp.Expr) -> list[sp.Expr]:
    """c*log(prod of gamma and beta functions) as c*LogGamma terms; other terms unchanged."""
    coeff, rest = t.as_coeff_Mul()
    if not isinstance(rest, sp.log):
        return [t]
    y = rest.args[0]
    parts: list[sp.Expr] = []
    for f in sp.Mul.make_args(y):
        b, e = f.as_base_exp()
        if isinstance(b, sp.gamma):
            parts.append(coeff * e * LogGamma(b.args[0]))
        elif isinstance(b, sp.beta) and e.is_Integer:
            x, z = b.args
            parts += [coeff * e * LogGamma(x), coeff * e * LogGamma(z), -coeff * e * LogGamma(x + z)]
        else:
            return [t]
    return parts


def gamma_bregman(expr: sp.Expr) -> sp.Expr:
    """``c*(lgamma(x) - lgamma(y) - (x - y)*digamma(y))`` in a sum as ``c*LogGammaBregman(y, x - y)``
    (x - y with the terms of the same stem subtracted first)."""
    from .rewrite import _difference

    if not expr.is_Add or not expr.has(sp.polygamma):
        return expr
    terms: list[sp.Expr] = []
    for t in expr.args:  # not distributed: (alpha_1 - alpha_2)*digamma(alpha_1) is one term
        terms.extend(_loggammas(t))
    lg: dict[sp.Expr, tuple[sp.Expr, int]] = {}
    psi: dict[sp.Expr, tuple[sp.Expr, int]] = {}
    for j, t in enumerate(terms):
        coeff, rest = t.as_coeff_Mul()
        if isinstance(rest, (sp.loggamma, LogGamma)) and sp.expand(rest.args[0]) not in lg:
            lg[sp.expand(rest.args[0])] = (coeff, j)
            continue
        pg = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.polygamma)]
        if len(pg) == 1 and pg[0].args[0] == 0:
            w = sp.Mul(*(f for f in sp.Mul.make_args(t) if f is not pg[0]))
            if not w.has(sp.Function) and sp.expand(pg[0].args[1]) not in psi:
                psi[sp.expand(pg[0].args[1])] = (w, j)
    used: set[int] = set()
    new: list[sp.Expr] = []
    for y, (w, jw) in psi.items():
        if y not in lg:
            continue
        c = -lg[y][0]
        x = sp.expand(y - w / c)
        if x == y or x not in lg or lg[x][0] != c or {jw, lg[y][1], lg[x][1]} & used:
            continue
        used |= {jw, lg[y][1], lg[x][1]}
        new.append(c * LogGammaBregman(y, _difference(x, y)))
    if not new:
        return expr
    return sp.Add(*(t for j, t in enumerate(terms) if j not in used), *new)


# ---------------------------------------------------------------- X*exp(z) - X*z
def exp_linear(expr: sp.Expr) -> sp.Expr:
    """``X*exp(z) - X*z`` in a sum as ``X + X*Expm1mx(z)``: X*expm1mx(z) is about X z**2/2 where the
    two terms were of size X."""
    if not expr.is_Add or not expr.has(sp.exp):
        return expr
    terms = _terms(expr)
    for j, t in enumerate(terms):
        exps = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.exp)]
        if len(exps) != 1:
            continue
        z = exps[0].args[0]
        x = t / exps[0]
        partner = sp.expand(-z * x, **_EXPAND)
        if z.is_number or partner not in terms[:j] + terms[j + 1:]:
            continue
        k = terms.index(partner)
        rest = [s for i, s in enumerate(terms) if i not in (j, k)]
        return exp_linear(sp.Add(*rest, x, x * Expm1mx(z)))
    return expr


# ---------------------------------------------------------------- functions of a ratio a/b
def _ratio_logs(terms: list[sp.Expr]) -> list[tuple[sp.Expr, sp.Expr]]:
    """(a, b) for the terms w*log(a/b) with a and b symbols."""
    out = []
    for t in terms:
        for f in sp.Mul.make_args(t):
            if isinstance(f, sp.log):
                a, b = sp.fraction(f.args[0])
                if a.is_Symbol and b.is_Symbol and (a, b) not in out and (b, a) not in out:
                    out.append((a, b))
    return out


def _member(t: sp.Expr, a: sp.Expr, b: sp.Expr, r: sp.Dummy) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, n) with t = c*(a/b)**n, or (c, 0) for t = c*log(a/b) (n = 0 stands for the log), c free of
    a and b; None for other terms."""
    if not t.has(a, b):
        return None
    u = sp.expand_log(t.xreplace({a: r * b}), force=True)
    if u.has(b) or u.has(a):
        return None
    c, g = u.as_independent(r, as_Add=False)
    if g == sp.log(r):
        return c, sp.Integer(0)
    if g == r:
        return c, sp.Integer(1)
    if g.is_Pow and g.base == r and g.exp.is_Integer:
        return c, g.exp
    return None


def _quotients(t: sp.Expr) -> sp.Expr:
    """c*A**k/B**k as c*Quot(A, B)**k: (mu_1 - mu_2)**2/sigma_2**2 did not overflow before it was
    split from the sum it stood in."""
    factors = list(sp.Mul.make_args(t))
    for f in factors:
        if f.is_Pow and f.exp.is_Integer and f.exp < 0:
            k = -f.exp
            for g in factors:
                if g is not f and g.is_Pow and g.exp == k and not g.base.is_number:
                    others = [h for h in factors if h is not f and h is not g]
                    return sp.Mul(*others) * Quot(g.base, f.base) ** k
    return t


def log_bregman(expr: sp.Expr) -> sp.Expr:
    """The terms P(r) of a sum that depend on symbols a, b only through r = a/b (logs and integer
    powers of r, with weights free of a and b), when there is a log among them and the constant
    P(1) cancels against other terms: ``P(1) + P'(1)*log(r) + sum_n c_n*PowLogBregman(n, ...)``."""
    from .rewrite import _difference

    if not expr.is_Add or not expr.has(sp.log):
        return expr
    terms = _terms(expr)
    r = sp.Dummy("r", positive=True)
    for a, b in _ratio_logs(terms):
        members = {j: m for j, t in enumerate(terms) if (m := _member(t, a, b, r)) is not None}
        powers = [(c, n) for c, n in members.values() if n != 0]
        if not powers or all(n != 0 for _, n in members.values()):
            continue
        rest = [_quotients(t) for j, t in enumerate(terms) if j not in members]
        p1 = sp.Add(*(c for c, n in members.values() if n != 0))
        slope = sp.Add(*(c * (n if n != 0 else 1) for c, n in members.values()))
        base = sp.Add(*rest) + p1
        if len(sp.Add.make_args(base)) >= len(rest) + (p1 != 0):
            continue  # P(1) cancels nothing: the plain terms are as good
        out = [base]
        if slope != 0:
            out.append(XLogRatio1P(sp.expand(slope), _difference(a, b), a, b))
        for c, n in powers:
            if n > 0:
                out.append(c * PowLogBregman(n, _difference(a, b), a, b))
            else:
                out.append(c * PowLogBregman(-n, _difference(b, a), b, a))
        return log_bregman(sp.Add(*out))
    return expr


def before(expr: sp.Expr) -> sp.Expr:
    """The passes on the closed form itself (before the rest of the rewrite)."""
    return log_bregman(exp_linear(gamma_bregman(expr)))


# ---------------------------------------------------------------- sums of x log(x/y)
def _xlog(t: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr | None] | None:
    """(w, a, b, d) with t = w*log(a/b) (d = a - b where the term gives it), else None."""
    factors = sp.Mul.make_args(t)
    nodes = [f for f in factors if isinstance(f, (XLogY, XLogRatio1P, sp.log))]
    if len(nodes) != 1:
        return None
    (f,) = nodes
    outer = sp.Mul(*(g for g in factors if g is not f))
    if outer.has(sp.log, XLogY, XLogRatio1P):
        return None
    if isinstance(f, XLogY) and isinstance(f.args[1], Quot):
        return outer * f.args[0], f.args[1].args[0], f.args[1].args[1], None
    if isinstance(f, XLogRatio1P):
        w, d, a, b = f.args
        return outer * w, a, b, d
    if isinstance(f, sp.log) and isinstance(f.args[0], Quot):
        return outer, f.args[0].args[0], f.args[0].args[1], None
    return None


def _xlog_pairs(terms: list[sp.Expr], taken: set[int]) -> list[tuple[set[int], tuple[sp.Expr, ...]]]:
    """({j, k}, (w, a, b, d)) for two terms c*xlogy(v, a) - c*xlogy(v, b) (w = c*v), or the same of
    xlog1py (a = 1 + z_a, d = z_a - z_b): the two halves of w*log(a/b) on scalar backends."""
    from .rewrite import _difference

    nodes = {}
    for j, t in enumerate(terms):
        if j in taken:
            continue
        c, f = t.as_independent(XLogY, XLog1PY, as_Add=False)
        if isinstance(f, (XLogY, XLog1PY)) and not c.has(XLogY, XLog1PY, sp.log):
            nodes[j] = (c, f)
    out: list[tuple[set[int], tuple[sp.Expr, ...]]] = []
    used: set[int] = set()
    for j, (c, f) in nodes.items():
        for k, (c2, g) in nodes.items():
            if j in used or k in used or j == k or type(f) is not type(g) or f.args[0] != g.args[0] \
                    or sp.expand(c + c2) != 0:
                continue
            w, ya, yb = c * f.args[0], f.args[1], g.args[1]
            if isinstance(f, XLog1PY):
                out.append(({j, k}, (w, 1 + ya, 1 + yb, _difference(ya, yb))))
            else:
                out.append(({j, k}, (w, ya, yb, _difference(ya, yb))))
            used |= {j, k}
    return out


def _balanced(pairs: list[tuple[sp.Expr, sp.Expr]], simplex: frozenset[sp.IndexedBase], index: sp.Expr | None) -> bool:
    """sum(a_i) == sum(b_i): symbolically, or entries of two probability vectors over all classes."""
    if sp.expand(sp.Add(*(a - b for a, b in pairs))) == 0:
        return True
    return index is not None and len(pairs) == 1 and all(
        isinstance(v, sp.Indexed) and v.base in simplex and v.indices == (index,) for v in pairs[0])


def _kl_group(terms: list[sp.Expr], simplex: frozenset[sp.IndexedBase], index: sp.Expr | None) -> sp.Expr | None:
    from .rewrite import _difference

    found = [({j}, x) for j, t in enumerate(terms) if (x := _xlog(t)) is not None]
    found += _xlog_pairs(terms, {j for js, _ in found for j in js})
    if not found or (len(found) < 2 and index is None):
        return None
    w0, a0, b0, _ = found[0][1]
    for c in sorted((sp.cancel(w0 / a0), sp.cancel(-w0 / b0)), key=sp.count_ops):
        if index is not None and c.has(index):  # sum_i c_i (x_i - y_i) is not 0 for weights of the class
            continue
        parts = []
        for _js, (w, a, b, d) in found:
            if sp.cancel(w / a - c) == 0:
                parts.append((a, b, d if d is not None else _difference(a, b)))
            elif sp.cancel(-w / b - c) == 0:
                parts.append((b, a, -d if d is not None else _difference(b, a)))
            else:
                break
        else:
            if _balanced([(a, b) for a, b, _ in parts], simplex, index):
                used = {j for js, _ in found for j in js}
                rest = [t for j, t in enumerate(terms) if j not in used]
                return sp.Add(*rest, c * sp.Add(*(KLDivD(a, b, d) for a, b, d in parts)))
    return None


def kl_terms(expr: sp.Expr, simplex: frozenset[sp.IndexedBase] = frozenset(), index: sp.Expr | None = None) -> sp.Expr:
    """Sums of c*x_i*log(x_i/y_i) with sum x_i = sum y_i as c*sum kl_div_d(x_i, y_i, x_i - y_i), in
    every sum of the rewritten form (inside products and class sums too); log(u/v) of sums of
    the same stems (Uniform KL) as log1p of their exact difference."""
    if expr.is_Atom:
        return expr
    if isinstance(expr, sp.Sum):
        (k, lo, hi), = expr.limits if len(expr.limits) == 1 else ((None, None, None),)
        return expr.func(kl_terms(expr.function, simplex, k), *expr.limits)
    args = [kl_terms(a, simplex) if isinstance(a, sp.Expr) else a for a in expr.args]
    if expr.is_Add:
        grouped = _kl_group(list(args), simplex, index)
        if grouped is not None:
            return grouped
    if index is not None and not expr.is_Add:
        grouped = _kl_group([expr], simplex, index)
        if grouped is not None:
            return grouped
    if isinstance(expr, sp.log) and isinstance(expr.args[0], Quot):
        from .rewrite import _pair_score

        a, b = expr.args[0].args
        if a.is_Symbol and b.is_Symbol and _pair_score(a, b) > 0:  # log(m_1/m_2) near 0: log1p(d/b)
            return XLogRatio1P(sp.Integer(1), a - b, a, b)
    if isinstance(expr, sp.log):
        ratio = _stem_ratio(expr.args[0])
        if ratio is not None:
            return ratio
    rebuild: Callable[..., sp.Expr] = expr.func
    try:
        return rebuild(*args, evaluate=False) if isinstance(expr, sp.Function) else rebuild(*args)
    except (TypeError, ValueError):  # pragma: no cover - nodes that cannot be rebuilt this way
        return expr


def _stem_ratio(y: sp.Expr) -> sp.Expr | None:
    """log(u/v) for sums u, v of symbols of the same stems (b_2 - a_2 over b_1 - a_1) as
    XLogRatio1P(1, u - v, u, v), u - v grouped stem by stem; else None."""
    from .rewrite import _difference

    u, v = sp.fraction(y)
    if not (u.is_Add and v.is_Add and len(u.args) == len(v.args)):
        return None
    d = _difference(u, v)
    if d.is_Add and not all(isinstance(g, type(d.args[0])) for g in d.args) or not d.has(sp.Function):
        return None
    return XLogRatio1P(sp.Integer(1), d, u, v)


def switch(close: sp.Expr, far: sp.Expr) -> sp.Expr:
    """``close`` (the P ~ Q rewrite) where the differences of its Bregman nodes are at most half
    their reference values, ``far`` (the rewrite without it) elsewhere; ``far`` alone where the
    P ~ Q passes changed nothing that needs the switch."""
    if not close.has(LogGammaBregman, XLogRatio1P, XLogY, XLog1PY) and not any(
            lg.free_symbols for lg in close.atoms(sp.log)):
        # the Bregman terms are all the logs there are: powlog_bregman is accurate for any ratio
        # (its own near/far choice), so no switch and the code stays one expression (Normal KL).
        # A log left beside them (Gamma -> Exponential: alpha*(r - 1 - log r) + (1 - alpha)*log(1/r))
        # cancels against them far from r = 1 (-0.92 for 100010.09 at alpha = 1e20): switch there
        return close
    if any(t.has(LogGammaBregman) and t.could_extract_minus_sign() for t in sp.Add.make_args(close)):
        # log-gamma Bregman terms of both signs (Beta KL: those of alpha and beta less that of
        # alpha + beta) cancel each other where one shape is large: at (1e16, 1/2) vs (1.1e16, 1/2)
        # they are 5e13 each and the KL 0.0023 came out 0 (hostile audit). The general form there.
        return far
    conds = []
    for e in sorted(close.atoms(PowLogBregman, LogGammaBregman), key=sp.default_sort_key):
        d, ref = (e.args[1], e.args[3]) if isinstance(e, PowLogBregman) else (e.args[1], e.args[0])
        c = sp.Abs(d) <= ref / 2
        if c not in conds:
            conds.append(c)
    if close == far or not conds:
        return close
    from .nodes import Near

    return Near(close, far, sp.And(*conds))


# ---------------------------------------------------------------- differences of exponentials
def _exp_factor(t: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(c, x)`` for a term ``c*exp(x)`` with one exp factor, else None."""
    factors = sp.Mul.make_args(t)
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if len(exps) != 1:
        return None
    return sp.Mul(*(f for f in factors if f is not exps[0])), exps[0].args[0]


def _exponent_difference(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """``x - y`` as one expression: two quotients over the same denominator as one quotient of the
    difference of their numerators ((mu - a)/beta - (mu - b)/beta = (b - a)/beta, exact where a ~ b)."""
    if isinstance(x, Quot) and isinstance(y, Quot) and x.args[1] == y.args[1]:
        return Quot(sp.expand(x.args[0] - y.args[0]), x.args[1])
    return x - y


def exp_differences(expr: sp.Expr) -> sp.Expr:
    """Every pair ``c*exp(x) - c*exp(y)`` of a sum as ``c*ExpDiff(x, y, x - y)``: computed as
    exp(x) - exp(y) the pair lost everything where x ~ y (1 - exp(-1e-206) is 0) and gave nan where
    both overflowed (inf - inf).

    >>> a, b, m, s = sp.symbols("a b m s", positive=True)
    >>> exp_differences(sp.exp(Quot(m - a, s)) - sp.exp(Quot(m - b, s)))
    -ExpDiff(Quot(-b + m, s), Quot(-a + m, s), Quot(a - b, s))
    """
    def pair(add: sp.Expr) -> sp.Expr:
        terms = list(add.args)
        for i, t in enumerate(terms):
            first = _exp_factor(t)
            if first is None:
                continue
            for j in range(i + 1, len(terms)):
                second = _exp_factor(terms[j])
                if second is None or sp.expand(first[0] + second[0]) != 0:
                    continue
                (c, x), (_, y) = first, second
                rest = [u for k, u in enumerate(terms) if k not in (i, j)]
                return pair(sp.Add(*rest, c * ExpDiff(x, y, _exponent_difference(x, y)))) if rest else \
                    c * ExpDiff(x, y, _exponent_difference(x, y))
        return add

    return expr.replace(lambda e: e.is_Add, pair)
