r"""MultivariateNormal(mu, Sigma): the Gaussian on R^k with mean vector mu and covariance Sigma.

Two forms share one module:

* explicit: ``mu`` a sequence of k entries and ``Sigma`` a k x k matrix (nested lists or a SymPy
  matrix), numbers or symbols, any k;
* symbolic dimension: :meth:`MultivariateNormal.symbolic` with matrix symbols mu (k x 1) and
  Sigma (k x k); results are written with trace, inverse and determinant.

The log-density is ``-k/2 log(2 pi) - 1/2 log det Sigma - 1/2 (X - mu)^T Sigma^{-1} (X - mu)``. Its one
non-constant basis function is the squared Mahalanobis distance :class:`Mahalanobis`, and the
table holds its expectation under any normal P,

    E_P[(X - c)^T S^{-1} (X - c)] = tr(S^{-1} Sigma_P) + (c - mu_P)^T S^{-1} (c - mu_P),

so the inverse of a covariance is never formed: explicit matrices are solved exactly
(``DomainMatrix`` over the rationals, or over the fraction field of the entries' symbols).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp
from sympy.polys.matrices import DomainMatrix

from ..domains import PositiveDefinite, PositiveInteger, Real, make_name, to_expr
from ..errors import InvalidParameterError, InvalidParameterTypeError
from ..family import XV, Family, Parameter, Point
from ..support import RealSpace

_DIM = PositiveInteger(1)


class Det(sp.Expr):
    """det S of a covariance matrix symbol: positive, as S is positive definite."""

    is_commutative = True
    is_extended_real = True

    def __new__(cls, m: sp.MatrixExpr) -> sp.Expr:
        if isinstance(m, sp.MatrixBase):
            return _det(sp.ImmutableMatrix(m))
        return super().__new__(cls, m)

    def _eval_is_positive(self) -> bool:
        return True

    def doit(self, **hints: Any) -> sp.Expr:
        m = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return Det(m)

    def _sympystr(self, printer: Any) -> str:
        return f"det({printer.doprint(self.args[0])})"

    def _pretty(self, printer: Any) -> Any:
        return printer._print(sp.Determinant(self.args[0]))


class Mahalanobis(sp.Expr):
    """The squared Mahalanobis distance (x - c)^T S^{-1} (x - c), a scalar.

    ``x`` is the random vector (the marker ``XV``) in a log-density, or a mean vector in a
    result. Build with :func:`mahalanobis`, which evaluates explicit, constant cases exactly.
    """

    is_commutative = True
    is_extended_real = True

    @property
    def x(self) -> sp.Basic:
        return self.args[0]

    @property
    def center(self) -> sp.Basic:
        return self.args[1]

    @property
    def scale(self) -> sp.Basic:
        return self.args[2]

    def _eval_is_nonnegative(self) -> bool:
        return True

    def doit(self, **hints: Any) -> sp.Expr:
        args = [a.doit(**hints) if isinstance(a, sp.Basic) and a != XV else a for a in self.args]
        return mahalanobis(*args)

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        """Explicit arguments: the derivative of the expanded quadratic form in X[0], X[1], ..."""
        if not (_explicit(self.center) and _explicit(self.scale)):
            return None  # matrix calculus is not implemented: the derivative stays unevaluated
        return sp.diff(self.expanded(), s)

    def expanded(self) -> sp.Expr:
        """The explicit polynomial sum_ij (x_i - c_i) (S^{-1})_ij (x_j - c_j)."""
        n = self.center.shape[0]
        x = [XV[i] for i in range(n)] if self.x == XV else list(self.x)
        d = sp.Matrix([x[i] - self.center[i] for i in range(n)])
        inv = sp.Matrix(self.scale).inv(method="LU")
        return sp.expand((d.T * inv * d)[0, 0])

    def as_matrix_expression(self) -> sp.MatrixExpr:
        """(x - c)^T S^{-1} (x - c) as a SymPy matrix expression (1 x 1), for printing."""
        c = self.center
        x = sp.MatrixSymbol("X", *c.shape) if self.x == XV else self.x
        d = sp.MatAdd(x, -c, evaluate=False) if x != c else x
        return sp.MatMul(sp.Transpose(d), sp.Inverse(self.scale), d, evaluate=False)

    def _pretty(self, printer: Any) -> Any:
        return printer._print(self.as_matrix_expression())

    def _sympystr(self, printer: Any) -> str:
        x = "X" if self.x == XV else printer.doprint(self.x)
        d = f"({x} - {printer.doprint(self.center)})"
        return f"{d}.T*{printer.doprint(self.scale)}**(-1)*{d}"


def _domain_matrix(m: sp.MatrixBase) -> DomainMatrix:
    return DomainMatrix.from_Matrix(sp.Matrix(m)).to_field()


def _det(m: sp.ImmutableMatrix) -> sp.Expr:
    dm = DomainMatrix.from_Matrix(sp.Matrix(m))
    return sp.factor_terms(sp.expand(dm.domain.to_sympy(dm.det())))


def _solve(s: sp.ImmutableMatrix, b: sp.MatrixBase) -> tuple[DomainMatrix, Any]:
    """S^{-1} B exactly, as a DomainMatrix over the common field, and that field."""
    ds, db = _domain_matrix(s).unify(_domain_matrix(b))
    y = ds.lu_solve(db)
    return y, y.domain


def _explicit(m: Any) -> bool:
    return isinstance(m, sp.MatrixBase)


def trace_solve(s: Any, sigma: Any) -> sp.Expr:
    """tr(S^{-1} Sigma): exact for explicit matrices, a ``Trace`` for matrix symbols."""
    if s == sigma:
        return s.shape[0]
    if _explicit(s) and _explicit(sigma):
        y, field = _solve(s, sigma)
        rows = y.to_list()
        return sp.factor_terms(field.to_sympy(sum((rows[i][i] for i in range(len(rows))), field.zero)))
    return sp.Trace(sp.MatMul(sp.Inverse(s), sigma))


def mahalanobis(x: Any, center: Any, scale: Any) -> sp.Expr:
    """(x - c)^T S^{-1} (x - c): a number or expression when everything is explicit, else a node."""
    if x == center:
        return sp.Integer(0)
    if x != XV and _explicit(x) and _explicit(center) and _explicit(scale):
        d = sp.Matrix(x) - sp.Matrix(center)
        y, field = _solve(scale, d)
        col = [row[0] for row in y.to_list()]
        ds = _domain_matrix(d).convert_to(field).to_list()
        total = sum((a[0] * b for a, b in zip(ds, col)), field.zero)
        return sp.factor_terms(field.to_sympy(total))
    return Mahalanobis(x, center, scale)


def _column(values: Sequence[sp.Expr]) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(len(values), 1, list(values))


class MultivariateNormal(Family):
    r"""The multivariate normal N(mu, Sigma) on R^k; Sigma is the covariance matrix.

    Explicit vectors and matrices of numbers or symbols:

    >>> import symdiv as sd
    >>> P = sd.MultivariateNormal([0, 0], [[2, 1], [1, 2]])
    >>> Q = sd.MultivariateNormal([1, 0], [[1, 0], [0, 1]])
    >>> sd.kl_divergence(P, Q).expr
    3/2 - log(3)/2

    A symbolic dimension k, with matrix symbols:

    >>> P, Q = sd.MultivariateNormal.symbolic_example(1), sd.MultivariateNormal.symbolic_example(2)
    >>> for term in sorted(map(str, sd.kl_divergence(P, Q).expr.args)):
    ...     print(term)
    (mu_1 - mu_2).T*Sigma_2**(-1)*(mu_1 - mu_2)/2
    -k/2
    Trace(Sigma_2**(-1)*Sigma_1)/2
    log(det(Sigma_2)/det(Sigma_1))/2
    """

    name = "MultivariateNormal"
    parameters = (Parameter("mu", Real.worded("real vectors (k >= 1 entries in (-oo, oo))"), "mean vector (k entries)"),
                  Parameter("Sigma", PositiveDefinite.worded("symmetric positive-definite k x k matrices"),
                            "covariance matrix (k x k, symmetric positive definite)"))
    variable = XV
    aliases = ("mvn", "mvnormal", "multivariate_normal")

    def __init__(self, mu: Any, Sigma: Any) -> None:  # noqa: N803 - the conventional name
        super().__init__(mu, Sigma)

    # ------------------------------------------------------------------ construction
    def _convert(self, param: Parameter, value: Any) -> Any:
        if isinstance(value, sp.MatrixSymbol):
            return value
        iterable = isinstance(value, sp.MatrixBase) or (
            hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping, set)))
        if not iterable:
            raise InvalidParameterTypeError(self.name, param.name, _show(value), param.doc,
                                            "expected a sequence" if param.name == "mu" else "expected a matrix")
        if param.name == "mu":
            entries = [to_expr(v, self.name, f"mu[{i}]", Real) for i, v in enumerate(_flat(value))]
            if not entries:
                raise InvalidParameterError(self.name, "mu", [], param.doc, "an empty mean vector")
            for i, v in enumerate(entries):
                Real.check(v, self.name, f"mu[{i}]")
            return _column(entries)
        rows = [list(r) if hasattr(r, "__iter__") and not isinstance(r, (str, bytes)) else None
                for r in (value.tolist() if isinstance(value, sp.MatrixBase) else value)]
        if not rows or any(r is None or len(r) != len(rows) for r in rows):
            raise InvalidParameterError(self.name, "Sigma", _show(value), PositiveDefinite.text, "not a square matrix")
        grid = [r for r in rows if r is not None]  # every row checked above
        n = len(grid)
        cells = [[to_expr(grid[i][j], self.name, f"Sigma[{i},{j}]", Real) for j in range(n)] for i in range(n)]
        for i in range(n):  # a diagonal entry given by name is a variance: a positive symbol
            if isinstance(cells[i][i], sp.Symbol) and isinstance(grid[i][i], str):
                cells[i][i] = sp.Symbol(cells[i][i].name, positive=True)
        m = sp.ImmutableMatrix(cells)
        PositiveDefinite.check_matrix(m, self.name, "Sigma")
        return m

    def _validate(self) -> None:
        mu, sigma = self._values
        if mu.shape[0] != sigma.shape[0]:
            raise InvalidParameterError(self.name, "Sigma", f"{sigma.shape[0]}x{sigma.shape[1]}",
                                        f"a {mu.shape[0]}x{mu.shape[0]} matrix, matching mu",
                                        f"mu has {mu.shape[0]} entries")

    @classmethod
    def symbolic(cls, mu: str = "mu", Sigma: str = "Sigma", k: int | str | sp.Expr = "k") -> MultivariateNormal:  # noqa: N803
        """Symbolic parameters: for an integer k, entries ``mu_i`` and a symmetric ``Sigma_ij``
        (``Sigma_ii`` positive); for a name or symbol k, matrix symbols of dimension k."""
        dim = to_expr(k, cls.name, "k", _DIM)
        _DIM.check(dim, cls.name, "k")
        make_name(mu), make_name(Sigma)
        if dim.is_Integer:
            n = int(dim)
            cells = [[f"{Sigma}_{min(i, j)}{max(i, j)}" for j in range(n)] for i in range(n)]
            return cls([f"{mu}_{i}" for i in range(n)], cells)
        return cls(sp.MatrixSymbol(mu, dim, 1), sp.MatrixSymbol(Sigma, dim, dim))

    @classmethod
    def symbolic_example(cls, role: int = 1) -> MultivariateNormal:
        return cls.symbolic(f"mu_{role}", f"Sigma_{role}", "k")

    @property
    def mu(self) -> Any:
        return self._values[0]

    @property
    def Sigma(self) -> Any:  # noqa: N802
        return self._values[1]

    @property
    def k(self) -> sp.Expr:
        """The dimension: an integer, or the symbol of a symbolic-dimension family."""
        return sp.sympify(self.mu.shape[0])

    @property
    def indexed(self) -> bool:
        return not _explicit(self.Sigma)

    def __repr__(self) -> str:
        if self.indexed:
            return f"{self.name}(mu={self.mu}, Sigma={self.Sigma}, k={self.k})"
        return f"{self.name}(mu={list(self.mu)}, Sigma={self.Sigma.tolist()})"

    def marginal(self, indices: Sequence[int]) -> MultivariateNormal:
        """The law of the coordinates ``indices`` (in that order): N(mu_A, Sigma_AA), the sub-mean
        and the sub-covariance. For a symbolic dimension k its entries are the matrix symbols'
        elements (``Sigma[0, 1]``); such indices need k > max(indices).

        >>> import symdiv as sd
        >>> sd.MultivariateNormal([1, 2, 3], [[2, 1, 0], [1, 2, 1], [0, 1, 2]]).marginal([2, 0])
        MultivariateNormal(mu=[3, 1], Sigma=[[2, 0], [0, 2]])
        """
        idx = list(indices)
        bad = [i for i in idx if isinstance(i, bool) or not isinstance(i, int) or i < 0
               or (self.k.is_Integer and i >= int(self.k))]
        allowed = (f"distinct integers from 0 to {self.k - 1}" if self.k.is_Integer
                   else "distinct non-negative integers (below the dimension k)")
        if not idx or bad or len(set(idx)) != len(idx):
            why = ("no index" if not idx else f"{bad[0]!r} is not a coordinate" if bad else "an index repeats")
            raise InvalidParameterError(self.name, "indices", idx, allowed, why)
        if self.indexed:  # matrix symbols: their elements, Sigma[i, j] with i <= j (symmetric)
            s, m = self.Sigma, self.mu
            return MultivariateNormal([m[i, 0] for i in idx], [[s[min(a, b), max(a, b)] for b in idx] for a in idx])
        return MultivariateNormal([self.mu[i] for i in idx], [[self.Sigma[a, b] for b in idx] for a in idx])

    def _check_pair(self, other: Family) -> None:
        if isinstance(other, MultivariateNormal) and self.k != other.k:
            raise InvalidParameterError(self.name, "mu", f"k_P = {self.k}, k_Q = {other.k}",
                                        "the same dimension k for P and Q", "mismatched dimensions")

    # ------------------------------------------------------------------ declaration
    def log_density(self, x: sp.Expr) -> sp.Expr:
        return (-self.k * sp.log(2 * sp.pi) / 2 - sp.log(Det(self.Sigma)) / 2
                - mahalanobis(x, self.mu, self.Sigma) / 2)

    def density(self, x: sp.Expr) -> sp.Expr:
        return sp.exp(self.log_density(x))

    def support(self) -> RealSpace:
        return RealSpace(self.k)

    def _expectation(self, g: sp.Expr) -> sp.Expr | None:
        if isinstance(g, Mahalanobis) and g.x == XV:
            return trace_solve(g.scale, self.Sigma) + mahalanobis(self.mu, g.center, g.scale)
        if self.indexed:
            return None
        idx = []
        for f in sp.Mul.make_args(g):
            base, e = f.as_base_exp()
            if not (isinstance(base, sp.Indexed) and base.base == XV and e.is_Integer and e > 0):
                return None
            idx += [base.indices[0]] * int(e)
        if len(idx) == 1:  # the first two moments
            return self.mu[int(idx[0])]
        if len(idx) == 2:
            i, j = map(int, idx)
            return self.Sigma[i, j] + self.mu[i] * self.mu[j]
        return None

    # ------------------------------------------------------------------ symbols and numbers
    @property
    def free_symbols(self) -> set[sp.Basic]:
        if self.indexed:
            return {self.mu, self.Sigma} | self.k.free_symbols
        return super().free_symbols

    def facts(self) -> tuple[sp.Basic, ...]:
        if self.indexed:
            return _DIM.facts(self.k) if not self.k.is_Integer else ()
        return PositiveDefinite.facts_matrix(self.Sigma)

    def positive_expressions(self) -> tuple[sp.Expr, ...]:
        """Expressions known to be positive: the determinant of a symbolic covariance."""
        if self.indexed or self.Sigma.is_number:
            return ()
        return (Det(self.Sigma),)

    def reparams(self) -> dict[sp.Symbol, sp.Expr]:
        if self.indexed:
            return {self.k: _DIM.reparam(self.k)} if isinstance(self.k, sp.Symbol) else {}
        return {}

    def _sample_into(self, rng: random.Random, point: Point) -> None:
        if self.indexed:
            if isinstance(self.k, sp.Symbol) and self.k not in point:
                point[self.k] = sp.Integer(rng.randint(1, 3))
            n = int(self.k.xreplace(point))
            point.setdefault(self.mu, _column([Real.sample(rng) for _ in range(n)]))
            point.setdefault(self.Sigma, PositiveDefinite.sample_matrix(rng, n))
            return
        cov = PositiveDefinite.sample_matrix(rng, int(self.k))
        for i in range(int(self.k)):
            if isinstance(self.mu[i], sp.Symbol):
                point.setdefault(self.mu[i], Real.sample(rng))
            for j in range(int(self.k)):
                if isinstance(self.Sigma[i, j], sp.Symbol):
                    point.setdefault(self.Sigma[i, j], cov[i, j])
        super()._sample_into(rng, point)  # anything else (entries that are expressions)

    def at(self, point: Mapping[Any, Any]) -> MultivariateNormal:
        if self.indexed:
            k = self.k.xreplace({s: v for s, v in point.items() if isinstance(s, sp.Symbol)})
            return MultivariateNormal(list(point[self.mu]), sp.ImmutableMatrix(point[self.Sigma]).tolist()) \
                if self.mu in point and self.Sigma in point else MultivariateNormal.symbolic(
                    self.mu.name, self.Sigma.name, k)
        return self._xreplace({s: v for s, v in point.items() if isinstance(s, sp.Symbol)})

    def _xreplace(self, subs: Mapping[sp.Basic, Any]) -> MultivariateNormal:
        return MultivariateNormal(list(self.mu.xreplace(subs)), self.Sigma.xreplace(subs).tolist())


def _flat(value: Any) -> list[Any]:
    if isinstance(value, sp.MatrixBase):
        if 1 not in value.shape:
            raise InvalidParameterError("MultivariateNormal", "mu", value.tolist(), "a vector", "not a vector")
        return list(value)
    return list(value)


def _show(value: Any, limit: int = 120) -> Any:
    """A value for an error message: long matrices are shortened."""
    text = str(value.tolist() if isinstance(value, sp.MatrixBase) else value)
    return text if len(text) <= limit else text[:limit] + "..."
