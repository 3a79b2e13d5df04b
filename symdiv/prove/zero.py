"""The prover: reduce a residual lhs - rhs to exactly 0 by sound rewrites, or say how far it got.

:func:`prove_zero` is the chain of value-preserving rewrites (logarithms of positive arguments
expanded, logarithms of rationals merged, sums over one range combined, expand, cancel);
:func:`reduce_residual` runs it within a size budget, hides matrix expressions from it, and tries
``sympy.simplify`` last on small residuals. "Proved" means the result is the integer 0, nothing less.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from ..derivation import Step, StepKind
from ..support import decide_nonnegative
from ..tidy import distribute, expand_log, hide_matrices

__all__ = ["MAX_EXPANSION", "prove_zero", "reduce_residual"]

#: residuals whose expansion would make more terms than this are not expanded (the proof is not tried)
MAX_EXPANSION = 100_000


def _symbol_monomial(a: sp.Expr) -> bool:
    """Whether ``a`` is a product of powers of positive symbols with rational exponents (p_3/q_3):
    positive, decided from the symbols' own assumptions (SymPy's assumption query on a fresh
    product took a millisecond, a second for a 1000-class Categorical)."""
    return all(b.is_Symbol and b.is_positive and e.is_Rational
               for b, e in (f.as_base_exp() for f in sp.Mul.make_args(a)))


def _positive_under_facts(a: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr],
                          positives: frozenset[sp.Expr] = frozenset()) -> bool:
    if _symbol_monomial(a) or a.is_positive or a in positives:
        return True
    if isinstance(a, (sp.beta, sp.gamma)) and all(_positive_under_facts(x, reparams, positives) for x in a.args):
        return True
    if a.is_Mul or a.is_Pow:
        factors = a.args if a.is_Mul else (a.base,)
        if all(_positive_under_facts(f, reparams, positives) for f in factors):
            return True
    return decide_nonnegative(a, reparams) is True and decide_nonnegative(-a, reparams) is False


def _expand_logs(expr: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr],
                 positives: frozenset[sp.Expr] = frozenset()) -> sp.Expr:
    """log(a b) -> log a + log b etc., only for arguments positive under the facts."""
    logs = [lg for lg in expr.atoms(sp.log)
            # log(symbol): nothing to do
            if not lg.args[0].is_Symbol and _positive_under_facts(lg.args[0], reparams, positives)]
    return expr.xreplace({lg: expand_log(lg) for lg in logs})


def _merge_rational_logs(expr: sp.Expr) -> sp.Expr:
    """Σ c_i log(r_i) over positive rationals r_i with rational c_i -> log(Π r_i^(L c_i)) / L, exactly;
    0 when the product is 1 (for logs of numbers too large to factor)."""
    distributed = distribute(expr)  # cheap, and often enough: c (log a - log b) - c log a + c log b
    if distributed == 0:
        return distributed
    expr = sp.expand(distributed)
    parts, rest = [], []
    for t in sp.Add.make_args(expr):
        c, lg = t.as_independent(sp.log, as_Add=False)
        if isinstance(lg, sp.log) and c.is_Rational and lg.args[0].is_Rational and lg.args[0] > 0:
            parts.append((c, lg.args[0]))
        else:
            rest.append(t)
    if len(parts) < 2:
        return expr
    lcm = sp.ilcm(*(c.q for c, _ in parts))
    if any(abs(c * lcm) > 64 for c, _ in parts):
        return expr
    product = sp.Mul(*(r ** int(c * lcm) for c, r in parts))
    return sp.Add(*rest, sp.log(product) / lcm if product != 1 else 0)


def _combine_sums(expr: sp.Expr) -> sp.Expr:
    """c1 Sum(f, L) + c2 Sum(g, L) -> Sum(expand(c1 f + c2 g), L)."""
    if not expr.has(sp.Sum):
        return expr
    groups: dict[tuple, sp.Expr] = {}
    rest = []
    for t in sp.Add.make_args(sp.expand(expr)):
        c, s = t.as_independent(sp.Sum, as_Add=False)
        if isinstance(s, sp.Sum) and not c.has(*s.variables):
            groups[s.limits] = groups.get(s.limits, sp.Integer(0)) + c * s.function
        else:
            rest.append(t)
    expanded = {lim: sp.expand(f) for lim, f in groups.items()}
    sums = [sp.Sum(f, *lim) for lim, f in expanded.items() if f != 0]
    return sp.Add(*rest, *sums)


def prove_zero(expr: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr], positives: Iterable[sp.Expr] = ()
               ) -> tuple[bool, sp.Expr, tuple[Step, ...]]:
    """Try to reduce ``expr`` to exactly 0 by sound rewrites; return (proved, reduced, steps).

    ``reparams`` are the families' re-parametrisations (:meth:`symdiv.Family.reparams`) and
    ``positives`` expressions known to be positive under the assumptions (see
    :meth:`symdiv.Family.positive_expressions`).

    >>> import sympy as sp
    >>> s = sp.Symbol("sigma", positive=True)
    >>> proved, reduced, steps = prove_zero(sp.log(2 * s) - sp.log(2) - sp.log(s), {})
    >>> proved, reduced, [step.kind.value for step in steps]
    (True, 0, ['definition', 'expand_log'])
    """
    known = frozenset(positives)
    steps = [Step(StepKind.DEFINITION, expr, "the residual")]
    current = expr
    for kind, note, rewrite in (
        (StepKind.EXPAND_LOG, "expand logarithms whose arguments are positive under the assumptions",
         lambda e: _expand_logs(e, reparams, known)),
        (StepKind.EXPAND_LOG, "combine logarithms of rational numbers exactly", _merge_rational_logs),
        (StepKind.SUM, "combine sums over the same index range", _combine_sums),
        (StepKind.TIDY, "expand and collect", sp.expand),
        (StepKind.TIDY, "put over a common denominator and cancel", lambda e: sp.cancel(sp.together(e))),
    ):
        new = rewrite(current)
        if new != current:
            steps.append(Step(kind, new, note))
            current = new
        if current == 0:
            return True, current, tuple(steps)
    return False, current, tuple(steps)


def _expansion_size(e: sp.Basic, cap: int = MAX_EXPANSION) -> tuple[int, int]:
    """(terms, work): an upper bound on the number of terms ``sympy.expand`` makes of ``e`` at its top
    level, and in all (inside function arguments too); both capped just above ``cap``."""
    if not e.args or isinstance(e, sp.MatrixExpr):
        return 1, 1
    parts = [_expansion_size(a, cap) for a in e.args]
    work = min(sum(w for _, w in parts), cap + 1)
    if e.is_Add:
        terms = min(sum(t for t, _ in parts), cap + 1)
    elif e.is_Mul:
        terms = 1
        for t, _ in parts:
            terms = min(terms * t, cap + 1)
    elif e.is_Pow and e.exp.is_Integer:
        n, k, count = parts[0][0], abs(int(e.exp)), 1
        for j in range(1, min(k, n - 1) + 1):  # C(n + k - 1, k) multisets of k of the n terms
            count = min(count * (k + j) // j, cap + 1)
            if count > cap:
                break
        terms = count if e.exp > 0 else 1
        work = min(work + count, cap + 1)
    else:
        terms = 1
    return terms, min(work + terms, cap + 1)


def reduce_residual(residual: sp.Expr, reparams: Mapping[sp.Symbol, sp.Expr], positives: Iterable[sp.Expr] = ()
                    ) -> tuple[bool, sp.Expr, tuple[Step, ...], str]:
    """(proved, reduced, steps, why not tried): :func:`prove_zero` within the size budget
    (:data:`MAX_EXPANSION`), with matrix expressions hidden from it, then ``sympy.simplify`` (a sound
    rewrite) on a small residual it left.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> proved, reduced, steps, why = reduce_residual(sp.sin(x)**2 + sp.cos(x)**2 - 1, {})
    >>> proved, reduced, steps[-1].note, why
    (True, 0, 'simplify', '')
    """
    if _expansion_size(residual)[1] > MAX_EXPANSION:
        return (False, residual, (Step(StepKind.DEFINITION, residual, "the residual"),),
                f"the residual is too large to expand (more than {MAX_EXPANSION} terms)")
    hidden, back = hide_matrices(residual) if residual.has(sp.MatrixExpr) else (residual, {})
    known = tuple(hide_matrices(p)[0] if back else p for p in positives)
    proved, reduced, steps = prove_zero(hidden, reparams, known)
    if (not proved and sp.count_ops(reduced) <= 60 and not reduced.has(sp.Sum)
            and _expansion_size(reduced)[1] <= 2000):
        simpler = sp.simplify(reduced)  # a sound rewrite; tried last, on small residuals only
        if simpler != reduced:
            steps = (*steps, Step(StepKind.TIDY, simpler, "simplify"))
            proved, reduced = simpler == 0, simpler
    if back:
        reduced = reduced.xreplace(back)
        steps = tuple(Step(s.kind, s.expr.xreplace(back), s.note) for s in steps)
    return proved, reduced, steps, ""
