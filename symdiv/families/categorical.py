"""Categorical(probs): outcomes 0..K-1 with probabilities p_0..p_{K-1}.

Two forms: an explicit vector of K >= 2 probabilities (numbers, names or expressions),
and :meth:`Categorical.symbolic` with a symbolic number of classes K, whose results are
``Sum`` objects over the class index i.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..domains import Simplex, decimal_map, to_expr
from ..errors import InvalidParameterError, InvalidParameterTypeError
from ..family import Family, Parameter, Point, X
from ..natural import NaturalForm
from ..support import FiniteAtoms, IntegerRange, Support
from ._vector import CLASSES as _CLASSES
from ._vector import INDEX, VectorFamily
from .bernoulli import log_mass


def _delta(x: sp.Expr, k: int) -> sp.Expr:
    """[x = k]; for the symbol X nothing can evaluate, so skip SymPy's costly attempt."""
    return _delta_x(k) if x == X else sp.KroneckerDelta(x, k)


@functools.lru_cache(maxsize=4096)
def _delta_x(k: int) -> sp.Expr:
    """[X = k], made once per k (creating SymPy functions dominates large-K derivations)."""
    return sp.KroneckerDelta(X, k, evaluate=False)


class Categorical(VectorFamily):
    """The categorical distribution over {0, ..., K-1}.

    >>> import symdiv as sd
    >>> sd.entropy(sd.Categorical(["p_0", "p_1", "p_2"])).expr
    -p_0*log(p_0) - p_1*log(p_1) - p_2*log(p_2)
    >>> sd.kl_divergence(sd.Categorical.symbolic("p", "K"), sd.Categorical.symbolic("q", "K")).expr
    Sum(log(p[i]/q[i])*p[i], (i, 0, K - 1))

    Explicit vectors of different lengths live on {0, ..., K-1} for different K; the support rule
    decides (a class of P that Q lacks makes KL(P || Q) = +oo unless its probability is 0):

    >>> sd.kl_divergence(sd.Categorical([1/2, 1/2]), sd.Categorical([1/4, 1/4, 1/2])).expr
    0.693147180559945
    >>> sd.kl_divergence(sd.Categorical([1/4, 1/4, 1/2]), sd.Categorical([1/2, 1/2])).expr
    oo
    """

    name = "Categorical"
    parameters = (Parameter("probs", Simplex, "class probabilities p_0, ..., p_{K-1}"),)
    discrete = True
    aliases = ("cat", "multinoulli")
    noun = "classes"

    # ------------------------------------------------------------------ construction
    def _convert(self, param: Parameter, value: Any) -> Any:
        if isinstance(value, (str, bytes, Mapping, set)) or value is None or not hasattr(value, "__iter__"):
            raise InvalidParameterTypeError(self.name, param.name, value, Simplex.text,
                                            "expected a sequence of K >= 2 probabilities")
        entries = tuple(to_expr(v, self.name, f"{param.name}[{i}]", Simplex) for i, v in enumerate(value))
        Simplex.check_vector(entries, self.name, param.name)
        self.K = sp.Integer(len(entries))
        return entries

    @classmethod
    def symbolic_example(cls, role: int = 1) -> Categorical:
        return cls.symbolic("pq"[role - 1] if role in (1, 2) else f"p{role}", "K")

    @property
    def probs(self) -> Any:
        """The tuple of probabilities, or the IndexedBase of a symbolic-K Categorical."""
        return self.vector

    def prob(self, j: sp.Expr) -> sp.Expr:
        if self.indexed:
            return self.probs[j]
        if j.is_Integer:
            return self.probs[int(j)] if 0 <= int(j) < len(self.probs) else sp.Integer(0)
        return sp.Add(*(sp.KroneckerDelta(j, k) * p for k, p in enumerate(self.probs)))

    # ------------------------------------------------------------------ declaration
    def log_density(self, x: sp.Expr) -> sp.Expr:
        if self.indexed:
            return sp.Sum(sp.KroneckerDelta(x, INDEX) * sp.log(self.probs[INDEX]), (INDEX, 0, self.K - 1))
        return sp.Add(*(_delta(x, k) * log_mass(p) for k, p in enumerate(self.probs)))

    def density(self, x: sp.Expr) -> sp.Expr:
        if self.indexed:
            return self.probs[x]
        return sp.Add(*(_delta(x, k) * p for k, p in enumerate(self.probs)))

    def support(self) -> Support:
        if self.indexed:
            return IntegerRange(sp.Integer(0), self.K - 1)
        return FiniteAtoms(tuple(k for k, p in enumerate(self.probs) if not p.is_zero))

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        if isinstance(g, sp.KroneckerDelta) and X in g.args:
            (j,) = [a for a in g.args if a != X] or [X]
            return self.prob(j)
        return None

    # ------------------------------------------------------------------ symbols and numbers
    def facts(self) -> tuple[sp.Basic, ...]:
        if not self.indexed:
            entries = self.probs
            total = sp.Add(*entries)
            return super().facts() + (() if total.is_number else (sp.Eq(total, 1),))
        p, i = self.probs, INDEX
        return (*_CLASSES.facts(self.K), sp.StrictGreaterThan(p[i], 0, evaluate=False),
                sp.StrictLessThan(p[i], 1, evaluate=False),
                sp.Eq(sp.Sum(p[i], (i, 0, self.K - 1)), 1))

    def _sample_into(self, rng: random.Random, point: Point) -> None:
        if self.indexed:
            if isinstance(self.K, sp.Symbol) and self.K not in point:
                point[self.K] = _CLASSES.sample(rng)
            k = int(self.K.xreplace(point))
            if self.probs not in point:
                point[self.probs] = tuple(Simplex.sample_vector(rng, k))
            return
        if not Simplex.sample_entries(rng, self.probs, point):  # (jointly, when each entry is its own name)
            super()._sample_into(rng, point)

    def exact(self) -> Categorical:
        """Float probabilities as exact decimals, rescaled to sum to exactly 1: floats that sum to 1
        within the domain's tolerance (1/3 three times) are a probability vector the user meant.

        >>> import symdiv as sd
        >>> sd.Categorical([1/3, 1/3, 1/3]).exact()
        Categorical(probs=[1/3, 1/3, 1/3])
        """
        decimals = {} if self.indexed else decimal_map(self.probs)
        if not decimals:
            return self
        exact = [p.xreplace(decimals) for p in self.probs]
        total = sp.Add(*exact)
        return Categorical([p / total for p in exact] if total.is_number and total != 1 else exact)

    def natural_form(self) -> NaturalForm | None:
        if self.indexed or any(p.is_zero for p in self.probs):
            return None  # symbolic K: a sum form is not declared; a zero class: theta_j = -oo
        k = len(self.probs)
        return NaturalForm(tuple(sp.log(p) for p in self.probs), tuple(_delta(X, j) for j in range(k)),
                           lambda t: sp.log(sp.Add(*(sp.exp(tj) for tj in t))), sp.Integer(0), lambda t: sp.true,
                           ("Categorical", k))

    def _check_pair(self, other: Family) -> None:
        if self.indexed or getattr(other, "indexed", False):
            super()._check_pair(other)  # symbolic K: the sums must run over the same classes

    def at(self, point: Mapping[Any, Any]) -> Categorical:
        if not self.indexed:
            return super().at(point)  # type: ignore[return-value]
        k = int(self.K.xreplace({s: v for s, v in point.items() if isinstance(s, sp.Symbol)}))
        values = point[self.probs]
        if len(values) != k:
            raise InvalidParameterError(self.name, "probs", values, f"{k} probabilities", "wrong length")
        return Categorical(list(values))
