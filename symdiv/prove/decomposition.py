"""H(P, Q) = KL(P || Q) + H(P) for a pair of families: the claim judged by the same pipeline as
:func:`symdiv.check`, from three independent derivations."""

from __future__ import annotations

import math
from dataclasses import fields

import sympy as sp

from ..family import Family
from ..measures.classic import Quantity, _require_family
from ..parse import ENTROPY, KL
from ..parse import P as P_ROLE
from ..parse import Q as Q_ROLE
from .claims import judge
from .search import DPS
from .verdict import Verification

__all__ = ["CLAIM", "verify_decomposition"]

#: the decomposition, as the verdict shows it
CLAIM = "H(P, Q) = KL(P || Q) + H(P)"
_EQ = sp.Eq(ENTROPY(P_ROLE, Q_ROLE), KL(P_ROLE, Q_ROLE) + ENTROPY(P_ROLE), evaluate=False)
_ORDER = (Quantity.CROSS_ENTROPY, Quantity.KL_DIVERGENCE, Quantity.ENTROPY)


def verify_decomposition(P: Family, Q: Family, *, points: int = 20, dps: int = DPS, seed: int = 0) -> Verification:
    """Prove (or refute) H(P, Q) = KL(P || Q) + H(P) for the pair, from three independent derivations.

    The claim is judged like any other (:func:`symdiv.check`): proved only when the residual reduces
    to exactly 0 under the assumptions (or both sides are +oo), false with a confirmed
    counterexample, undecided otherwise; ``points`` sample points evaluated with ``dps`` digits
    (``seed`` fixes them). Unlike ``check``, no time limit applies. ``derivations`` are H(P, Q),
    KL(P || Q) and H(P), in that order.

    >>> import symdiv as sd
    >>> v = sd.verify_decomposition(sd.Bernoulli("p"), sd.Bernoulli("q"))
    >>> v.holds, v.reduced, v.evidence.points
    (True, 0, 20)
    """
    pair = (_require_family(P, "P"), _require_family(Q, "Q"))
    v = judge(_EQ, pair, text=CLAIM, points=points, seed=seed, dps=dps, time_limit=math.inf)
    derivations = tuple(sorted(v.derivations, key=lambda d: _ORDER.index(d.quantity)))
    return Verification(**{**{f.name: getattr(v, f.name) for f in fields(v)}, "derivations": derivations})
