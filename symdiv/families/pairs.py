"""The cross-family pairs that symdiv documents: data only (no imports, no behaviour).

The engine needs no pair list -- any two families combine. This list says which pairs the project
shows and checks: ``docs/gen_catalog.py`` gives each a section of the catalog page,
``tests/catalog_reference.py`` holds each one's reference KL (``CROSS_KL``, keyed by this list;
tests/test_catalog.py and tests/test_docs.py fail when a pair has no row), and ``benchmarks/run.py``
times each in its whole-catalog session. P is ``symbolic_example(1)`` of its family, Q
``symbolic_example(2)`` of its own.
"""

from __future__ import annotations

#: (P's family, Q's family) by ``Family.name``, in the order of the catalog page.
CROSS_PAIRS: tuple[tuple[str, str], ...] = (
    ("Bernoulli", "Poisson"), ("Beta", "Exponential"), ("Beta", "Gamma"), ("Beta", "Normal"),
    ("Beta", "Uniform"), ("Exponential", "Gamma"), ("Exponential", "Gumbel"), ("Exponential", "Normal"),
    ("Gamma", "Exponential"), ("Gamma", "Gumbel"), ("Gamma", "Normal"), ("Gumbel", "Normal"),
    ("Laplace", "Normal"), ("Normal", "Gumbel"), ("Normal", "Laplace"), ("Pareto", "Exponential"),
    ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "Beta"), ("Uniform", "Exponential"),
    ("Uniform", "Gamma"), ("Uniform", "Gumbel"), ("Uniform", "Normal"), ("Uniform", "Pareto"),
    ("Exponential", "LogNormal"), ("Geometric", "Poisson"), ("Poisson", "Geometric"), ("Bernoulli", "Binomial"),
)
