"""Verification of H(P, Q) = KL(P || Q) + H(P) (re-exported from :mod:`symdiv.prove`): the claim
judged like any other, from three independent derivations.

>>> import symdiv as sd
>>> verify_decomposition(sd.Poisson("lambda_1"), sd.Poisson("lambda_2")).verdict
'proved'
"""

from __future__ import annotations

from .prove.decomposition import verify_decomposition
from .prove.verdict import NumericEvidence, Verification
from .prove.zero import prove_zero

__all__ = ["NumericEvidence", "Verification", "verify_decomposition", "prove_zero"]
