"""The entry points: :func:`to_function` compiles the printed source into a callable (arguments
by position or keyword, broadcasting on array backends); :func:`codegen` returns readable Python
or C source with a provenance comment.
"""

from __future__ import annotations

import inspect
import keyword
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..derivation import Derivation
from ..errors import InvalidParameterTypeError, UnsupportedError
from . import guard
from .backends import Backend, find_backend, find_language
from .checks import conditions, conditions_note
from .source import RESERVED_PY, Plan, make_plan


def codegen(derivation: Derivation, language: str = "python", *, name: str | None = None,
            bits: bool = False) -> str:
    """Readable source text of a function computing the derivation's closed form.

    ``language`` is ``"python"`` (uses :mod:`math`; small helpers such as ``xlogy`` are defined in
    the text when used) or ``"c"`` (``double``, ``<math.h>``; static helpers when used; arrays of a
    symbolic number of classes K are ``const double *`` with ``long K`` as the last argument).
    The function is named like ``kl_normal_normal`` (or ``name``), its arguments are
    :func:`parameter_names`, and a comment block states the quantity, the families, the closed
    form, the assumptions and the symdiv version. ``bits=True`` gives the value in bits.

    >>> import symdiv as sd
    >>> src = codegen(sd.entropy(sd.Bernoulli("p")))
    >>> print(src.splitlines()[-1])
        return -xlog1py(1 - p, -p) - xlogy(p, p)
    >>> namespace = {}
    >>> exec(src, namespace)
    >>> namespace["entropy_bernoulli"](0.0), round(namespace["entropy_bernoulli"](0.5), 12)
    (0.0, 0.69314718056)
    >>> print(codegen(sd.entropy(sd.Bernoulli("p")), "c").splitlines()[-4])
    double entropy_bernoulli(double p)
    """
    lang = find_language(language)
    return lang.source(make_plan(derivation, lang.target, name, bits, lang.reserved), lang.printer)


def to_function(derivation: Derivation, backend: str = "numpy", *, bits: bool = False,
                checked: bool = True) -> Callable[..., Any]:
    """A function computing the derivation's closed form for numbers.

    Arguments are the free parameters in the order of :func:`parameter_names` (P's parameters,
    then Q's), positional or by keyword; ``fn.params`` lists them. ``backend``:

    * ``"numpy"``: arrays broadcast against each other (float32 stays float32); special functions
      from scipy.special when installed, else symdiv's own numpy implementations. A symbolic-K
      Categorical or Dirichlet takes arrays with the K classes on the last axis. An explicit
      Categorical with symbols p_0..p_{K-1} takes the K arrays, or one array (..., K) per family.
    * ``"math"``: Python floats (the same code as ``codegen(derivation, "python")``).
    * ``"mpmath"``: mpmath numbers at the current ``mpmath.mp.dps``; infinite series are
      summed from their largest terms outward (:func:`symdiv.explicit.sum_series`).
    * ``"torch"``, ``"jax"``: tensors (optional packages).

    ``checked`` (numpy and math): each result comes with a bound on its rounding error
    (:mod:`~symdiv.gencode.guard`), and where the bound exceeds 3.7e-11 of the value (terms of
    1e300 that cancel, an intermediate beyond 1.8e308) the value is computed again with mpmath,
    kept when two precisions agree, else nan. The check costs about as much again as the plain
    code on typical points; ``checked=False`` skips it (then extreme parameters can lose digits).
    mpmath results are always checked the same way (two precisions agree at ``mp.dps``); torch
    and jax are never (they keep autodiff).

    Boundaries give limits (0 log 0 = 0); an infinite derivation gives inf. ``fn.source`` is the
    generated code, ``fn.expr`` the stable form. Raises :class:`symdiv.UnsupportedError` for
    incomplete derivations (integrals, infinite series except with mpmath) and missing packages.

    >>> import numpy as np, symdiv as sd
    >>> kl = to_function(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")))
    >>> kl.params
    ('p', 'q')
    >>> kl(np.array([0.0, 0.5, 1.0]), 0.25)
    array([0.28768207, 0.14384104, 1.38629436])
    >>> bool(kl(p=0.0, q=0.5) == np.log(2))
    True
    >>> H = to_function(sd.entropy(sd.Categorical.symbolic("p", "K")), "math")
    >>> round(H([0.5, 0.5, 0.0]), 12)
    0.69314718056
    """
    entry = find_backend(backend)
    namespace = entry.namespace()
    plan = make_plan(derivation, entry, None, bits, RESERVED_PY)
    source = entry.source(plan, entry.printer)
    core = _compile(source, plan.name, namespace)
    checker = _Checker(derivation, plan, bits) if checked and entry.name in ("numpy", "math") else None
    return _wrap(core, plan, entry, namespace, source, checker)


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    ns = dict(namespace)
    exec(compile(source, f"<symdiv.gencode {name}>", "exec"), ns)  # our own generated source
    return ns[name]


def _doc(plan: Plan, backend: Backend) -> str:
    from ..version import __version__

    d = plan.derivation
    names = ", ".join(plan.sig.names)
    lines = [f"{plan.name}({names}) -> {d.symbol()} in {'bits' if plan.bits else 'nats'}", ""]
    for role, fam in zip(("P", "Q"), d.families[: d.quantity.arity]):
        lines.append(f"{role} = {fam!r}")
    lines.append(f"{d.symbol()} = {sp.sstr(d.expr)}")
    if d.assumptions:
        lines.append("Assumptions: " + ", ".join(sp.sstr(a) for a in d.assumptions))
    if conditions(d):
        lines.append(conditions_note(d)[0].upper() + conditions_note(d)[1:])
    lines.append("")
    lines.append(f"Arguments, positional in this order or by keyword: {names or '(none)'}.")
    arrays = [str(b) for b in plan.sig.symbols if plan.sig.is_array(b)]
    if backend.arrays:
        lines.append(f"Backend {backend.name}: arrays broadcast against each other"
                     + (f"; {', '.join(arrays)} have the K classes on the last axis." if arrays else "."))
    else:
        lines.append(f"Backend {backend.name}: scalars" + (f"; {', '.join(arrays)} are sequences of K values."
                                                            if arrays else "."))
    if plan.sig.vectors:
        lines.append(f"Or pass {len(plan.sig.vectors)} array(s) of the {len(plan.sig.vectors[0])} class values each "
                     "(last axis).")
    lines.append(f"Generated by symdiv {__version__} with a numerically stable rewrite (0 log 0 = 0).")
    return "\n".join(lines)


class _Checker:
    """The checked run of a float backend: the numpy source on Shadows, and the mpmath function
    for the points it does not trust (both compiled on first use)."""

    def __init__(self, derivation: Derivation, plan: Plan, bits: bool) -> None:
        self.derivation, self.plan, self.bits = derivation, plan, bits
        self._shadow: Callable[..., Any] | None = None
        self._mp: Callable[..., Any] | None = None

    def shadow(self) -> Callable[..., Any]:
        if self._shadow is None:
            entry = find_backend("numpy")
            plan = make_plan(self.derivation, entry, None, self.bits, RESERVED_PY)
            self._shadow = _compile(entry.source(plan, entry.printer), plan.name,
                                    guard.shadow_namespace(entry.namespace()))
        return self._shadow

    def mp(self) -> Callable[..., Any]:
        if self._mp is None:
            entry = find_backend("mpmath")
            plan = make_plan(self.derivation, entry, None, self.bits, RESERVED_PY)
            self._mp = _compile(entry.source(plan, entry.printer), plan.name, entry.namespace())
        return self._mp

    def flags(self, values: list[Any]) -> Any:
        """Where the float results for ``values`` (arrays, classes on the last axis of class
        arrays) are not trusted."""
        sig = self.plan.sig
        shaped = [v if sig.is_array(s) else v[..., None] for v, s in zip(values, sig.symbols)] \
            if self.plan.class_axis else values
        return guard.untrusted(self.shadow(), shaped)

    def fix_array(self, out: Any, values: list[Any]) -> Any:
        """``out`` (the numpy result for ``values``) with the untrusted points computed by mpmath
        (nan where mpmath has no certain value either)."""
        sig = self.plan.sig
        bad = np.broadcast_to(self.flags(values), np.shape(out))
        if not bad.any():
            return out
        out = np.array(out, dtype=np.result_type(out, np.float64) if np.asarray(out).dtype.kind != "f"
                       else np.asarray(out).dtype)
        shape = out.shape
        for idx in zip(*np.nonzero(bad)) if shape else [()]:
            args = [np.broadcast_to(v, shape + np.shape(v)[-1:])[idx] if sig.is_array(s)
                    else np.broadcast_to(v, shape)[idx] for v, s in zip(values, sig.symbols)]
            with np.errstate(over="ignore"):  # beyond a float32: inf
                out[idx] = self.point(args)
        return out

    def point(self, args: list[Any]) -> float:
        """The value at one point by mpmath (nan: no certain value)."""
        sig = self.plan.sig
        mp_args = [[mpmath.mpf(float(x)) for x in a] if sig.is_array(s) else mpmath.mpf(float(a))
                   for a, s in zip(args, sig.symbols)]
        try:
            value = guard.mp_value(self.mp(), mp_args, start=guard.start_digits(mp_args))
        except UnsupportedError:
            value = None
        if isinstance(value, mpmath.mpf) and self.plan.derivation.quantity.nonnegative:
            value = max(value, mpmath.mpf(0))  # the mpmath code is not clamped
        if not isinstance(value, mpmath.mpf):  # no certain value, or complex outside the domains
            return math.nan
        return float(value)


def _wrap(core: Callable[..., Any], plan: Plan, backend: Backend, namespace: dict[str, Any],
          source: str, checker: _Checker | None = None) -> Callable[..., Any]:
    """``core`` with arguments by position or keyword (or one array per explicit vector family),
    converted for the backend, and the metadata of the generated function."""
    sig = plan.sig
    names = sig.names
    convert = backend.converter(namespace)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        if sig.vectors and len(args) == len(sig.vectors) and not kwargs and len(args) != len(names):
            values: list[Any] = []
            for group, a in zip(sig.vectors, args):
                if backend.arrays:
                    arr = convert(a)
                    if arr.ndim == 0 or arr.shape[-1] != len(group):
                        raise TypeError(f"{plan.name}: expected arrays with {len(group)} classes on the last axis")
                    values.extend(arr[..., j] for j in range(len(group)))
                else:
                    if len(a) != len(group):
                        raise TypeError(f"{plan.name}: expected {len(group)} class values, got {len(a)}")
                    values.extend(a[j] for j in range(len(group)))
            return values
        if len(args) > len(names):
            raise TypeError(f"{plan.name}() takes {len(names)} argument(s) ({', '.join(names)}), got {len(args)}")
        by_name: dict[str, Any] = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError(f"{plan.name}() got an unexpected argument {k!r}; arguments: {', '.join(names)}")
            if k in by_name:
                raise TypeError(f"{plan.name}() got multiple values for argument {k!r}")
            by_name[k] = v
        missing = [n for n in names if n not in by_name]
        if missing:
            raise TypeError(f"{plan.name}() missing argument(s): {', '.join(missing)}")
        return [by_name[n] for n in names]

    def converted(v: Any, name: str) -> Any:
        if isinstance(v, complex) or np.iscomplexobj(v):
            raise InvalidParameterTypeError(plan.name, name, v, "real numbers", "a complex argument")
        try:
            return convert(v)
        except OverflowError:
            shown = repr(v) if len(repr(v)) <= 40 else f"{repr(v)[:20]}...({len(repr(v))} digits)"
            raise UnsupportedError(f"{plan.name}: argument {name} = {shown} exceeds the largest double; "
                                   "backend='mpmath' computes it") from None

    def fn(*args: Any, **kwargs: Any) -> Any:
        values = bind(args, kwargs)
        if backend.arrays:
            values = [converted(v, n) for v, n in zip(values, names)] if len(values) == len(names) else \
                [converted(v, "a class value") for v in values]
        else:  # class arrays are sequences of numbers
            values = [[converted(x, n) for x in v] if sig.is_array(s) else converted(v, n)
                      for v, s, n in zip(values, sig.symbols, names)]
        if not backend.arrays:
            return backend.evaluate(core, values, plan) if checker is None else \
                _checked_float(core, values, plan, backend, checker)
        if backend.name == "numpy":
            parts = _row_blocks(values, plan)
            if parts is not None:
                return np.concatenate([evaluate(part) for part in parts], axis=0)
        return evaluate(values)

    def evaluate(values: list[Any]) -> Any:
        out = backend.evaluate(core, values, plan)
        if checker is None:
            return out
        fixed = checker.fix_array(out, values)
        return fixed[()] if isinstance(fixed, np.ndarray) and fixed.ndim == 0 else fixed

    fn.__name__ = fn.__qualname__ = plan.name
    fn.__doc__ = _doc(plan, backend)
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n if n.isidentifier() and not keyword.iskeyword(n) else f"_{j}",
                           inspect.Parameter.POSITIONAL_OR_KEYWORD) for j, n in enumerate(names)])
    fn.params = names  # type: ignore[attr-defined]
    fn.source = source  # type: ignore[attr-defined]
    fn.expr = plan.expr  # type: ignore[attr-defined]
    fn.backend = backend.name  # type: ignore[attr-defined]
    fn.derivation = plan.derivation  # type: ignore[attr-defined]
    return fn


#: numpy arguments of more elements than this are computed in blocks of rows (of the first axis):
#: each block's temporaries stay in the processor's cache, and class columns of a (rows, K) array
#: are read from a block instead of strided across the whole array (4x faster at 10^6 rows, K = 10)
ROW_BLOCK_ELEMENTS = 2**19


def _row_blocks(values: list[Any], plan: Plan) -> list[list[Any]] | None:
    """``values`` split into blocks of rows of the broadcast shape's first axis, or None when they
    are small (or have no such axis)."""
    sig = plan.sig
    shapes = [np.shape(v)[:-1] if plan.class_axis and sig.is_array(s) else np.shape(v)
              for v, s in zip(values, sig.symbols)]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        return None  # the evaluation says what does not broadcast
    classes = max([np.shape(v)[-1] for v, s in zip(values, sig.symbols) if plan.class_axis and sig.is_array(s)]
                  + [1])
    size = math.prod(shape) * classes
    if not shape or size <= ROW_BLOCK_ELEMENTS or shape[0] < 2:
        return None
    step = max(1, ROW_BLOCK_ELEMENTS // (size // shape[0]))
    rows = [len(sh) == len(shape) and sh[0] == shape[0] for sh in shapes]
    return [[v[start:start + step] if row else v for v, row in zip(values, rows)]
            for start in range(0, shape[0], step)]


def _checked_float(core: Callable[..., Any], values: list[Any], plan: Plan, backend: Backend,
                   checker: _Checker) -> float:
    """The math backend's result, checked on the numpy source; where Python raises (overflow) or
    the bound is too wide, mpmath's value."""
    sig = plan.sig
    failure: UnsupportedError | None = None
    try:
        out = backend.evaluate(core, values, plan)
    except UnsupportedError as e:
        out, failure = math.nan, e
    arrays = [np.asarray(v, dtype=float) for v in values]
    if failure is None and not bool(np.any(checker.flags(arrays))):
        return out
    value = checker.point([list(v) if sig.is_array(s) else v for v, s in zip(values, sig.symbols)])
    if math.isnan(value) and failure is not None:
        raise failure
    return value
