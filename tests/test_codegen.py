"""Generated numeric code (symdiv.gencode): every catalog row, every backend, checked against an
independent route -- mpmath evaluation of ``derivation.expr`` at 30 digits (symdiv.numeric) --
plus boundaries, dtypes, large parameters, the scipy-free path, Python and C source, and the CLI.
"""

from __future__ import annotations

import functools
import importlib
import math
import random
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

import symdiv as sd
from symdiv.cli import run as cli_run
from symdiv.families.pairs import CROSS_PAIRS
from symdiv.gencode import (
    BACKENDS,
    Erfcx,
    XLog1PY,
    codegen,
    digamma,
    erfcx,
    function_name,
    gammaln,
    parameter_names,
    plain,
    stable_form,
    to_function,
)
from symdiv.gencode.helpers import python_helpers
from symdiv.gencode.nodes import KLDivD
from symdiv.numeric import evaluate, substitute

CG = importlib.import_module("symdiv.gencode")  # the module (sd.codegen is the function)
R = sp.Rational
CC = shutil.which("cc")
MEASURES: dict[str, Callable[..., sd.Derivation]] = {
    "entropy": sd.entropy, "cross_entropy": sd.cross_entropy, "kl_divergence": sd.kl_divergence}

# ---------------------------------------------------------------- the table
#: family name -> (P, Q) builders; every catalog family has a row here or in NOT_GENERATED
ROWS: dict[str, Callable[[], tuple[sd.Family, sd.Family]]] = {
    f.name: (lambda f=f: (f.symbolic_example(1), f.symbolic_example(2)))
    for f in sd.CATALOG if f.name != "MultivariateNormal"
}
ROWS["Categorical-K3"] = lambda: (sd.Categorical.symbolic("p", 3), sd.Categorical.symbolic("q", 3))
ROWS["Categorical-K10"] = lambda: (sd.Categorical.symbolic("p", 10), sd.Categorical.symbolic("q", 10))
ROWS["Dirichlet-K3"] = lambda: (sd.Dirichlet.symbolic("alpha", 3), sd.Dirichlet.symbolic("beta", 3))
#: cross-family pairs (cross-entropy and KL only): a subset of the documented pairs (symdiv.families.pairs), and
#: pairs that are not documented but chosen for the code they generate (Piecewise, Min, Max; erfc)
CROSS = [pair for pair in CROSS_PAIRS if pair in {("Exponential", "Gamma"), ("Geometric", "Poisson"),
                                                  ("Bernoulli", "Binomial"), ("Uniform", "Normal")}]
CROSS += [("HalfNormal", "Normal"), ("Weibull", "Exponential"), ("Gamma", "Weibull"), ("Uniform", "Laplace"),
          ("HalfNormal", "Gumbel")]
#: catalog families whose closed forms are matrix expressions: code generation raises UnsupportedError
NOT_GENERATED = {"MultivariateNormal"}

CASES = [(row, m) for row in ROWS for m in MEASURES]
CASES += [(f"{a}-{b}", m) for a, b in CROSS for m in ("cross_entropy", "kl_divergence")]


def _ids(case: tuple[str, str]) -> str:
    return f"{case[0]}-{case[1]}"


@functools.cache
def derivation(row: str, measure: str) -> sd.Derivation:
    if row in ROWS:
        P, Q = ROWS[row]()
    else:
        a, b = row.split("-")
        fam = {f.name: f for f in sd.CATALOG}
        P, Q = fam[a].symbolic_example(1), fam[b].symbolic_example(2)
    return MEASURES[measure](P) if measure == "entropy" else MEASURES[measure](P, Q)


@functools.cache
def points(row: str, measure: str, n: int = 4) -> tuple[dict, ...]:
    d = derivation(row, measure)
    rng = random.Random(f"{row}/{measure}")
    out = []
    counts = {fam.K: sp.Integer(4) for fam in d.families if getattr(fam, "indexed", False) and fam.K.is_Symbol}
    for _ in range(n):
        point: dict = dict(counts)  # one K for all points, so that they stack into arrays
        for fam in d.families:
            point = fam.sample(rng, point)
        out.append(point)
    return tuple(out)


def arguments(fn_params: tuple[str, ...], point: dict, kind: str = "float") -> list[Any]:
    by_name = {str(k): v for k, v in point.items()}

    def conv(v: Any) -> Any:
        if kind == "mp":
            return mpmath.mpf(int(v.p)) / int(v.q) if v.is_Rational else mpmath.mpf(str(sp.N(v, 40)))
        return float(v)

    out = []
    for name in fn_params:
        v = by_name[name]
        out.append([conv(x) for x in v] if isinstance(v, tuple) else conv(v))
    return out


def outside(d: sd.Derivation, point: dict) -> bool:
    """Whether one of the derivation's conditions fails at the point (the quantity is +oo there)."""
    return any(substitute(c, point) == sp.false for c in d.conditions)


def reference(d: sd.Derivation, point: dict, conditions: bool = True) -> tuple[Any, Any]:
    """The value at 30 digits, and the scale of the terms that are summed (rounding errors in
    float64 are relative to it: a KL near 0 is a difference of terms of size 1). +oo where a
    condition of the derivation fails (unless ``conditions`` is False: the closed form itself)."""
    if conditions and outside(d, point):
        return mpmath.inf, mpmath.inf
    value = evaluate(d.expr, point, d.P)
    terms = d.expr.args if isinstance(d.expr, sp.Add) else (d.expr,)
    scale = mpmath.fsum(abs(evaluate(t, point, d.P)) for t in terms) if len(terms) > 1 else abs(value)
    return value, max(abs(value), scale)


def close(got: Any, ref: Any, scale: Any, rel: float) -> bool:
    got = mpmath.mpf(got) if not isinstance(got, mpmath.mpf) else got
    if mpmath.isinf(ref):
        return got == ref
    return abs(got - ref) <= rel * scale


def has_series(d: sd.Derivation) -> bool:
    """An incomplete result with an infinite series (only the mpmath backend evaluates it)."""
    return any(lim[2] == sp.oo for s in d.expr.atoms(sp.Sum) for lim in s.limits)


def supported(row: str, measure: str, backend: str) -> bool:
    return backend == "mpmath" or not has_series(derivation(row, measure))


def test_series_rows_are_the_known_ones() -> None:
    rows = {c for c in CASES if has_series(derivation(*c))}
    assert {("Poisson", "entropy"), ("Poisson", "cross_entropy")} <= rows
    assert all(not derivation(*c).is_complete for c in rows)


# ---------------------------------------------------------------- catalog agreement
def test_every_catalog_family_has_a_row() -> None:
    names = {f.name for f in sd.CATALOG}
    missing = names - set(ROWS) - NOT_GENERATED
    assert not missing, f"catalog families without a code generation row: {sorted(missing)}"


@pytest.mark.parametrize("family", sorted(NOT_GENERATED & {f.name for f in sd.CATALOG}))
def test_matrix_families_are_unsupported(family: str) -> None:
    F = {f.name: f for f in sd.CATALOG}[family]
    d = sd.kl_divergence(F.symbolic_example(1), F.symbolic_example(2))
    with pytest.raises(sd.UnsupportedError, match="matrix"):
        to_function(d)


@pytest.mark.parametrize("backend", ["numpy", "math", "mpmath"])
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_generated_function_agrees_with_mpmath(case: tuple[str, str], backend: str) -> None:
    row, measure = case
    d = derivation(row, measure)
    if not supported(row, measure, backend):
        with pytest.raises(sd.UnsupportedError, match="infinite series.*mpmath"):
            to_function(d, backend)
        return
    fn = to_function(d, backend)
    assert fn.params == parameter_names(d)
    for point in points(row, measure):
        ref, scale = reference(d, point)
        if backend == "mpmath":  # exact inputs, 30 digits: strictly relative
            with mpmath.workdps(30):
                got = fn(*arguments(fn.params, point, "mp"))
            assert close(got, ref, abs(ref), 1e-12), (point, got, ref)
            continue
        args = arguments(fn.params, point)
        if backend == "numpy":
            args = [np.asarray(a) for a in args]
        got = fn(*args)
        assert isinstance(got, float)
        assert close(got, ref, scale, 1e-12), (point, got, ref)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_numpy_broadcasts_over_points(case: tuple[str, str]) -> None:
    row, measure = case
    d = derivation(row, measure)
    if not supported(row, measure, "numpy"):
        return
    fn = to_function(d)
    pts = points(row, measure)
    cols = list(zip(*(arguments(fn.params, p) for p in pts)))
    got = fn(*(np.array(c) for c in cols))
    assert got.shape == (len(pts),)
    for g, p in zip(got, pts):
        ref, scale = reference(d, p)
        assert close(float(g), ref, scale, 1e-12)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_stable_form_is_an_identity(case: tuple[str, str]) -> None:
    row, measure = case
    d = derivation(row, measure)
    back = plain(stable_form(d))
    for point in points(row, measure)[:2]:
        ref, scale = reference(d, point, conditions=False)
        assert close(evaluate(back, point, d.P), ref, scale, 1e-20)


# ---------------------------------------------------------------- Python source
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_python_source_runs_and_matches(case: tuple[str, str]) -> None:
    row, measure = case
    d = derivation(row, measure)
    if not supported(row, measure, "math"):
        with pytest.raises(sd.UnsupportedError):
            codegen(d, "python")
        return
    src = codegen(d, "python")
    assert f"# {function_name(d)}: {d.quantity.symbol}" in src
    assert "generated by symdiv" in src and "import math" in src
    assert "numpy" not in src and "scipy" not in src
    namespace: dict[str, Any] = {}
    exec(compile(src, "<generated>", "exec"), namespace)  # our own generated code
    f = namespace[function_name(d)]
    for point in points(row, measure):
        ref, scale = reference(d, point)
        assert close(f(*arguments(parameter_names(d), point)), ref, scale, 1e-12)


# ---------------------------------------------------------------- C source
def _c_literal(v: Any) -> str:
    return repr(float(v)) if not isinstance(v, list) else "{" + ", ".join(repr(float(x)) for x in v) + "}"


def compile_and_run(src: str, call: str, decls: str, tmp_path: Any) -> float:
    main = f'{src}\n#include <stdio.h>\nint main(void)\n{{\n{decls}    printf("%.17g\\n", {call});\n    return 0;\n}}\n'
    path = tmp_path / "prog.c"
    path.write_text(main)
    exe = tmp_path / "prog"
    r = subprocess.run([CC, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2", str(path), "-o", str(exe),
                        "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + main
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return float(out)


def c_call(d: sd.Derivation, point: dict) -> tuple[str, str]:
    args = arguments(parameter_names(d), point)
    decls, call = "", []
    for j, a in enumerate(args):
        if isinstance(a, list):
            decls += f"    double a{j}[] = {_c_literal(a)};\n"
            call.append(f"a{j}")
        else:
            call.append(repr(a))
    if any(getattr(f, "indexed", False) for f in d.families):
        call.append(str(len(next(a for a in args if isinstance(a, list)))))
    return f"{function_name(d)}({', '.join(call)})", decls


@pytest.mark.skipif(CC is None, reason="no C compiler (cc) on this machine")
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_c_source_compiles_and_matches(case: tuple[str, str], tmp_path: Any) -> None:
    row, measure = case
    d = derivation(row, measure)
    if not supported(row, measure, "math"):
        with pytest.raises(sd.UnsupportedError):
            codegen(d, "c")
        return
    src = codegen(d, "c")
    assert "#include <math.h>" in src and "generated by symdiv" in src and f"double {function_name(d)}(" in src
    (tmp_path / "only.c").write_text(src)
    r = subprocess.run([CC, "-c", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", str(tmp_path / "only.c"),
                        "-o", str(tmp_path / "only.o")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + src
    point = points(row, measure)[0]
    call, decls = c_call(d, point)
    ref, scale = reference(d, point)
    assert close(compile_and_run(src, call, decls, tmp_path), ref, scale, 1e-12)


# ---------------------------------------------------------------- boundaries: limits, not nan
BACKENDS_HERE = ["numpy", "math", "mpmath"]


def _num(x: Any) -> float:
    return float(x)


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_bernoulli_entropy_at_zero_and_one(backend: str) -> None:
    H = to_function(sd.entropy(sd.Bernoulli("p")), backend)
    assert _num(H(0.0)) == 0.0 and _num(H(1.0)) == 0.0
    assert _num(H(0)) == 0.0 and _num(H(1)) == 0.0  # integers too


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_bernoulli_kl_at_the_boundary(backend: str) -> None:
    KL = to_function(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")), backend)
    assert _num(KL(0.0, 0.3)) == pytest.approx(-math.log(0.7), rel=1e-15)
    assert _num(KL(1.0, 0.3)) == pytest.approx(-math.log(0.3), rel=1e-15)
    assert _num(KL(0.0, 0.0)) == 0.0 and _num(KL(1.0, 1.0)) == 0.0
    CE = to_function(sd.cross_entropy(sd.Bernoulli("p"), sd.Bernoulli("q")), backend)
    assert _num(CE(0.0, 0.0)) == 0.0


def test_kl_is_infinite_where_q_misses_mass() -> None:
    KL = to_function(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")))
    assert np.isposinf(KL(0.5, 0.0)) and np.isposinf(KL(0.5, 1.0))
    assert mpmath.isinf(to_function(sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")), "mpmath")(0.5, 0))


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_categorical_with_a_zero_class(backend: str) -> None:
    for P, Q in (ROWS["Categorical"](), ROWS["Categorical-K3"]()):
        H = to_function(sd.entropy(P), backend)
        KL = to_function(sd.kl_divergence(P, Q), backend)
        p, q = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
        call = (lambda f, *a: f(*a)) if not P.indexed else (lambda f, *a: f(*a))
        h = _num(call(H, p) if P.indexed or backend != "numpy" else H(np.array(p)))
        assert h == pytest.approx(math.log(2), rel=1e-15)
        assert _num(KL(p, q)) == pytest.approx(math.log(2), rel=1e-15)
        assert _num(KL(q, [0.5, 0.5, 0.0])) == math.inf


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_binomial_and_geometric_boundaries(backend: str) -> None:
    B = sd.Binomial("n", "p"), sd.Binomial("n", "q")
    assert _num(to_function(sd.kl_divergence(*B), backend)(5, 0.0, 0.3)) == pytest.approx(-5 * math.log(0.7))
    assert _num(to_function(sd.entropy(B[0]), backend)(5, 0.0)) == 0.0
    assert _num(to_function(sd.entropy(B[0]), backend)(5, 1.0)) == pytest.approx(0.0, abs=1e-12)
    G = sd.Geometric("p"), sd.Geometric("q")
    assert _num(to_function(sd.entropy(G[0]), backend)(1.0)) == 0.0
    assert _num(to_function(sd.kl_divergence(*G), backend)(1.0, 0.25)) == pytest.approx(math.log(4))


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_parameters_on_the_edge_of_their_domain(backend: str) -> None:
    # x log x -> 0 where a parameter itself reaches 0: Uniform(0, 1) -> Beta, Poisson(0) -> Poisson
    d = sd.kl_divergence(sd.Uniform("a_1", "b_1"), sd.Beta("alpha_2", "beta_2"))
    f = to_function(d, backend)
    assert _num(f(0.0, 1.0, 1.0, 1.0)) == pytest.approx(0.0, abs=1e-15)  # Beta(1, 1) is Uniform(0, 1)
    assert _num(f(0.0, 1.0, 2.0, 3.0)) == pytest.approx(3 - math.log(12), rel=1e-14)
    ref, scale = reference(d, point_of(d, 0.25, 0.5, 2.0, 3.0))
    assert close(_num(f(0.25, 0.5, 2.0, 3.0)), ref, scale, 1e-12)
    g = to_function(derivation("Poisson", "kl_divergence"), backend)
    assert _num(g(0.0, 2.5)) == 2.5


def test_boundaries_in_python_and_c_source(tmp_path: Any) -> None:
    d = sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q"))
    ns: dict[str, Any] = {}
    exec(codegen(d, "python"), ns)
    assert ns["kl_bernoulli_bernoulli"](0.0, 0.3) == pytest.approx(-math.log(0.7))
    if CC is None:
        pytest.skip("no C compiler")
    src = codegen(d, "c")
    assert compile_and_run(src, "kl_bernoulli_bernoulli(0.0, 0.3)", "", tmp_path) == pytest.approx(-math.log(0.7))
    assert compile_and_run(src, "kl_bernoulli_bernoulli(0.5, 0.0)", "", tmp_path) == math.inf


def test_infinite_derivation_gives_inf(tmp_path: Any) -> None:
    d = sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Exponential("lambda_2"))
    assert d.is_infinite
    f = to_function(d)
    assert f.params == ("mu_1", "sigma_1", "lambda_2")
    out = f(np.zeros(3), 1.0, np.float32(2.0))
    assert out.shape == (3,) and np.all(np.isposinf(out))
    assert to_function(d, "math")(0.0, 1.0, 2.0) == math.inf
    assert mpmath.isinf(to_function(d, "mpmath")(0, 1, 2))
    assert "math.inf" in codegen(d, "python")
    if CC is not None:
        assert compile_and_run(codegen(d, "c"), f"{function_name(d)}(0.0, 1.0, 2.0)", "", tmp_path) == math.inf


# ---------------------------------------------------------------- dtypes and large parameters
DTYPE_CASES = [("Normal", "kl_divergence"), ("Bernoulli", "kl_divergence"), ("Gamma", "kl_divergence"),
               ("Beta", "entropy"), ("Dirichlet", "kl_divergence"), ("Categorical-K3", "entropy"),
               ("Gumbel", "kl_divergence"), ("Weibull", "cross_entropy"), ("Binomial", "entropy")]


@pytest.mark.parametrize("case", DTYPE_CASES, ids=_ids)
def test_float32_and_float64(case: tuple[str, str]) -> None:
    row, measure = case
    d = derivation(row, measure)
    fn = to_function(d)
    cols = [np.array(c) for c in zip(*(arguments(fn.params, p) for p in points(row, measure)))]
    r64 = fn(*(c.astype(np.float64) for c in cols))
    r32 = fn(*(c.astype(np.float32) for c in cols))
    assert r64.dtype == np.float64 and r32.dtype == np.float32
    scale = np.maximum(np.abs(r64), 1.0)
    assert np.all(np.abs(r32 - r64) <= 1e-4 * scale)


def test_integer_inputs_become_float64() -> None:
    f = to_function(sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")))
    out = f(np.array([0, 1]), 1, 0, 2)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [math.log(2) + 1 / 8 - 0.5, math.log(2) + 2 / 8 - 0.5], rtol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_normal_with_huge_and_tiny_scales(backend: str) -> None:
    d = derivation("Normal", "kl_divergence")
    f = to_function(d, backend)
    ref = math.log(2) + 1 / 8 + 0.5 / 4 - 0.5  # sigma_2 = 2 sigma_1, |mu_1 - mu_2| = sigma_1
    for s in (1e200, 1e-200, 1e300):
        assert _num(f(0.0, s, s, 2 * s)) == pytest.approx(ref, rel=1e-14)
    H = to_function(derivation("Normal", "entropy"), backend)
    assert _num(H(0.0, 1e300)) == pytest.approx(0.5 * math.log(2 * math.pi * math.e) + 300 * math.log(10), rel=1e-15)


EXTREME_SCALES = [  # (row, arguments): ratios of parameters beyond 1e308 or below 1e-308
    ("Normal", (0.0, 1e-200, 0.0, 1e200)), ("Normal", (0.0, 1e200, 0.0, 1e-200)), ("Normal", (1e150, 1.0, 0.0, 1e-200)),
    ("Exponential", (1e-200, 1e200)), ("Exponential", (1e200, 1e-200)), ("Gamma", (2.0, 1e-200, 3.0, 1e200)),
    ("Gamma", (2.0, 1e200, 3.0, 1e-200)), ("Laplace", (0.0, 1e-200, 0.0, 1e200)), ("Poisson", (1e-200, 1e200)),
    ("Poisson", (1e200, 1e-200)), ("Poisson", (1e-300, 1e10)),
]


@pytest.mark.parametrize("backend", [*BACKENDS_HERE, "c"])
def test_extreme_scales_give_the_value_or_inf(backend: str, tmp_path: Any) -> None:
    """log(a/b) where a/b overflows or underflows: numpy gave nan or -inf (Poisson KL at 1e-200 vs
    1e200 is 1e200, the code said -inf), math raised ValueError. Every backend now gives the value,
    inf where it exceeds a double, or (math) an UnsupportedError naming the overflow."""
    for row, args in EXTREME_SCALES:
        d = derivation(row, "kl_divergence")
        ref, _ = reference(d, point_of(d, *args))
        expected = float(ref) if abs(ref) < 1e308 else math.inf
        if backend == "c":
            src = codegen(d, "c")
            call = f"{function_name(d)}({', '.join(repr(a) for a in args)})"
            got = compile_and_run(src, call, "", tmp_path)
        else:
            f = to_function(d, backend)
            try:
                got = _num(f(*args))
            except sd.UnsupportedError as e:
                assert backend == "math" and "overflows double precision" in str(e) and expected == math.inf
                continue
        assert got == pytest.approx(expected, rel=1e-13), (row, args, got, expected)


@functools.cache
def audited(P: str, Q: str | None, measure: str) -> sd.Derivation:
    """A derivation with the parameter names of the audit (symbolic names as a user writes them)."""
    fam = {f.name: f for f in sd.CATALOG}
    names = {"Uniform": ("a_1", "b_1"), "LogNormal": ("m", "s"), "Bernoulli": ("p",), "Gamma": ("alpha", "theta"),
             "Beta": ("a", "b"), "Gumbel": ("mu", "beta"), "Exponential": ("lam",), "HalfNormal": ("s",),
             "Normal": ("mu_n", "sigma_n"), "Poisson": ("l",), "Geometric": ("p",)}
    if P == "HalfNormal" and Q == "Normal":
        names["HalfNormal"] = ("sigma_h",)
    first = fam[P](*names[P])
    if Q is None:
        return MEASURES[measure](first)
    second = fam[Q](*(f"{n}_q" for n in names[Q])) if Q == P else fam[Q](*names[Q])
    return MEASURES[measure](first, second)


def exact_value(d: sd.Derivation, *values: float) -> float:
    """The closed form at the binary values of the arguments, to 30 correct digits: the inputs as
    exact rationals and SymPy's adaptive evalf, so that cancellation between terms of size 1e200
    (Beta entropy at b = 1e200) is resolved, unlike at a fixed precision of 50 digits. inf where a
    condition of the derivation fails or the value exceeds the largest double."""
    point = {sym: sp.Rational(v) for sym, v in zip(_symbols(d), values)}
    if outside(d, point):
        return math.inf
    mag = max([abs(math.log10(abs(v))) for v in values if v] + [0])
    value = evaluate(d.expr, {k: sp.Float(v, int(60 + 2 * mag)) for k, v in point.items()}, d.P,
                     dps=int(40 + 2 * mag))
    return float(value) if abs(value) < 1.7976931348623157e308 else math.copysign(math.inf, value)


def _symbols(d: sd.Derivation) -> list[sp.Symbol]:
    by_name = {str(s): s for f in d.families for s in f.free_symbols}
    return [by_name[n] for n in parameter_names(d)]


#: (P, Q or None, measure, arguments): failures of a hostile audit of the generated code, each of
#: which gave nan, -inf or a wrong finite number in some backend
AUDIT = [
    # a_1*log(a_1)**2 at a_1 = 0 was 0*inf = nan (numpy), a math domain error (math)
    ("Uniform", "LogNormal", "kl_divergence", (0.0, 2.0, 0.0, 1.0)),
    ("Uniform", "LogNormal", "cross_entropy", (0.0, 2.0, 0.0, 1.0)),
    ("Uniform", "LogNormal", "kl_divergence", (1e-300, 2.0, 0.5, 3.0)),
    # log1p((q - p)/(1 - q)) at p = 1 - 2**-53: the argument rounds to -1 (numpy gave -inf)
    ("Bernoulli", "Bernoulli", "kl_divergence", (1 - 2**-53, 0.3)),
    ("Bernoulli", "Bernoulli", "kl_divergence", (1 - 2**-53, 1e-300)),
    ("Bernoulli", "Bernoulli", "kl_divergence", (1e-300, 1 - 2**-53)),
    ("Geometric", "Geometric", "kl_divergence", (0.3, 1 - 2**-53)),
    # log Gamma and digamma terms of size x log x that cancel (Beta entropy at b = 1e16 was -64,
    # true -35.26; at 1e200 0, true -458.9; Gamma entropy at shape 1e16 was 0, true 19.84)
    ("Beta", None, "entropy", (2.0, 1e16)),
    ("Beta", None, "entropy", (2.0, 1e200)),
    ("Beta", None, "entropy", (1e16, 1e16)),
    ("Beta", None, "entropy", (1e-8, 1e200)),
    ("Beta", None, "entropy", (0.5, 9.5)),
    ("Gamma", None, "entropy", (1e16, 1.0)),
    ("Gamma", None, "entropy", (1e-300, 1.0)),
    ("Beta", "Beta", "kl_divergence", (2.0, 1e16, 3.0, 1e16)),
    ("Beta", "Beta", "kl_divergence", (2.0, 1e200, 0.5, 1e8)),
    ("Beta", "Beta", "cross_entropy", (1e16, 1e16, 2.0, 3.0)),
    ("Gamma", "Gamma", "kl_divergence", (1e16, 1.0, 2e16, 1.0)),
    ("Gamma", "Gamma", "cross_entropy", (1e200, 1.0, 3.0, 2.0)),
    # -alpha_1 of alpha_1*(theta_q/theta - 1) and alpha_1 - alpha_q summed apart lost the 1/2
    ("Gamma", "Gamma", "kl_divergence", (1e16, 1e200, 0.5, 0.5)),
    # alpha_1*lambda_2 overflowed before the division by alpha_1 + beta_1
    ("Beta", "Exponential", "cross_entropy", (1e300, 1e-200, 1e16)),
    # b_1*log(b_1) times the shape 1e200 overflowed: -inf
    ("Uniform", "Gamma", "kl_divergence", (1e-300, 1e200, 1e200, 1.0)),
    # exp(-a_1/beta) = inf times exp(mu/beta) = 0 was nan (true 4.85e9)
    ("Uniform", "Gumbel", "kl_divergence", (-3.0, 0.0, -50.0, 1e-8)),
    ("Uniform", "Gumbel", "cross_entropy", (-3.0, 2.0, -50.0, 1e-8)),
    # 1/(lam**2*s**2) with lam**2 = 0 and s**2 = inf was nan (true 0.2258)
    ("Exponential", "HalfNormal", "kl_divergence", (1e-200, 1e200)),
    # sigma_1**2 of 3.3e160 overflowed inside exp(... + sigma_1**2/(2 beta**2)): inf, true 229
    ("Normal", "Gumbel", "kl_divergence", (0.0, 3.3e160, 0.0, 1e160)),
    # terms of a polynomial over sigma_2**2 (mu_2**2, mu_2/lambda_1) overflowed one by one: nan
    ("Exponential", "Normal", "kl_divergence", (1e-200, 1e200, 1e300)),
    ("Uniform", "Normal", "kl_divergence", (0.0, 1e200, -3.0, 1e300)),
    ("HalfNormal", "Normal", "kl_divergence", (1e-8, 1e16, 1e300)),
    # x log(x/y) - x + y of Poisson rates that differ by 1e-10 lost all digits to the rounding of x/y
    ("Poisson", "Poisson", "kl_divergence", (1e200, 1e200 * (1 + 1e-10))),
    ("Poisson", "Poisson", "kl_divergence", (3.0, 3.0 + 1e-9)),
    ("Poisson", "Poisson", "kl_divergence", (0.0, 2.5)),
    ("Poisson", "Poisson", "kl_divergence", (1e-300, 1e10)),
]
#: where the limit at a boundary value is the value (the closed form itself is 0*inf there): the
#: arguments, and the nearby point at which the closed form is evaluated instead
AUDIT_LIMITS = {(0.0, 2.0, 0.0, 1.0): (sp.Rational(1, 10**80), 2, 0, 1), (0.0, 2.5): (sp.Rational(1, 10**80), 2.5)}


@pytest.mark.parametrize("backend", [*BACKENDS_HERE, "c"])
@pytest.mark.parametrize("case", AUDIT, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}")
def test_audited_points_give_the_value(case: tuple, backend: str, tmp_path: Any) -> None:
    """Every backend gives the closed form's value to 1e-12 (inf where it exceeds a double; math may
    raise UnsupportedError there instead), never nan, -inf or a wrong finite number."""
    P, Q, measure, args = case
    d = audited(P, Q, measure)
    near = AUDIT_LIMITS.get(args)
    expected = exact_value(d, *near) if near is not None else exact_value(d, *args)
    if backend == "c":
        got = compile_and_run(codegen(d, "c"), f"{function_name(d)}({', '.join(repr(a) for a in args)})", "",
                              tmp_path)
    else:
        try:
            got = _num(to_function(d, backend)(*args))
        except sd.UnsupportedError as e:
            assert backend == "math" and "overflows double precision" in str(e) and expected == math.inf, e
            return
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300), (case, got, expected)


def point_of(d: sd.Derivation, *values: Any) -> dict:
    """{parameter symbol: value} in the order of parameter_names(d); 40-digit floats, because SymPy
    evaluates loggamma(10**6) of an exact integer as the log of the exact factorial."""
    by_name = {str(s): s for f in d.families for s in f.free_symbols}
    return {by_name[n]: sp.Float(repr(float(v)), 40) for n, v in zip(parameter_names(d), values)}


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_gamma_with_a_large_shape(backend: str) -> None:
    # lgamma(1e6) ~ 1.3e7: the value must be finite and right up to rounding of terms of that size
    for measure, args in (("entropy", (1e6, 2.0)), ("kl_divergence", (1e6, 1.0, 1e6 + 1000, 1.001)),
                          ("cross_entropy", (1e6, 1.0, 2e6, 3.0)), ("kl_divergence", (1e6, 1.0, 3.0, 0.5))):
        d = derivation("Gamma", measure)
        got = _num(to_function(d, backend)(*args))
        ref, scale = reference(d, point_of(d, *args))
        assert math.isfinite(got) and close(got, ref, scale, 1e-13), (measure, got, ref)


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_gamma_function_products_do_not_overflow(backend: str) -> None:
    # Gamma(1 + beta_1/beta_2) = Gamma(301) overflows a double; the product with exp(-1500) does not
    d = derivation("Gumbel", "kl_divergence")
    assert not plain(stable_form(d)).has(sp.gamma)
    got = _num(to_function(d, backend)(1500.0, 300.0, 0.0, 1.0))
    ref, scale = reference(d, point_of(d, 1500, 300, 0, 1))
    assert close(got, ref, scale, 1e-12), (got, ref)
    w = derivation("Weibull", "cross_entropy")  # lambda_1**k_2 / lambda_2**k_2 with large k_2
    got = _num(to_function(w, backend)(1.0, 1e10, 50.0, 1e12))
    ref, scale = reference(w, point_of(w, 1, 10**10, 50, 10**12))
    assert close(got, ref, scale, 1e-12), (got, ref)


def test_binomial_entropy_with_many_trials() -> None:
    d = derivation("Binomial", "entropy")
    got = to_function(d)(np.array([2000, 10]), 0.3)
    n, p = sp.Symbol("n", integer=True, positive=True), sp.Symbol("p", positive=True)
    for g, nn in zip(got, (2000, 10)):
        ref = mpmath.fsum(-mpmath.binomial(nn, k) * mpmath.mpf(3) ** k * 7 ** (nn - k) / 10 ** nn
                          * mpmath.log(mpmath.binomial(nn, k) * mpmath.mpf(3) ** k * 7 ** (nn - k) / 10 ** nn)
                          for k in range(nn + 1))
        # the closed form subtracts lgamma(n + 1) ~ 1.3e4 from a sum of the same size: rounding scale
        assert abs(g - ref) <= 1e-12 * 2 * mpmath.loggamma(nn + 1), (g, ref)
    assert str(n) in to_function(d).params and str(p) in to_function(d).params


# ---------------------------------------------------------------- numpy without scipy
@pytest.fixture
def no_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)


NO_SCIPY_CASES = [("Gamma", "kl_divergence"), ("Beta", "entropy"), ("Beta", "kl_divergence"),
                  ("Dirichlet", "kl_divergence"), ("Bernoulli", "kl_divergence"), ("Gumbel", "kl_divergence"),
                  ("Binomial", "entropy"), ("Categorical", "kl_divergence")]


@pytest.mark.parametrize("case", NO_SCIPY_CASES, ids=_ids)
def test_numpy_path_without_scipy(case: tuple[str, str], no_scipy: None) -> None:
    row, measure = case
    d = derivation(row, measure)
    fn = to_function(d)
    assert fn.__globals__ is not None
    for point in points(row, measure):
        ref, scale = reference(d, point)
        assert close(fn(*(np.asarray(a) for a in arguments(fn.params, point))), ref, scale, 1e-12)
    if row == "Bernoulli":
        assert fn(0.0, 0.3) == pytest.approx(-math.log(0.7)) and fn(0.0, 0.0) == 0.0


def test_special_functions_without_scipy_are_accurate() -> None:
    xs = np.concatenate([np.geomspace(1e-8, 1e8, 300), np.linspace(0.01, 30, 300), -np.linspace(0.01, 9.9, 100) - 1e-3])
    helper = python_helpers()["digamma"]  # the helper of generated Python source
    with mpmath.workdps(30):
        for x, psi, lg in zip(xs, digamma(xs), gammaln(xs)):
            rpsi, rlg = mpmath.digamma(x), mpmath.log(abs(mpmath.gamma(x)))
            # relative, except near the zeros of psi (1.4616...) and of log Gamma (1 and 2)
            assert abs(psi - rpsi) <= 1e-13 * max(abs(rpsi), 1), x
            assert abs(helper(float(x)) - rpsi) <= 1e-13 * max(abs(rpsi), 1), x
            assert abs(lg - rlg) <= 1e-13 * max(abs(rlg), 1), x
    assert digamma(0.0) == -np.inf and np.isnan(digamma(-2.0)) and gammaln(0.0) == np.inf
    assert digamma(np.float32([0.5, 3.0])).dtype == np.float32 and gammaln(np.float32([2.0])).dtype == np.float32
    scipy_special = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(digamma(xs[xs > 0]), scipy_special.digamma(xs[xs > 0]), rtol=2e-13, atol=1e-14)
    np.testing.assert_allclose(gammaln(xs[xs > 0]), scipy_special.gammaln(xs[xs > 0]), rtol=2e-13, atol=1e-14)


# ---------------------------------------------------------------- erfc(z)*exp(z**2 + B) as erfcx(z)*exp(B)
#: (sigma_1, mu_2, beta_2) of HalfNormal -> Gumbel KL: exp(z**2) overflows at z = sigma_1/(sqrt(2) beta_2) > 26.6
ERFCX_POINTS = [(1, 0, 1), (10, 0, R(1, 10)), (30, 1, R(1, 2)), (R(1, 100), -3, 2)]


def halfnormal_gumbel_kl_at(point: tuple[Any, ...]) -> sp.Expr:
    """The KL at the point, derived with the numbers themselves: an exact closed form."""
    sigma_1, mu_2, beta_2 = point
    return sd.kl_divergence(sd.HalfNormal(sigma_1), sd.Gumbel(mu_2, beta_2)).expr


def relative_error(got: Any, exact: sp.Expr) -> Any:
    with mpmath.workdps(30):
        ref = mpmath.mpf(str(sp.N(exact, 30)))
        return abs(mpmath.mpf(got) - ref) / abs(ref)


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_halfnormal_gumbel_kl_does_not_overflow(backend: str) -> None:
    d = sd.kl_divergence(sd.HalfNormal("sigma_1"), sd.Gumbel("mu_2", "beta_2"))
    assert stable_form(d).has(Erfcx) and not stable_form(d).has(sp.erfc)
    f = d.to_function(backend)
    for point in ERFCX_POINTS:
        with mpmath.workdps(30):
            got = f(*point) if backend == "mpmath" else f(*(float(x) for x in point))
        assert relative_error(got, halfnormal_gumbel_kl_at(point)) < 1e-12, (point, got)


def test_halfnormal_gumbel_kl_without_scipy(no_scipy: None) -> None:
    f = to_function(sd.kl_divergence(sd.HalfNormal("sigma_1"), sd.Gumbel("mu_2", "beta_2")))
    got = f(*(np.array([float(p[j]) for p in ERFCX_POINTS]) for j in range(3)))
    for g, point in zip(got, ERFCX_POINTS):
        assert relative_error(g, halfnormal_gumbel_kl_at(point)) < 1e-12, (point, g)


def test_erfcx_in_torch_and_jax_source(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("torch", "jax", "jax.numpy", "jax.scipy.special"):  # enough to print the source
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    d = sd.kl_divergence(sd.HalfNormal("sigma_1"), sd.Gumbel("mu_2", "beta_2"))
    assert "*torch.special.erfcx(" in to_function(d, "torch").source
    assert "*(jss.erfc(" in to_function(d, "jax").source  # jax.scipy.special has no erfcx


@pytest.mark.skipif(CC is None, reason="no C compiler (cc) on this machine")
def test_halfnormal_gumbel_kl_in_c(tmp_path: Any) -> None:
    src = codegen(sd.kl_divergence(sd.HalfNormal("sigma_1"), sd.Gumbel("mu_2", "beta_2")), "c")
    assert "symdiv_erfcx(" in src
    for point in ERFCX_POINTS:
        got = compile_and_run(src, f"kl_halfnormal_gumbel({', '.join(repr(float(x)) for x in point)})", "", tmp_path)
        assert relative_error(got, halfnormal_gumbel_kl_at(point)) < 1e-12, (point, got)


def test_erfcx_without_scipy_is_accurate() -> None:
    # exp(x*x) carries the rounding of x*x: relative errors up to about x**2 * 1e-16
    xs = np.concatenate([-np.linspace(0.01, 26.6, 200), np.geomspace(1e-8, 1e8, 300), np.linspace(20, 30, 101)])
    helper = python_helpers()["erfcx"]  # the helper of generated Python source
    with mpmath.workdps(30):
        for x, got in zip(xs, erfcx(xs)):
            ref = mpmath.exp(mpmath.mpf(x) ** 2) * mpmath.erfc(x)
            assert abs(got - ref) <= 1e-12 * ref and abs(helper(float(x)) - ref) <= 1e-12 * ref, x
    assert list(erfcx(np.array([-30.0, np.inf, 0.0]))) == [np.inf, 0.0, 1.0]
    with np.errstate(invalid="ignore"):
        assert np.isnan(erfcx(np.nan))
    assert erfcx(np.float32([1.0, 50.0])).dtype == np.float32
    scipy_special = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(erfcx(xs), scipy_special.erfcx(xs), rtol=1e-12)


# ---------------------------------------------------------------- signature, keywords, docs
def test_signature_keywords_and_metadata() -> None:
    d = derivation("Normal", "kl_divergence")
    f = to_function(d)
    assert f.params == ("mu_1", "sigma_1", "mu_2", "sigma_2")
    assert f.__name__ == "kl_normal_normal"
    assert str(__import__("inspect").signature(f)) == "(mu_1, sigma_1, mu_2, sigma_2)"
    for text in ("KL(P || Q) = log(sigma_2/sigma_1)", "Assumptions: sigma_1 > 0", "mu_1, sigma_1, mu_2, sigma_2"):
        assert text in f.__doc__
    a = f(0.0, 1.0, 1.0, 2.0)
    assert f(0.0, 1.0, sigma_2=2.0, mu_2=1.0) == a == f(sigma_2=2.0, mu_2=1.0, mu_1=0.0, sigma_1=1.0)
    with pytest.raises(TypeError, match="missing argument"):
        f(0.0, 1.0)
    with pytest.raises(TypeError, match="unexpected argument 'tau'"):
        f(0.0, 1.0, 1.0, 2.0, tau=1)
    with pytest.raises(TypeError, match="multiple values"):
        f(0.0, 1.0, 1.0, 2.0, mu_1=0.0)
    with pytest.raises(TypeError, match="takes 4"):
        f(0.0, 1.0, 1.0, 2.0, 5.0)
    assert "def kl_normal_normal(mu_1, sigma_1, mu_2, sigma_2):" in f.source
    assert d.to_function("math")(0.0, 1.0, 1.0, 2.0) == pytest.approx(float(a), rel=1e-15)


def test_explicit_categorical_takes_symbols_or_vectors() -> None:
    d = derivation("Categorical-K10", "kl_divergence")
    f = to_function(d)
    assert f.params == tuple(f"p_{k}" for k in range(10)) + tuple(f"q_{k}" for k in range(10))
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(10), size=7), rng.dirichlet(np.ones(10), size=7)
    by_vector = f(p, q)
    by_symbol = f(*p.T, *q.T)
    expected = np.sum(p * np.log(p / q), axis=-1)
    np.testing.assert_allclose(by_vector, expected, rtol=1e-13)
    np.testing.assert_allclose(by_symbol, expected, rtol=1e-13)
    assert to_function(d, "math")(list(p[0]), list(q[0])) == pytest.approx(expected[0], rel=1e-13)
    with pytest.raises(TypeError, match="10 classes"):
        f(p[:, :3], q[:, :3])


def test_symbolic_k_arrays_have_classes_on_the_last_axis() -> None:
    d = derivation("Dirichlet", "kl_divergence")
    f = to_function(d)
    assert f.params == ("alpha", "beta")
    alpha = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    beta = np.array([2.0, 2.0, 2.0])
    out = f(alpha, beta)
    assert out.shape == (2,)
    g = to_function(d, "math")
    for a, o in zip(alpha, out):
        assert o == pytest.approx(g(list(a), list(beta)), rel=1e-13)


def test_numeric_parameters_leave_a_function_of_the_rest() -> None:
    d = sd.kl_divergence(sd.Normal(0, "sigma_1"), sd.Normal("mu_2", 1))
    f = to_function(d)
    assert f.params == ("sigma_1", "mu_2")
    assert float(f(1.0, 0.0)) == 0.0
    const = to_function(sd.kl_divergence(sd.Bernoulli(0), sd.Bernoulli(R(1, 2))))
    assert const.params == () and float(const()) == pytest.approx(math.log(2))


def test_bits() -> None:
    d = derivation("Bernoulli", "entropy")
    assert to_function(d, bits=True)(0.5) == pytest.approx(1.0, rel=1e-15)
    assert "in bits" in codegen(d, bits=True)


def test_stable_form_shapes() -> None:
    s = stable_form(derivation("Bernoulli", "kl_divergence"))  # two kl_div terms, each >= 0
    assert len(s.atoms(KLDivD)) == 2 and not s.has(sp.log)
    assert stable_form(derivation("Bernoulli", "entropy")).atoms(XLog1PY)
    n = stable_form(derivation("Normal", "kl_divergence"))
    assert not any(p.exp == 2 and isinstance(p.base, sp.Symbol) for p in n.atoms(sp.Pow))
    b = stable_form(derivation("Beta", "kl_divergence"))
    assert not b.has(sp.beta) and not b.has(sp.gamma)
    g = stable_form(derivation("Gamma", "entropy"))  # log Gamma and digamma split into Stirling's rests
    assert g.has(CG.LogGammaRem) and g.has(CG.DigammaRem) and not g.has(CG.LogGamma, sp.polygamma)
    assert stable_form(derivation("Geometric", "entropy")).atoms(XLog1PY)  # (1 - 1/p) log(1 - p) at p = 1


# ---------------------------------------------------------------- incomplete and unsupported
def test_infinite_series_only_with_mpmath() -> None:
    d = derivation("Poisson", "entropy")
    for backend in ("numpy", "math"):
        with pytest.raises(sd.UnsupportedError, match=r"incomplete.*infinite series.*backend='mpmath'"):
            to_function(d, backend)
    for language in ("python", "c"):
        with pytest.raises(sd.UnsupportedError, match="infinite series"):
            codegen(d, language)
    assert "symdiv_series" in to_function(d, "mpmath").source


def test_unevaluated_integral_is_unsupported() -> None:
    """E[e^(-X/beta)] under a LogNormal has no closed form. (HalfNormal -> Laplace and Beta -> Gumbel
    were the examples; E|X - m| and the Beta moment generating function are table entries now.)"""
    d = sd.cross_entropy(sd.LogNormal("mu_1", "sigma_1"), sd.Gumbel("mu_2", "beta_2"))
    assert not d.is_complete
    with pytest.raises(sd.UnsupportedError, match="integral"):
        to_function(d, "mpmath")


def test_unknown_backend_and_language() -> None:
    d = derivation("Bernoulli", "entropy")
    with pytest.raises(sd.UnsupportedError, match="unknown backend"):
        to_function(d, "tensorflow")
    with pytest.raises(sd.UnsupportedError, match="unknown language"):
        codegen(d, "fortran")
    assert set(BACKENDS) == {"numpy", "math", "mpmath", "torch", "jax"}


@pytest.mark.parametrize("backend,module", [("torch", "torch"), ("jax", "jax.numpy")])
def test_optional_backend_missing(backend: str, module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module.split(".")[0], None)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(sd.UnsupportedError) as err:
        to_function(derivation("Bernoulli", "entropy"), backend)
    package = module.split(".")[0]
    assert str(err.value) == f"backend {backend!r} needs the {package} package: pip install {package}"


# ---------------------------------------------------------------- torch and jax, with stand-in modules
class _Tensor(np.ndarray):
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def to(self, dtype: Any) -> _Tensor:
        return self.astype(dtype)


def _fake_torch() -> types.ModuleType:
    scipy_special = pytest.importorskip("scipy.special")
    torch = types.ModuleType("torch")
    for name in ("log", "log1p", "exp", "expm1", "abs", "sign", "where"):
        setattr(torch, name, getattr(np, name))
    torch.xlogy = scipy_special.xlogy
    torch.lgamma = scipy_special.gammaln
    torch.sum = lambda x, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim)
    torch.finfo, torch.zeros_like, torch.ones_like = np.finfo, np.zeros_like, np.ones_like
    torch.special = types.SimpleNamespace(xlog1py=scipy_special.xlog1py, digamma=scipy_special.digamma,
                                          erf=scipy_special.erf, erfc=scipy_special.erfc, erfcx=scipy_special.erfcx)
    torch.as_tensor = lambda v: np.asarray(v).view(_Tensor)
    torch.get_default_dtype = lambda: np.float32
    return torch


@pytest.mark.parametrize("case", [("Bernoulli", "kl_divergence"), ("Gamma", "kl_divergence"),
                                  ("Dirichlet", "entropy"), ("Categorical", "kl_divergence"),
                                  ("Normal", "kl_divergence")], ids=_ids)
def test_torch_and_jax_code_with_stand_ins(case: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    scipy_special = pytest.importorskip("scipy.special")
    monkeypatch.setitem(sys.modules, "torch", _fake_torch())
    jax = types.ModuleType("jax")
    jax_scipy = types.ModuleType("jax.scipy")
    jax_scipy.special = scipy_special
    jax.numpy, jax.scipy = np, jax_scipy
    monkeypatch.setitem(sys.modules, "jax", jax)
    monkeypatch.setitem(sys.modules, "jax.numpy", np)
    monkeypatch.setitem(sys.modules, "jax.scipy", jax_scipy)
    monkeypatch.setitem(sys.modules, "jax.scipy.special", scipy_special)
    row, measure = case
    d = derivation(row, measure)
    ref_fn = to_function(d)
    for backend, marker in (("torch", "torch."), ("jax", "jnp.")):
        fn = to_function(d, backend)
        assert marker in fn.source or "jss." in fn.source or "symdiv_" in fn.source
        for point in points(row, measure):
            args = [np.asarray(a) for a in arguments(fn.params, point)]
            np.testing.assert_allclose(np.asarray(fn(*args)), ref_fn(*args), rtol=1e-13)
    src = to_function(d, "torch").source
    if row == "Bernoulli":  # kl_div_d(p, q, p - q) + kl_div_d(1 - p, 1 - q, q - p), written out
        assert "symdiv_logratio(" in src
    if row == "Gamma":  # log Gamma and digamma as Stirling's rests (symdiv.gencode.runtime.stirling_rests)
        assert "symdiv_digamma_rem(" in src and "symdiv_loggamma_rem(" in src


def test_torch_and_jax_constants_are_literals(monkeypatch: pytest.MonkeyPatch) -> None:
    """sqrt(2), pi and log(2/pi) in a closed form: the torch and jax code printed numpy.pi (numpy is
    not in their namespace) and torch.sqrt(2) (torch rejects a Python int). The stand-in torch has
    neither sqrt nor pi, so any such call fails here."""
    scipy_special = pytest.importorskip("scipy.special")
    monkeypatch.setitem(sys.modules, "torch", _fake_torch())
    jax = types.ModuleType("jax")
    jax_scipy = types.ModuleType("jax.scipy")
    jax_scipy.special = scipy_special
    jnp = types.ModuleType("jax.numpy")
    for name in ("log", "log1p", "exp", "expm1", "abs", "sign", "where", "sum", "inf", "asarray", "issubdtype",
                 "floating", "float64", "float32", "result_type", "finfo", "zeros_like"):
        setattr(jnp, name, getattr(np, name))
    jax.numpy, jax.scipy = jnp, jax_scipy
    for name, module in (("jax", jax), ("jax.numpy", jnp), ("jax.scipy", jax_scipy),
                         ("jax.scipy.special", scipy_special)):
        monkeypatch.setitem(sys.modules, name, module)
    d = sd.kl_divergence(sd.HalfNormal("sigma_1"), sd.Gumbel("mu_2", "beta_2"))
    ref = to_function(d)
    args = [np.asarray([1.0, 2.0]), np.asarray([0.0, -1.0]), np.asarray([1.0, 3.0])]
    for backend in ("torch", "jax"):
        fn = to_function(d, backend)
        assert "numpy." not in fn.source and "sqrt(2)" not in fn.source, fn.source
        np.testing.assert_allclose(np.asarray(fn(*args)), ref(*args), rtol=1e-13)


# ---------------------------------------------------------------- the command line
def test_cli_python_format_runs() -> None:
    src = cli_run(["kl", "normal", "normal", "--format", "python"])
    assert src is not None and "def kl_normal_normal(mu_1, sigma_1, mu_2, sigma_2):" in src
    ns: dict[str, Any] = {}
    exec(src, ns)
    assert ns["kl_normal_normal"](0.0, 1.0, 1.0, 2.0) == pytest.approx(math.log(2) + 2 / 8 - 0.5, rel=1e-15)


def test_cli_at_and_rename_leave_a_function_of_the_rest(tmp_path: Any) -> None:
    src = cli_run(["kl", "normal", "normal", "--format", "python", "--at", "mu_1=0,sigma_2=2", "--rename",
                   "sigma_1=s"])
    assert src is not None and "def kl_normal_normal(s, mu_2):" in src
    c = cli_run(["kl", "gamma", "gamma", "--format", "c", "--at", "beta_1=1,beta_2=1"])
    assert c is not None and "double kl_gamma_gamma(double alpha_1, double alpha_2)" in c
    if CC is not None:
        got = compile_and_run(c, "kl_gamma_gamma(2.0, 3.0)", "", tmp_path)
        ref = (2 - 3) * mpmath.digamma(2) - mpmath.loggamma(2) + mpmath.loggamma(3)
        assert got == pytest.approx(float(ref), rel=1e-13)


def test_cli_codegen_errors() -> None:
    with pytest.raises(sd.ParseError, match="verify"):
        cli_run(["verify", "normal", "normal", "--format", "c"])
    with pytest.raises(sd.UnsupportedError, match="infinite series"):
        cli_run(["entropy", "poisson", "--format", "python"])


def test_cli_subprocess_c_format() -> None:
    r = subprocess.run([sys.executable, "-m", "symdiv", "entropy", "bernoulli", "--format", "c"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "double entropy_bernoulli(double p)" in r.stdout and "symdiv_xlogy" in r.stdout


def test_codegen_of_something_else_is_refused() -> None:
    with pytest.raises(sd.InvalidParameterTypeError, match="Derivation"):
        sd.codegen("x", "c")  # type: ignore[arg-type]


# ---------------------------------------------------------------- P ~ Q: nearly equal parameters
#: family -> (P's parameters, the parameter of Q that moves (index into P's), its direction): the
#: KL of nearly equal distributions is a sum of terms of size 1 that cancel down to the squared
#: difference (Normal KL at mu_2 = mu_1 + 1e-8 was 0, Bernoulli KL at q = p + 2**-50 negative)
NEAR_ROWS: list[tuple[str, tuple[float, ...], int, float]] = [
    ("Bernoulli", (0.3,), 0, 1.0), ("Bernoulli", (1e-5,), 0, -1.0), ("Binomial", (10.0, 0.3), 1, 1.0),
    ("Geometric", (0.3,), 0, 1.0), ("Poisson", (3.0,), 0, 1.0), ("Exponential", (2.5,), 0, 1.0),
    ("Normal", (0.0, 1.0), 0, 1.0), ("Normal", (0.0, 1.0), 1, 1.0), ("LogNormal", (0.2, 0.7), 1, -1.0),
    ("HalfNormal", (1.3,), 0, 1.0), ("Laplace", (0.5, 1.5), 0, 1.0), ("Laplace", (0.5, 1.5), 1, 1.0),
    ("Pareto", (1.5, 3.0), 0, -1.0), ("Pareto", (1.5, 3.0), 1, 1.0), ("Uniform", (-1.0, 2.0), 0, -1.0),
    ("Uniform", (-1.0, 2.0), 1, 1.0), ("Gamma", (1e6, 1.0), 0, 1.0), ("Gamma", (1e6, 1.0), 1, 1.0),
    ("Gamma", (2.5, 1.5), 0, -1.0),
    # not Beta: its log-gamma Bregman terms have both signs and cancel where one shape is large
    # (KL 0.0023 came out 0 at (1e16, 1/2) vs (1.1e16, 1/2)), so it keeps the general form (an open
    # item of issue 11: Beta KL at P ~ Q has some 4 digits at shapes 1e6)
]
NEAR_EPS = [1e-3, 1e-8, 1e-12, 2.0**-50, 0.0]


@functools.cache
def near_derivation(family: str) -> sd.Derivation:
    fam = {f.name: f for f in sd.CATALOG}[family]
    return sd.kl_divergence(fam.symbolic_example(1), fam.symbolic_example(2))


def near_arguments(family: str, p: tuple[float, ...], j: int, sign: float, eps: float) -> list[Any]:
    q = list(p)
    q[j] = p[j] + sign * eps * (abs(p[j]) or 1.0)
    if family == "Binomial":
        return [p[0], p[1], q[1]]
    return [*p, *q]


def near_reference(d: sd.Derivation, args: list[Any]) -> mpmath.mpf:
    """d.expr at the exact binary values of the arguments, at 50 digits (80-digit Floats hold them
    exactly; SymPy evaluates loggamma of a large exact integer as the log of its factorial)."""
    names = parameter_names(d)
    by_name = {str(s): s for f in d.families for s in f.free_symbols}

    def exact(name: str, v: float) -> sp.Expr:
        return sp.Integer(int(v)) if name == "n" else sp.Float(sp.Rational(v), 80)

    expr = d.expr.xreplace({by_name[n]: exact(n, v) for n, v in zip(names, args)})
    return mpmath.mpf(str(sp.N(expr, 50)))


def near_ok(got: float, ref: mpmath.mpf, rel: float = 4e-15) -> bool:
    if abs(ref) < 1e-60:  # P = Q: the KL is 0
        return got == 0 or abs(got) <= 1e-300
    return got >= 0 and abs(mpmath.mpf(got) - ref) <= rel * abs(ref)


@pytest.mark.parametrize("eps", NEAR_EPS, ids=lambda e: f"{e:.3g}")
@pytest.mark.parametrize("row", NEAR_ROWS, ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}")
def test_kl_of_nearly_equal_distributions(row: tuple, eps: float) -> None:
    """numpy and Python (math backend and codegen source) give the KL to a few ulps, never negative."""
    family, p, j, sign = row
    d = near_derivation(family)
    args = near_arguments(family, p, j, sign, eps)
    ref = near_reference(d, args)
    got_np = float(to_function(d)(*[np.asarray(a) for a in args]))
    got_math = float(to_function(d, "math")(*args))
    assert near_ok(got_np, ref), (args, got_np, ref)
    assert near_ok(got_math, ref), (args, got_math, ref)


@pytest.mark.skipif(CC is None, reason="no C compiler (cc) on this machine")
@pytest.mark.parametrize("row", [r for r in NEAR_ROWS if r[0] in ("Bernoulli", "Normal", "Gamma", "Beta", "Laplace")],
                         ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}")
def test_kl_of_nearly_equal_distributions_in_c(row: tuple, tmp_path: Any) -> None:
    family, p, j, sign = row
    d = near_derivation(family)
    src = codegen(d, "c")
    calls = []
    refs = []
    for eps in NEAR_EPS:
        args = near_arguments(family, p, j, sign, eps)
        calls.append(f"{function_name(d)}({', '.join(repr(float(a)) for a in args)})")
        refs.append(near_reference(d, args))
    body = "".join(f'    printf("%.17g\\n", {c});\n' for c in calls)
    path = tmp_path / "near.c"
    path.write_text(f"{src}\n#include <stdio.h>\nint main(void)\n{{\n{body}    return 0;\n}}\n")
    r = subprocess.run([CC, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2", str(path), "-o",
                        str(tmp_path / "near"), "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([str(tmp_path / "near")], capture_output=True, text=True, check=True).stdout.split()
    for eps, text, ref in zip(NEAR_EPS, out, refs):
        assert near_ok(float(text), ref), (eps, text, ref)


def test_near_helpers_agree_across_backends() -> None:
    """The numpy runtime and the Python helper texts of the P ~ Q nodes give the same numbers, also
    far from P = Q (the plain forms there) and at 0."""
    ns = CG.backends._numpy_namespace()
    py = python_helpers()
    for name, args in (("kl_div_d", (0.3, 0.3 - 2.0**-50, 2.0**-50)), ("kl_div_d", (0.0, 0.2, -0.2)),
                       ("kl_div_d", (5.0, 0.1, 4.9)), ("powlog_bregman", (2, 1e-9, 1 + 1e-9, 1.0)),
                       ("powlog_bregman", (1, 9.0, 10.0, 1.0)), ("expm1mx", (1e-8,)), ("expm1mx", (-3.0,)),
                       ("lgamma_bregman", (1e6, 1.0)), ("lgamma_bregman", (0.7, 0.2)),
                       ("lgamma_bregman", (2.0, 30.0)), ("lgamma_bregman", (3.0, 0.0))):
        a = float(ns[name](*[np.asarray(x) if isinstance(x, float) else x for x in args]))
        b = py[name](*args)
        assert a == pytest.approx(b, rel=1e-15, abs=0), (name, args, a, b)
    mp = mpmath.mpf
    assert py["lgamma_bregman"](0.7, 0.2) == pytest.approx(
        float(mpmath.loggamma(mp(0.9)) - mpmath.loggamma(mp(0.7)) - mp(0.2) * mpmath.digamma(mp(0.7))), rel=1e-14)
