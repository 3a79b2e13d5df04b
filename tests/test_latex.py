"""LaTeX: golden strings for every catalog entry, printer conventions, notation, lint, real compilation.

The golden strings hold for SymPy 1.12 - 1.14 (pyproject pins sympy<1.15); SymPy's LaTeX
printer changes between minor versions, so a new SymPy needs the goldens reviewed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sympy as sp
from catalog_reference import CASES, MEASURES, derive
from latex_tools import compile_tex, first_page_gray, lint, need_tex

import symdiv as sd
from symdiv.derivation import Expectation
from symdiv.printing.latex import SymdivLatexPrinter

GOLDEN = {
    ("normal", "entropy"): r"H(P) = \frac{1}{2} \log{\left(2 e \pi \sigma_{1}^{2}\right)}",
    ("normal", "cross_entropy"): r"H(P, Q) = \frac{1}{2} \log{\left(2 \pi \sigma_{2}^{2}\right)} + "
                                 r"\frac{\sigma_{1}^{2} + \left(\mu_{1} - \mu_{2}\right)^{2}}{2 \sigma_{2}^{2}}",
    ("normal", "kl_divergence"): r"D_{\mathrm{KL}}(P \parallel Q) = \log{\frac{\sigma_{2}}{\sigma_{1}}} + "
                                 r"\frac{\sigma_{1}^{2} + \left(\mu_{1} - \mu_{2}\right)^{2}}{2 \sigma_{2}^{2}} "
                                 r"- \frac{1}{2}",
    ("bernoulli", "entropy"): r"H(P) = - p \log{p} - \left(1 - p\right) \log{\left(1 - p\right)}",
    ("bernoulli", "cross_entropy"): r"H(P, Q) = - p \log{q} - \left(1 - p\right) \log{\left(1 - q\right)}",
    ("bernoulli", "kl_divergence"): r"D_{\mathrm{KL}}(P \parallel Q) = p \log{\frac{p}{q}} + \left(1 - p\right) "
                                    r"\log{\frac{1 - p}{1 - q}}",
    ("categorical-K3", "entropy"): r"H(P) = - p_{0} \log{p_{0}} - p_{1} \log{p_{1}} - p_{2} \log{p_{2}}",
    ("categorical-K3", "cross_entropy"): r"H(P, Q) = - p_{0} \log{q_{0}} - p_{1} \log{q_{1}} - p_{2} \log{q_{2}}",
    ("categorical-K3", "kl_divergence"): r"D_{\mathrm{KL}}(P \parallel Q) = p_{0} \log{\frac{p_{0}}{q_{0}}} + p_{1} "
                                         r"\log{\frac{p_{1}}{q_{1}}} + p_{2} \log{\frac{p_{2}}{q_{2}}}",
    ("categorical-symbolic-K", "entropy"): r"H(P) = - \sum_{i=0}^{K - 1} p_{i} \log{p_{i}}",
    ("categorical-symbolic-K", "cross_entropy"): r"H(P, Q) = - \sum_{i=0}^{K - 1} p_{i} \log{q_{i}}",
    ("categorical-symbolic-K", "kl_divergence"): r"D_{\mathrm{KL}}(P \parallel Q) = \sum_{i=0}^{K - 1} p_{i} "
                                                 r"\log{\frac{p_{i}}{q_{i}}}",
}
ROW_MEASURES = [pytest.param(c, m, id=f"{c.id}-{m}") for c in CASES for m in MEASURES]


def all_snippets() -> list[str]:
    out = []
    for c in CASES:
        for m in MEASURES:
            d = derive(c, m)
            out += [d.latex(), d.latex(steps=True, env="align*"), d.latex(notation=sd.Notation(log="bits"))]
        out.append(sd.verify_decomposition(c.P, c.Q).latex(env="align*"))
    B = sd.Bernoulli
    out.append(sd.kl_divergence(B(0), B(sp.Rational(1, 2))).latex(steps=True, env="align*"))
    out.append(sd.kl_divergence(B(sp.Rational(1, 2)), B(0)).latex(steps=True, env="align*"))
    return out


def test_golden_strings_cover_every_catalog_entry() -> None:
    assert {k[0] for k in GOLDEN} == {c.id for c in CASES}
    assert {k[1] for k in GOLDEN} == set(MEASURES)


@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
def test_golden(case, measure) -> None:
    assert derive(case, measure).latex() == GOLDEN[(case.id, measure)]


@pytest.mark.parametrize(("case", "measure"), ROW_MEASURES)
def test_same_output_every_run(case, measure) -> None:
    """Term order does not depend on caches: clear SymPy's and symdiv's and derive again."""
    first = derive(case, measure).latex()
    sd.clear_caches()
    sp.core.cache.clear_cache()
    assert derive(case, measure).latex() == first == GOLDEN[(case.id, measure)]


def test_special_functions_and_indexed() -> None:
    a, b = sp.symbols("alpha beta", positive=True)
    pr = SymdivLatexPrinter()
    assert pr.doprint(sp.polygamma(0, a)) == r"\psi\left(\alpha\right)"
    assert pr.doprint(sp.digamma(a)) == r"\psi\left(\alpha\right)"
    assert pr.doprint(sp.polygamma(1, a)) == r"\psi^{(1)}\left(\alpha\right)"
    assert pr.doprint(sp.loggamma(a)) == r"\log\Gamma\left(\alpha\right)"
    assert SymdivLatexPrinter(sd.Notation(log="ln")).doprint(sp.loggamma(a)) == r"\ln\Gamma\left(\alpha\right)"
    assert pr.doprint(sp.beta(a, b)) == r"\mathrm{B}\left(\alpha, \beta\right)"
    assert pr.doprint(sp.IndexedBase("p")[sp.Symbol("i")]) == "p_{i}"
    assert pr.doprint(Expectation(sd.X**2)) == r"\mathbb{E}_{P}\left[X^{2}\right]"
    assert SymdivLatexPrinter(sd.Notation(macros=True)).doprint(Expectation(sd.X)) == r"\E_{P}\left[X\right]"


def test_notation_styles() -> None:
    P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
    kl, ce, h = sd.kl_divergence(P, Q), sd.cross_entropy(P, Q), sd.entropy(P)
    assert kl.latex(notation=sd.Notation(kl="KL")).startswith(r"\operatorname{KL}[P \,\|\, Q] = ")
    assert kl.latex(notation=sd.Notation(kl="D")).startswith(r"D(P \| Q) = ")
    assert kl.latex(notation=sd.Notation(macros=True)).startswith(r"\KL(P \parallel Q) = ")
    assert ce.latex(notation=sd.Notation(cross_entropy="H_Q")).startswith("H_{Q}(P) = ")
    assert ce.latex(notation=sd.Notation(cross_entropy="Hx")).startswith(r"H^{\times}(P, Q) = ")
    assert h.latex(notation=sd.Notation(entropy=r"\mathcal{H}", names=("p", "q"))).startswith(r"\mathcal{H}(p) = ")
    assert r"\ln{\frac{\sigma_{2}}{\sigma_{1}}}" in kl.latex(notation=sd.Notation(log="ln"))
    tau = kl.latex(notation=sd.Notation(symbol_names={"sigma_2": r"\tau"}))
    assert r"\log{\frac{\tau}{\sigma_{1}}}" in tau and r"2 \tau^{2}" in tau


def test_bits_convert_the_value() -> None:
    d = sd.kl_divergence(sd.Bernoulli(sp.Rational(1, 4)), sd.Bernoulli(sp.Rational(1, 2)))
    tex = d.latex(notation=sd.Notation(log="bits"))
    assert r"\log_{2}" in tex
    bits = sd.tidy.to_bits(d.expr)
    assert abs(sp.N(bits - d.expr / sp.log(2), 30)) < 1e-25
    normal = sd.entropy(sd.Normal("mu", "sigma")).latex(notation=sd.Notation(log="bits"))
    assert normal == r"H(P) = \frac{1}{2} \log_{2}{\left(2 e \pi \sigma^{2}\right)}"


def test_notation_is_frozen_and_merges() -> None:
    n = sd.Notation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.log = "ln"  # type: ignore[misc]
    m = n.merge(log="ln").merge(sd.Notation(kl="KL"))
    assert (m.log, m.kl, n.log) == ("ln", "KL", "log")
    assert n.merge({"macros": True}).macros is True
    with pytest.raises(sd.InvalidParameterError, match="log"):
        sd.Notation(log="log10")
    with pytest.raises(sd.InvalidParameterError, match="colour"):
        n.merge(colour="red")
    assert hash(n) == hash(sd.Notation())


def test_preamble_defines_the_macros() -> None:
    pre = sd.preamble()
    assert r"\providecommand{\KL}{D_{\mathrm{KL}}}" in pre and r"\providecommand{\E}{\mathbb{E}}" in pre
    for pkg in ("amsmath", "amssymb", "mathtools", "bm"):
        assert rf"\usepackage{{{pkg}}}" in pre


def test_environments_and_labels() -> None:
    d = sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
    assert d.latex(env="equation", label="eq:kl").startswith("\\begin{equation}\\label{eq:kl}\n")
    assert d.latex(env="equation*").endswith("\\end{equation*}")
    steps = d.latex(steps=True, env="align*")
    assert steps.startswith("\\begin{align*}") and steps.count("&= ") == 5 and steps.count(r"\text{") >= 5
    assert d.latex(steps=True, env="aligned").startswith("\\begin{aligned}")
    assert d.latex(steps=True, env="equation").count("aligned") == 2
    with pytest.raises(sd.InvalidParameterError, match="env"):
        d.latex(env="gather")
    with pytest.raises(sd.InvalidParameterError, match="label"):
        d.latex(label="x")
    assert d._repr_latex_().startswith("$$\\begin{aligned}") and d._repr_latex_().endswith("\\end{aligned}$$")
    v = sd.verify_decomposition(sd.Bernoulli("p"), sd.Bernoulli("q"))
    assert v._repr_latex_().startswith("$$\\begin{aligned}") and r"\text{proved}" in v.latex()


def test_every_snippet_passes_the_lint() -> None:
    for tex in all_snippets() + [sd.formula_sheet()]:
        assert lint(tex) == [], tex


def test_lint_catches_problems() -> None:
    assert lint(r"\frac{1}{2") and lint(r"\sigma + alpha") and lint(r"\operatorname{polygamma}{x}")
    assert lint(r"\mathbf{\mu}") and not lint(r"\text{beta} + \beta_{1}")


def overfull_boxes(log: Path) -> list[str]:
    """pdflatex's "Overfull \\hbox (12.3pt too wide) ..." lines: a line that runs into the margin."""
    return [ln for ln in log.read_text(encoding="latin-1").splitlines() if ln.startswith("Overfull \\hbox")]


def test_all_snippets_compile(tmp_path) -> None:
    need_tex("pdflatex", "pdftoppm")
    items = [f"\\[{s}\\]" if "align" not in s else s for s in all_snippets()]
    items.append(sd.kl_divergence(sd.Normal(0, 1), sd.Normal("m", "s")).latex(env="equation", label="eq:kl"))
    macro_doc = sd.latex_document(items, title="all snippets", notation=sd.Notation(macros=True))
    pdf = compile_tex(sd.latex_document(items, title="all snippets"), tmp_path)
    assert pdf.stat().st_size > 1000
    (tmp_path / "m").mkdir()
    compile_tex(macro_doc, tmp_path / "m")
    multiline = [s for s in all_snippets() if "align" in s]  # one-line equations are the user's to break
    compile_tex(sd.latex_document(multiline, title="multi-line snippets"), tmp_path / "m")
    assert overfull_boxes(tmp_path / "m" / "doc.log") == []


def test_formula_sheet_compiles_and_renders(tmp_path) -> None:
    need_tex("pdflatex", "pdftoppm")
    tex = sd.formula_sheet()
    for fam in sd.CATALOG:
        assert f"\\section{{{fam.name}}}" in tex
    pdf = compile_tex(tex, tmp_path)
    width, height, pixels = first_page_gray(pdf, tmp_path)
    dark = sum(1 for px in pixels if px < 128)
    assert width > 100 and height > 100 and 0.001 < dark / len(pixels) < 0.5
    # long right-hand sides are broken into lines: nothing runs off the page (the Bernoulli
    # decomposition proof did, by 225pt); pdflatex's log reports every overfull box
    assert overfull_boxes(tmp_path / "doc.log") == []


def test_write_sheet_pdf_and_tex(tmp_path) -> None:
    tex_path = sd.write_sheet(tmp_path / "sheet.tex")
    assert open(tex_path, encoding="utf-8").read().startswith("\\documentclass")
    need_tex("pdflatex")
    pdf = sd.write_sheet(tmp_path / "sheet.pdf")
    assert open(pdf, "rb").read(5) == b"%PDF-"


def test_pdf_without_pdflatex_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(sd.UnsupportedError, match="pdflatex is not on PATH"):
        sd.write_sheet(tmp_path / "sheet.pdf")


def test_readme_snippet_renders(tmp_path) -> None:
    """docs/render_snippet.py makes the README's PNG; the committed one exists."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert (root / "docs" / "img" / "kl-normal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    need_tex("pdflatex", "pdftoppm")
    spec = importlib.util.spec_from_file_location("render_snippet", root / "docs" / "render_snippet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "s.png"
    module.render(module.snippet(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 2000
