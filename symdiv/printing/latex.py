r"""LaTeX output: a ``LatexPrinter`` subclass, the frozen ``Notation`` config, and
renderings of derivations, verifications, documents and the formula sheet.

Printing is kept outside the model: derivations and verifications only delegate here.

>>> import symdiv as sd
>>> d = sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q"))
>>> print(d.latex())
D_{\mathrm{KL}}(P \parallel Q) = p \log{\frac{p}{q}} + \left(1 - p\right) \log{\frac{1 - p}{1 - q}}
>>> print(d.latex(notation=sd.Notation(kl="KL", log="ln")))
\operatorname{KL}[P \,\|\, Q] = p \ln{\frac{p}{q}} + \left(1 - p\right) \ln{\frac{1 - p}{1 - q}}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..derivation import Derivation, Expectation, StepKind
from ..errors import InvalidParameterError, UnsupportedError
from ..family import Family
from ..measures.base import Measure
from ..support import FiniteAtoms, IntegerRange, PairAtoms, RealInterval, RealSpace, SimplexSupport, Support
from ..tidy import log2, negative_looking
from .breaking import LINE_WIDTH, broken, visible_length
from .conditions import in_unit, mentioned, shown

__all__ = [
    "Notation",
    "SymdivLatexPrinter",
    "latex",
    "value_latex",
    "conditions_latex",
    "derivation_latex",
    "verification_latex",
    "preamble",
    "verdict_latex",
    "family_latex",
    "support_latex",
    "ENVIRONMENTS",
]

ENVIRONMENTS = (None, "equation", "equation*", "align*", "aligned")

#: KL notations: (symbol, open, separator, close)
KL_STYLES = {
    "D_KL": (r"D_{\mathrm{KL}}", "(", r" \parallel ", ")"),
    "KL": (r"\operatorname{KL}", "[", r" \,\|\, ", "]"),
    "D": ("D", "(", r" \| ", ")"),
}
#: cross-entropy notations, formatted with the distribution names
CE_STYLES = {"H": "{H}({P}, {Q})", "H_Q": "{H}_{{{Q}}}({P})", "Hx": r"{H}^{{\times}}({P}, {Q})"}
LOG_STYLES = ("log", "ln", "bits")

#: macros of the widely used deep-learning notation file (math_commands.tex)
MACROS = {"KL": r"D_{\mathrm{KL}}", "E": r"\mathbb{E}", "R": r"\mathbb{R}"}


@dataclass(frozen=True)
class Notation:
    """How results are written. Frozen; derive variants with :meth:`merge`.

    ``log``: ``"log"`` (natural, written \\log), ``"ln"`` (natural, written \\ln) or
    ``"bits"`` (the result converted to base 2, written \\log_2).
    ``kl``: ``"D_KL"`` (D_{KL}(P || Q)), ``"KL"`` (KL[P || Q]) or ``"D"`` (D(P || Q)).
    ``cross_entropy``: ``"H"`` (H(P, Q)), ``"H_Q"`` (H_Q(P)) or ``"Hx"`` (H^x(P, Q)).
    ``entropy``: the entropy symbol. ``names``: the distributions' names.
    ``symbol_names``: raw LaTeX per parameter symbol name, e.g. {"sigma_1": r"\\tau"}.
    ``macros``: write \\KL and \\E (define them with :func:`preamble`).
    ``line_width``: in multi-line (``steps=True``) output, right-hand sides wider than this many
    characters are broken into lines at + and - (64 fits a single-column A4 or letter page; use
    about 40 for a two-column paper, None never to break).
    """

    log: str = "log"
    kl: str = "D_KL"
    cross_entropy: str = "H"
    entropy: str = "H"
    names: tuple[str, str] = ("P", "Q")
    symbol_names: Mapping[str, str] = field(default_factory=dict)
    macros: bool = False
    line_width: int | None = LINE_WIDTH

    def __post_init__(self) -> None:
        if self.line_width is not None and (not isinstance(self.line_width, int) or isinstance(self.line_width, bool)
                                            or self.line_width < 20):
            raise InvalidParameterError("Notation", "line_width", self.line_width, "an integer >= 20, or None")
        for name, value, allowed in (("log", self.log, LOG_STYLES), ("kl", self.kl, tuple(KL_STYLES)),
                                     ("cross_entropy", self.cross_entropy, tuple(CE_STYLES))):
            if value not in allowed:
                raise InvalidParameterError("Notation", name, value, " | ".join(allowed))
        names = tuple(self.names)
        if len(names) != 2 or not all(isinstance(n, str) and n for n in names):
            raise InvalidParameterError("Notation", "names", self.names, "two non-empty strings, e.g. ('P', 'Q')")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "symbol_names", dict(self.symbol_names))

    def __hash__(self) -> int:
        return hash((self.log, self.kl, self.cross_entropy, self.entropy, self.names,
                     tuple(sorted(self.symbol_names.items())), self.macros, self.line_width))

    def merge(self, other: Notation | Mapping[str, Any] | None = None, **changes: Any) -> Notation:
        """A copy with the fields of ``other`` (a Notation's non-default fields, or a mapping) and ``changes``."""
        update: dict[str, Any] = {}
        if isinstance(other, Notation):
            default = Notation()
            update = {f.name: getattr(other, f.name) for f in dataclasses.fields(self)
                      if getattr(other, f.name) != getattr(default, f.name)}
        elif other is not None:
            update = dict(other)
        update.update(changes)
        unknown = set(update) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InvalidParameterError("Notation", ", ".join(sorted(unknown)), "?",
                                        ", ".join(f.name for f in dataclasses.fields(self)))
        return dataclasses.replace(self, **update)

    # ---------------------------------------------------------------- symbols of the measures
    def kl_symbol(self, P: str | None = None, Q: str | None = None) -> str:
        sym, open_, sep, close = KL_STYLES[self.kl]
        if self.macros and self.kl == "D_KL":
            sym = r"\KL"
        return f"{sym}{open_}{P or self.names[0]}{sep}{Q or self.names[1]}{close}"

    def cross_entropy_symbol(self, P: str | None = None, Q: str | None = None) -> str:
        return CE_STYLES[self.cross_entropy].format(H=self.entropy, P=P or self.names[0], Q=Q or self.names[1])

    def entropy_symbol(self, P: str | None = None) -> str:
        return f"{self.entropy}({P or self.names[0]})"

    def quantity(self, q: Measure, options: Any = ()) -> str:
        """The measure's symbol in this notation (the classic three in their chosen styles)."""
        classic = {"entropy": self.entropy_symbol, "cross_entropy": self.cross_entropy_symbol,
                   "kl_divergence": self.kl_symbol}.get(q.name)
        if classic is not None:
            return classic()
        return q.latex(*self.names, **dict(options))

    @property
    def expectation(self) -> str:
        return r"\E" if self.macros else r"\mathbb{E}"


DEFAULT = Notation()


class SymdivLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with textbook conventions and symdiv's notation."""

    def __init__(self, notation: Notation = DEFAULT, **settings: Any) -> None:
        self.notation = notation
        settings.setdefault("symbol_names", {})
        super().__init__(settings)
        self._names = {sp.Symbol(k): v for k, v in notation.symbol_names.items()}

    # ---------------------------------------------------------------- symbols
    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        for sym, tex in self._names.items():
            if sym.name == expr.name:
                return tex
        return super()._print_Symbol(expr, style=style)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = self._print(sp.Symbol(expr.base.name))
        return f"{base}_{{{', '.join(self._print(i) for i in expr.indices)}}}"

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._print(sp.Symbol(expr.name))

    # ---------------------------------------------------------------- functions
    def _log_name(self) -> str:
        return r"\ln" if self.notation.log == "ln" else r"\log"

    def _log_arg(self, arg: sp.Expr) -> str:
        if arg.is_Symbol or isinstance(arg, sp.Indexed) or (arg.is_Integer and arg.is_positive):
            return "{" + self._print(arg) + "}"
        tex = self._print(arg)
        if tex.startswith(r"\frac"):
            return "{" + tex + "}"
        return r"{\left(" + tex + r"\right)}"

    def _print_log(self, expr: sp.log, exp: str | None = None) -> str:
        if self.notation.log == "bits" and expr.args[0] == 2:
            return r"\ln 2" if exp is None else rf"\ln^{{{exp}}} 2"
        name = self._log_name() if exp is None else f"{self._log_name()}^{{{exp}}}"
        return name + self._log_arg(expr.args[0])

    def _print_log2(self, expr: log2, exp: str | None = None) -> str:
        name = r"\log_{2}" if exp is None else rf"\log_{{2}}^{{{exp}}}"
        return name + self._log_arg(expr.args[0])

    def _print_polygamma(self, expr: sp.Expr, exp: str | None = None) -> str:
        n, x = expr.args
        head = r"\psi" if n == 0 else rf"\psi^{{({self._print(n)})}}"
        if exp is not None:
            head = rf"{head}^{{{exp}}}" if n == 0 else rf"\left({head}\right)^{{{exp}}}"
        return rf"{head}\left({self._print(x)}\right)"

    def _print_digamma(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._print_polygamma(sp.polygamma(0, expr.args[0], evaluate=False), exp)

    def _print_loggamma(self, expr: sp.Expr, exp: str | None = None) -> str:
        tex = rf"{self._log_name()}\Gamma\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_beta(self, expr: sp.Expr, exp: str | None = None) -> str:
        args = ", ".join(self._print(a) for a in expr.args)
        tex = rf"\mathrm{{B}}\left({args}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Expectation(self, expr: Expectation) -> str:
        return rf"{self.notation.expectation}_{{{self._print(expr.dist)}}}\left[{self._print(expr.g)}\right]"

    # ---------------------------------------------------------------- quantities in claims
    def _role(self, r: sp.Basic) -> str:
        return {"P": self.notation.names[0], "Q": self.notation.names[1]}.get(str(r), self._print(r))

    def _print_Function(self, expr: sp.Expr, exp: str | None = None) -> str:
        # SymPy dispatches undefined functions such as H(P) here, not to _print_H
        name = getattr(expr.func, "__name__", "")
        if isinstance(expr, sp.core.function.AppliedUndef) and name in ("H", "KL"):
            return self._print_H(expr, exp) if name == "H" else self._print_KL(expr, exp)
        return super()._print_Function(expr, exp)

    def _print_H(self, expr: sp.Expr, exp: str | None = None) -> str:
        roles = [self._role(a) for a in expr.args]
        tex = self.notation.entropy_symbol(*roles) if len(roles) == 1 else self.notation.cross_entropy_symbol(*roles)
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_KL(self, expr: sp.Expr, exp: str | None = None) -> str:
        tex = self.notation.kl_symbol(*(self._role(a) for a in expr.args))
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Det(self, expr: sp.Expr, exp: str | None = None) -> str:
        tex = rf"\det {self._print(expr.args[0])}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Trace(self, expr: sp.Expr, exp: str | None = None) -> str:
        tex = rf"\operatorname{{tr}}\left({self._print(expr.arg)}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Mahalanobis(self, expr: sp.Expr, exp: str | None = None) -> str:
        x = "X" if isinstance(expr.x, sp.IndexedBase) else self._print(expr.x)
        d = rf"\left({x} - {self._print(expr.center)}\right)"
        tex = rf"{d}^{{\top}} {self._print(expr.scale)}^{{-1}} {d}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: str | None = None) -> str:
        a, b = expr.args
        if b.is_Symbol and b.name == "X":
            a, b = b, a
        tex = rf"\mathbf{{1}}\{{{self._print(a)} = {self._print(b)}\}}"  # indicator
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    # ---------------------------------------------------------------- textbook order
    def _sign_and_magnitude(self, term: sp.Expr) -> tuple[bool, sp.Expr]:
        if term.could_extract_minus_sign():
            return True, -term
        if term.is_Mul:
            for f in term.args:
                if negative_looking(f):
                    return True, sp.Mul(-f, *(g for g in term.args if g is not f))
        return False, term

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = self._as_ordered_terms(expr, order=order)

        def group(t: sp.Expr) -> int:
            if t.is_Number:
                return 3
            if t.has(sp.Sum):
                return 2
            return 0 if any(isinstance(f, (sp.log, log2)) for f in sp.Mul.make_args(t)) else 1

        if any(group(t) in (0, 2) for t in terms):  # a top-level result: logs, rest, sums, constants
            terms = sorted(terms, key=group)  # stable: SymPy's order within each group
        tex = ""
        for k, term in enumerate(terms):
            negative, magnitude = self._sign_and_magnitude(term)
            if k == 0:
                tex += "- " if negative else ""
            else:
                tex += " - " if negative else " + "
            term_tex = self._print(magnitude)
            if self._needs_add_brackets(magnitude):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        heads = [f for f in factors if isinstance(f, (sp.log, log2, sp.Sum))]
        denominators = [f for f in factors if f.is_Pow and f.exp.is_negative]
        if not heads or denominators or not coeff.is_Rational:
            return super()._print_Mul(expr)
        parts, sign = [], ""
        if coeff < 0:
            sign, coeff = "- ", -coeff
        if coeff != 1:
            parts.append(self._print(coeff))
        others = [f for f in factors if f not in heads]
        if others:
            o = sp.Mul(*others)
            o_tex = self._print(o)
            parts.append(rf"\left({o_tex}\right)" if o.is_Add else o_tex)
        for h in heads:
            h_tex = self._print(h)
            parts.append(rf"\left({h_tex}\right)" if isinstance(h, sp.Sum) and h is not heads[-1] else h_tex)
        return sign + " ".join(parts)


def latex(expr: sp.Expr, notation: Notation | None = None) -> str:
    r"""``expr`` as LaTeX in symdiv's notation; ``expr`` is a value in nats, which ``log="bits"``
    converts to bits (divided by log 2, whether or not it has a logarithm: 1 nat is 1/ln 2 bits).

    >>> import sympy as sp
    >>> print(latex(sp.Integer(1), Notation(log="bits")))
    \frac{1}{\ln 2}
    """
    notation = notation or DEFAULT
    expr = sp.sympify(expr)
    if expr == sp.oo:
        return r"+\infty"
    return SymdivLatexPrinter(notation).doprint(in_unit(expr, notation.log == "bits"))


def _natural(notation: Notation) -> Notation:
    """The notation for things that are not values in nats (parameters, supports, conditions,
    intermediate steps): bits writes them with the natural logarithm, unconverted."""
    return dataclasses.replace(notation, log="log") if notation.log == "bits" else notation


def _tex(expr: Any, notation: Notation) -> str:
    """``expr`` as LaTeX, never converted to bits (parameters, bounds, conditions)."""
    expr = sp.sympify(expr)
    if expr == sp.oo:
        return r"+\infty"
    return SymdivLatexPrinter(_natural(notation)).doprint(expr)


def conditions_latex(conds: Iterable[sp.Basic], notation: Notation | None = None) -> str:
    r"""``a_{2} \leq a_{1} \text{ and } b_{1} \leq b_{2}``: the conditions joined by "and"."""
    notation = notation or DEFAULT
    return r" \text{ and } ".join(_tex(c, notation) for c in conds)


def value_latex(d: Derivation, notation: Notation | None = None) -> str:
    r"""The value of a derivation as LaTeX: its closed form, or with conditions a ``cases`` block
    (the closed form if they hold, :math:`+\infty` otherwise), in the notation's unit."""
    notation = notation or DEFAULT
    value, conds = shown(d, bits=notation.log == "bits")
    body = SymdivLatexPrinter(notation).doprint(value) if value != sp.oo else r"+\infty"
    if not conds:
        return body
    return (r"\begin{cases} " + body + r" & \text{if } " + conditions_latex(conds, notation)
            + r" \\ +\infty & \text{otherwise} \end{cases}")


# -------------------------------------------------------------------- structure
def _wrap(body: str, env: str | None, label: str | None, multiline: bool) -> str:
    if env not in ENVIRONMENTS:
        raise InvalidParameterError("latex", "env", env, " | ".join(str(e) for e in ENVIRONMENTS))
    if label is not None and env not in ("equation", "align*", "equation*"):
        raise InvalidParameterError("latex", "label", label, "a label needs env='equation', 'equation*' or 'align*'")
    lab = rf"\label{{{label}}}" if label else ""
    if env is None:
        return body
    if env == "aligned":
        return "\\begin{aligned}\n" + body + "\n\\end{aligned}" if multiline else body
    if env == "align*":
        return "\\begin{align*}" + lab + "\n" + body + "\n\\end{align*}"
    inner = "\\begin{aligned}\n" + body + "\n\\end{aligned}" if multiline else body
    return f"\\begin{{{env}}}{lab}\n{inner}\n\\end{{{env}}}"


_WHY = {
    StepKind.DEFINITION: r"\text{definition}",
    StepKind.SUPPORT: r"\operatorname{supp} P \subseteq \operatorname{supp} Q",
    StepKind.EXPAND_LOG: r"\text{expand the logarithm}",
    StepKind.LINEARITY: r"\text{linearity of }",
    StepKind.EXPECTATION: r"\text{expectation table}",
    StepKind.SUM: r"\text{sum over the support}",
    StepKind.INTEGRATE: r"\text{integrate against the density}",
    StepKind.TIDY: r"\text{simplify}",
    StepKind.UNEVALUATED: r"\text{no closed form}",
    StepKind.EVALUATE: r"\text{evaluate (float parameters)}",
}


def _why(d: Derivation, k: int, notation: Notation, conds: tuple[sp.Basic, ...] = ()) -> str:
    step = d.steps[k]
    stated = mentioned(step.note, conds)
    if_ = (r"\text{ if } " + conditions_latex(stated, notation)) if stated else ""
    if step.kind is StepKind.LINEARITY:
        zero_log = r",\ 0 \log 0 = 0" if "0 log 0" in step.note else ""
        return _WHY[step.kind] + notation.expectation + zero_log
    if step.kind is StepKind.EXPECTATION:
        return rf"\text{{table of {d.P.name}}}" + (("," + if_) if if_ else "")
    if step.kind is StepKind.SUPPORT:
        if step.expr == sp.oo:
            return r"\operatorname{supp} P \not\subseteq \operatorname{supp} Q"
        if d.quantity.arity == 1 and not if_:
            return r"\text{over } \operatorname{supp} P"
        if if_:
            return _WHY[step.kind] + if_
        if conds and "?" in step.note:  # conditional nesting the note does not spell out: say so
            return _WHY[step.kind] + r"\text{ under the condition below}"
        return _WHY[step.kind]
    return _WHY[step.kind] + (("," + if_) if if_ else "")


def derivation_latex(d: Derivation, steps: bool = False, env: str | None = None, label: str | None = None,
                     notation: Notation | None = None) -> str:
    r"""The derivation as LaTeX: one equation, or (``steps=True``) one aligned line per step.

    A result that holds only under conditions (its ``conditions``; +oo where one fails) is
    written as a ``cases`` block, in both forms:

    >>> import symdiv as sd
    >>> tex = sd.kl_divergence(sd.Uniform(0, "b_1"), sd.Uniform(0, "b_2")).latex()
    >>> print(tex.replace(" & ", "\n  & "))
    D_{\mathrm{KL}}(P \parallel Q) = \begin{cases} \log{\frac{b_{2}}{b_{1}}}
      & \text{if } b_{1} \leq b_{2} \\ +\infty
      & \text{otherwise} \end{cases}
    """
    notation = notation or DEFAULT
    lhs = notation.quantity(d.quantity, d.options)
    if not steps:
        return _wrap(f"{lhs} = {value_latex(d, notation)}", env, label, multiline=False)
    _, conds = shown(d)
    natural = _natural(notation)
    lines: list[tuple[str, str]] = []
    last = len(d.steps) - 1
    for k, step in enumerate(d.steps):
        if k == last:
            body = value_latex(d, notation)
        else:
            body = latex(step.expr, natural)
        why = _why(d, k, notation, conds)
        if lines and lines[-1][0] == body:
            lines[-1] = (body, lines[-1][1] + r",\ " + why)
        else:
            lines.append((body, why))
    if notation.log == "bits" and len(lines) > 1:
        lines[-1] = (lines[-1][0], lines[-1][1] + r",\ \text{in bits}")
    # the justifications are one column of the alignment: the widest takes room from every line
    why_width = max(visible_length(w) for _, w in lines)
    first = visible_length(lhs)
    out = [f"{lhs} &= {_fit(b, notation, first + why_width)} && {w}" if k == 0 else
           f"&= {_fit(b, notation, why_width)} && {w}" for k, (b, w) in enumerate(lines)]
    return _wrap(" \\\\\n".join(out), env, label, multiline=True)


def _fit(body: str, notation: Notation, first: int = 0) -> str:
    """A right-hand side broken into lines that fit the page (a cases block is left whole)."""
    if notation.line_width is None or r"\begin{cases}" in body:
        return body
    return broken(body, notation.line_width, first=first)


def verdict_latex(v: Any, env: str | None = "aligned", notation: Notation | None = None) -> str:
    r"""A verdict as LaTeX: the claim with the verdict (and the conditions a proof holds under), then
    the proof (lhs - rhs rewritten to 0, or both sides the same infinity), the counterexample with
    both sides evaluated, or the numeric evidence.

    >>> import symdiv as sd
    >>> print(sd.verify_decomposition(sd.Normal("mu", "sigma"), sd.Exponential("lambda")).latex())
    \begin{aligned}
    H(P, Q) &= H(P) + D_{\mathrm{KL}}(P \parallel Q) && \text{proved} \\
    \text{lhs} = \text{rhs} &= +\infty && \text{both sides are infinite}
    \end{aligned}
    >>> print(sd.check("KL(P||Q) = log(2)", sd.Bernoulli(sp.Rational(1, 2)), sd.Bernoulli(0)).latex())
    \begin{aligned}
    D_{\mathrm{KL}}(P \parallel Q) &= \log{2} && \text{false} \\
    &\text{at the given parameters}: && \text{lhs} = +\infty \neq 0.693147180559945 = \text{rhs}
    \end{aligned}
    """
    notation = notation or DEFAULT
    natural = dataclasses.replace(notation, log="log" if notation.log == "bits" else notation.log)
    claim = f"{latex(v.claim.lhs, natural)} &= {latex(v.claim.rhs, natural)}"
    verdict = {True: r"\text{proved}", False: r"\text{false}", None: r"\text{undecided}"}[v.holds]
    if v.holds is True and v.conditions:
        verdict += r"\text{ where }" + conditions_latex(v.conditions, natural)
    elif v.holds is True and v.where:
        verdict += r"\text{ for }" + conditions_latex(v.where, natural)
    lines = [rf"{claim} && {verdict}"]
    if v.holds is True:
        for step in v.proof:
            if step.kind is StepKind.SUPPORT and step.expr == 0:
                lines.append(rf"\text{{lhs}} = \text{{rhs}} &= {latex(v.lhs, natural)} && \text{{both sides are "
                             r"infinite}")
            elif step.kind is StepKind.SUPPORT:
                lines.append(rf"& && \text{{{_escape_text(step.note)}}}")
            elif step.kind is StepKind.DEFINITION:
                residual = _fit(latex(step.expr, natural), notation, 9)
                lines.append(rf"\text{{lhs}} - \text{{rhs}} &= {residual} && \text{{residual}}")
            else:
                why = _PROOF_WHY.get(step.kind, "rewrite")
                lines.append(rf"&= {_fit(latex(step.expr, natural), notation)} && \text{{{why}}}")
    elif v.holds is False:
        c = v.counterexample
        point = ",\\ ".join(f"{latex(k, natural)} = {latex(sp.Matrix(val) if isinstance(val, tuple) else val, natural)}"
                              for k, val in c.point.items())
        where = rf"\text{{at }} {point}" if point else r"\text{at the given parameters}"
        lines.append(rf"&{where}: && \text{{lhs}} = {_number_latex(c.lhs)} \neq {_number_latex(c.rhs)}"
                     r" = \text{rhs}")
        if v.conditions and v.outside:  # true only where conditions the claim does not state hold
            lines.append(r"& && \text{it holds only where }" + conditions_latex(v.conditions, natural))
    elif v.evidence.points:
        ev = v.evidence
        lines.append(rf"&\text{{no proof; at {ev.points} random points}} && "
                     rf"\max\lvert\text{{lhs}} - \text{{rhs}}\rvert = {sp.Float(ev.max_abs_residual, 3)}")
    else:
        lines.append(rf"&\text{{no proof; {_escape_text(v.reason or 'no point was evaluated')}}}")
    return _wrap(" \\\\\n".join(lines), env, None, multiline=True)


def _number_latex(x: Any) -> str:
    """An mpmath value of a counterexample: 15 significant digits, or an infinity."""
    value = sp.Float(x, 15)
    return rf"{'-' if value.is_negative else '+'}\infty" if value.is_infinite else str(value)


#: the one LaTeX renderer of verdicts serves :class:`symdiv.Verification` too
verification_latex = verdict_latex

_PROOF_WHY = {StepKind.EXPAND_LOG: "expand logarithms", StepKind.SUM: "combine sums",
              StepKind.TIDY: "expand and collect"}


# -------------------------------------------------------------------- documents
def preamble(notation: Notation | None = None) -> str:
    """The packages symdiv's LaTeX needs, plus its macros (\\providecommand: safe beside math_commands.tex)."""
    lines = [r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\usepackage{mathtools}", r"\usepackage{bm}"]
    lines += [rf"\providecommand{{\{name}}}{{{body}}}" for name, body in MACROS.items()]
    return "\n".join(lines)


def _escape_text(text: str) -> str:
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(ch, ch) for ch in text if ord(ch) < 128)


def family_latex(f: Family, notation: Notation | None = None) -> str:
    """``\\mathrm{Normal}(\\mu_{1}, \\sigma_{1})``."""
    notation = notation or DEFAULT

    def value(v: Any) -> str:
        if isinstance(v, tuple):
            return r"\left(" + ", ".join(_tex(x, notation) for x in v) + r"\right)"
        if isinstance(v, sp.MatrixBase):
            return _tex(v, notation)
        if isinstance(v, sp.IndexedBase):
            i = sp.Symbol("i")
            if not hasattr(f, "K"):  # pragma: no cover - every indexed family has K
                return _tex(v[i], notation)
            return rf"\left({_tex(v[i], notation)}\right)_{{i=0}}^{{{_tex(f.K - 1, notation)}}}"
        return _tex(v, notation)

    return rf"\mathrm{{{f.name}}}\left(" + ", ".join(value(v) for v in f.params.values()) + r"\right)"


def support_latex(s: Support, notation: Notation | None = None) -> str:
    notation = notation or DEFAULT
    if isinstance(s, RealInterval):
        if s.lo == -sp.oo and s.hi == sp.oo:
            return r"\R" if notation.macros else r"\mathbb{R}"
        lo = r"-\infty" if s.lo == -sp.oo else _tex(s.lo, notation)
        hi = r"\infty" if s.hi == sp.oo else _tex(s.hi, notation)
        return rf"\left({lo}, {hi}\right)"
    if isinstance(s, PairAtoms):
        return r"\{" + ", ".join(f"({i}, {j})" for i, j in s.pairs) + r"\}"
    if isinstance(s, FiniteAtoms):
        return r"\{" + ", ".join(map(str, s.values)) + r"\}"
    if isinstance(s, IntegerRange):
        hi = r"\dots" if s.hi == sp.oo else rf"\dots, {_tex(s.hi, notation)}"
        return rf"\{{{_tex(s.lo, notation)}, {hi}\}}"
    if isinstance(s, SimplexSupport):
        return rf"\Delta^{{{_tex(s.K - 1, notation)}}}"
    if isinstance(s, RealSpace):
        return (r"\R" if notation.macros else r"\mathbb{R}") + f"^{{{_tex(s.k, notation)}}}"
    raise UnsupportedError(f"no LaTeX for support {s!r}")  # pragma: no cover
