"""symdiv: derive closed-form entropy, cross-entropy and KL divergence, and prove
H(P, Q) = KL(P || Q) + H(P).

>>> import symdiv as sd
>>> P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
>>> sd.kl_divergence(P, Q).expr
log(sigma_2/sigma_1) - 1/2 + (sigma_1**2 + (mu_1 - mu_2)**2)/(2*sigma_2**2)
>>> sd.verify_decomposition(P, Q).holds
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .derivation import Derivation, Expectation, Step, StepKind
from .domains import Positive, PositiveDefinite, PositiveInteger, Real, Simplex, UnitInterval
from .errors import InvalidParameterError, InvalidParameterTypeError, ParseError, SymdivError, UnsupportedError
from .families import (
    CATALOG,
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    Gumbel,
    HalfNormal,
    JointCategorical,
    Laplace,
    LogNormal,
    MultivariateNormal,
    Normal,
    Pareto,
    Poisson,
    Uniform,
    Weibull,
)
from .family import Family, X
from .hooks import provide
from .measures import Measure, Quantity, clear_caches, cross_entropy, entropy, kl_divergence
from .measures.bhattacharyya import bhattacharyya_coefficient, bhattacharyya_distance
from .measures.chi_squared import chi_squared_divergence
from .measures.hellinger import hellinger_distance
from .measures.jeffreys import jeffreys_divergence
from .measures.jensen_shannon import js_divergence
from .measures.mutual_information import mutual_information
from .measures.renyi import renyi_divergence
from .measures.total_variation import total_variation

if TYPE_CHECKING:  # imported on first use (PEP 562 below): `import symdiv` stays close to `import sympy`
    from .claims import Counterexample, Verdict, check, verify_local_expansion
    from .local import fisher_information
    from .printing.latex import Notation, latex, preamble
    from .sheet import formula_sheet, latex_document, write_sheet
    from .verify import NumericEvidence, Verification, verify_decomposition

#: public names whose modules load on first access
_LAZY = {
    "Counterexample": "prove.verdict", "Verdict": "prove.verdict", "check": "prove.claims",
    "verify_local_expansion": "prove.expansion",
    "fisher_information": "local",
    "Notation": "printing.latex", "formula_sheet": "sheet", "latex": "printing.latex",
    "latex_document": "sheet", "preamble": "printing.latex", "write_sheet": "sheet",
    "NumericEvidence": "prove.verdict", "Verification": "prove.verdict", "verify_decomposition": "prove.decomposition",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symdiv' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

from .version import __version__ as __version__  # noqa: E402

# the conveniences of value objects (d.latex(), d.to_function(), ...), wired to the layers above
for _hook, _module, _attribute in (
    ("derivation_latex", "symdiv.printing.latex", "derivation_latex"),
    ("verdict_latex", "symdiv.printing.latex", "verdict_latex"),
    ("to_function", "symdiv.gencode", "to_function"),
    ("diff", "symdiv.local", "diff"),
    ("gradient", "symdiv.local", "gradient"),
    ("from_density", "symdiv.userfamily", "from_density"),
):
    provide(_hook, _module, _attribute)
del _hook, _module, _attribute


def codegen(derivation: Derivation, language: str = "python", *, name: str | None = None, bits: bool = False) -> str:
    """Readable source (``language`` "python" or "c") of a function computing the closed form,
    with its provenance in a comment; see :func:`symdiv.gencode.codegen`. NumPy and the code
    printers are imported on first use, not with the package.

    >>> import symdiv as sd
    >>> print(sd.codegen(sd.entropy(sd.Bernoulli("p"))).splitlines()[-1])
        return -xlog1py(1 - p, -p) - xlogy(p, p)
    """
    from .gencode import codegen as generate

    return generate(derivation, language, name=name, bits=bits)

__all__ = [
    "CATALOG",
    "Bernoulli",
    "Dirichlet",
    "Beta",
    "Binomial",
    "Exponential",
    "Gamma",
    "Geometric",
    "Gumbel",
    "HalfNormal",
    "JointCategorical",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Pareto",
    "Poisson",
    "Uniform",
    "Weibull",
    "Categorical",
    "Derivation",
    "Expectation",
    "Family",
    "InvalidParameterError",
    "InvalidParameterTypeError",
    "Normal",
    "Notation",
    "NumericEvidence",
    "ParseError",
    "Positive",
    "PositiveDefinite",
    "PositiveInteger",
    "Quantity",
    "Real",
    "Simplex",
    "Step",
    "StepKind",
    "SymdivError",
    "UnitInterval",
    "UnsupportedError",
    "Verification",
    "X",
    "check",
    "clear_caches",
    "Counterexample",
    "Verdict",
    "verify_local_expansion",
    "fisher_information",
    "codegen",
    "cross_entropy",
    "entropy",
    "formula_sheet",
    "latex",
    "latex_document",
    "preamble",
    "write_sheet",
    "kl_divergence",
    "Measure",
    "bhattacharyya_coefficient",
    "bhattacharyya_distance",
    "chi_squared_divergence",
    "hellinger_distance",
    "jeffreys_divergence",
    "js_divergence",
    "mutual_information",
    "renyi_divergence",
    "total_variation",
    "verify_decomposition",
]
