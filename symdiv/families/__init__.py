"""The catalog: one module per family; this tuple is the single source of truth."""

from __future__ import annotations

from .bernoulli import Bernoulli
from .categorical import Categorical
from .normal import Normal

#: Every family the package ships, in catalog order.
CATALOG = (Bernoulli, Categorical, Normal)

__all__ = ["CATALOG", "Bernoulli", "Categorical", "Normal"]
