"""JointCategorical(table): a pair (X, Y) on {0..K1-1} x {0..K2-1} with P(X = i, Y = j) = p_ij.

The table is K1 x K2 (K1, K2 >= 2) of probabilities summing to 1: numbers, names or expressions,
validated as Categorical's vector is. The engine's variable is one integer per cell: the cell
(i, j) is the atom i K2 + j, so log p is a sum of indicators exactly as a Categorical's, and the
support (:class:`~symdiv.support.PairAtoms`) is shown as the pairs with positive mass. The
marginals (:meth:`JointCategorical.marginal`) are Categoricals; the product of the marginals
(:meth:`JointCategorical.product_of_marginals`) is the table p_i. p_.j against which the mutual
information is a KL divergence.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..domains import Simplex, decimal_map, to_expr
from ..errors import InvalidParameterError, InvalidParameterTypeError
from ..family import Family, Parameter, Point, X
from ..natural import NaturalForm
from ..support import PairAtoms
from .bernoulli import log_mass
from .categorical import Categorical, _delta

#: the domain of the table: Simplex's checks, facts and samples, in the words of a table
TABLE = Simplex.worded("probability tables (K1 x K2 entries in [0, 1] summing to 1, K1, K2 >= 2)")


def _rows(value: Any) -> list[list[Any]] | None:
    """The table as a list of rows, or None when it is not a list of sequences."""
    if isinstance(value, sp.MatrixBase):
        return [list(r) for r in value.tolist()]
    if isinstance(value, (str, bytes, Mapping, set)) or value is None or not hasattr(value, "__iter__"):
        return None
    rows = []
    for r in value:
        if isinstance(r, (str, bytes, Mapping, set)) or r is None or not hasattr(r, "__iter__"):
            return None
        rows.append(list(r))
    return rows


class JointCategorical(Family):
    """The joint law of two categorical variables, given by its K1 x K2 table of probabilities.

    >>> import sympy as sp, symdiv as sd
    >>> P = sd.JointCategorical([[sp.Rational(1, 2), 0], [sp.Rational(1, 4), sp.Rational(1, 4)]])
    >>> P.support().text()
    '{(0, 0), (1, 0), (1, 1)}'
    >>> P.marginal(1)
    Categorical(probs=[3/4, 1/4])
    >>> sd.entropy(sd.JointCategorical([["p_00", "p_01"], ["p_10", "p_11"]])).expr
    -p_00*log(p_00) - p_01*log(p_01) - p_10*log(p_10) - p_11*log(p_11)
    """

    name = "JointCategorical"
    parameters = (Parameter("table", TABLE, "joint probabilities p_ij = P(X = i, Y = j), a K1 x K2 table"),)
    discrete = True
    aliases = ("joint", "jointcat", "joint_categorical")

    shape: tuple[int, int]

    # ------------------------------------------------------------------ construction
    def _convert(self, param: Parameter, value: Any) -> Any:
        rows = _rows(value)
        if rows is None:
            raise InvalidParameterTypeError(self.name, param.name, value, TABLE.text,
                                            "expected a table: a sequence of rows of probabilities")
        shown = [[str(v) for v in r] for r in rows]
        if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows) or len(rows[0]) < 2:
            why = ("rows of different lengths" if any(len(r) != len(rows[0]) for r in rows)
                   else f"a {len(rows)} x {len(rows[0]) if rows else 0} table; need K1, K2 >= 2")
            raise InvalidParameterError(self.name, param.name, shown, TABLE.text, why)
        k2 = len(rows[0])
        entries = tuple(to_expr(v, self.name, f"table[{i},{j}]", TABLE)
                        for i, r in enumerate(rows) for j, v in enumerate(r))
        for n, v in enumerate(entries):
            TABLE.check(v, self.name, f"table[{n // k2},{n % k2}]")
        try:
            Simplex.check_vector(entries, self.name, param.name)
        except InvalidParameterError as exc:
            raise InvalidParameterError(self.name, param.name, shown, TABLE.text,
                                        str(exc).split("(", 1)[-1].split(")", 1)[0]) from None
        self.shape = (len(rows), k2)
        return entries

    @classmethod
    def symbolic(cls, name: str = "p", K1: int = 2, K2: int = 2) -> JointCategorical:  # noqa: N803
        """The table of symbols name_ij (i < K1, j < K2), e.g. p_00, p_01, p_10, p_11."""
        for size, label in ((K1, "K1"), (K2, "K2")):
            if isinstance(size, bool) or not isinstance(size, int) or not 2 <= size <= 10:
                raise InvalidParameterError(cls.name, label, size, "integers from 2 to 10",
                                            "the table is given by its entries")
        return cls([[f"{name}_{i}{j}" for j in range(K2)] for i in range(K1)])

    @classmethod
    def symbolic_example(cls, role: int = 1) -> JointCategorical:
        return cls.symbolic("pq"[role - 1] if role in (1, 2) else f"p{role}", 2, 2)

    @property
    def table(self) -> sp.ImmutableMatrix:
        """The table as a K1 x K2 matrix."""
        return sp.ImmutableMatrix(*self.shape, list(self._values[0]))

    @property
    def cells(self) -> tuple[sp.Expr, ...]:
        """The K1 K2 probabilities, row by row (cell (i, j) is entry i K2 + j)."""
        return self._values[0]  # type: ignore[no-any-return]

    def _key(self) -> tuple[Any, ...]:
        return (type(self), self.shape, self._values)

    def __repr__(self) -> str:
        return f"{self.name}(table={self.table.tolist()})"

    def _check_pair(self, other: Family) -> None:
        if not isinstance(other, JointCategorical) or other.shape != self.shape:
            theirs = f"{other.shape[0]} x {other.shape[1]}" if isinstance(other, JointCategorical) else other.name
            raise InvalidParameterError(self.name, "table", f"P: {self.shape[0]} x {self.shape[1]}, Q: {theirs}",
                                        "two JointCategorical tables of one shape",
                                        "the pairs (X, Y) live on different sample spaces")

    # ------------------------------------------------------------------ marginals
    def marginal(self, axis: int) -> Categorical:
        """The law of X (``axis`` 0: the row sums p_i.) or of Y (``axis`` 1: the column sums p_.j)."""
        return Categorical(self._margin(axis))

    def _margin(self, axis: Any) -> list[sp.Expr]:
        if isinstance(axis, bool) or axis not in (0, 1):
            raise InvalidParameterError(self.name, "axis", axis, "0 (X, the rows) or 1 (Y, the columns)",
                                        "a table has two axes")
        t = self.table
        return [sp.Add(*t.row(i)) for i in range(t.rows)] if axis == 0 else [sp.Add(*t.col(j)) for j in range(t.cols)]

    def product_of_marginals(self) -> JointCategorical:
        """P_X (x) P_Y: the table p_i. p_.j of independent X and Y with this table's marginals."""
        rows, cols = self._margin(0), self._margin(1)
        return JointCategorical([[r * c for c in cols] for r in rows])

    # ------------------------------------------------------------------ declaration
    def log_density(self, x: sp.Expr) -> sp.Expr:
        return sp.Add(*(_delta(x, k) * log_mass(p) for k, p in enumerate(self.cells)))

    def density(self, x: sp.Expr) -> sp.Expr:
        return sp.Add(*(_delta(x, k) * p for k, p in enumerate(self.cells)))

    def support(self) -> PairAtoms:
        return PairAtoms(tuple(k for k, p in enumerate(self.cells) if not p.is_zero), self.shape[1])

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        if isinstance(g, sp.KroneckerDelta) and X in g.args:
            (j,) = [a for a in g.args if a != X] or [X]
            if j.is_Integer:
                return self.cells[int(j)] if 0 <= int(j) < len(self.cells) else sp.Integer(0)
        return None

    def natural_form(self) -> NaturalForm | None:
        if any(p.is_zero for p in self.cells):
            return None  # a zero cell: theta = -oo
        k = len(self.cells)
        return NaturalForm(tuple(sp.log(p) for p in self.cells), tuple(_delta(X, j) for j in range(k)),
                           lambda t: sp.log(sp.Add(*(sp.exp(tj) for tj in t))), sp.Integer(0), lambda t: sp.true,
                           ("JointCategorical", self.shape))

    # ------------------------------------------------------------------ symbols and numbers
    def facts(self) -> tuple[sp.Basic, ...]:
        total = sp.Add(*self.cells)
        return super().facts() + (() if total.is_number else (sp.Eq(total, 1),))

    def _sample_into(self, rng: random.Random, point: Point) -> None:
        if not Simplex.sample_entries(rng, self.cells, point):
            super()._sample_into(rng, point)

    def _xreplace(self, subs: Mapping[sp.Basic, Any]) -> JointCategorical:
        return JointCategorical(self.table.xreplace(subs).tolist())

    def exact(self) -> JointCategorical:
        """Float probabilities as exact decimals, rescaled to sum to exactly 1 (as Categorical's)."""
        decimals = decimal_map(self.cells)
        if not decimals:
            return self
        exact = self.table.xreplace(decimals)
        total = sp.Add(*exact)
        return JointCategorical((exact / total if total.is_number and total != 1 else exact).tolist())
