"""The local view of KL: to second order, KL(P_theta || P_theta+t*delta) is the quadratic form of the
Fisher information, proved by comparing Taylor coefficients of two independent derivations."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..derivation import Step
from ..family import Family
from ..local import fisher_information, regular_parameters
from ..measures.classic import kl_divergence
from .search import Search
from .verdict import Verdict
from .zero import reduce_residual

__all__ = ["verify_local_expansion"]


def verify_local_expansion(family: type[Family] | Family, params: Any = None) -> Verdict:
    """Prove KL(P_theta || P_theta+t*delta) = t^2/2 delta^T I(theta) delta + O(t^3) by series in t.

    The Fisher information I comes from its own definition (-E[Hessian of log p]); the KL from the
    closed form. The claim proved is that the Taylor coefficients of order 0, 1 and 2 in t agree.

    >>> import symdiv as sd
    >>> sd.verify_local_expansion(sd.Normal).holds
    True
    """
    P = family if isinstance(family, Family) else family.symbolic_example(1)
    info = fisher_information(P, params)
    order = regular_parameters(P, params)
    t = sp.Dummy("t", positive=True)  # a dummy: a family may have a parameter named t
    delta = [sp.Symbol(f"delta_{n}", real=True) for n in (str(s) for s in order)]
    shifted = P.at({s: s + t * d for s, d in zip(order, delta)})
    kl = kl_divergence(P, shifted).expr
    dv = sp.Matrix(delta)
    quadratic = (dv.T * info * dv)[0, 0] / 2
    coefficients = [sp.diff(kl, t, n).subs(t, 0) / sp.factorial(n) for n in range(3)]
    lhs = sp.Matrix(coefficients)
    rhs = sp.Matrix([0, 0, quadratic])
    claim = sp.Eq(sp.Function("KL_taylor")(t), t**2 * quadratic, evaluate=False)
    steps: list[Step] = []
    reparams = P.reparams()
    all_proved = True
    reduced_parts = []
    for n, (a, b) in enumerate(zip(lhs, rhs)):
        ok, reduced, proof, _ = reduce_residual(a - b, reparams, P.positive_expressions())
        steps += [Step(s.kind, s.expr, f"order {n}: {s.note}") for s in proof]
        all_proved &= ok
        reduced_parts.append(reduced)
    residual = sp.Add(*(sp.Abs(a - b) for a, b in zip(lhs, rhs)))
    return Verdict(claim, True if all_proved else None, sp.Add(*(c * t**n for n, c in enumerate(coefficients))),
                   t**2 * quadratic, residual, sp.Add(*reduced_parts), tuple(steps), None, Search().evidence(), (P,),
                   (), P.facts(), f"KL({P.name}_theta || {P.name}_theta+t*delta) = t^2/2 delta^T I delta + O(t^3)")

