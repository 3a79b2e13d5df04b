"""Generate ``docs/catalog.md``: every family of ``symdiv.CATALOG`` with its closed forms.

For each family: the constructor, its parameters with their domains, the support, and H(P),
H(P, Q) and KL(P || Q) for a same-family pair (P and Q from ``Family.symbolic_example``);
then the cross-family pairs of ``symdiv.families.pairs.CROSS_PAIRS`` (the one list, which the tests'
reference table and the benchmarks use too) with their KL, and pairs whose KL is +oo with the reason
the SUPPORT step gives. Everything is derived afresh by symdiv when the page is generated.

    python docs/gen_catalog.py            # write docs/catalog.md
    python docs/gen_catalog.py --check    # exit 1 if docs/catalog.md is not what this script writes
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # docs/: page_cli
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from page_cli import page_main  # noqa: E402

import symdiv as sd  # noqa: E402
from symdiv.derivation import Derivation, StepKind  # noqa: E402
from symdiv.errors import SymdivError  # noqa: E402
from symdiv.families.pairs import CROSS_PAIRS  # noqa: E402 - also read by tests/test_docs.py as gen.CROSS_PAIRS
from symdiv.family import Family  # noqa: E402
from symdiv.printing.conditions import mentioned, shown  # noqa: E402
from symdiv.printing.latex import family_latex, support_latex  # noqa: E402

OUT = ROOT / "docs" / "catalog.md"


def infinite_pairs() -> list[tuple[Family, Family]]:
    """Pairs whose supports do not nest, so that KL(P || Q) = H(P, Q) = +oo."""
    half = sp.Rational(1, 2)
    return [
        (sd.Normal("mu", "sigma"), sd.Exponential("lambda")),
        (sd.Laplace(0, 1), sd.HalfNormal(1)),
        (sd.Uniform(0, 2), sd.Uniform(0, 1)),
        (sd.Exponential("lambda"), sd.Pareto(1, "alpha")),
        (sd.Poisson("lambda"), sd.Binomial(4, "q")),
        (sd.Binomial(5, "p"), sd.Binomial(3, "q")),
        (sd.Bernoulli(half), sd.Bernoulli(0)),
        (sd.Bernoulli("p"), sd.Normal("mu", "sigma")),
        (sd.Normal("mu", "sigma"), sd.Poisson("lambda")),
    ]


# ---------------------------------------------------------------- small formatting helpers
def math(tex: str) -> str:
    """Inline math that is safe in a Markdown table cell (no bare ``|``)."""
    return "$" + tex.replace(r"\|", r"\Vert ").replace("|", r"\vert ") + "$"


def display(tex: str) -> str:
    return "$$\n" + tex + "\n$$"


def text_cell(text: str) -> str:
    return text.replace("|", r"\|")


def family_tex(f: Family) -> str:
    return family_latex(f)


def support_tex(f: Family) -> str:
    try:
        return math(support_latex(f.support()))
    except SymdivError:  # a support kind the LaTeX printer does not know yet
        return f"`{f.support()}`"


def signature(fam: type[Family]) -> str:
    """``sd.Normal(mu, sigma)``, plus ``sd.Categorical.symbolic(name='p', K='K')`` where it exists."""
    out = [f"`sd.{fam.__name__}({', '.join(p.name for p in fam.parameters)})`"]
    symbolic = getattr(fam, "symbolic", None)
    if callable(symbolic):
        params = inspect.signature(symbolic).parameters.values()
        args = ", ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
                         for p in params)
        out.append(f"`sd.{fam.__name__}.symbolic({args})`")
    return " or ".join(out)


def conditions(d: Derivation) -> list[sp.Basic]:
    """The conditions under which the result holds (+oo where one fails), as every printer shows
    them beside the formula; the parameters' domain facts are not among them."""
    return list(shown(d)[1])


def notes(d: Derivation) -> list[str]:
    """Remarks on one result: why it is +oo where its conditions fail, and series kept explicit."""
    out = []
    conds = conditions(d)
    if conds:
        reasons = []
        for step in d.steps:
            if mentioned(step.note, conds) or (step.kind is StepKind.SUPPORT and "?" in step.note):
                reasons.append("the supports do not nest" if step.kind is StepKind.SUPPORT
                               else "an expectation diverges")
        reason = " or ".join(dict.fromkeys(reasons)) or "the closed form does not hold"
        out.append(f"where {'a condition' if len(conds) > 1 else 'the condition'} fails, {reason} "
                   "and the value is $+\\infty$")
    if not d.is_complete:
        out.append("keeps an explicit series: no closed form, `is_complete` is False (`sympy.N` evaluates it)")
    return out


def result_block(d: Derivation) -> list[str]:
    lines = [display(d.latex()), ""]
    remarks = notes(d)
    if remarks:
        lines += ["Note: " + "; ".join(remarks) + ".", ""]
    return lines


def verdict(P: Family, Q: Family) -> str:
    v = sd.verify_decomposition(P, Q)
    return {"proved": "proved", "false": "**false**", "undecided": "undecided"}[v.verdict]


# ---------------------------------------------------------------- the page
def family_section(fam: type[Family]) -> list[str]:
    P, Q = fam.symbolic_example(1), fam.symbolic_example(2)
    doc = inspect.getdoc(fam) or ""
    summary = doc.split("\n\n")[0].replace("\n", " ")
    names = ", ".join(f"`{a}`" for a in (fam.name.lower(), *fam.aliases))
    lines = [f"## {fam.name}", "", summary, "",
             f"Constructor: {signature(fam)}. On the command line: {names}."]
    lines += ["", "| parameter | domain | meaning | in $P$ | in $Q$ |", "|---|---|---|---|---|"]
    p_values, q_values = P.params, Q.params
    for p in fam.parameters:
        lines.append(f"| `{p.name}` | {math(p.domain.latex)} | {text_cell(p.doc)} "
                     f"| {math(_value_tex(p_values[p.name]))} | {math(_value_tex(q_values[p.name]))} |")
    kind = "discrete" if fam.discrete else "continuous"
    lines += ["", f"Support: {support_tex(P)} ({kind}).", "",
              f"With $P = {family_tex(P)}$ and $Q = {family_tex(Q)}$:", ""]
    for d in (sd.entropy(P), sd.cross_entropy(P, Q), sd.kl_divergence(P, Q)):
        lines += result_block(d)
    lines += [f"Decomposition $H(P, Q) = D_{{\\mathrm{{KL}}}}(P \\parallel Q) + H(P)$: {verdict(P, Q)}.", ""]
    return lines


def _value_tex(v: object) -> str:
    if isinstance(v, tuple):
        return r"\left(" + ", ".join(sd.latex(x) for x in v) + r"\right)"
    if isinstance(v, sp.IndexedBase):
        return sd.latex(v[sp.Symbol("i")])
    return sd.latex(v)


def cross_section(by_name: dict[str, type[Family]]) -> list[str]:
    lines = ["## Cross-family pairs", "",
             "KL divergences between families, from the same engine (no pair registry). "
             "$P$ takes the role-1 parameters of its family, $Q$ the role-2 parameters of its own.", ""]
    for p_name, q_name in CROSS_PAIRS:
        P, Q = by_name[p_name].symbolic_example(1), by_name[q_name].symbolic_example(2)
        d = sd.kl_divergence(P, Q)
        lines += [f"### {p_name} → {q_name}", "", f"$P = {family_tex(P)}$, $Q = {family_tex(Q)}$:", ""]
        lines += result_block(d)
        lines += [f"Decomposition: {verdict(P, Q)}.", ""]
    return lines


def infinite_section() -> list[str]:
    lines = ["## Infinite pairs", "",
             "When the support of $P$ is not inside the support of $Q$, $Q$ gives zero probability (or density) "
             "where $P$ has mass, and $D_{\\mathrm{KL}}(P \\parallel Q) = H(P, Q) = +\\infty$. "
             "The SUPPORT step says why; the derivation stops there.", "",
             "| $P$ | $Q$ | SUPPORT step |", "|---|---|---|"]
    for P, Q in infinite_pairs():
        d = sd.kl_divergence(P, Q)
        ce = sd.cross_entropy(P, Q)
        step = d.steps[-1]
        if not (d.is_infinite and ce.is_infinite and step.kind is StepKind.SUPPORT):
            raise AssertionError(f"{P!r} -> {Q!r} is not infinite by the support rule: {d.expr}")
        reason = step.note.split(": Q gives zero")[0]
        lines.append(f"| {math(family_tex(P))} | {math(family_tex(Q))} | {text_cell(reason)} |")
    return lines + [""]


HEADER = """\
<!-- Generated by docs/gen_catalog.py from symdiv.CATALOG: do not edit by hand.
     Regenerate with `python docs/gen_catalog.py`; tests/test_docs.py fails when this page is out of date. -->

# Catalog

Every formula on this page was derived by symdiv from the definitions when the page was generated,
$H(P) = -\\mathbb{E}_P[\\log p(X)]$, $H(P, Q) = -\\mathbb{E}_P[\\log q(X)]$ and
$D_{\\mathrm{KL}}(P \\parallel Q) = \\mathbb{E}_P[\\log p(X) - \\log q(X)]$, each on its own
(none is computed from the other two), and the decomposition $H(P, Q) = D_{\\mathrm{KL}}(P \\parallel Q) + H(P)$
was then verified (see [Verification](guide/verification.md)). The parameters of $P$ and $Q$ are
those of `Family.symbolic_example(1)` and `Family.symbolic_example(2)`; their symbols carry the
assumptions of their domains. A result that holds only under conditions beyond the domains
(`Derivation.conditions`: supports that nest, moments that exist) is written with them, and is
$+\\infty$ where one fails; a result that keeps an explicit series says so
(`Derivation.is_complete` is False).

Families: {links}. Then the [cross-family pairs](#cross-family-pairs) and the
[infinite pairs](#infinite-pairs).
"""


def generate(families: Iterable[type[Family]] | None = None, progress: Callable[[str], None] | None = None) -> str:
    """The Markdown of the catalog page."""
    families = tuple(sd.CATALOG if families is None else families)
    by_name = {f.name: f for f in sd.CATALOG}
    links = ", ".join(f"[{f.name}](#{f.name.lower()})" for f in families)
    lines = [HEADER.replace("{links}", links)]
    for fam in families:
        if progress:
            progress(fam.name)
        lines += family_section(fam)
    lines += cross_section(by_name)
    lines += infinite_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    return page_main(argv, "docs/catalog.md from symdiv.CATALOG", generate, OUT)

if __name__ == "__main__":
    sys.exit(main())
