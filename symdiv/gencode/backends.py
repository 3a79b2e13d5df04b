"""The backends of :func:`~symdiv.gencode.to_function` and the languages of
:func:`~symdiv.gencode.codegen`: one registry entry each, with its printer class and source
builder, and for a backend the namespace the compiled code runs in, the converter of its
arguments and the call that returns its result.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..errors import UnsupportedError
from . import runtime
from .checks import Target
from .helpers import mpmath_helpers
from .printers import CPrinter, JaxPrinter, MpmathPrinter, NumpyPrinter, Printer, PythonPrinter, TorchPrinter
from .source import RESERVED_C, RESERVED_PY, Plan, array_source, c_source, mpmath_source, python_source

#: prints a plan with a printer class
Source = Callable[[Plan, type[Printer]], str]


@dataclass(frozen=True, kw_only=True)
class Backend(Target):
    """A backend of ``to_function``."""

    printer: type[Printer]
    source: Source
    #: the names the compiled code uses (imports optional packages: UnsupportedError when missing)
    namespace: Callable[[], dict[str, Any]]
    #: namespace -> the function that turns one argument (on scalar backends: one element of a
    #: class sequence) into the backend's numbers
    converter: Callable[[Mapping[str, Any]], Callable[[Any], Any]]
    #: calls the compiled function with converted arguments; returns the result
    evaluate: Callable[[Callable[..., Any], list[Any], Plan], Any]


@dataclass(frozen=True)
class Language:
    """A language of ``codegen``: code for ``target``, printed by ``printer`` into ``source``."""

    name: str
    target: Target
    printer: type[Printer]
    source: Source
    #: names that the arguments must not shadow
    reserved: set[str]


def _import(backend: str, module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise UnsupportedError(f"backend {backend!r} needs the {package} package: pip install {package}") from None


# ---------------------------------------------------------------------- namespaces
def _numpy_namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {"numpy": np, "range_sum": runtime.range_sum}
    try:
        special = importlib.import_module("scipy.special")
    except ImportError:
        special = None
    ns.update(xlogy=runtime.xlogy, xlog1py=runtime.xlog1py,  # numpy's log plus a fix-up: faster than scipy's xlogy
              logratio=runtime.logratio, xlogratio=runtime.xlogratio, xlogratio1p=runtime.xlogratio1p)
    if special is not None:
        ns.update(digamma=special.digamma, gammaln=special.gammaln, gamma=special.gamma, erf=special.erf,
                  erfc=special.erfc, erfcx=special.erfcx)
    else:
        ns.update(digamma=runtime.digamma, gammaln=runtime.gammaln, gamma=runtime.gamma,
                  erf=runtime.vectorized(math.erf), erfc=runtime.vectorized(math.erfc), erfcx=runtime.erfcx)
    ns.update(runtime.stirling_rests(np, ns["gammaln"], ns["digamma"]),
              kl_div=runtime.kl_div_helper(np, runtime.logratio))
    ns.update(runtime.near_helpers(np, runtime.logratio, ns["gammaln"], ns["digamma"]))
    return ns


def _mpmath_namespace() -> dict[str, Any]:
    from ..explicit import sum_series

    def series(term: Any, lo: Any, hi: Any, dps: int = 30) -> Any:
        """sum_series, its "no value here" (the largest terms beyond reach) as a symdiv error."""
        try:
            return sum_series(term, lo, hi, dps)
        except ArithmeticError as e:
            raise UnsupportedError(f"the series has no value here: {e}") from None

    return {"mpmath": mpmath, "symdiv_series": series, **mpmath_helpers()}


def _ratio_helpers(xp: Any) -> dict[str, Any]:
    """``symdiv_logratio`` / ``symdiv_xlogratio`` / ``symdiv_xlogratio1p`` / ``symdiv_kl_div`` for an array
    module ``xp`` (torch, jax.numpy): log(a/b), and log(a) - log(b) where a/b leaves the normal numbers
    of the dtype (float32 already at a ratio of 1e-38)."""

    def logratio(a: Any, b: Any) -> Any:
        r = xp.log(a / b)
        limit = -math.log(float(xp.finfo(r.dtype).tiny))
        return xp.where(xp.abs(r) < limit, r, xp.log(a) - xp.log(b))

    def xlogratio(x: Any, a: Any, b: Any) -> Any:
        r = logratio(a, b)
        return xp.where(x == 0, xp.zeros_like(r), x * r)

    def xlogratio1p(x: Any, d: Any, a: Any, b: Any) -> Any:  # see runtime.xlogratio1p
        r = d / b
        lr = xp.where((r >= -0.5) & (r <= 1.0), xp.log1p(r), logratio(a, b))
        return xp.where(x == 0, xp.zeros_like(lr), x * lr)

    return {"symdiv_logratio": logratio, "symdiv_xlogratio": xlogratio, "symdiv_xlogratio1p": xlogratio1p,
            "symdiv_kl_div": runtime.kl_div_helper(xp, logratio)}


def _torch_namespace() -> dict[str, Any]:
    torch = _import("torch", "torch")
    rests = runtime.stirling_rests(torch, lambda x: torch.lgamma(x), lambda x: torch.special.digamma(x))
    return {"torch": torch, "gamma": lambda x: torch.exp(torch.lgamma(x)), **_ratio_helpers(torch),
            **_prefixed(rests)}


def _jax_namespace() -> dict[str, Any]:
    jnp = _import("jax", "jax.numpy")
    jss = _import("jax", "jax.scipy.special")
    rests = runtime.stirling_rests(jnp, lambda x: jss.gammaln(x), lambda x: jss.digamma(x))
    return {"jnp": jnp, "jss": jss, **_ratio_helpers(jnp), **_prefixed(rests)}


def _prefixed(helpers: Mapping[str, Any]) -> dict[str, Any]:
    """Helpers under the names that the torch and jax printers call (``symdiv_`` + name)."""
    return {f"symdiv_{name}": f for name, f in helpers.items()}


# ---------------------------------------------------------------------- arguments
def _to_mp(v: Any) -> Any:
    """An mpmath number, exactly for integers, fractions and SymPy rationals."""
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, sp.Basic):
        v = sp.sympify(v)
        if v.is_Rational:
            return mpmath.mpf(int(v.p)) / int(v.q)
        return mpmath.mpf(sp.Float(v, mpmath.mp.dps + 5)._mpf_)
    return mpmath.mpmathify(v)


def _torch_converter(ns: Mapping[str, Any]) -> Callable[[Any], Any]:
    torch = ns["torch"]

    def convert(v: Any) -> Any:
        t = torch.as_tensor(v)
        return t if t.is_floating_point() else t.to(torch.get_default_dtype())

    return convert


def _jax_converter(ns: Mapping[str, Any]) -> Callable[[Any], Any]:
    jnp = ns["jnp"]

    def convert(v: Any) -> Any:
        a = jnp.asarray(v)
        return a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(jnp.float32)

    return convert


# ---------------------------------------------------------------------- calls
def _class_axis(values: list[Any], plan: Plan) -> list[Any]:
    """Scalar arguments get a trailing axis to broadcast against the classes of the array ones."""
    if not plan.class_axis:
        return values
    return [v if plan.sig.is_array(s) else v[..., None] for v, s in zip(values, plan.sig.symbols)]


def _evaluate_numpy(core: Callable[..., Any], values: list[Any], plan: Plan) -> Any:
    shapes = [v.shape[:-1] if plan.sig.is_array(s) else v.shape for v, s in zip(values, plan.sig.symbols)]
    values = _class_axis(values, plan)
    with np.errstate(all="ignore"):
        out = np.asarray(core(*values))
    dtype = np.result_type(*values) if values else np.float64
    if out.dtype.kind not in "fc" or (not plan.expr.free_symbols and not plan.statements):
        out = out.astype(dtype if np.dtype(dtype).kind in "fc" else np.float64)
    shape = np.broadcast_shapes(out.shape, *shapes)
    if out.shape != shape:
        out = np.broadcast_to(out, shape).copy()
    return out[()] if out.ndim == 0 else out


def _evaluate_tensors(core: Callable[..., Any], values: list[Any], plan: Plan) -> Any:
    return core(*_class_axis(values, plan))


def _evaluate_float(core: Callable[..., Any], values: list[Any], plan: Plan) -> Any:
    """Python floats: where Python raises (an intermediate beyond 1.8e308, log of a negative
    number) the error says why and which backend computes it (numpy returns inf or nan there)."""
    try:
        return float(core(*values))
    except OverflowError:
        raise UnsupportedError(f"{plan.name}{tuple(values)}: an intermediate value overflows double precision; "
                               "backend='mpmath' computes it") from None
    except (ValueError, ZeroDivisionError) as e:
        raise UnsupportedError(f"{plan.name}{tuple(values)}: {e} in a term of the closed form: the arguments are "
                               "outside the parameters' domains (backend='numpy' returns nan there), or the term "
                               "is a limit there that the generated code does not take (a bug: please report "
                               "it)") from None


def _evaluate_mpmath(core: Callable[..., Any], values: list[Any], plan: Plan) -> Any:
    """The value at the current precision, computed at two higher ones that agree (terms of 1e300
    that cancel need 300 more digits than the result shows)."""
    from .guard import MAX_DPS, mp_value, start_digits

    value = mp_value(core, values, start=start_digits(values, mpmath.mp.dps + 10))
    if value is None:
        raise UnsupportedError(f"{plan.name}: no certain value at these arguments (working precisions up to "
                               f"{MAX_DPS} digits disagree, or a term has no value there)")
    if plan.derivation.quantity.nonnegative and isinstance(value, mpmath.mpf):
        value = max(value, mpmath.mpf(0))  # KL >= 0: a rounding below 0 at P ~ Q
    return +value


# ---------------------------------------------------------------------- the registries
_BACKENDS = {b.name: b for b in (
    Backend("numpy", arrays=True, printer=NumpyPrinter, source=array_source, namespace=_numpy_namespace,
            converter=lambda ns: runtime.as_float, evaluate=_evaluate_numpy),
    Backend("math", printer=PythonPrinter, source=python_source, namespace=dict,
            converter=lambda ns: float, evaluate=_evaluate_float),
    Backend("mpmath", series=True, printer=MpmathPrinter, source=mpmath_source, namespace=_mpmath_namespace,
            converter=lambda ns: _to_mp, evaluate=_evaluate_mpmath),
    Backend("torch", arrays=True, piecewise=False, printer=TorchPrinter, source=array_source,
            namespace=_torch_namespace, converter=_torch_converter, evaluate=_evaluate_tensors),
    Backend("jax", arrays=True, printer=JaxPrinter, source=array_source, namespace=_jax_namespace,
            converter=_jax_converter, evaluate=_evaluate_tensors),
)}
_LANGUAGES = {lang.name: lang for lang in (
    Language("python", _BACKENDS["math"], PythonPrinter, python_source, RESERVED_PY),
    Language("c", Target("c"), CPrinter, c_source, RESERVED_C),
)}
#: backends of :func:`~symdiv.gencode.to_function`
BACKENDS = tuple(_BACKENDS)
#: languages of :func:`~symdiv.gencode.codegen`
LANGUAGES = tuple(_LANGUAGES)


def find_backend(name: str) -> Backend:
    """The backend called ``name``; UnsupportedError for an unknown one."""
    backend = _BACKENDS.get(name)
    if backend is None:
        raise UnsupportedError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return backend


def find_language(name: str) -> Language:
    """The language called ``name`` (in any case); UnsupportedError for an unknown one."""
    language = _LANGUAGES.get(name.lower())
    if language is None:
        raise UnsupportedError(f"unknown language {name!r}; choose one of {', '.join(LANGUAGES)}")
    return language
