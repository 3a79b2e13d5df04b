"""Verdicts on claims: one result type (:class:`Verdict`), one prover (:mod:`.zero`), one numeric
search (:mod:`.search`, on :func:`symdiv.sampling.sample_points`), one pipeline (:func:`.claims.judge`)
behind :func:`check` and :func:`verify_decomposition`.

>>> import symdiv.prove as prove
>>> import symdiv as sd
>>> prove.verify_decomposition(sd.Exponential("lambda_1"), sd.Exponential("lambda_2")).verdict
'proved'
"""

from __future__ import annotations

from .claims import TIME_LIMIT, check, judge
from .decomposition import verify_decomposition
from .expansion import verify_local_expansion
from .verdict import Counterexample, NumericEvidence, Verdict, Verification
from .zero import MAX_EXPANSION, prove_zero, reduce_residual

__all__ = [
    "MAX_EXPANSION",
    "TIME_LIMIT",
    "Counterexample",
    "NumericEvidence",
    "Verdict",
    "Verification",
    "check",
    "judge",
    "prove_zero",
    "reduce_residual",
    "verify_decomposition",
    "verify_local_expansion",
]
