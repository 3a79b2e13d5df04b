"""Mutual information I(X_A; X_B) between two groups of coordinates of one distribution.

Two routes, each from a definition through the engine:

* a :class:`~symdiv.families.mvn.MultivariateNormal` and two disjoint lists of coordinates A, B:
  I = H(X_A) + H(X_B) - H(X_A, X_B), each entropy derived by :func:`symdiv.entropy` from the
  marginal normal (the sub-mean and sub-covariance, :meth:`MultivariateNormal.marginal`), then
  tidied to the textbook form -1/2 log(|Sigma_{A u B}| / (|Sigma_A| |Sigma_B|));
* a :class:`~symdiv.families.joint_categorical.JointCategorical` and its two axes (0, 1):
  I = KL(P_XY || P_X (x) P_Y), derived by the KL engine against the product of the marginals
  (the support rule, 0 log 0 = 0 on empty cells, the expectation summed over the table), giving
  sum_ij p_ij log(p_ij / (p_i. p_.j)).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp

from ..derivation import P_NAME as _P
from ..derivation import Derivation, Expectation, Step, StepKind
from ..domains import PositiveDefinite, Real
from ..errors import InvalidParameterError, InvalidParameterTypeError
from ..families.joint_categorical import JointCategorical
from ..families.mvn import MultivariateNormal
from ..family import Family, X
from ..symbols import XV
from ..tidy import ops
from .base import Measure
from .classic import (
    CACHE_SIZE,
    _assumptions,
    _entropy,
    _exact_then_float,
    _kl_divergence,
    _log_density_shown,
    register_cache,
    strongest,
)
from .registry import register

__all__ = ["MUTUAL_INFORMATION", "mutual_information", "Indices"]

MUTUAL_INFORMATION = Measure(
    "mutual_information", "mutual information", 1, "I(X_${first}; X_${second})", "I(X_${first}; X_${second})",
    r"I(X_{${first}}; X_{${second}})", "I(X_A; X_B) = H(X_A) + H(X_B) - H(X_A, X_B)", "mi",
    parameters=("first", "second"), aliases=("I", "MI"), symmetric=True,
    help="I(X_A; X_B), the mutual information of two groups of coordinates (--first 0 --second 1,2; "
         "a joint table: its axes 0 and 1)")

_ALLOWED = "a MultivariateNormal (two disjoint lists of coordinates) or a JointCategorical (its axes 0 and 1)"


class Indices(tuple):  # type: ignore[type-arg]
    """A list of coordinates as a measure option: prints as ``0`` or ``{0,1}`` (text), ``0,1`` (LaTeX)."""

    def __str__(self) -> str:
        inner = ",".join(map(str, self))
        return inner if len(self) == 1 else "{" + inner + "}"

    def _sympystr(self, printer: Any) -> str:
        return str(self)

    def _latex(self, printer: Any) -> str:
        return ",".join(map(str, self))


def _indices(value: object, role: str, P: Family) -> Indices:
    """``first`` / ``second`` as a tuple of distinct non-negative integers."""
    items: list[Any]
    if isinstance(value, (int, sp.Integer)) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidParameterTypeError(P.name, role, value, _domain(P), "expected an index or a list of indices")
    else:
        items = list(value)  # type: ignore[call-overload]
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, sp.Integer)):
            raise InvalidParameterTypeError(P.name, role, value, _domain(P), f"{v!r} is not an integer index")
        out.append(int(v))
    if not out:
        raise InvalidParameterError(P.name, role, value, _domain(P), "no index")
    if len(set(out)) != len(out):
        raise InvalidParameterError(P.name, role, value, _domain(P), "an index repeats")
    return Indices(out)


def _domain(P: Family) -> str:
    if isinstance(P, JointCategorical):
        return "the axes 0 (X, the rows) and 1 (Y, the columns), one each"
    if isinstance(P, MultivariateNormal) and P.k.is_Integer:
        return f"disjoint non-empty lists of coordinates from 0 to {P.k - 1}"
    return "disjoint non-empty lists of coordinates (non-negative integers below the dimension k)"


def _check(P: Family, first: Indices, second: Indices) -> None:
    for role, idx in (("first", first), ("second", second)):
        if isinstance(P, JointCategorical):
            if len(idx) != 1 or idx[0] not in (0, 1):
                raise InvalidParameterError(P.name, role, list(idx), _domain(P), "a table has the axes 0 and 1")
        elif isinstance(P, MultivariateNormal) and P.k.is_Integer:
            out = [i for i in idx if i < 0 or i >= int(P.k)]
            if out:
                raise InvalidParameterError(P.name, role, list(idx), _domain(P),
                                            f"{out[0]} is not a coordinate of a {P.k}-dimensional normal")
        elif any(i < 0 for i in idx):
            raise InvalidParameterError(P.name, role, list(idx), _domain(P), "a negative index")
    common = sorted(set(first) & set(second))
    if common:
        raise InvalidParameterError(P.name, "second", list(second), _domain(P),
                                    f"it shares {common[0]} with first = {list(first)}: the lists must be disjoint")


# ---------------------------------------------------------------------------- multivariate normal
def _shown_entropy(M: MultivariateNormal, coords: Sequence[int]) -> sp.Expr:
    """-E_P[log p_A(X_A)], with the marginal's log-density written in the coordinates X[a], a in A."""
    x = sp.ImmutableMatrix(len(coords), 1, [XV[a] for a in coords])
    return -Expectation(_log_density_shown(M, x), _P)


def _points(P: MultivariateNormal, need: int, n: int = 3) -> list[dict[Any, Any]]:
    """Random valid parameter points of P (a symbolic dimension k is given the value ``need``)."""
    rng = random.Random(7)
    if P.indexed:
        out = []
        for _ in range(n):
            point: dict[Any, Any] = {P.mu: sp.ImmutableMatrix([Real.sample(rng) for _ in range(need)]),
                                     P.Sigma: PositiveDefinite.sample_matrix(rng, need)}
            if isinstance(P.k, sp.Symbol):
                point[P.k] = sp.Integer(need)
            out.append(point)
        return out
    return [P.sample(rng) for _ in range(n)] if P.free_symbols else [{}]


def _value(expr: sp.Expr, point: dict[Any, Any]) -> Any:
    from ..numeric import substitute

    with mpmath.workdps(30):
        v = sp.N(substitute(expr, point), 30)
        if not v.is_number or not v.is_real:
            raise ValueError("not a real number")
        return mpmath.mpf(sp.Float(v, 30)._mpf_)


def _same(before: sp.Expr, after: sp.Expr, points: list[dict[Any, Any]]) -> bool:
    try:
        for point in points:
            a, b = _value(before, point), _value(after, point)
            if abs(a - b) > mpmath.mpf(10) ** -20 * max(1, abs(a)):
                return False
    except (ValueError, TypeError, ArithmeticError):
        return False
    return True


def _one_log(expr: sp.Expr) -> sp.Expr | None:
    """sum_k c_k log f_k (rational c_k = +-1/2 n_k, constants cancelling) as -1/2 log(prod f_k^(-2 c_k)):
    the logarithms split into factors (every argument is positive: determinants, variances, 2 pi e),
    then gathered into one. None when ``expr`` is not such a sum."""
    split = sp.expand(sp.expand_log(sp.expand(expr), force=True))
    factors: list[sp.Expr] = []
    rest = sp.Integer(0)
    for term in sp.Add.make_args(split):
        c, f = term.as_independent(sp.log, as_Add=False)
        if isinstance(f, sp.log) and c.is_Rational:
            factors.append(f.args[0] ** (-2 * c))
        elif term.is_Rational:
            rest += term
        else:
            return None
    if rest != 0:
        return None
    inside = sp.Mul(*factors)
    if inside.is_number:
        inside = sp.nsimplify(inside)
    num, den = sp.fraction(sp.together(inside))
    candidates = [-sp.log(inside) / 2, sp.log(1 / inside) / 2, -sp.log(sp.factor_terms(num) / sp.factor_terms(den)) / 2]
    return min(candidates, key=ops)


def _mvn(P: MultivariateNormal, first: Indices, second: Indices) -> Derivation:
    both = Indices((*first, *second))
    A, B, AB = P.marginal(first), P.marginal(second), P.marginal(both)
    extra: tuple[sp.Basic, ...] = ()
    if P.indexed and not P.k.is_Integer:
        extra = (sp.Gt(P.k, max(both)),)  # the coordinates exist
    definition = _shown_entropy(A, first) + _shown_entropy(B, second) - _shown_entropy(AB, both)
    steps = [Step(StepKind.DEFINITION, definition,
                  f"I(X_A; X_B) = H(X_A) + H(X_B) - H(X_A, X_B), A = {list(first)}, B = {list(second)}; "
                  "the marginals of a normal are normal: X_A ~ N(mu_A, Sigma_AA)")]
    h = {"A": _entropy(A), "B": _entropy(B), "AB": _entropy(AB)}
    terms = [_shown_entropy(A, first), _shown_entropy(B, second), -_shown_entropy(AB, both)]
    values = [h["A"].expr, h["B"].expr, -h["AB"].expr]
    labels = [f"H(X_{first})", f"H(X_{second})", f"H(X_{both})"]
    current = list(terms)
    for i, (label, key) in enumerate(zip(labels, ("A", "B", "AB"))):
        current[i] = values[i]
        steps.append(Step(StepKind.EXPECTATION, sp.Add(*current),
                          f"{label} = {sp.sstr(h[key].expr)} (the entropy engine on the marginal "
                          f"{h[key].P!r})"))
    total = sp.Add(*values)
    tidied = _one_log(total)
    points = _points(P, max(both) + 1)
    if tidied is not None and tidied != total and ops(tidied) <= ops(total) and _same(total, tidied, points):
        steps.append(Step(StepKind.TIDY, tidied, "combine the logarithms: -1/2 log(|Sigma_{A u B}| / "
                                                 "(|Sigma_A| |Sigma_B|))"))
    elif steps[-1].expr != total:
        steps.append(Step(StepKind.TIDY, total, "collect terms"))
    complete = all(d.is_complete for d in h.values())
    known = strongest((*_assumptions(P), *extra))
    return Derivation(MUTUAL_INFORMATION, (P,), tuple(steps), known, complete, (),
                      (("first", first), ("second", second)))


# ---------------------------------------------------------------------------- joint table
def _table(P: JointCategorical, first: Indices, second: Indices) -> Derivation:
    Q = P.product_of_marginals()
    kl = _kl_divergence(P, Q)
    shown = Expectation(_log_density_shown(P, X) - _log_density_shown(Q, X), _P)
    if (first[0], second[0]) == (1, 0):
        note = "I(Y; X) = I(X; Y) (symmetric): "
    else:
        note = ""
    steps = [Step(StepKind.DEFINITION, shown,
                  f"{note}I(X; Y) = KL(P_XY || P_X (x) P_Y) = E_P[log p(X, Y) - log p_X(X) - log p_Y(Y)]; "
                  f"P_X (x) P_Y is the table p_i. p_.j = {sp.sstr(Q.table.tolist())}")]
    steps += [s for s in kl.steps if s.kind is not StepKind.DEFINITION]
    known = strongest(_assumptions(P))
    return Derivation(MUTUAL_INFORMATION, (P,), tuple(steps), known, kl.is_complete, (),
                      (("first", first), ("second", second)))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _mutual_information(P: Family, first: Indices, second: Indices) -> Derivation:
    if isinstance(P, JointCategorical):
        return _table(P, first, second)
    assert isinstance(P, MultivariateNormal)
    return _mvn(P, first, second)


register_cache(_mutual_information)


def mutual_information(P: Family, first: int | Sequence[int], second: int | Sequence[int]) -> Derivation:
    """The mutual information I(X_first; X_second), derived step by step.

    ``P``: a :class:`~symdiv.MultivariateNormal` (numbers or symbols, any explicit dimension, or a
    symbolic one) with ``first`` and ``second`` disjoint non-empty lists of coordinates (or single
    ints); or a :class:`~symdiv.JointCategorical` with its axes ``0`` and ``1``.

    >>> import symdiv as sd
    >>> P = sd.MultivariateNormal([0, 0], [["s_0", "c"], ["c", "s_1"]])
    >>> sd.mutual_information(P, 0, 1).expr
    log(s_0*s_1/(-c**2 + s_0*s_1))/2
    >>> sd.mutual_information(sd.JointCategorical([[0.5, 0], [0, 0.5]]), 0, 1).expr
    0.693147180559945
    """
    if not isinstance(P, (MultivariateNormal, JointCategorical)):
        name = P.name if isinstance(P, Family) else type(P).__name__
        raise InvalidParameterTypeError("mutual information", "P", P if isinstance(P, Family) else name, _ALLOWED,
                                        f"{name} is neither")
    a, b = _indices(first, "first", P), _indices(second, "second", P)
    _check(P, a, b)
    return _exact_then_float(lambda fam: _mutual_information(fam, a, b), P)


register(MUTUAL_INFORMATION, mutual_information)
