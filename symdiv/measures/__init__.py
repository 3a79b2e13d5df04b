"""The measures: one :class:`~symdiv.measures.base.Measure` object per quantity, in one registry
(:mod:`symdiv.measures.registry`), and one module per measure that derives it from its definition.

``classic`` holds entropy, cross-entropy and KL divergence (expectations of log-densities);
``power`` the integrals of density powers behind Renyi, Bhattacharyya, Hellinger and chi-squared;
the other modules one measure family each. ``symdiv/__init__.py`` imports them all.
"""

from .base import Measure
from .classic import CACHE_SIZE, Quantity, clear_caches, cross_entropy, entropy, kl_divergence
from .registry import get, measures, register

__all__ = ["Measure", "Quantity", "CACHE_SIZE", "clear_caches", "cross_entropy", "entropy", "kl_divergence", "get",
           "measures", "register"]
