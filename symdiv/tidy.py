"""Targeted rewrites that bring an engine result to textbook shape.

No blind ``simplify``: the result is expanded, split into constants, logarithms, sums and
the rest, and each part is rewritten by a small fixed rule set (combine logarithms that
share a coefficient, merge logarithms with rational coefficients, put rational terms over
common denominators, complete squares, pull the sign out of a sum). Among the few
candidate assemblies the one with the fewest operations (``sympy.count_ops``) wins, ties
going to the first, so the shape is predictable.

Combining logarithms is valid because every logarithm argument in an engine result is
positive under the parameters' domain facts (probabilities in (0, 1], positive scales).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable

import sympy as sp

from .symbols import symbol_log

__all__ = ["tidy", "distribute", "hide_opaque", "complete_squares", "ops", "expand_log", "log2", "to_bits",
           "negative_looking", "erfc_form", "real_form"]


#: sums of more terms than this are measured term by term (each distinct term counted once)
_TERMWISE_OPS_FROM = 200


def ops(expr: sp.Expr) -> int:
    """The number of operations (``sympy.count_ops``); a sum of hundreds of terms as the sum of its
    terms' counts plus one operation per term, each distinct term counted once for all candidates
    (counting whole 1000-term candidates took half a second)."""
    if expr.is_Add and len(expr.args) > _TERMWISE_OPS_FROM:
        return sum(_term_ops(t) for t in expr.args) + len(expr.args) - 1
    return int(sp.count_ops(expr))


@functools.lru_cache(maxsize=8192)
def _term_ops(t: sp.Expr) -> int:
    return int(sp.count_ops(t))


def _smallest(candidates: Iterable[sp.Expr]) -> sp.Expr:
    best, best_ops = None, None
    for c in candidates:
        n = ops(c)
        if best_ops is None or n < best_ops:
            best, best_ops = c, n
    assert best is not None
    return best


def _fast_log(arg: sp.Expr) -> sp.Expr:
    """log(arg); a symbolic argument has nothing to evaluate, so skip SymPy's slow attempt."""
    if arg.has(sp.gamma):
        arg = sp.gammasimp(arg)  # Gamma(n) / Gamma(n + 1) -> 1/n
    return sp.log(arg, evaluate=False) if arg.free_symbols else sp.log(arg)


def _has_sum_factor(t: sp.Expr) -> bool:
    return any(f.is_Add or (f.is_Pow and f.base.is_Add) for f in sp.Mul.make_args(t))


_FACTOR_LIMIT = 10**12
_MERGE_LIMIT = 24


def expand_log(lg: sp.log) -> sp.Expr:
    """Split a logarithm whose argument is known positive; factor small rational arguments."""
    arg = lg.args[0]
    if arg.is_Mul or arg.is_Pow:  # log(a^k b / c) with symbol factors: split directly (expand_log is slow)
        parts = [f.as_base_exp() for f in sp.Mul.make_args(arg)]
        if all(b.is_Symbol and e.is_Rational for b, e in parts):
            return sp.Add(*(e * symbol_log(b) for b, e in parts))
    out = sp.expand_log(lg, force=True)
    small = {a: sp.expand_log(a, force=True, factor=True) for a in out.atoms(sp.log)
             if a.args[0].is_Rational and abs(a.args[0].p) < _FACTOR_LIMIT and a.args[0].q < _FACTOR_LIMIT}
    return sp.expand(out.xreplace(small)) if small else out


def _expand_term(t: sp.Expr) -> sp.Expr:
    """Distribute products and powers of sums; logarithms are combined later, not split here."""
    if t.is_Mul:  # c (a + b) with plain summands: distributed directly (sympy.expand took 1 ms a term)
        sums = [f for f in t.args if f.is_Add]
        if len(sums) == 1 and not any(_has_sum_factor(f) for f in t.args if not f.is_Add) \
                and not any(_has_sum_factor(a) for a in sums[0].args):
            rest = sp.Mul(*(f for f in t.args if not f.is_Add))
            return sp.Add(*(rest * a for a in sums[0].args))
    return sp.expand(t, log=False, power_base=False, power_exp=False, basic=False)


def distribute(expr: sp.Expr) -> sp.Expr:
    """Products and powers of sums distributed term by term (no other expansion)."""
    return sp.Add(*(_expand_term(t) if _has_sum_factor(t) else t for t in sp.Add.make_args(expr)))


def _expand(expr: sp.Expr) -> sp.Expr:
    expr = distribute(expr)
    numeric_logs = [a for a in expr.atoms(sp.log) if a.args[0].is_number and a.args[0].is_positive]
    if numeric_logs:
        expr = sp.expand(expr.xreplace({a: expand_log(a) for a in numeric_logs}))
    return expr


def complete_squares(n: sp.Expr) -> sp.Expr:
    """Rewrite c a^2 -/+ 2c ab + c b^2 inside a polynomial as c (a -/+ b)^2."""
    syms = sorted(n.free_symbols, key=sp.default_sort_key)
    if len(syms) < 2:
        return n
    try:
        terms = dict(sp.Poly(n, *syms).terms())
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return n
    width = len(syms)

    def mono(**at: int) -> tuple[int, ...]:
        return tuple(at.get(str(k), 0) for k in range(width))

    squares = []
    for a, b in itertools.combinations(range(width), 2):
        ea, eb, eab = mono(**{str(a): 2}), mono(**{str(b): 2}), mono(**{str(a): 1, str(b): 1})
        ca, cb, cab = terms.get(ea), terms.get(eb), terms.get(eab)
        if ca and ca == cb and cab in (2 * ca, -2 * ca):
            for m in (ea, eb, eab):
                del terms[m]
            squares.append(ca * (syms[a] + (cab / (2 * ca)) * syms[b]) ** 2)  # c (a ± b)^2
    if not squares:
        return n
    rest = (c * sp.Mul(*(s**e for s, e in zip(syms, m))) for m, c in terms.items())
    return sp.Add(*rest, *squares)


def _rational_terms(rest: list[sp.Expr], keep_content: bool = True) -> list[sp.Expr]:
    """Group terms over their common denominators and complete squares in the numerators."""
    groups: dict[sp.Expr, sp.Expr] = {}
    for t in rest:
        num_coeff, t2 = t.as_coeff_Mul()
        n, d = t2.as_numer_denom()
        groups[d] = groups.get(d, sp.Integer(0)) + num_coeff * n
    out = []
    for d, n in groups.items():
        content, prim = sp.expand(n).as_content_primitive()
        body = complete_squares(prim)
        if keep_content and d == 1 and content != 1 and body.is_Add:  # (a + b)/2: SymPy would distribute the 1/2
            out.append(sp.Mul(content, body, evaluate=False))
        else:
            out.append(body / (d / content))
    return out


def negative_looking(c: sp.Expr) -> bool:
    """Whether -c reads better than c; exactly one of c and -c is negative-looking.

    -p and p - 1 are (they read better as p and 1 - p): a sum with more negative than
    positive terms, or as many and a negative constant; a product with an odd number of
    negative-looking factors.
    """
    if c.is_Mul:
        return sum(1 for f in c.args if negative_looking(f)) % 2 == 1
    if not c.is_Add:
        return bool(c.could_extract_minus_sign())
    terms = sp.Add.make_args(c)
    neg = sum(1 for t in terms if t.could_extract_minus_sign())
    if 2 * neg != len(terms):
        return 2 * neg > len(terms)
    const = c.as_coeff_Add()[0]
    return bool(const.is_negative) if const != 0 else bool(c.could_extract_minus_sign())


def negate(c: sp.Expr) -> sp.Expr:
    """-c, flipping a negative-looking factor rather than adding a sign: -n (p - 1) -> n (1 - p)."""
    if c.is_Mul:
        for f in c.args:
            if negative_looking(f):
                rest = [g for g in c.args if g is not f]
                return sp.Mul(*rest, -f if not f.is_Add else sp.Add(*(-t for t in f.args)))
    return -c


def canonical(c: sp.Expr) -> sp.Expr:
    """A coefficient with common factors pulled out: n p - n -> n (p - 1)."""
    return sp.factor_terms(c) if c.is_Add else c


def _log_by_coefficient(logs: dict[sp.Expr, sp.Expr]) -> list[sp.Expr]:
    """c log a - c log b -> c log(a/b), with the positive-looking coefficient outside (p, 1 - p, 1)."""
    groups: dict[sp.Expr, tuple[list[sp.Expr], list[sp.Expr]]] = {}
    for arg, c in logs.items():
        c = canonical(c)
        negative = negative_looking(c)
        key = negate(c) if negative else c
        num, den = groups.setdefault(key, ([], []))
        (den if negative else num).append(arg)
    out = []
    for c, (num, den) in groups.items():
        if not num:
            c, num, den = negate(c), den, num
        out.append(c * _fast_log(sp.Mul(*num) / sp.Mul(*den)))
    return out


def _log_merged(logs: dict[sp.Expr, sp.Expr]) -> tuple[sp.Expr, int, dict[sp.Expr, sp.Expr]] | None:
    """Σ r_k log a_k with rational r_k -> (1/d) log(A), A = Π a_k^(d r_k); returns (A, d, others)."""
    rational = {a: c for a, c in logs.items() if c.is_Rational}
    if not rational:
        return None
    d = functools.reduce(math.lcm, (int(c.q) for c in rational.values()), 1)
    if d > _MERGE_LIMIT or any(abs(d * c) > _MERGE_LIMIT for c in rational.values()):
        return None  # log(a^1000000) is no textbook form (and its integer would be astronomically large)
    inside = sp.Mul(*(a ** (d * c) for a, c in rational.items()))
    return inside, d, {a: c for a, c in logs.items() if a not in rational}


def _numeric_logs_absorbed(logs: dict[sp.Expr, sp.Expr]) -> list[dict[sp.Expr, sp.Expr]]:
    """Σ r_k log n_k + c log A -> c log(Π n_k^(r_k/c) A) for numbers n_k:
    log(sigma) + log(2)/2 + log(pi)/2 -> log(sqrt(2) sqrt(pi) sigma)."""
    numeric = [(a, c) for a, c in logs.items() if a.is_number and c.is_Rational]
    symbolic = [(a, c) for a, c in logs.items() if not a.is_number]
    if not numeric:
        return []
    out = []
    for a, c in symbolic:
        ratios = [r / c for _, r in numeric]
        if all(q.is_Rational and abs(q.q) <= 2 and abs(q) <= 2 for q in ratios):
            merged = {k: v for k, v in logs.items() if not (k.is_number and v.is_Rational) and k != a}
            merged[a * sp.Mul(*(n**q for (n, _), q in zip(numeric, ratios)))] = c
            out.append(merged)
    return out


_SPECIAL = (sp.polygamma, sp.loggamma, sp.gamma, sp.exp, sp.Abs)


def _collected(rest: list[sp.Expr]) -> list[sp.Expr]:
    """Collect the rest by special-function atoms: a psi(x) - b psi(x) -> (a - b) psi(x)."""
    total = sp.Add(*rest)
    atoms = sorted({a for a in total.atoms(*_SPECIAL)} | ({sp.EulerGamma} if total.has(sp.EulerGamma) else set()),
                   key=sp.default_sort_key)
    if not atoms:
        return rest
    # collect by stand-in symbols: given exp(c) itself, SymPy's collect rewrites other factors as
    # powers of E (177**(21/50) -> exp(21 log(177)/50)) and mangles them
    stand_in = {a: sp.Dummy() for a in atoms}
    back = {d: a for a, d in stand_in.items()}
    collected = {k.xreplace(back): v.xreplace(back)
                 for k, v in sp.collect(total.xreplace(stand_in), list(stand_in.values()), evaluate=False).items()}
    out = []
    for key, coeff in collected.items():
        coeff = canonical(coeff)
        out.append(negate(coeff) * -key if negative_looking(coeff) and key != 1 else coeff * key)
    return [sp.powsimp(t, combine="exp") if t.has(sp.exp) else t for t in out]


def _by_common_factor(rest: list[sp.Expr]) -> list[sp.Expr]:
    """(a - b) psi(a) - (a - b) psi(c) -> (a - b) (psi(a) - psi(c)): group terms sharing a sum factor."""
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    others = []
    for t in rest:
        sums = [f for f in sp.Mul.make_args(t) if f.is_Add]
        if len(sums) == 1:
            f = sums[0]
            key, sign = (negate(f), -1) if negative_looking(f) else (f, 1)
            groups.setdefault(key, []).append(sign * t / f)
        else:
            others.append(t)
    out = others
    for key, cofactors in groups.items():
        out.append(key * sp.Add(*cofactors) if len(cofactors) > 1 else key * cofactors[0])
    return out


def _by_shared_factor(rest: list[sp.Expr], tries: int = 3) -> list[list[sp.Expr]]:
    """Options that factor a symbolic factor shared by several terms out of them: the textbook
    (mu^2/2 - mu/lambda + 1/lambda^2) / sigma^2 instead of three fractions over sigma^2."""
    counts: dict[sp.Expr, int] = {}
    for t in rest:
        for f in set(sp.Mul.make_args(t)):
            if not f.is_number and not f.is_Add and not f.has(sp.log, sp.Sum):
                counts[f] = counts.get(f, 0) + 1
    shared = sorted((f for f, n in counts.items() if n >= 2), key=lambda f: (-counts[f], sp.default_sort_key(f)))
    options = []
    for f in shared[:tries]:
        inside = [t / f for t in rest if f in sp.Mul.make_args(t)]
        others = [t for t in rest if f not in sp.Mul.make_args(t)]
        for body in (sp.Add(*inside), sp.Add(*_rational_terms(inside)), sp.Add(*_rational_terms(inside, False))):
            options.append([*others, sp.Mul(f, body, evaluate=False) if body.is_Add else f * body])
    return options


def _log_beta(expr: sp.Expr) -> sp.Expr:
    """c (log Gamma(a) + log Gamma(b) - log Gamma(a + b)) -> c log B(a, b)."""
    if not expr.has(sp.loggamma):
        return expr
    terms = list(sp.Add.make_args(expr))
    lg = {}
    for k, t in enumerate(terms):
        c, f = t.as_independent(sp.loggamma, as_Add=False)
        if isinstance(f, sp.loggamma) and c.is_Number:
            lg[f.args[0]] = (k, c)
    used: set[int] = set()
    extra = []
    for s_arg, (ks, cs) in lg.items():
        if not s_arg.is_Add or ks in used:
            continue
        for a_arg, (ka, ca) in lg.items():
            b_arg = s_arg - a_arg
            if a_arg == s_arg or b_arg not in lg or {ka, lg[b_arg][0]} & used or ka == lg[b_arg][0]:
                continue
            if ca == lg[b_arg][1] == -cs:
                used |= {ks, ka, lg[b_arg][0]}
                a, b = sorted((a_arg, b_arg), key=sp.default_sort_key)
                extra.append(ca * sp.log(sp.beta(a, b), evaluate=False))
                break
    if not used:
        return expr
    return sp.Add(*(t for k, t in enumerate(terms) if k not in used), *extra)


def _sum_part(sums: dict[tuple, list[sp.Expr]]) -> list[sp.Expr]:
    out = []
    for (kind, limits), summands in sums.items():
        inner = tidy(sp.Add(*summands))
        if inner == 0:
            continue
        factored = sp.factor_terms(inner)
        if factored != inner and ops(factored) < ops(inner):
            inner = factored
        plain = kind(inner, *limits)
        if inner.could_extract_minus_sign():
            out.append(_smallest([-kind(-inner, *limits), plain]))
        else:
            out.append(plain)
    return out


def hide_matrices(expr: sp.Expr) -> tuple[sp.Expr, dict[sp.Dummy, sp.Expr]]:
    """Replace each scalar built from matrix expressions (a trace, a determinant, a quadratic
    form) by a dummy with the same sign assumptions, so polynomial tools can work around it."""
    found: dict[sp.Expr, sp.Dummy] = {}

    def visit(e: sp.Basic) -> None:
        if isinstance(e, sp.Expr) and not isinstance(e, sp.MatrixExpr) and any(
                isinstance(a, sp.MatrixExpr) for a in e.args):
            if e not in found:
                found[e] = sp.Dummy(positive=bool(e.is_positive), nonnegative=bool(e.is_nonnegative),
                                    real=bool(e.is_extended_real) or None)
            return
        for a in e.args:
            visit(a)

    visit(expr)
    return expr.xreplace(found), {d: e for e, d in found.items()}


#: as families/_common.py's _EXACT_LIMIT: special functions of larger exact numbers stay unevaluated
_SPECIAL_EXACT_LIMIT = 100


def hide_opaque(expr: sp.Expr) -> tuple[sp.Expr, dict[sp.Dummy, sp.Expr]]:
    """Replace each integral and unevaluated expectation by a real dummy, and each special function
    of a large exact number by a positive one: the rewrites treat them as atoms and never reach
    inside (SymPy's ``collect`` and ``powsimp`` can mangle integrands, and rebuilding a function
    evaluates it)."""
    from .derivation import Expectation

    found: dict[sp.Basic, sp.Dummy] = {e: sp.Dummy("I", real=True) for e in expr.atoms(sp.Integral, Expectation)}
    # special functions of large exact numbers are kept unevaluated (families/_common.py): a rewrite
    # that rebuilds loggamma(99999) or polygamma(0, 99999) would compute 99998! or H_99998 exactly
    for f in expr.atoms(sp.loggamma, sp.polygamma, sp.gamma):
        z = f.args[-1]
        if z.is_Rational and abs(z) > _SPECIAL_EXACT_LIMIT:
            found[f] = sp.Dummy("G", positive=True)
    return (expr.xreplace(found), {d: e for e, d in found.items()}) if found else (expr, {})


def erfc_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with erf(z) written as 1 - erfc(z) and expanded, when that is not longer.

    Integrals of Gaussian tails come back as c - c*erf(z): at z = 17.7 that is 1 - (1 - 1e-138),
    all digits lost to cancellation (and exp(z**2)*(1 - erf(z)) overflows in floating point),
    while erfc(z) keeps them. The identity erf = 1 - erfc makes this value-preserving.

    >>> s = sp.Symbol("s", positive=True)
    >>> erfc_form(sp.exp(s**2) - sp.exp(s**2) * sp.erf(s))
    exp(s**2)*erfc(s)
    """
    erfs = expr.atoms(sp.erf)
    if not erfs:
        return expr
    stand = {e: sp.Dummy() for e in erfs}
    expanded = sp.expand(expr.xreplace({e: 1 - d for e, d in stand.items()}))
    out = expanded.xreplace({d: sp.erfc(e.args[0]) for e, d in stand.items()})
    return out if ops(out) <= ops(expr) else expr


def real_form(expr: sp.Expr) -> sp.Expr | None:
    """``expr`` without the imaginary unit, when it only enters through erf/erfc of imaginary
    arguments (erfc(i z) = 1 - i erfi(z)) and cancels; None when i remains (then the expression is
    not a real closed form: an expectation of a real function must not be returned as one).

    >>> real_form(-sp.I * sp.pi + sp.I * sp.pi * sp.erfc(sp.sqrt(2) * sp.I / 2))
    pi*erfi(sqrt(2)/2)
    """
    if not expr.has(sp.I):
        return expr

    def imaginary(a: sp.Expr) -> sp.Expr | None:
        z = sp.expand(a / sp.I)
        return z if z.is_extended_real and not z.has(sp.I) else None

    swap: dict[sp.Basic, sp.Expr] = {}
    for f in expr.atoms(sp.erf, sp.erfc):
        z = imaginary(f.args[0])
        if z is not None:
            swap[f] = sp.I * sp.erfi(z) if isinstance(f, sp.erf) else 1 - sp.I * sp.erfi(z)
    out = sp.expand(expr.xreplace(swap)) if swap else expr
    return None if out.has(sp.I) else out


def tidy(expr: sp.Expr) -> sp.Expr:
    """Bring ``expr`` to a compact, textbook shape (equal to ``expr``)."""
    expr = sp.sympify(expr)
    if expr.is_Number or expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return expr
    hidden, back = hide_opaque(expr)
    if back:
        return tidy(hidden).xreplace(back)
    if expr.has(sp.MatrixExpr):
        hidden, back = hide_matrices(expr)
        return tidy(hidden).xreplace(back)
    expr = _log_beta(_expand(expr))
    expr = sp.Add(*(sp.powsimp(t, combine="exp") if sum(isinstance(f, sp.exp) for f in sp.Mul.make_args(t)) > 1
                    else t for t in sp.Add.make_args(expr)))
    exps = {e: sp.exp(tidy(e.args[0])) for e in expr.atoms(sp.exp) if e.args[0].is_Add and len(e.args[0].args) > 2}
    if exps:  # exp(-m^2/(2s^2) + m n/s^2 - n^2/(2s^2)) -> exp(-(m - n)^2/(2s^2))
        exps = {e: t for e, t in exps.items() if ops(t) < ops(e)}
        expr = expr.xreplace(exps) if exps else expr
    const = sp.Integer(0)
    logs: dict[sp.Expr, sp.Expr] = {}
    log_of: dict[sp.Expr, sp.Expr] = {}  # the log objects themselves, reused (creating them is slow)
    sums: dict[tuple, list[sp.Expr]] = {}
    rest: list[sp.Expr] = []
    has_sums = expr.has(sp.Sum)
    for t in sp.Add.make_args(expr):
        if t.is_Number:
            const += t
            continue
        c, s = t.as_independent(sp.Sum, as_Add=False) if has_sums else (t, None)
        if isinstance(s, sp.Sum):
            sums.setdefault((s.func, s.limits), []).append(_expand_term(c * s.function))
            continue
        factors = sp.Mul.make_args(t)
        lg = [f for f in factors if isinstance(f, sp.log)]
        coeff = sp.Mul(*(f for f in factors if not isinstance(f, sp.log)))
        if len(lg) == 1 and not coeff.has(sp.log):
            arg = lg[0].args[0]
            logs[arg] = logs.get(arg, sp.Integer(0)) + coeff
            log_of[arg] = lg[0]
        else:
            rest.append(t)
    logs = {a: c for a, c in logs.items() if c != 0}

    sum_part = _sum_part(sums)
    collected = _collected(rest)
    rest_options = ([rest, _rational_terms(rest), collected, _by_common_factor(collected), *_by_shared_factor(rest),
                     *_by_shared_factor(collected)]
                    if rest else [[]])
    if any(f.is_Pow and not f.exp.is_Number for t in rest for f in sp.Mul.make_args(t)):
        # a^k / b^k -> (a/b)^k (positive bases): one power instead of two
        rest_options += [[sp.powsimp(t, combine="base") for t in option] for option in rest_options[:3]]
    log_options: list[tuple[list[sp.Expr], sp.Expr]] = []
    merged = _log_merged(logs)
    if merged is not None:
        inside, d, others = merged
        other_terms = _log_by_coefficient(others)
        if const.is_Rational and const > 0 and abs(d * const) <= _MERGE_LIMIT and not inside.is_number:
            log_options.append(([sp.log(inside * sp.exp(d * const)) / d, *other_terms], sp.Integer(0)))
        if len(logs) - len(others) >= 2:
            log_options.append(([sp.log(inside) / d, *other_terms], const))
    log_options.append((_log_by_coefficient(logs), const))
    log_options.append(([c * log_of[a] for a, c in logs.items()], const))
    log_options += [(_log_by_coefficient(m), const) for m in _numeric_logs_absorbed(logs)]

    candidates = [sp.Add(*lt, k, *rt, *sum_part) for (lt, k), rt in itertools.product(log_options, rest_options)]
    best = _smallest(candidates)
    if best.is_Add and len(best.args) <= 12:
        factored = sp.factor_terms(best)  # n (p log(p/q) + ...): only a symbolic common factor is worth it
        if factored.is_Mul and any(not f.is_Number for f in factored.args if not f.is_Add):
            return _smallest([best, factored])
    return best


class log2(sp.Function):
    """The base-2 logarithm, kept as one symbol so results in bits print as log_2."""

    nargs = 1

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (sp.log(self.args[0]) / sp.log(2))._eval_evalf(prec)

    def _eval_rewrite_as_log(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(arg) / sp.log(2)


def to_bits(expr: sp.Expr) -> sp.Expr:
    """A result in nats converted to bits (divided by log 2), logarithms becoming log_2."""
    expr = sp.sympify(expr)
    if expr.is_Add:
        return sp.Add(*(to_bits(t) for t in expr.args))
    coeff, rest = expr.as_independent(sp.Sum, as_Add=False)
    if isinstance(rest, sp.Sum):
        return coeff * rest.func(to_bits(rest.function), *rest.limits)
    logs = [f for f in sp.Mul.make_args(expr) if isinstance(f, sp.log)]
    if len(logs) == 1 and not (expr / logs[0]).has(sp.log):
        return (expr / logs[0]) * log2(logs[0].args[0])
    return expr / sp.log(2)
