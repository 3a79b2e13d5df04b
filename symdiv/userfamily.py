"""User-defined families: ``Family.from_density``.

A density written in SymPy becomes a family constructor. Its log-density is split by the
same engine; when it is an exponential family, log p = Σ η_j(θ) T_j(x) + c(θ) + k(x), the
expectations of the sufficient statistics come from differentiating the normaliser
(Σ_j ∂η_j/∂θ_i E[T_j] = -∂c/∂θ_i), so H(P,Q) = F(θ_Q) - ⟨η_Q, E_P[T]⟩ - E_P[k(X)] needs no
integral but E_P[k(X)]. Anything else is derived by integration or summation once and cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .domains import Domain, make_name
from .errors import InvalidParameterError, UnsupportedError
from .expectation import decompose
from .family import Family, Parameter, X
from .support import IntegerRange, RealInterval, Support

__all__ = ["from_density", "ExponentialFamilyForm"]


class ExponentialFamilyForm:
    """log p(x) = Σ η_j(θ) T_j(x) + c(θ) + k(x), with E[T_j] solved from the normaliser."""

    def __init__(self, natural: list[sp.Expr], statistics: list[sp.Expr], log_normalizer: sp.Expr,
                 base: sp.Expr, mean: dict[sp.Expr, sp.Expr]) -> None:
        self.natural, self.statistics = natural, statistics
        self.log_normalizer, self.base, self.mean = log_normalizer, base, mean

    def __repr__(self) -> str:
        return (f"ExponentialFamilyForm(natural={self.natural}, statistics={self.statistics}, "
                f"log_partition={-self.log_normalizer}, base={self.base})")


def _detect(log_density: sp.Expr, thetas: list[sp.Symbol]) -> ExponentialFamilyForm | None:
    natural, stats, const, base = [], [], sp.Integer(0), sp.Integer(0)
    for coeff, basis in decompose(log_density):
        if basis == 1:
            const += coeff
        elif not coeff.free_symbols & set(thetas):
            base += coeff * basis
        else:
            natural.append(coeff)
            stats.append(basis)
    if not stats:
        return None
    jac = sp.Matrix([[sp.diff(eta, th) for eta in natural] for th in thetas])
    rhs = sp.Matrix([-sp.diff(const, th) for th in thetas])
    if jac.rank(simplify=True) < len(stats):
        return None
    # least-squares-free solve: pick len(stats) independent rows
    solution = (jac.T * jac).LUsolve(jac.T * rhs)
    mean = {t: sp.simplify(v) for t, v in zip(stats, solution)}
    return ExponentialFamilyForm(natural, stats, const, base, mean)


def _support(support: Any) -> Support:
    if isinstance(support, Support):
        return support
    if isinstance(support, tuple) and len(support) == 2:
        return RealInterval(sp.sympify(support[0]), sp.sympify(support[1]))
    if isinstance(support, range):
        return IntegerRange(sp.Integer(support.start), sp.Integer(support.stop - 1))
    raise InvalidParameterError("from_density", "support", support,
                                "(lo, hi) for an interval, a symdiv RealInterval/IntegerRange, or a range")


def from_density(density: sp.Expr, variable: sp.Symbol, params: Mapping[Any, Domain], support: Any,
                 name: str, discrete: bool | None = None) -> type[Family]:
    """Make a family constructor from a density (or, on integers, a mass function).

    ``params`` maps each parameter symbol (or name) to its domain, in the constructor's order.

    >>> import sympy as sp, symdiv as sd
    >>> x, s = sp.symbols("x sigma", positive=True)
    >>> Rayleigh = sd.Family.from_density(x / s**2 * sp.exp(-x**2 / (2 * s**2)), x, {s: sd.Positive},
    ...                                   (0, sp.oo), "Rayleigh")
    >>> sd.kl_divergence(Rayleigh("sigma_1"), Rayleigh("sigma_2")).expr
    sigma_1**2/sigma_2**2 + 2*log(sigma_2/sigma_1) - 1
    """
    make_name(name)
    if not isinstance(density, sp.Expr) or not isinstance(variable, sp.Symbol):
        raise InvalidParameterError("from_density", "density", density, "a SymPy expression in a SymPy symbol")
    template = {(sp.Symbol(make_name(k), **d.assumptions) if isinstance(k, str) else k): d for k, d in params.items()}
    thetas = list(template)
    supp = _support(support)
    is_discrete = isinstance(supp, IntegerRange) if discrete is None else discrete
    log_template = sp.expand_log(sp.log(density.xreplace({variable: X})), force=True)
    if log_template.has(variable) or not log_template.has(X):
        raise UnsupportedError(f"{name}: the density must depend on {variable} and only through it")
    form = _detect(log_template, thetas)

    def values(self: Family) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(thetas, self._values))

    def log_density(self: Family, x: sp.Expr) -> sp.Expr:
        return log_template.xreplace({**values(self), X: x})

    def pdf(self: Family, x: sp.Expr) -> sp.Expr:
        return density.xreplace({**values(self), variable: x})

    def supp_of(self: Family) -> Support:
        lo, hi = (supp.lo, supp.hi)
        kind = type(supp)
        return kind(sp.sympify(lo).xreplace(values(self)), sp.sympify(hi).xreplace(values(self)))

    def table(self: Family, g: sp.Expr) -> sp.Expr | None:
        if form is not None and g in form.mean:
            return form.mean[g].xreplace(values(self))
        return None

    def doc() -> str:
        kind = "an exponential family" if form is not None else "not an exponential family"
        return f"User-defined family {name} (density {density}; {kind})."

    return type(name, (Family,), {
        "__doc__": doc(),
        "name": name,
        "parameters": tuple(Parameter(str(t), d) for t, d in template.items()),
        "discrete": is_discrete,
        "exponential_family": form,
        "log_density": log_density,
        "density": pdf,
        "support": supp_of,
        "_expectation": table,
        "__module__": __name__,
    })
