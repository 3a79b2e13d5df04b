"""Parameter domains: reusable data that drive validation, symbols, facts and sampling.

A :class:`Domain` knows

* the SymPy assumptions of a symbol made from a name (``Positive`` -> ``positive=True``);
* a three-valued :meth:`Domain.check`: it raises only when a value is *definitely*
  outside the domain, so symbolic values that cannot be decided pass;
* the facts SymPy cannot hold as assumptions (``p < 1``) and a re-parametrisation that
  turns them into assumptions SymPy *can* hold (``p = 1/(1+t)`` with ``t > 0``), which is
  how the simplifier uses those facts soundly;
* how to draw valid exact (rational) values for numerical checks.
"""

from __future__ import annotations

import copy
import math
import numbers
import random
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, ClassVar

import sympy as sp

from .errors import InvalidParameterError, InvalidParameterTypeError, ParseError
from .symbols import RESERVED_NAMES, EngineSymbol

__all__ = [
    "Domain",
    "Real",
    "Positive",
    "UnitInterval",
    "PositiveInteger",
    "Simplex",
    "PositiveDefinite",
    "to_expr",
    "make_name",
]

_MAX_NAME = 64


def make_name(name: str) -> str:
    """Return ``name`` if it is a safe symbol name, else raise :class:`ParseError`.

    Names never reach ``sympify``: they become ``sympy.Symbol(name)`` directly, and
    only identifiers without a leading underscore are accepted.
    """
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or len(name) > _MAX_NAME:
        raise ParseError(f"not a valid parameter name: {name!r} (use letters, digits and '_', e.g. 'sigma_1')")
    if name in RESERVED_NAMES:
        raise ParseError(f"not a valid parameter name: {name!r} reads as SymPy's constant {name} "
                         f"(choose another name, e.g. '{name}_1')")
    return name


def to_expr(value: Any, family: str, param: str, domain: Domain) -> sp.Expr:
    """Convert a user value (name, number or SymPy expression) into a SymPy expression."""
    if isinstance(value, bool) or value is None:
        raise InvalidParameterTypeError(family, param, value, domain.text,
                                        "expected a name, a number or a SymPy expression")
    if isinstance(value, str):
        try:
            return domain.make_symbol(make_name(value))
        except ParseError as exc:
            raise InvalidParameterError(family, param, value, domain.text, str(exc)) from None
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or isinstance(value, sp.MatrixBase):
            raise InvalidParameterTypeError(family, param, value, domain.text, "expected a scalar SymPy expression")
        engine = sorted({str(s) for s in value.atoms(EngineSymbol)})
        if engine:  # symdiv.X is the random variable itself: a parameter made of it is no parameter
            raise InvalidParameterError(
                family, param, value, domain.text,
                f"{', '.join(engine)} is the engine's random variable (symdiv.X), not a parameter; "
                "name the parameter with a string such as 'x' or a sympy.Symbol")
        return value
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise InvalidParameterError(family, param, value, domain.text, "not a finite number")
        return sp.Float(f)
    raise InvalidParameterTypeError(
        family, param, value, domain.text, f"type {type(value).__name__} is not a name, a number or a SymPy expression"
    )


def decimal_rational(value: sp.Float) -> sp.Rational:
    """The exact rational of the decimal a float prints as (``Float(0.3)`` -> 3/10).

    A double-precision Float is read by Python's shortest round-trip repr, not SymPy's 15-digit
    str: 0.9999999999999999 is not 1, 1e-300 stays 1e-300.
    """
    if value._prec == 53:
        return sp.Rational(repr(float(value)))
    return sp.Rational(str(value))


def decimal_map(values: Iterable[Any]) -> dict[sp.Float, sp.Rational]:
    """Each float inside ``values`` (expressions, or tuples of them) -> the exact decimal it prints as."""
    out: dict[sp.Float, sp.Rational] = {}
    for v in values:
        for item in v if isinstance(v, tuple) else (v,):
            if isinstance(item, sp.Basic):
                out.update({f: decimal_rational(f) for f in item.atoms(sp.Float)})
    return out


def _rand_rational(rng: random.Random, lo: Fraction, hi: Fraction, den: int = 1000) -> sp.Rational:
    a, b = math.ceil(lo * den), math.floor(hi * den)
    return sp.Rational(rng.randint(a, b), den)


class Domain:
    """A parameter domain. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str] = "Domain"
    text: ClassVar[str] = ""
    #: the domain as LaTeX, for printing (e.g. ``(0, \infty)``)
    latex: ClassVar[str] = ""
    assumptions: ClassVar[dict[str, bool]] = {}
    #: closed interval from which :meth:`sample` draws (always inside the open domain)
    sample_range: ClassVar[tuple[Fraction, Fraction]] = (Fraction(-3), Fraction(3))

    def make_symbol(self, name: str) -> sp.Symbol:
        return sp.Symbol(name, **self.assumptions)

    def check(self, value: sp.Expr, family: str, param: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def facts(self, sym: sp.Expr) -> tuple[sp.Basic, ...]:
        """Facts about ``sym`` that hold for every value of the open domain."""
        return ()

    def reparam(self, sym: sp.Symbol) -> sp.Expr | None:
        """An expression for ``sym`` in a fresh symbol whose SymPy assumptions encode the facts."""
        return None

    def sample(self, rng: random.Random) -> sp.Rational:
        lo, hi = self.sample_range
        return _rand_rational(rng, lo, hi)

    def worded(self, text: str) -> Domain:
        """This domain described as ``text``: a family's own words for a parameter it narrows
        (Geometric refuses p = 0: ``UnitInterval.worded("(0, 1]")``) or ties to another (Uniform's
        ``b`` lies in ``(a, oo)``), which its ``_validate`` enforces. Only the description changes:
        the copy makes the same symbols, checks, facts and samples, and compares equal to this domain
        (a domain whose text is computed, such as ``PositiveInteger(2)``, keeps its own).
        """
        out = copy.copy(self)
        out.__dict__["text"] = text
        return out

    def __repr__(self) -> str:
        return self.name

    def _identity(self) -> dict[str, Any]:
        """What makes two domains the same (their instance data, less a family's wording)."""
        return {k: v for k, v in self.__dict__.items() if k != "text"}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._identity() == other._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self._identity().items()))))

    @staticmethod
    def _fail(family: str, param: str, value: object, allowed: str, why: str = "") -> None:
        raise InvalidParameterError(family, param, value, allowed, why)

    def _check_real(self, value: sp.Expr, family: str, param: str) -> None:
        if value.is_Rational:
            return
        if value.has(sp.nan) or value.is_extended_real is False or value.is_finite is False:
            self._fail(family, param, value, self.text, "not a finite real number")


class _Real(Domain):
    name = "Real"
    text = "real numbers (-oo, oo)"
    latex = r"\mathbb{R}"
    assumptions = {"real": True}

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        self._check_real(value, family, param)


class _Positive(Domain):
    name = "Positive"
    text = "positive reals (0, oo)"
    latex = r"(0, \infty)"
    assumptions = {"positive": True}
    sample_range = (Fraction(1, 4), Fraction(4))

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        self._check_real(value, family, param)
        if value.is_positive is False:
            self._fail(family, param, value, self.text, "must be > 0")

    def facts(self, sym: sp.Expr) -> tuple[sp.Basic, ...]:
        return (sp.StrictGreaterThan(sym, 0, evaluate=False),)


class _UnitInterval(Domain):
    """[0, 1] for numbers; a symbol made from a name lives in the open interval (0, 1)."""

    name = "UnitInterval"
    text = "[0, 1]"
    latex = "[0, 1]"
    assumptions = {"positive": True}
    sample_range = (Fraction(1, 20), Fraction(19, 20))

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        self._check_real(value, family, param)
        if value.is_Rational:  # on its integers (q > 0): SymPy's comparisons cost 10 us each
            if not 0 <= int(value.p) <= int(value.q):
                self._fail(family, param, value, self.text, "a probability must lie in [0, 1]")
            return
        if value.is_negative or (not value.is_Symbol and (value - 1).is_positive):
            # (a symbol's assumptions can never imply > 1: skip building value - 1 for it)
            self._fail(family, param, value, self.text, "a probability must lie in [0, 1]")

    def facts(self, sym: sp.Expr) -> tuple[sp.Basic, ...]:
        return (sp.StrictGreaterThan(sym, 0, evaluate=False), sp.StrictLessThan(sym, 1, evaluate=False))

    def reparam(self, sym: sp.Symbol) -> sp.Expr:
        t = sp.Dummy(f"t_{sym}", positive=True)
        return 1 / (1 + t)


class _PositiveInteger(Domain):
    def __init__(self, minimum: int = 1) -> None:
        self.minimum = minimum

    name = "PositiveInteger"
    assumptions = {"integer": True, "positive": True}

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"integers >= {self.minimum}"

    @property
    def latex(self) -> str:  # type: ignore[override]
        return rf"\{{{self.minimum}, {self.minimum + 1}, \dots\}}"

    def __call__(self, minimum: int) -> _PositiveInteger:
        """``PositiveInteger(2)``: the integers from 2 on."""
        return _PositiveInteger(minimum)

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        if value.is_integer is False or value.is_finite is False:
            self._fail(family, param, value, self.text, "not an integer")
        if (value - self.minimum).is_negative:
            self._fail(family, param, value, self.text, f"must be >= {self.minimum}")

    def facts(self, sym: sp.Expr) -> tuple[sp.Basic, ...]:
        return (sp.GreaterThan(sym, self.minimum, evaluate=False),)

    def reparam(self, sym: sp.Symbol) -> sp.Expr:
        return sp.Dummy(f"t_{sym}", integer=True, nonnegative=True) + self.minimum

    def sample(self, rng: random.Random) -> sp.Integer:
        return sp.Integer(rng.randint(self.minimum, self.minimum + 4))


class _Simplex(Domain):
    """Probability vectors: entries in [0, 1] summing to 1 (exactly for rationals, to 1e-12 for floats)."""

    name = "Simplex"
    text = "probability vectors (entries in [0, 1], summing to 1, at least 2 entries)"
    latex = r"\Delta^{K-1}"
    assumptions = {"positive": True}
    FLOAT_TOL = 1e-12

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        UnitInterval.check(value, family, param)

    def check_vector(self, values: Sequence[sp.Expr], family: str, param: str) -> None:
        if len(values) < 2:
            self._fail(family, param, list(values), self.text, f"K = {len(values)} classes; need K >= 2")
        for i, v in enumerate(values):
            self.check(v, family, f"{param}[{i}]")
        if all(isinstance(v, sp.Rational) for v in values):  # exact fractions: summed as Python's (K = 1000 at
            total_q = sum((Fraction(int(v.p), int(v.q)) for v in values), Fraction(0))  # every sample point)
            if total_q != 1:
                self._fail(family, param, list(values), self.text, f"the probabilities sum to {total_q}, not 1")
            return
        total = sp.Add(*values)
        if total.is_number:
            if total.has(sp.Float):
                ok = abs(float(total) - 1.0) <= self.FLOAT_TOL
            else:
                # over a common denominator first: softmax weights exp(z_i) / sum_j exp(z_j) at a
                # sample point are 1 at once there, while is_zero on the sum takes ~30 ms per point
                zero = True if sp.cancel(sp.together(total) - 1) == 0 else (total - 1).is_zero
                ok = zero if zero is not None else sp.nsimplify(total - 1) == 0
            if not ok:
                self._fail(family, param, list(values), self.text, f"the probabilities sum to {total}, not 1")

    def facts(self, sym: sp.Expr) -> tuple[sp.Basic, ...]:
        return UnitInterval.facts(sym)

    def reparam(self, sym: sp.Symbol) -> sp.Expr:
        return UnitInterval.reparam(sym)

    def sample_entries(self, rng: random.Random, entries: Sequence[sp.Expr], point: dict[Any, Any]) -> bool:
        """Draw the symbolic entries of a probability vector jointly (the numeric ones fixed) into
        ``point``, when every symbolic entry is its own name not yet drawn; False (nothing drawn)
        otherwise."""
        free = [p for p in entries if not p.is_number]
        own_names = all(isinstance(p, sp.Symbol) and p not in point for p in free) and len(set(free)) == len(free)
        if not (free and own_names):
            return False
        rest = 1 - sp.Add(*(p for p in entries if p.is_number))
        for p, v in zip(free, self.sample_vector(rng, len(free))):
            point[p] = rest * v
        return True

    def sample_vector(self, rng: random.Random, k: int) -> list[sp.Rational]:
        weights = [rng.randint(1, 1000) for _ in range(k)]
        total = sum(weights)
        return [sp.Rational(w, total) for w in weights]


class _PositiveDefinite(Domain):
    """Covariance matrices: symmetric and positive definite.

    For a matrix of numbers both are decided exactly; for symbolic entries the leading principal
    minors are facts (they must be > 0) and a check fails only when one is definitely <= 0.
    """

    name = "PositiveDefinite"
    text = "symmetric positive-definite matrices"
    latex = r"\mathbb{S}_{++}^{k}"
    assumptions = {"real": True}

    def check(self, value: sp.Expr, family: str, param: str) -> None:
        Real.check(value, family, param)

    def check_matrix(self, m: sp.ImmutableMatrix, family: str, param: str) -> None:
        if not m.is_square or m.rows == 0:
            self._fail(family, param, f"a {m.rows}x{m.cols} matrix", self.text, "not square")
        for i in range(m.rows):
            for j in range(m.cols):
                Real.check(m[i, j], family, f"{param}[{i},{j}]")
                if j > i and sp.expand(m[i, j] - m[j, i]) != 0:
                    self._fail(family, param, f"a {m.rows}x{m.cols} matrix", self.text,
                               f"not symmetric: {param}[{i},{j}] = {m[i, j]} but {param}[{j},{i}] = {m[j, i]}")
        for n, minor in enumerate(self.minors(m), start=1):
            if minor.is_positive is False:
                self._fail(family, param, f"a {m.rows}x{m.cols} matrix", self.text,
                           f"not positive definite: the leading {n}x{n} minor is {minor}")

    @staticmethod
    def minors(m: sp.ImmutableMatrix) -> list[sp.Expr]:
        """The leading principal minors, expanded (all > 0 iff positive definite, Sylvester)."""
        from sympy.polys.matrices import DomainMatrix

        out = []
        for n in range(1, m.rows + 1):
            dm = DomainMatrix.from_Matrix(m[:n, :n])
            out.append(sp.expand(dm.domain.to_sympy(dm.det())))
        return out

    def facts_matrix(self, m: sp.ImmutableMatrix) -> tuple[sp.Basic, ...]:
        return tuple(sp.StrictGreaterThan(minor, 0, evaluate=False)
                     for minor in self.minors(m) if not minor.is_number)

    def sample_matrix(self, rng: random.Random, k: int) -> sp.ImmutableMatrix:
        """L L^T + I/2 with a random rational lower-triangular L: exact and well conditioned."""
        low = sp.Matrix(k, k, lambda i, j: _rand_rational(rng, Fraction(-1), Fraction(1), 20) if j <= i else 0)
        return sp.ImmutableMatrix(low * low.T + sp.eye(k) / 2)


Real = _Real()
Positive = _Positive()
UnitInterval = _UnitInterval()
PositiveInteger = _PositiveInteger(1)
Simplex = _Simplex()
PositiveDefinite = _PositiveDefinite()
