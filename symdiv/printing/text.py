"""Plain-text and Unicode renderings of derivations, verifications and the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from ..derivation import Derivation
from ..family import Family
from ..verify import Verification
from .conditions import in_unit, otherwise_text, shown

__all__ = ["expr_text", "derivation_text", "verification_text", "families_text"]


def expr_text(expr: sp.Expr, unicode: bool = False) -> str:
    if unicode:
        return sp.pretty(expr, use_unicode=True)
    return sp.sstr(expr)


def _lhs(d: Derivation, unicode: bool) -> str:
    return {"entropy": "H(P)", "cross_entropy": "H(P, Q)",
            "kl_divergence": "KL(P \u2225 Q)" if unicode else "KL(P || Q)"}[d.quantity.value]


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


def verification_text(v: Verification, unicode: bool = False) -> str:
    ev = v.evidence
    out = [f"{v.claim}: {v.verdict.upper()}",
           f"  where {_where(v.derivations[0].families)}",
           f"  residual H(P,Q) - KL(P||Q) - H(P) reduces to: {expr_text(v.reduced, unicode)}"]
    for d in v.derivations:
        value, conds = shown(d)
        line = f"  {_lhs(d, unicode)} = {expr_text(value)}"
        out.append(line + (f"  ({otherwise_text(_lhs(d, unicode), conds, unicode)})" if conds else ""))
    out.append(f"  numeric check: max |residual| = {sp.Float(ev.max_abs_residual, 5)} at {ev.points} random "
               f"point(s), mpmath {ev.dps} digits")
    if ev.witness is not None:
        pt = ", ".join(f"{k} = {v}" for k, v in ev.witness.items())
        out.append(f"  counterexample: {pt}: left side {sp.Float(ev.lhs, 20)} != right side {sp.Float(ev.rhs, 20)}")
    if v.assumptions:
        out.append("  assumptions: " + ", ".join(sp.sstr(a) for a in v.assumptions))
    return "\n".join(out)


def verdict_text(v: Any) -> str:
    """A claim's verdict, its sides in closed form and the proof or counterexample, as plain text."""
    out = [str(v), f"  where {_where(v.families)}",
           f"  lhs = {expr_text(v.lhs)}", f"  rhs = {expr_text(v.rhs)}"]
    if v.holds is True:
        out.append("  proof: " + " -> ".join(f"[{s.kind.value}] {expr_text(s.expr)}" for s in v.proof[1:]) if
                   len(v.proof) > 1 else "  proof: lhs - rhs is identically 0")
    elif v.holds is False:
        c = v.counterexample
        out.append(f"  counterexample (exact point, both sides with mpmath at {c.dps} digits, confirmed at 50):")
        out.append(f"    {', '.join(f'{k} = {val}' for k, val in c.point.items()) or 'at the given parameters'}")
        out.append(f"    lhs = {sp.Float(c.lhs, 20)}")
        out.append(f"    rhs = {sp.Float(c.rhs, 20)}")
    else:
        out.append(f"  residual reduces to {expr_text(v.reduced)} (not 0)")
    if v.assumptions:
        out.append("  assumptions: " + ", ".join(sp.sstr(a) for a in v.assumptions))
    return "\n".join(out)


def families_text(catalog: Iterable[type[Family]]) -> str:
    out = []
    for fam in catalog:
        params = ", ".join(f"{p.name} \u2208 {p.domain.text}" for p in fam.parameters)
        example = fam.symbolic_example(1)
        kind = "discrete" if fam.discrete else "continuous"
        aliases = f" (aliases: {', '.join(fam.aliases)})" if fam.aliases else ""
        out.append(f"{fam.name}{aliases}\n  parameters: {params}\n  support: {example.support().text()} ({kind})")
    return "\n".join(out)
