"""Plain-text and Unicode renderings of derivations, verdicts and the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sympy as sp

from ..derivation import Derivation, StepKind
from ..family import Family
from .conditions import in_unit, open_probabilities, otherwise_text, shown

if TYPE_CHECKING:
    from ..prove.verdict import Verdict

__all__ = ["expr_text", "derivation_text", "verdict_text"]


def expr_text(expr: sp.Expr, unicode: bool = False) -> str:
    if unicode:
        return sp.pretty(expr, use_unicode=True)
    return sp.sstr(expr)


def _lhs(d: Derivation, unicode: bool) -> str:
    return d.symbol(unicode)


def _where(families: Iterable[Family]) -> str:
    return ", ".join(f"{r} = {f!r}" for r, f in zip("PQ", families))


def _block(lhs: str, body: str) -> str:
    lines = body.splitlines()
    if len(lines) == 1:
        return f"{lhs} = {body}"
    # a multi-line pretty form: put "lhs = " on the baseline-ish middle line
    mid = len(lines) // 2
    pad = " " * (len(lhs) + 3)
    return "\n".join((f"{lhs} = " if k == mid else pad) + line for k, line in enumerate(lines))


def derivation_text(d: Derivation, steps: bool = False, unicode: bool = False, bits: bool = False) -> str:
    """The result (in bits with ``bits``), the conditions under which it holds (+oo where one
    fails), the families, and with ``steps`` every step.

    >>> import symdiv as sd
    >>> print(derivation_text(sd.kl_divergence(sd.Uniform(0, "b_1"), sd.Uniform(0, "b_2"))))
    KL(P || Q) = log(b_2/b_1)
      if b_1 <= b_2; otherwise KL(P || Q) = +oo
      where P = Uniform(a=0, b=b_1), Q = Uniform(a=0, b=b_2)
    """
    lhs = _lhs(d, unicode)
    value, conds = shown(d, bits)
    out = [_block(lhs, expr_text(value, unicode))]
    if conds:
        out.append("  " + otherwise_text(lhs, conds, unicode))
    out.append(f"  where {_where(d.families)}")
    probabilities = open_probabilities(d.families)
    if probabilities:
        out.append("  for " + ", ".join(f"0 < {p} < 1" for p in probabilities)
                   + " (a probability of 0 or 1: substitute it with --at or .at())")
    if not d.is_complete:
        out.append("  (incomplete: an expectation, integral or series has no closed form and stays explicit)")
    if steps:
        out.append("")
        last = len(d.steps)
        for k, s in enumerate(d.steps, 1):
            expr, note = s.expr, s.note
            if k == last and bits and s.expr == d.expr:
                expr, note = in_unit(s.expr, True), note + " (in bits)"
            out.append(f"{k}. [{s.kind.value}] {note}")
            out.extend("     " + line for line in _block("", expr_text(expr, unicode)).lstrip(" =").splitlines())
    return "\n".join(out)


def _proof_text(v: Verdict) -> str:
    """The proof's steps after the residual: each rewrite with its result, each support step with its note."""
    steps = [s for s in v.proof if s.kind is not StepKind.DEFINITION]
    if not steps:
        return "  proof: lhs - rhs is identically 0"
    return "  proof: " + " -> ".join(f"[{s.kind.value}] {s.note if s.kind is StepKind.SUPPORT else expr_text(s.expr)}"
                                     for s in steps)


def verdict_text(v: Verdict, unicode: bool = False) -> str:
    """A verdict as plain text (Unicode pretty-printing with ``unicode``): the verdict, the families,
    both sides, each quantity's closed form with the conditions under which it holds (+oo where one
    fails), then the proof and the numeric evidence, the counterexample with both sides evaluated, or
    where the rewrites stopped; then the assumptions, and last the verdict again, in capitals.

    >>> import symdiv as sd
    >>> print(verdict_text(sd.check("H(P) = log(2)", sd.Bernoulli(sp.Rational(1, 2)))))
    H(P) = log(2): proved (lhs - rhs reduces to exactly 0)
      where P = Bernoulli(p=1/2)
      lhs = log(2)
      rhs = log(2)
      H(P) = log(2)
      proof: lhs - rhs is identically 0
      numeric check: max |lhs - rhs| = 0 at 1 random point(s), mpmath 30 digits
      verdict: PROVED
    """
    out = [str(v), f"  where {_where(v.families)}",
           _block("  lhs", expr_text(v.lhs, unicode)), _block("  rhs", expr_text(v.rhs, unicode))]
    for d in v.derivations:
        value, conds = shown(d)
        name = _lhs(d, unicode)
        out.append(_block(f"  {name}", expr_text(value, unicode))
                   + (f"  ({otherwise_text(name, conds, unicode)})" if conds else ""))
    ev = v.evidence
    if v.holds is True:
        out.append(_proof_text(v))
        if ev.points and v.residual is not sp.nan:
            out.append(f"  numeric check: max |lhs - rhs| = {sp.Float(ev.max_abs_residual, 5)} at {ev.points} random "
                       f"point(s), mpmath {ev.dps} digits")
    elif v.holds is False and v.counterexample is not None:
        c = v.counterexample
        out.append(f"  counterexample (exact point, both sides with mpmath at {c.dps} digits, confirmed at "
                   f"{c.confirmed_dps}):")
        out.append(f"    {', '.join(f'{k} = {val}' for k, val in c.point.items()) or 'at the given parameters'}")
        out.append(f"    lhs = {sp.Float(c.lhs, 20)}")
        out.append(f"    rhs = {sp.Float(c.rhs, 20)}")
    elif v.reduced is not sp.nan:
        out.append(f"  residual reduces to {expr_text(v.reduced, unicode)} (not 0)")
    if v.assumptions:
        out.append("  assumptions: " + ", ".join(sp.sstr(a) for a in v.assumptions))
    out.append(f"  verdict: {v.verdict.upper()}")
    return "\n".join(out)
