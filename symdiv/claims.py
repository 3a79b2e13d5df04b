"""Checking claims (re-exported from :mod:`symdiv.prove`): a verdict on an equation between
entropies, cross-entropies, KL divergences, their derivatives and closed-form expressions.

See :mod:`symdiv.prove.claims` for what the verdicts mean and when "proved" is allowed.

>>> import symdiv as sd
>>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
>>> check("H(P,Q) = KL(P||Q) + H(P)", P, Q).holds
True
"""

from __future__ import annotations

from .prove.claims import TIME_LIMIT, check
from .prove.expansion import verify_local_expansion
from .prove.verdict import Counterexample, Verdict
from .prove.zero import MAX_EXPANSION

__all__ = ["Verdict", "Counterexample", "check", "verify_local_expansion", "TIME_LIMIT", "MAX_EXPANSION"]
