"""JSON renderings (plain data for ``json.dumps``) of derivations and verdicts.

>>> import symdiv as sd
>>> data = verdict_json(sd.verify_decomposition(sd.Bernoulli("p"), sd.Bernoulli("q")))
>>> data["claim"], data["verdict"], data["reduced"], [d["quantity"] for d in data["derivations"]]
('H(P, Q) = KL(P || Q) + H(P)', 'proved', '0', ['cross_entropy', 'kl_divergence', 'entropy'])
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from ..derivation import Derivation
from .conditions import conditions_sstr, shown
from .latex import DEFAULT, Notation, derivation_latex, latex, verdict_latex

if TYPE_CHECKING:
    from ..prove.verdict import Verdict

__all__ = ["derivation_json", "verdict_json"]


def derivation_json(d: Derivation, notation: Notation | None = None) -> dict[str, Any]:
    """A derivation as JSON data: ``expr`` is the value (in the notation's unit) where every one of
    ``conditions`` holds; where one fails the quantity is +oo.

    >>> import symdiv as sd
    >>> data = derivation_json(sd.kl_divergence(sd.Uniform(0, "b_1"), sd.Uniform(0, "b_2")))
    >>> data["expr"], data["conditions"], data["otherwise"]
    ('log(b_2/b_1)', ['b_1 <= b_2'], 'oo')
    """
    notation = notation or DEFAULT
    bits = notation.log == "bits"
    value, conds = shown(d, bits)
    natural = dataclasses.replace(notation, log="log") if bits else notation
    last = len(d.steps) - 1
    return {
        "quantity": d.quantity.name,
        **({"options": {k: sp.sstr(v) for k, v in d.options}} if d.options else {}),
        "families": [f.name for f in d.families],
        "parameters": [{k: str(v) if not isinstance(v, tuple) else [str(x) for x in v] for k, v in f.params.items()}
                       for f in d.families],
        "unit": ("bits" if bits else "nats") if d.quantity.in_nats else None,
        "expr": sp.sstr(value),
        "conditions": conditions_sstr(conds),
        "otherwise": "oo" if conds else None,
        "latex": derivation_latex(d, notation=notation),
        "steps": [{"kind": s.kind.value,
                   "latex": latex(s.expr, notation) if k == last and s.expr == d.expr else latex(s.expr, natural),
                   "note": s.note + (" (in bits)" if bits and k == last and s.expr == d.expr else "")}
                  for k, s in enumerate(d.steps)],
        "complete": d.is_complete,
        "assumptions": [sp.sstr(a) for a in d.assumptions],
    }


def verdict_json(v: Verdict, notation: Notation | None = None) -> dict[str, Any]:
    """A verdict as JSON data: the claim, ``holds`` (true, false or null) and ``verdict``, both
    sides, the residual and where the rewrites took it, the proof steps, the counterexample (its
    exact point, both values at 25 digits), the numeric evidence, the conditions a proof holds
    under, the assumptions, why it is undecided, the LaTeX (an ``aligned`` block) and the derivations
    of the quantities in the claim.

    >>> import symdiv as sd
    >>> data = verdict_json(sd.check("H(P) = 0", sd.Bernoulli("p")))
    >>> data["holds"], data["counterexample"]["point"], data["counterexample"]["lhs"]
    (False, {'p': '457/500'}, '0.2931842691952422791555557')
    """
    c = v.counterexample
    ev = v.evidence
    return {
        "claim": v.text or sp.sstr(v.claim),
        "holds": v.holds,
        "verdict": v.verdict,
        "lhs": sp.sstr(v.lhs),
        "rhs": sp.sstr(v.rhs),
        "residual": sp.sstr(v.residual),
        "reduced": sp.sstr(v.reduced),
        "proof": [{"kind": s.kind.value, "note": s.note, "expr": sp.sstr(s.expr)} for s in v.proof],
        "counterexample": None if c is None else {
            "point": {str(k): sp.sstr(val) for k, val in c.point.items()},
            "lhs": mpmath.nstr(c.lhs, 25), "rhs": mpmath.nstr(c.rhs, 25), "dps": c.dps,
            "confirmed_dps": c.confirmed_dps},
        "evidence": {"points": ev.points, "dps": ev.dps, "max_abs_residual": mpmath.nstr(ev.max_abs_residual, 5),
                     "tolerance": mpmath.nstr(ev.tolerance, 5)},
        "conditions": conditions_sstr(v.conditions),
        "assumptions": [sp.sstr(a) for a in v.assumptions],
        "reason": v.reason,
        "outside": v.outside,
        "where": conditions_sstr(v.where),
        "latex": verdict_latex(v, env="aligned", notation=notation),
        "derivations": [derivation_json(d, notation) for d in v.derivations],
    }
