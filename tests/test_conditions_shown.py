"""Conditions are shown wherever a formula is shown, generated code is +inf outside them, and a
value in bits is the same number in every output format.

A derivation's ``conditions`` (supports that nest only for some parameters, a moment that exists
only for some) decide between its closed form and +oo. Every printer shows them beside the
formula (the parameters' domain facts are not conditions and are not shown), and generated code
returns inf where one fails, never the closed form's number.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from latex_tools import compile_tex, lint, need_tex

import symdiv as sd
from symdiv.cli import run as cli_run
from symdiv.parse import parse_claim
from symdiv.printing.latex import ENVIRONMENTS
from symdiv.tidy import log2

ROOT = Path(__file__).resolve().parent.parent
CC = shutil.which("cc")

UNIFORM_IF = r"\text{if } a_{2} \leq a_{1} \text{ and } b_{1} \leq b_{2}"
OTHERWISE = r"+\infty & \text{otherwise} \end{cases}"


def uniform_kl() -> sd.Derivation:
    return sd.kl_divergence(sd.Uniform("a_1", "b_1"), sd.Uniform("a_2", "b_2"))


def pareto_kl() -> sd.Derivation:
    return sd.kl_divergence(sd.Pareto("m_1", "alpha_1"), sd.Pareto("m_2", "alpha_2"))


def pareto_exponential_kl() -> sd.Derivation:
    return sd.kl_divergence(sd.Pareto("m_1", "alpha_1"), sd.Exponential("lambda_2"))


def normal_kl() -> sd.Derivation:
    return sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))


def test_the_examples_have_conditions() -> None:
    """The engine states these conditions (the rest of this file checks that they are shown)."""
    assert set(map(str, uniform_kl().conditions)) == {"a_2 <= a_1", "b_1 <= b_2"}
    assert [str(c) for c in pareto_kl().conditions] in (["m_2 <= m_1"], ["m_1 >= m_2"])
    assert normal_kl().conditions == ()


# ---------------------------------------------------------------- text and the command line
def test_cli_text_shows_the_conditions() -> None:
    out = cli_run(["kl", "uniform", "uniform"])
    assert out is not None
    lines = out.splitlines()
    assert lines[0] == "KL(P || Q) = log((-a_2 + b_2)/(-a_1 + b_1))"
    assert lines[1] == "  if a_2 <= a_1 and b_1 <= b_2; otherwise KL(P || Q) = +oo"
    assert "a_1 < b_1" not in out  # a domain fact, not a condition
    uni = cli_run(["kl", "uniform", "uniform", "--format", "unicode"])
    assert uni is not None
    assert "if a\u2082 \u2264 a\u2081 and b\u2081 \u2264 b\u2082; otherwise KL(P \u2225 Q) = +\u221e" in uni
    steps = cli_run(["kl", "pareto", "pareto", "--steps"])
    assert steps is not None and "otherwise KL(P || Q) = +oo" in steps.splitlines()[1]
    ce = cli_run(["ce", "uniform", "uniform"])
    assert ce is not None and "otherwise H(P, Q) = +oo" in ce


def test_cli_text_without_conditions_is_unchanged() -> None:
    out = cli_run(["kl", "normal", "normal"])
    assert out is not None and "if " not in out and "+oo" not in out and "sigma_1 > 0" not in out


def test_cli_json_has_a_conditions_list() -> None:
    data = json.loads(cli_run(["kl", "uniform", "uniform", "--format", "json"]) or "")
    assert data["conditions"] == ["a_2 <= a_1", "b_1 <= b_2"] and data["otherwise"] == "oo"
    assert data["expr"] == "log((-a_2 + b_2)/(-a_1 + b_1))"
    assert UNIFORM_IF in data["latex"] and OTHERWISE in data["latex"]
    plain = json.loads(cli_run(["kl", "normal", "normal", "--format", "json"]) or "")
    assert plain["conditions"] == [] and plain["otherwise"] is None


def test_verification_text_shows_the_conditions() -> None:
    out = cli_run(["verify", "uniform", "uniform"])
    assert out is not None
    assert "KL(P || Q) = log((-a_2 + b_2)/(-a_1 + b_1))  (if a_2 <= a_1 and b_1 <= b_2; otherwise KL(P || Q) = +oo)" \
        in out


# ---------------------------------------------------------------- LaTeX
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("steps", [False, True])
def test_latex_shows_the_conditions_in_every_form(env: str | None, steps: bool) -> None:
    tex = uniform_kl().latex(steps=steps, env=env)
    assert UNIFORM_IF in tex and OTHERWISE in tex
    assert r"a_{1} < b_{1}" not in tex and r"a_{2} < b_{2}" not in tex  # domain facts stay out
    assert lint(tex) == []
    plain = normal_kl().latex(steps=steps, env=env)
    assert r"\text{if }" not in plain and "cases" not in plain and r"\sigma_{1} > 0" not in plain


def test_latex_equation_is_a_cases_block() -> None:
    assert uniform_kl().latex() == (
        r"D_{\mathrm{KL}}(P \parallel Q) = \begin{cases} \log{\frac{- a_{2} + b_{2}}{- a_{1} + b_{1}}} & "
        + UNIFORM_IF + r" \\ +\infty & \text{otherwise} \end{cases}")


def test_steps_justify_the_support_and_the_moment_with_their_condition() -> None:
    steps = uniform_kl().latex(steps=True, env="align*", notation=sd.Notation(line_width=None)).splitlines()
    assert r"\operatorname{supp} P \subseteq \operatorname{supp} Q\text{ if } a_{2} \leq a_{1}" in steps[1]
    assert steps[-2].startswith(r"&= \begin{cases}") and OTHERWISE in steps[-2]
    d = pareto_exponential_kl()
    if d.conditions:  # the moment condition E[X] < oo, i.e. alpha_1 > 1
        tex = d.latex(steps=True, env="align*")
        assert r"\text{table of Pareto},\text{ if } \alpha_{1} > 1" in tex
        assert r"\text{if } \alpha_{1} > 1 \\ +\infty & \text{otherwise}" in tex
        assert r"\text{if } \alpha_{1} > 1" in d.latex() and r"m_{1} > 0" not in d.latex()


def test_documents_sheet_and_jupyter_show_the_conditions() -> None:
    d = uniform_kl()
    assert UNIFORM_IF in d._repr_latex_() and OTHERWISE in d._repr_latex_()
    doc = sd.latex_document([d, pareto_kl()])
    assert UNIFORM_IF in doc and r"\text{if } m_{2} \leq m_{1}" in doc
    sheet = sd.formula_sheet()
    uniform = sheet[sheet.index(r"\section{Uniform}"):]
    uniform = uniform[:uniform.index(r"\section", 10)]
    kl = uniform[uniform.index("Kullback"):]
    assert UNIFORM_IF in kl and OTHERWISE in kl
    pareto = sheet[sheet.index(r"\section{Pareto}"):]
    assert r"\text{if } m_{2} \leq m_{1}" in pareto[:pareto.index(r"\section", 10)]


def test_catalog_generator_shows_the_conditions() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        spec = importlib.util.spec_from_file_location("gen_catalog_conditions", ROOT / "docs" / "gen_catalog.py")
        assert spec is not None and spec.loader is not None
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
    finally:
        sys.path.remove(str(ROOT / "docs"))
    block = "\n".join(gen.result_block(uniform_kl()))
    assert UNIFORM_IF in block and OTHERWISE in block and "the supports do not nest" in block
    assert gen.conditions(normal_kl()) == [] and "Note" not in "\n".join(gen.result_block(normal_kl()))
    d = pareto_exponential_kl()
    if d.conditions:
        assert "an expectation diverges" in "\n".join(gen.result_block(d))


def test_a_false_condition_shows_infinity_everywhere() -> None:
    """A finite closed form is never shown where a condition is False (defence in depth: the engine
    should already return +oo then)."""
    d = dataclasses.replace(uniform_kl(), conditions=(sp.false,))
    assert d.latex() == r"D_{\mathrm{KL}}(P \parallel Q) = +\infty"
    from symdiv.printing.text import derivation_text

    assert derivation_text(d).splitlines()[0] == "KL(P || Q) = oo"
    assert d.to_function("math")(0.0, 1.0, -1.0, 2.0) == math.inf
    assert float(d.to_function()(0.0, 1.0, -1.0, 2.0)) == math.inf


def test_condition_latex_compiles(tmp_path: Path) -> None:
    need_tex("pdflatex")
    items = []
    for d in (uniform_kl(), pareto_kl(), pareto_exponential_kl()):
        items.append(f"\\[{d.latex()}\\]")
        items.append(d.latex(env="equation", label=f"eq:{id(d)}"))
        items.append(d.latex(env="equation*"))
        items.append(d.latex(steps=True, env="align*"))
        items.append(d.latex(steps=True, env="equation"))
        items.append(f"\\[{d.latex(steps=True, env='aligned')}\\]")
        items.append(f"\\[{d.latex(notation=sd.Notation(log='bits', kl='KL'))}\\]")
        items.append(f"${d.latex()}$ inline")
    items.append(uniform_kl())
    compile_tex(sd.latex_document(items, title="conditions"), tmp_path)


# ---------------------------------------------------------------- generated code
BACKENDS = ("numpy", "math", "mpmath")


def _f(x: Any) -> float:
    return float(x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_code_is_inf_outside_the_conditions(backend: str) -> None:
    u = uniform_kl().to_function(backend)
    assert _f(u(0, 1, 0, 2)) == pytest.approx(math.log(2), rel=1e-14)
    assert _f(u(0, 1, 0.5, 2)) == math.inf  # Q = U(0.5, 2) misses (0, 0.5): was -0.693
    assert _f(u(0, 1, -1, 0.5)) == math.inf
    assert _f(u(a_1=0, b_1=1, a_2=0, b_2=1)) == 0.0
    p = pareto_kl().to_function(backend)
    assert _f(p(2, 2, 1, 2)) == pytest.approx(2 * math.log(2), rel=1e-14)
    assert _f(p(1, 2, 2, 2)) == math.inf  # was -1.386
    assert _f(p(2, 2, 2, 2)) == 0.0  # on the boundary m_1 = m_2: the closed form
    d = pareto_exponential_kl()
    if d.conditions:
        e = d.to_function(backend)
        assert _f(e(1, 0.5, 1)) == math.inf and _f(e(1, 1, 1)) == math.inf
        ref = float(d.expr.subs({s: v for s, v in zip(sorted(d.expr.free_symbols, key=str), (2, 1, 1))}))
        assert _f(e(1, 2, 1)) == pytest.approx(ref, rel=1e-13)


def test_numpy_broadcasts_through_the_conditions() -> None:
    u = uniform_kl().to_function()
    got = u(0.0, 1.0, np.array([[-1.0], [0.5]]), np.array([2.0, 0.5, 1.0]))
    assert got.shape == (2, 3) and got.dtype == np.float64
    expected = np.array([[math.log(3), math.inf, math.log(2)], [math.inf, math.inf, math.inf]])
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    f32 = u(np.float32(0), np.float32(1), np.array([0.0, 0.5], dtype=np.float32), np.float32(2))
    assert f32.dtype == np.float32 and np.isinf(f32[1]) and f32[0] == pytest.approx(math.log(2), rel=1e-6)
    assert "numpy.where" in u.source


def test_condition_free_code_is_unchanged() -> None:
    """A result without conditions gets no +inf branch (a Gamma or Beta KL has one branch: the
    choice between the form for nearly equal parameters and the general one, gencode.near)."""
    for d in (normal_kl(), sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q")), sd.entropy(sd.Uniform("a", "b"))):
        for backend in BACKENDS:
            src = d.to_function(backend).source
            body = src[src.rindex("def "):]  # the function itself, not the helpers before it
            assert "inf" not in body, src
    assert "where(" not in sd.entropy(sd.Uniform("a", "b")).to_function().source
    assert normal_kl().to_function().source == (
        "def kl_normal_normal(mu_1, sigma_1, mu_2, sigma_2):\n"
        "    return nonneg((1/2)*powlog_bregman(2, sigma_1 - sigma_2, sigma_1, sigma_2) "
        "+ (1/2)*((mu_1 - mu_2)/sigma_2)**2)\n")


def test_python_source_and_bits() -> None:
    src = sd.codegen(uniform_kl(), "python")
    assert "the closed form holds where a_2 <= a_1 and b_1 <= b_2" in src
    ns: dict[str, Any] = {}
    exec(src, ns)  # our own generated code
    assert ns["kl_uniform_uniform"](0.0, 1.0, 0.5, 2.0) == math.inf
    assert ns["kl_uniform_uniform"](0.0, 1.0, 0.0, 2.0) == pytest.approx(math.log(2), rel=1e-15)
    bits = uniform_kl().to_function("math", bits=True)
    assert bits(0.0, 1.0, 0.0, 4.0) == pytest.approx(2.0, rel=1e-15) and bits(0.0, 1.0, 0.5, 2.0) == math.inf
    assert "Elsewhere KL(P || Q) = +oo" in uniform_kl().to_function().__doc__ or \
        "elsewhere KL(P || Q) = +oo" in uniform_kl().to_function().__doc__


@pytest.mark.skipif(CC is None, reason="no C compiler (cc) on this machine")
def test_c_source_is_inf_outside(tmp_path: Path) -> None:
    src = sd.codegen(pareto_kl(), "c")
    calls = "kl_pareto_pareto(1.0, 2.0, 2.0, 2.0), kl_pareto_pareto(2.0, 2.0, 1.0, 2.0)"
    main = f'int main(void)\n{{\n    printf("%.17g %.17g\\n", {calls});\n    return 0;\n}}\n'
    prog = src + "\n#include <stdio.h>\n" + main
    (tmp_path / "p.c").write_text(prog)
    r = subprocess.run([CC, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", str(tmp_path / "p.c"), "-o",
                        str(tmp_path / "p"), "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([str(tmp_path / "p")], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) == math.inf and float(out[1]) == pytest.approx(2 * math.log(2), rel=1e-15)


class _Tensor(np.ndarray):
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"


def test_torch_and_jax_use_where(monkeypatch: pytest.MonkeyPatch) -> None:
    """With stand-in modules (numpy underneath): the printed code calls where() and broadcasts."""
    torch = types.ModuleType("torch")
    for name in ("log", "log1p", "exp", "expm1", "abs", "sign", "where", "finfo", "zeros_like"):
        setattr(torch, name, getattr(np, name))
    torch.as_tensor = lambda v: np.asarray(v, dtype=np.float64).view(_Tensor)
    monkeypatch.setitem(sys.modules, "torch", torch)
    jax = types.ModuleType("jax")
    jax_scipy = types.ModuleType("jax.scipy")
    jax_scipy.special = types.SimpleNamespace()
    jax.numpy, jax.scipy = np, jax_scipy
    for name, module in (("jax", jax), ("jax.numpy", np), ("jax.scipy", jax_scipy),
                         ("jax.scipy.special", jax_scipy.special)):
        monkeypatch.setitem(sys.modules, name, module)
    for backend, marker in (("torch", "torch.where("), ("jax", "jnp.where(")):
        fn = uniform_kl().to_function(backend)
        assert marker in fn.source
        got = np.asarray(fn(np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([0.0, 0.5]), np.array([2.0, 2.0])))
        np.testing.assert_allclose(got, [math.log(2), math.inf])


# ---------------------------------------------------------------- bits: one value in every format
def _text_value(text: str) -> sp.Expr:
    rhs = text.splitlines()[0].split(" = ", 1)[1].split("  (\u2248 ")[0]  # the exact value, not the decimal beside it
    return sp.sympify(rhs, locals={"log2": lambda x: sp.log(x) / sp.log(2), "E": sp.E})  # our own output


def _numeric(expr: sp.Expr, point: dict[str, Any]) -> mpmath.mpf:
    expr = expr.replace(lambda e: isinstance(e, log2), lambda e: sp.log(e.args[0]) / sp.log(2))
    subs = {s: point[s.name] for s in expr.free_symbols}
    return mpmath.mpf(sp.N(expr.xreplace(subs), 30))


BITS_CASES = [
    (["entropy", "exponential", "--at", "lambda_1=1"], {}),  # 1 nat, no log in the value
    (["entropy", "exponential"], {"lambda_1": sp.Rational(1, 3)}),
    (["entropy", "bernoulli", "--at", "p=1/4"], {}),
    (["entropy", "normal"], {"sigma_1": sp.Rational(3, 2), "mu_1": 0}),
    (["kl", "normal", "normal", "--at", "mu_1=0,sigma_1=1,mu_2=1,sigma_2=2"], {}),
    (["kl", "uniform", "uniform", "--at", "a_1=0,b_1=1,a_2=-1,b_2=3"], {}),
    (["kl", "gamma", "gamma", "--at", "alpha_1=2,beta_1=1,alpha_2=1,beta_2=1"], {}),  # digamma, no log
]


@pytest.mark.parametrize(("args", "point"), BITS_CASES, ids=lambda a: "-".join(a) if isinstance(a, list) else "")
def test_bits_are_the_same_value_in_every_format(args: list[str], point: dict[str, Any]) -> None:
    with mpmath.workdps(40):
        _same_value_in_bits(args, point)


def _same_value_in_bits(args: list[str], point: dict[str, Any]) -> None:
    nats = _text_value(cli_run(args) or "")
    ref = _numeric(nats, point) / mpmath.log(2)
    bits = [*args, "--log", "bits"]
    text = _text_value(cli_run(bits) or "")
    data = json.loads(cli_run([*bits, "--format", "json"]) or "")
    assert data["unit"] == "bits"
    from_json = sp.sympify(data["expr"], locals={"log2": lambda x: sp.log(x) / sp.log(2)})
    tex = cli_run([*bits, "--format", "latex"]) or ""
    body = tex.replace("\\begin{equation*}\n", "").replace("\n\\end{equation*}", "")
    from_latex = parse_claim(body, syntax="latex").rhs
    ns: dict[str, Any] = {}
    exec(cli_run([*bits, "--format", "python"]) or "", ns)  # our own generated code
    fn = next(v for k, v in ns.items() if k.startswith(args[0]) and callable(v))
    names = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    from_code = fn(*(float(point[n]) for n in names))
    for got in (_numeric(text, point), _numeric(from_json, point), _numeric(from_latex, point)):
        assert abs(got - ref) <= 1e-25 * max(1, abs(ref)), (args, got, ref)
    assert from_code == pytest.approx(float(ref), rel=1e-13, abs=1e-15)
    assert ref != _numeric(nats, point) or ref == 0


def test_the_text_says_a_symbolic_probability_means_the_open_interval() -> None:
    """A hostile reading of KL(Binomial(4, p) || Bernoulli(q)) = +oo took it for a bug at p = 1; the
    text now says the symbols stand for 0 < p < 1 and how to get the boundary."""
    from symdiv.printing.text import derivation_text

    text = derivation_text(sd.kl_divergence(sd.Binomial(4, "p"), sd.Bernoulli("q")))
    assert "for 0 < p < 1, 0 < q < 1 (a probability of 0 or 1: substitute it with --at or .at())" in text
    assert "0 < " not in derivation_text(sd.kl_divergence(sd.Normal("m", "s"), sd.Normal(0, 1)))
    assert "0 < " not in derivation_text(sd.entropy(sd.Bernoulli(sp.Rational(1, 3))))
