r"""A safe parser for user claims such as ``KL(P||Q) = log(sigma_2/sigma_1) + ...``.

The input is untrusted text. It never reaches ``eval``, ``exec``, ``sympify``, ``parse_expr``
or SymPy's LaTeX parser: a whitelisting tokenizer turns it into tokens and a Pratt parser
builds SymPy objects directly. Anything not described below is a :class:`~symdiv.errors.ParseError`
(a ``ValueError``) with a one-line message that says what went wrong and at which 0-based
character position.

Two syntaxes; ``syntax="auto"`` picks LaTeX when the text contains a backslash or ``{``.

Grammar (both syntaxes; binding power grows downwards)::

    claim    := expr '=' expr                       (exactly one '=')
    expr     := expr ('+' | '-') expr               left associative
              | expr ('*' | '/' | \cdot | \times) expr
              | expr implicit-product expr           LaTeX: any two factors; text: number then name/'('
              | ('-' | '+') expr                    binds looser than powers: -x^2 = -(x^2)
              | expr ('^' | '**') expr              right associative: a^b^c = a^(b^c)
              | atom
    atom     := number | name | constant | '(' expr ')' | '{' expr '}' | '|' expr '|'
              | quantity | function | derivative | \frac{expr}{expr} | \sqrt[n]{expr}
    quantity := H(D) | H(D, D) | CE(D, D) | KL(D sep D) | D_KL(D sep D) | D(D sep D)
                (LaTeX also \mathrm{H}, D_{\mathrm{KL}}, \operatorname{KL}, ...);  D := P | Q;
                sep := '||' | '‖' | \| | \parallel | ','
    function := log ln log2 exp sqrt abs digamma psi gamma loggamma lgamma beta polygamma diff
                (LaTeX: \log \ln \log_2 \exp \sqrt \psi \digamma \Gamma \ln\Gamma \mathrm{B} ...)

Names: text ``mu_1`` / ``mu_{1}``; LaTeX ``\mu_1``, ``\mu_{1}``, ``\mu_{\mathrm{1}}`` all read
as ``mu_1``; ``\lambda`` also finds a symbol declared as ``lam``. In LaTeX a run of latin letters
that is not a declared name is a product of one-letter names (``ab`` = a*b).
``e``, ``pi``, ``oo`` are constants unless declared as names; ``\pi``, ``\infty``, ``\mathrm{e}``.

Numbers are exact: ``0.5`` is 1/2. A digit run (optionally with a decimal part) followed by ``e``
or ``E`` and an optionally signed digit run is one number in scientific notation: ``5e-1`` = 1/2,
``2.5E3`` = 2500, ``1e400`` = 10**400. An ``e`` not followed that way is Euler's number (or a
declared name) as before: ``2e`` = 2*e, ``e-1`` = e - 1, ``2e^x`` = 2*e**x, ``2e_1`` = 2*e_1.

Claims are read over the real numbers: every subexpression must have a real value. One that
is undefined (``1/0``, ``0/0``, ``log(0)``, ``oo - oo``, ``gamma(0)``) or not real (``sqrt(-1)``,
``log(-2)``, ``log(-sigma)`` for a positive ``sigma``) is a ParseError saying so, never a value to
compare. ``oo`` written as such is +infinity (and ``loggamma`` at a pole is +oo, as in SymPy).

Operator precedence to know about:

* A derivative (text ``d/dmu_2``, LaTeX ``\frac{\partial}{\partial \mu_2}`` or ``\frac{d}{d\mu_2}``)
  and a LaTeX function written without parentheses (``\log x``) apply to the *next factor*, powers
  included: ``\log x^2 - y`` is log(x**2) - y, ``d/dx (a) * b`` is (d/dx a) * b. With parentheses
  the function takes exactly its parenthesised argument: ``\log(x)^2`` is log(x)**2.
* ``\frac{\partial H(P,Q)}{\partial \sigma_2}`` differentiates its numerator.

Limits: at most 4000 characters, 100 nested levels (brackets, fractions, arguments, signs,
exponents), 50 digits per number; numbers that SymPy would have to build with more than a few
thousand bits (``9^9^9``, ``gamma(10^40)``, ``1e5000``) are rejected instead of computed. So is
what would overflow every numeric check: an exponent above 1000 in absolute value on a
non-numeric base (``sigma_1^(10^10)``), exp of a number above 10**4000 (``exp(exp(10^4))``), and
exponentials stacked more than two deep (``exp(exp(exp(x)))``, ``x^(y^(z^w))``).
:func:`check_expression` applies the same rules to an expression built elsewhere.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import NamedTuple

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from .domains import make_name
from .errors import ParseError
from .measures.base import Measure
from .measures.registry import by_alias as find_alias
from .measures.registry import find as find_measure
from .measures.registry import measures as registered_measures
from .symbols import P_NAME, Q_NAME

__all__ = ["ENTROPY", "KL", "P", "Q", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT_VALUE", "MAX_EXP_ARGUMENT", "MAX_TOWER",
           "parse_claim", "parse_expression", "check_expression", "build_problem"]

#: ``H(P)`` is the entropy of P, ``H(P, Q)`` the cross-entropy of Q relative to P.
ENTROPY = sp.Function("H")
#: ``KL(P, Q)`` is the Kullback-Leibler divergence KL(P || Q).
KL = sp.Function("KL")
#: The distribution placeholders.
P, Q = P_NAME, Q_NAME


def measure_call(name: str, args: tuple[sp.Basic, ...]) -> sp.Expr:
    """A registered measure other than H and KL in a claim: an undefined function of that measure's
    name applied to the roles and then the measure's parameters (``renyi_divergence(P, Q, 1/2)``)."""
    return sp.Function(name)(*args)


def called_measure(e: sp.Basic) -> Measure | None:
    """The registered measure ``e`` stands for when it is a :func:`measure_call`, else None."""
    if not isinstance(e, AppliedUndef) or e.func in (ENTROPY, KL):
        return None
    return find_measure(e.func.__name__)


def is_quantity(e: sp.Basic) -> bool:
    """H(P), H(P, Q), KL(P, Q) or a call of another registered measure."""
    return isinstance(e, AppliedUndef) and (e.func in (ENTROPY, KL) or called_measure(e) is not None)


def has_quantity(e: sp.Basic) -> bool:
    return any(is_quantity(a) for a in e.atoms(AppliedUndef))


def _order_value(toks: list[_Tok]) -> sp.Expr | None:
    """The order in ``D_{...}``: 2, 0.5, 1/2, \\frac{1}{2}, \\alpha or a name; None for anything else."""
    kinds = [(t.kind, t.text) for t in toks]
    if len(toks) == 1 and toks[0].kind == "num":
        return sp.Rational(toks[0].text)
    if len(toks) == 3 and kinds[0][0] == "num" and kinds[1] == ("op", "/") and kinds[2][0] == "num":
        return sp.Rational(toks[0].text) / sp.Rational(toks[2].text)
    if (len(toks) == 7 and kinds[0][0] == "cmd" and kinds[0][1] in ("frac", "tfrac", "dfrac")
            and [k for k, _ in kinds[1:]] == ["op", "num", "op", "op", "num", "op"]):
        return sp.Rational(toks[2].text) / sp.Rational(toks[5].text)
    if len(toks) == 1 and toks[0].kind == "cmd" and toks[0].text in _GREEK:
        return sp.Symbol(_GREEK[toks[0].text], positive=True)
    if len(toks) == 1 and toks[0].kind == "word" and _NAME_RE.fullmatch(toks[0].text) \
            and find_alias(f"D_{toks[0].text}") is None and toks[0].text not in ("KL", "B", "J"):
        return sp.Symbol(toks[0].text, positive=True)
    return None

MAX_LENGTH = 4000
MAX_DEPTH = 100
_MAX_DIGITS = 50
_MAX_BITS = 4000  # largest integer (numerator/denominator) the parser lets SymPy build
_MAX_DECIMAL_EXPONENT = 1204  # 10**1204 < 2**4000 < 10**1205
_MAX_ROOT_BITS = 1000  # SymPy factors the base of a fractional power: keep it small
_MAX_EXPONENT = 1000  # largest exponent of an irrational number such as sqrt(2), or of a non-numeric base
_MAX_SPECIAL_ARG = 1000  # gamma(n), digamma(n), ... evaluate exactly: keep n small
#: the largest |y log|x|| in x**y that is evaluated (SymPy makes x**y an exact number of about
#: 1.44 |y log|x|| bits when x and y are rational)
MAX_EXPONENT_VALUE = 10**6
#: the largest |x| in exp(x) that is evaluated (mpmath reduces x modulo log 2 with log2|x| extra bits;
#: exp(exp(100)) is cheap, exp(exp(exp(100))) would need 10**43 bits)
MAX_EXP_ARGUMENT = 10**4000
#: how many exponentials may be stacked: exp(exp(x)) is fine, exp(exp(exp(x))) is refused
MAX_TOWER = 2

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
#: a decimal number, with an optional exponent: 5e-1, 2.5E3, .5e+2 (an 'e' must be followed by an
#: optionally signed digit to belong to the number, so 2e, 2e^x and 2e_1 keep their meaning)
_NUM = r"(?P<num>(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
_NUM_RE = re.compile(r"(?P<mantissa>[0-9.]+)(?:[eE](?P<exponent>[-+]?[0-9]+))?", re.ASCII)
_TEXT_RE = re.compile(
    r"(?P<ws>\s+)|" + _NUM +
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]+))*)"
    r"|(?P<op>\*\*|\|\||[-+*/^(),=|‖−·×])",
    re.ASCII,
)
_LATEX_RE = re.compile(
    r"(?P<ws>\s+)|" + _NUM + r"|(?P<word>[A-Za-z]+)"
    r"|(?P<cmd>\\(?:[A-Za-z]+|[{}|,;:! ]))|(?P<op>\*\*|\|\||[-+*/^(),=|_{}\[\]‖−·×])",
    re.ASCII,
)
_OP_ALIASES = {"−": "-", "·": "*", "×": "*"}
_SKIP = {"left", "right", "middle", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "quad", "qquad",
         "displaystyle", "textstyle", ",", ";", ":", "!", " "}
_CMD_OPS = {"cdot": "*", "times": "*", "|": "‖", "parallel": "‖", "Vert": "‖",
            "lvert": "|", "rvert": "|", "vert": "|", "{": "{", "}": "}"}
_GREEK = {g: g for g in (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split()}
_GREEK.update(varepsilon="epsilon", vartheta="theta", varphi="phi", varrho="rho", varsigma="sigma")
_ALIASES = {"lambda": ("lam",), "epsilon": ("eps",)}
_UPRIGHT = {"mathrm", "operatorname", "text", "textrm", "mathit"}
_COMMANDS = set(_GREEK) | _UPRIGHT | {"frac", "dfrac", "tfrac", "sqrt", "log", "ln", "exp", "digamma",
                                      "partial", "infty"}


def _log2(x: sp.Expr) -> sp.Expr:
    return sp.log(x) / sp.log(2)


#: name -> (allowed argument counts, builder)
_FUNCTIONS: dict[str, tuple[tuple[int, ...], Callable[..., sp.Expr]]] = {
    "log": ((1,), sp.log), "ln": ((1,), sp.log), "log2": ((1,), _log2), "log_2": ((1,), _log2),
    "exp": ((1,), sp.exp), "sqrt": ((1,), sp.sqrt), "abs": ((1,), sp.Abs), "Abs": ((1,), sp.Abs),
    "erf": ((1,), sp.erf),
    "digamma": ((1,), sp.digamma), "psi": ((1,), sp.digamma), "gamma": ((1,), sp.gamma),
    "Gamma": ((1,), sp.gamma), "loggamma": ((1,), sp.loggamma), "lgamma": ((1,), sp.loggamma),
    "beta": ((1, 2), sp.beta), "polygamma": ((2,), sp.polygamma),
    "diff": ((2,), sp.Derivative),
}
_SPECIAL = {"digamma", "psi", "gamma", "Gamma", "loggamma", "lgamma", "beta", "polygamma"}
_QUANTITIES = {"H": "H", "CE": "CE", "KL": "KL", "D_KL": "KL", "D": "KL"}
_CONSTANTS = {"e": sp.E, "E": sp.E, "pi": sp.pi, "oo": sp.oo, "inf": sp.oo, "EulerGamma": sp.EulerGamma,
              "gamma": sp.EulerGamma}  # the Euler-Mascheroni constant, unless gamma is a parameter
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_INFIX = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 30, "**": 30}
_PREFIX_BP = 25  # unary signs, derivative operators and bare LaTeX functions bind tighter than '*'
_IMPLICIT_BP = 20


class _Tok(NamedTuple):
    kind: str  # "num", "word", "cmd" (name without backslash), "op", "end"
    text: str
    pos: int


def _desc(tok: _Tok) -> str:
    if tok.kind == "end":
        return "end of input"
    return f"'\\{tok.text}'" if tok.kind == "cmd" else f"'{tok.text}'"


def _tokenize(text: str, latex: bool, what: str) -> list[_Tok]:
    rx, toks, pos = (_LATEX_RE if latex else _TEXT_RE), [], 0
    while pos < len(text):
        m = rx.match(text, pos)
        if m is None:
            raise ParseError(f"cannot parse {what} at position {pos}: unexpected character {text[pos]!r}")
        kind, s = m.lastgroup, m.group()
        if kind == "cmd":
            name = s[1:]
            if name in _CMD_OPS:
                toks.append(_Tok("op", _CMD_OPS[name], pos))
            elif name in _COMMANDS:
                toks.append(_Tok("cmd", name, pos))
            elif name not in _SKIP:
                raise ParseError(f"cannot parse {what} at position {pos}: unknown LaTeX command '\\{name}'")
        elif kind == "num":
            mantissa = _NUM_RE.fullmatch(s).group("mantissa")  # type: ignore[union-attr]
            if latex and toks and toks[-1][:2] == ("op", "_"):  # a subscript: x_1e2 is x_1 e 2, as before
                s = mantissa
            if len(mantissa) - ("." in mantissa) > _MAX_DIGITS:
                raise ParseError(f"cannot parse {what} at position {pos}: number with more than {_MAX_DIGITS} digits")
            toks.append(_Tok("num", s, pos))
            pos += len(s)
            continue
        elif kind == "word":
            toks.append(_Tok("word", s.replace("{", "").replace("}", ""), pos))
        elif kind == "op":
            toks.append(_Tok("op", _OP_ALIASES.get(s, s), pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


def _bits(r: sp.Rational) -> int:
    return max(abs(int(r.p)), int(r.q)).bit_length()


# -- values the parser refuses to build (shared with check_expression) -----------------------------------
def _short(e: sp.Basic) -> str:
    text = sp.sstr(e)
    if len(text) > 40:
        text = text[:37] + "..."
    compound = isinstance(e, sp.Expr) and (e.is_Add or e.is_Mul or e.is_Pow or (e.is_Rational and not e.is_Integer)
                                           or (e.is_Number and e.is_negative))
    return f"({text})" if compound else text


def _magnitude(c: sp.Expr) -> mpmath.mpf:
    """|c| for a finite constant, to 15 digits (+inf when it cannot be evaluated)."""
    try:
        with mpmath.workdps(15):
            if c.is_Rational:
                return abs(mpmath.mpf(int(c.p)) / int(c.q))
            re, im = (sp.Float(part, 15) for part in sp.N(c, 15).as_real_imag())
            return mpmath.hypot(mpmath.mpf(re._mpf_), mpmath.mpf(im._mpf_))
    except (ArithmeticError, TypeError, ValueError, AttributeError):
        return mpmath.inf


def _exp_problem(arg: sp.Expr) -> str | None:
    """Why exp(arg) must not be built: a power too large in disguise, or a number beyond MAX_EXP_ARGUMENT."""
    for term in sp.Add.make_args(arg):  # SymPy turns exp(c*log(b)) into b**c
        c, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.log):
            problem = _pow_problem(rest.args[0], c)
            if problem:
                return problem
    if arg.is_number and arg.is_finite is not False and _magnitude(arg) > MAX_EXP_ARGUMENT:
        return f"argument of exp too large: |{_short(arg)}| > 1e{len(str(MAX_EXP_ARGUMENT)) - 1}"
    return None


def _pow_problem(base: sp.Expr, exp: sp.Expr) -> str | None:
    """Why base**exp must not be built: SymPy would evaluate it into a huge number (9^9^9,
    sqrt(2)^(10^9), (2x)^(10^9)), or its value would overflow every numeric check (x^(10^10))."""
    if base == sp.E:
        return _exp_problem(exp)
    if isinstance(base, sp.exp):  # SymPy makes exp(a)**b into exp(a*b), and that into x**c when a*b = c log x
        return _exp_problem(base.args[0] * exp)
    if exp.is_Rational:
        magnitude = abs(int(exp.p)) // int(exp.q) + 1
        # sqrt(2)^n or (1 + I)^n may be multiplied out; e^n and pi^n stay symbolic
        too_big = magnitude > _MAX_EXPONENT and base.is_number and not base.is_Rational
        too_big = too_big and base.is_algebraic is not False
        for b in sp.Mul.make_args(base):
            r = b if b.is_Rational else b.base if b.is_Pow and b.base.is_Rational else None
            if r is not None and r not in (0, 1, -1):
                too_big |= magnitude * _bits(r) > _MAX_BITS or (not exp.is_Integer and _bits(r) > _MAX_ROOT_BITS)
        if too_big:
            return "numeric power too large to evaluate exactly"
        if not base.is_number and abs(exp) > _MAX_EXPONENT:
            return f"exponent {_short(exp)} too large (at most {_MAX_EXPONENT} in absolute value)"
        return None
    if not exp.is_number or exp.is_finite is False or (base.is_number and base.is_finite is False):
        return None  # a symbolic exponent: see _tower_problem (and the checks at sample points)
    size = _magnitude(exp)
    if not base.is_number:
        if size > _MAX_EXPONENT:
            return f"exponent {_short(exp)} too large (at most {_MAX_EXPONENT} in absolute value)"
        return None
    log_base = _magnitude(sp.log(sp.Abs(base))) if base != 0 else mpmath.mpf(0)
    if size * max(1, log_base) > MAX_EXP_ARGUMENT:  # x**y with an irrational y: mpmath's exp(y log x)
        return "numeric power too large to evaluate"
    return None


def _tower(e: sp.Basic) -> int:
    """How many exponentials are stacked in ``e``: exp(x), and x**y with an exponent y that is not
    a rational number, each count one level (exp(exp(x)): 2, x**(y**z): 2, x**2: 0)."""
    if not e.args:
        return 0
    if isinstance(e, sp.exp):
        return 1 + _tower(e.args[0])
    if e.is_Pow and not e.exp.is_Rational:
        return max(_tower(e.base), 1 + _tower(e.exp))
    return max(_tower(a) for a in e.args)


def _tower_problem(value: sp.Expr) -> str | None:
    if _tower(value) > MAX_TOWER:
        return (f"exponentials nested more than {MAX_TOWER} deep, such as exp(exp(exp(x))) or x^(y^(z^w)), "
                "are not supported: their values overflow every numeric check")
    return None


#: the functions SymPy evaluates exactly at integers (gamma(n) = (n - 1)!, digamma(n) = H_{n-1} - gamma)
_EXACT_AT_INTEGERS = (sp.gamma, sp.loggamma, sp.polygamma, sp.digamma, sp.beta, sp.factorial, sp.harmonic,
                      sp.binomial, sp.zeta)


def build_problem(func: type, args: tuple[sp.Basic, ...]) -> str | None:
    """Why ``func(*args)`` must not be built (SymPy would evaluate it into a huge number or
    overflow every numeric check), or None. For expressions rebuilt after a substitution, such as
    digamma(10**10 - 1 + d/dx 2) once the derivative is 0.

    >>> build_problem(sp.digamma, (sp.Integer(10**10),))
    'argument of digamma too large (more than 1000)'
    """
    if func is sp.Pow:
        return _pow_problem(*args)
    if func is sp.exp:
        return _exp_problem(args[0])
    if issubclass(func, _EXACT_AT_INTEGERS) and any(a.is_Rational and abs(a) > _MAX_SPECIAL_ARG for a in args):
        return f"argument of {func.__name__} too large (more than {_MAX_SPECIAL_ARG})"
    return None


def _value_problem(value: sp.Basic, desc: Callable[[], str]) -> str | None:
    """Why a value just built is refused: too large a number, undefined (1/0, 0/0, log(0), oo - oo,
    gamma(0)) or not real (sqrt(-1), log(-2), log(-sigma) for a positive sigma)."""
    for term in sp.Add.make_args(value):  # SymPy distributes numbers over sums: look at every term
        c = term.as_coeff_Mul()[0]
        if c.is_Rational and _bits(c) > _MAX_BITS:
            return f"number too large (more than {_MAX_BITS} bits)"
    if value.has(sp.zoo, sp.nan):
        return f"{desc()} is undefined"
    if value.has(sp.I) or (isinstance(value, sp.Expr) and value.is_extended_real is False):
        return f"{desc()} is not a real number"
    return None


class _Parser:
    def __init__(self, toks: list[_Tok], symbols: Mapping[str, sp.Expr] | None, latex: bool, what: str) -> None:
        self.toks, self.symbols, self.latex, self.what = toks, symbols, latex, what
        self.i = self.depth = self.abs_open = 0
        self.match: dict[int, int] = {}  # index of '{' -> index of its '}'
        stack: list[int] = []
        for k, t in enumerate(toks):
            if t.kind == "op" and t.text == "{":
                stack.append(k)
            elif t.kind == "op" and t.text == "}" and stack:
                self.match[stack.pop()] = k

    # -- tokens -------------------------------------------------------------------------
    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.peek()
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "op" and t.text == op

    def expect(self, op: str) -> _Tok:
        if not self.at(op):
            raise self.fail(f"expected '{op}' but found {_desc(self.peek())}")
        return self.take()

    def push_back(self, tok: _Tok, k: int) -> None:
        """Right after taking ``tok``: keep its first ``k`` characters taken, put the rest back."""
        self.i -= 1
        self.toks[self.i] = _Tok(tok.kind, tok.text[k:], tok.pos + k)

    def fail(self, msg: str, tok: _Tok | None = None) -> ParseError:
        tok = self.peek() if tok is None else tok
        return ParseError(f"cannot parse {self.what} at position {tok.pos}: {msg}")

    # -- expressions (Pratt) --------------------------------------------------------------
    def sub(self, rbp: int) -> sp.Expr:
        """A nested expression; the depth counter stops runaway nesting long before Python's stack."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested too deeply (more than {MAX_DEPTH} levels)")
        try:
            return self.expr(rbp)
        finally:
            self.depth -= 1

    def expr(self, rbp: int = 0) -> sp.Expr:
        left = self.nud()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in _INFIX:
                lbp = _INFIX[t.text]
            else:
                lbp = _IMPLICIT_BP if self.implicit(t) else 0
            if lbp <= rbp:
                return left
            left = self.led(left, t)

    def implicit(self, t: _Tok) -> bool:
        starts = t.kind in ("word", "cmd") or (t.kind == "op" and (t.text in ("(", "{") or
                                                                   (t.text == "|" and not self.abs_open)))
        if self.latex:
            return starts and not (t.kind == "cmd" and t.text == "partial")
        return starts and t.kind != "cmd" and self.toks[self.i - 1].kind == "num"

    def led(self, left: sp.Expr, t: _Tok) -> sp.Expr:
        if t.kind == "op" and t.text in _INFIX:
            self.take()
            if t.text in ("^", "**"):
                return self.power(left, self.sub(_INFIX[t.text] - 1), t)
            right = self.sub(_INFIX[t.text])
            return self.checked(_BINARY[t.text](left, right), t, lambda: f"{_short(left)} {t.text} {_short(right)}")
        right = self.sub(_IMPLICIT_BP)
        return self.checked(left * right, t, lambda: f"{_short(left)}*{_short(right)}")

    def nud(self) -> sp.Expr:
        t = self.take()
        if t.kind == "num":
            return self.number(t)
        if t.kind == "word":
            return self.latex_word(t) if self.latex else self.text_word(t)
        if t.kind == "cmd":
            return self.command(t)
        if t.kind == "op" and t.text in ("-", "+"):
            arg = self.sub(_PREFIX_BP)
            return -arg if t.text == "-" else arg
        if t.kind == "op" and t.text in ("(", "{"):
            return self.group(")" if t.text == "(" else "}")[0]
        if t.kind == "op" and t.text == "|":
            self.abs_open += 1
            e = self.sub(0)
            if self.at("||"):  # |x||y|: the first bar closes
                self.push_back(self.take(), 1)
            else:
                self.expect("|")
            self.abs_open -= 1
            return sp.Abs(e)
        raise self.fail(f"unexpected {_desc(t)}", t)

    def group(self, close: str, many: bool = False) -> list[sp.Expr]:
        """Expressions up to ``close``, comma-separated if ``many``; a '|' inside opens a new |...|."""
        saved, self.abs_open = self.abs_open, 0
        items = [self.sub(0)]
        while many and self.at(","):
            self.take()
            items.append(self.sub(0))
        self.expect(close)
        self.abs_open = saved
        return items

    # -- numbers that must not explode ----------------------------------------------------
    def number(self, t: _Tok) -> sp.Rational:
        """A number token as an exact rational: 0.5 = 1/2, 5e-1 = 1/2, 1e400 = 10**400."""
        m = _NUM_RE.fullmatch(t.text)
        if m is None:  # pragma: no cover - the tokenizer only makes number tokens that match
            raise self.fail(f"unexpected {_desc(t)}", t)
        value = Fraction(m.group("mantissa"))
        if m.group("exponent") is not None:
            n = int(m.group("exponent"))
            if abs(n) > _MAX_BITS:
                raise self.fail(f"number {t.text} out of range (exact numbers have at most {_MAX_BITS} bits, "
                                f"about 1e-{_MAX_DECIMAL_EXPONENT} to 1e{_MAX_DECIMAL_EXPONENT})", t)
            value *= Fraction(10) ** n
        r = sp.Rational(value.numerator, value.denominator)
        if _bits(r) > _MAX_BITS:
            raise self.fail(f"number {t.text} out of range (exact numbers have at most {_MAX_BITS} bits, "
                            f"about 1e-{_MAX_DECIMAL_EXPONENT} to 1e{_MAX_DECIMAL_EXPONENT})", t)
        return r

    def checked(self, value: sp.Expr, t: _Tok, desc: Callable[[], str] | None = None) -> sp.Expr:
        """``value`` just built at token ``t``, if it is a real number of sane size (``desc``: what was built)."""
        problem = _value_problem(value, desc or (lambda: "this expression"))
        if problem:
            raise self.fail(problem, t)
        return value

    def power(self, base: sp.Expr, exp: sp.Expr, t: _Tok) -> sp.Expr:
        problem = _pow_problem(base, exp)
        if problem:
            raise self.fail(problem, t)
        value = self.checked(sp.Pow(base, exp), t, lambda: f"{_short(base)}^{_short(exp)}")
        problem = _tower_problem(value)
        if problem:
            raise self.fail(problem, t)
        return value

    # -- names ------------------------------------------------------------------------------
    def lookup(self, name: str) -> sp.Expr | None:
        if self.symbols is None:
            return None
        if name in self.symbols:
            return self.symbols[name]
        base, sep, rest = name.partition("_")
        for alt in _ALIASES.get(base, ()):
            if alt + sep + rest in self.symbols:
                return self.symbols[alt + sep + rest]
        return None

    def declared(self, name: str) -> bool:
        return self.lookup(name) is not None

    def ident(self, name: str, t: _Tok) -> sp.Expr:
        if self.symbols is None:
            if not _NAME_RE.fullmatch(name) or "__" in name:
                raise self.fail(f"invalid name {name!r}", t)
            try:
                return sp.Symbol(make_name(name))
            except ParseError:
                raise self.fail(f"invalid name {name!r}", t) from None
        value = self.lookup(name)
        if value is None:
            raise self.unknown(name, t)
        return value

    def unknown(self, name: str, t: _Tok) -> ParseError:
        allowed = ", ".join(sorted(self.symbols or ())) or "(none)"
        return self.fail(f"unknown identifier '{name}'; allowed: {allowed}", t)

    def text_word(self, t: _Tok) -> sp.Expr:
        name = t.text
        squared = self.hellinger_squared(name, t)
        if squared is not None:
            return squared
        if self.at("("):
            if name in _QUANTITIES:
                return self.quantity(name, t)
            found = self.measure_word(name)
            if found is not None:
                return self.general_measure(found[0], found[1], t)
            if name in _FUNCTIONS:
                return self.function(name, t)
            hint = f" (write '{name}*(...)' for a product)" if self.declared(name) else ""
            raise self.fail(f"unknown function '{name}'{hint}", t)
        if name == "d" and self.at("/"):
            d = self.text_derivative(t)
            if d is not None:
                return d
        if name in _CONSTANTS and not self.declared(name):
            return _CONSTANTS[name]
        if name in _FUNCTIONS and not self.declared(name) and not (self.symbols is None and name in _GREEK):
            raise self.fail(f"function '{name}' needs its argument in parentheses, e.g. {name}(x)", t)
        return self.ident(name, t)

    def latex_word(self, t: _Tok) -> sp.Expr:
        w, save = t.text, self.i
        squared = self.hellinger_squared(w, t)
        if squared is not None:
            return squared
        if w == "D" and self.at("_"):
            order = self.latex_order()
            if order is not None:
                return self.general_measure(self.ordered_measure(t), [order], t)
        sub = self.subscript()
        full = w if sub is None else f"{w}_{sub}"
        if self.at("(") and full in _QUANTITIES:
            return self.quantity(full, t)
        aliased = find_alias(full) if self.at("(") else None
        if aliased is not None:
            return self.general_measure(aliased, None, t)
        if w in ("log", "ln"):
            return self.log(t, sub)
        if sub is None and w in _FUNCTIONS and (self.at("(") or w not in _GREEK):
            return self.function(w, t)
        if sub is None and w in _CONSTANTS and not self.declared(w):
            return _CONSTANTS[w]
        if len(w) == 1 or self.declared(full) or (self.symbols is None and w in _GREEK):
            return self.ident(full, t)
        if self.at("("):
            raise self.fail(f"unknown function '{full}'", t)
        letters = [*w[:-1], w[-1] if sub is None else f"{w[-1]}_{sub}"]
        if self.symbols is not None and not all(self.declared(c) or c in _CONSTANTS for c in letters):
            raise self.unknown(full, t)
        self.i = save  # a run of letters is a product of one-letter names
        self.push_back(t, 1)
        return self.latex_word(_Tok("word", w[0], t.pos))

    def subscript(self) -> str | None:
        if not (self.latex and self.at("_")):
            return None
        self.take()
        braced, parts = self.at("{"), list[str]()
        if braced:
            self.take()
        while not parts or (braced and not self.at("}")):
            t = self.take()
            if t.kind in ("word", "num") and "." not in t.text:
                parts.append(t.text)
            elif t.kind == "cmd" and t.text in _UPRIGHT:
                parts.append(self.upright_text())
            else:
                raise self.fail(f"unexpected {_desc(t)} in a subscript", t)
        if braced:
            self.take()
        return "".join(parts)

    def upright_text(self) -> str:
        self.expect("{")
        parts = []
        while self.peek().kind in ("word", "num") and "." not in self.peek().text:
            parts.append(self.take().text)
        self.expect("}")
        if not parts:
            raise self.fail("empty \\mathrm{}")
        return "".join(parts)

    # -- LaTeX commands -----------------------------------------------------------------------
    def command(self, t: _Tok) -> sp.Expr:
        c = t.text
        if c in ("frac", "dfrac", "tfrac"):
            d = self.derivative_frac(t)
            if d is not None:
                return d
            num, den = self.arg(), self.arg()
            return self.checked(num / den, t, lambda: f"{_short(num)} / {_short(den)}")
        if c == "sqrt":
            n = None
            if self.at("["):
                self.take()
                n = self.group("]")[0]
                if n == 0:
                    raise self.fail("a root of order 0 is undefined", t)
            x = self.arg()
            return self.power(x, sp.Rational(1, 2) if n is None else 1 / n, t)
        if c in ("log", "ln"):
            return self.log(t, self.subscript())
        if c in ("exp", "digamma"):
            return self.function(c, t)
        if c == "infty":
            return sp.oo
        if c in _UPRIGHT:
            name = self.upright_text()
            sub = self.subscript()
            full = name if sub is None else f"{name}_{sub}"
            if self.at("(") and full in _QUANTITIES:
                return self.quantity(full, t)
            aliased = find_alias(full) if self.at("(") else None
            if aliased is not None:
                return self.general_measure(aliased, None, t)
            if full in _FUNCTIONS or full == "B":
                return self.function("beta" if full == "B" else full, t)
            return sp.E if full == "e" and not self.declared("e") else self.ident(full, t)
        if c in _GREEK:
            sub = self.subscript()
            if sub is None and c in ("Gamma", "psi") and self.at("("):
                return self.function(c, t)
            if c == "pi" and sub is None and not self.declared("pi"):
                return sp.pi
            if c == "gamma" and sub is None and not self.declared("gamma"):
                return sp.EulerGamma  # the Euler-Mascheroni constant, as SymPy prints it
            return self.ident(_GREEK[c] if sub is None else f"{_GREEK[c]}_{sub}", t)
        raise self.fail(f"unexpected {_desc(t)}", t)

    def arg(self) -> sp.Expr:
        """A \\frac or \\sqrt argument: a {group} or a single digit, letter or symbol."""
        if self.at("{"):
            self.take()
            return self.group("}")[0]
        t = self.peek()
        if t.kind == "num" and "e" in t.text.lower():
            raise self.fail(f"a number with an exponent must be in braces here: {{{t.text}}}", t)
        if t.kind in ("num", "word") and len(t.text) > 1 and "." not in t.text:
            self.take()
            self.push_back(t, 1)
            return sp.Integer(int(t.text[0])) if t.kind == "num" else self.latex_word(_Tok("word", t.text[0], t.pos))
        return self.sub(_INFIX["^"] + 5)

    def log(self, t: _Tok, sub: str | None) -> sp.Expr:
        nt = self.peek()
        if sub is None and nt.kind == "cmd" and nt.text == "Gamma":
            self.take()
            return self.function("loggamma", nt)
        value = self.function("log", t)
        if sub is None or sub == "e":
            return value
        if not sub.isdigit() or int(sub) < 2:
            raise self.fail(f"unsupported logarithm base '{sub}'", t)
        return value / sp.log(int(sub))

    def function(self, name: str, t: _Tok) -> sp.Expr:
        arity, build = _FUNCTIONS[name]
        if self.at("("):
            self.take()
            args = self.group(")", many=True)
        elif self.latex and 1 in arity:
            args = [self.sub(_PREFIX_BP)]  # \log x: the next factor
        else:
            raise self.fail(f"function '{name}' needs its arguments in parentheses", t)
        if len(args) not in arity:
            raise self.fail(f"{name} takes {' or '.join(map(str, arity))} argument(s), got {len(args)}", t)
        if name == "diff":
            return self.derivative(args[0], args[1], t)
        if name in _SPECIAL and any(a.is_Rational and abs(a) > _MAX_SPECIAL_ARG for a in args):
            raise self.fail(f"argument of {name} too large (more than {_MAX_SPECIAL_ARG})", t)
        problem = (_exp_problem(args[0]) if name == "exp" else
                   _pow_problem(args[0], sp.Rational(1, 2)) if name == "sqrt" else None)
        if problem:
            raise self.fail(problem, t)
        value = self.checked(build(*args), t, lambda: f"{name}({', '.join(sp.sstr(a) for a in args)[:60]})")
        problem = _tower_problem(value) if name == "exp" else None
        if problem:
            raise self.fail(problem, t)
        return value

    # -- quantities and derivatives ---------------------------------------------------------
    def quantity(self, name: str, t: _Tok) -> sp.Expr:
        kind = _QUANTITIES[name]
        self.expect("(")
        first = self.distribution(name)
        if kind == "H" and self.at(")"):
            self.take()
            return ENTROPY(first)
        seps = (",", "‖", "||") if kind == "KL" else (",",)
        if not any(self.at(s) for s in seps):
            want = "'||' or ','" if kind == "KL" else "','" if kind == "CE" else "',' or ')'"
            raise self.fail(f"expected {want} in {name}(...) but found {_desc(self.peek())}")
        self.take()
        second = self.distribution(name)
        self.expect(")")
        return KL(first, second) if kind == "KL" else ENTROPY(first, second)

    def measure_word(self, name: str) -> tuple[Measure, list[sp.Expr] | None] | None:
        """The measure a text word names: an alias (``BC``, ``Renyi``), or an alias with its order in
        place of the parameter (``D_2``, ``D_alpha`` for ``D_alpha``)."""
        found = find_alias(name)
        if found is not None:
            return found, None
        for m in registered_measures():
            for alias in m.aliases:
                if len(m.parameters) != 1 or not alias.endswith("_" + m.parameters[0]):
                    continue
                prefix = alias[: -len(m.parameters[0])]
                rest = name[len(prefix):]
                if name.startswith(prefix) and rest:
                    if rest.isdigit():
                        return m, [sp.Integer(int(rest))]
                    if _NAME_RE.fullmatch(rest):
                        return m, [sp.Symbol(rest, positive=True)]
        return None

    def ordered_measure(self, t: _Tok) -> Measure:
        """The measure written D_order (Renyi's)."""
        for m in registered_measures():
            if any(a.startswith("D_") and len(m.parameters) == 1 and a == f"D_{m.parameters[0]}" for a in m.aliases):
                return m
        raise self.fail("no measure is written D_order", t)

    def latex_order(self) -> sp.Expr | None:
        """After D: ``_{1/2}``, ``_2``, ``_{\\alpha}`` followed by '(' as the order of a divergence; None
        (nothing taken) for any other subscript, such as ``_{\\mathrm{KL}}``."""
        save = self.i
        self.take()  # "_"
        toks: list[_Tok] = []
        if self.at("{"):
            self.take()
            depth = 1
            while True:
                tok = self.take()
                if tok.kind == "end":
                    self.i = save
                    return None
                if tok.kind == "op" and tok.text == "{":
                    depth += 1
                elif tok.kind == "op" and tok.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                toks.append(tok)
        else:
            toks.append(self.take())
        value = _order_value(toks)
        if value is None or not self.at("("):
            self.i = save
            return None
        return value

    def hellinger_squared(self, name: str, t: _Tok) -> sp.Expr | None:
        """``H^2(P, Q)`` (and ``H^{2}(P, Q)``): the squared Hellinger distance."""
        if name != "H" or not self.at("^"):
            return None
        k = 1
        braced = self.at("{", 1)
        if braced:
            k = 2
        two = self.peek(k)
        after = k + (2 if braced else 1)
        if not (two.kind == "num" and two.text == "2" and (not braced or self.at("}", k + 1)) and self.at("(", after)):
            return None
        for _ in range(after):
            self.take()
        hellinger = find_alias("Hellinger")
        if hellinger is None:
            raise self.fail("the Hellinger distance is not registered", t)
        return self.general_measure(hellinger, None, t) ** 2

    def general_measure(self, m: Measure, params: list[sp.Expr] | None, t: _Tok) -> sp.Expr:
        """``NAME(P sep Q)`` (or ``NAME(P)``), with the measure's parameters given (``D_2``) or read after
        a comma (``Renyi(P || Q, 1/2)``)."""
        self.expect("(")
        roles = [self.distribution(m.title)]
        if m.arity == 2:
            if not any(self.at(sep) for sep in (",", "\u2016", "||")):
                raise self.fail(f"expected '||' or ',' in {m.title}(...) but found {_desc(self.peek())}")
            self.take()
            roles.append(self.distribution(m.title))
        values = list(params or [])
        if params is None:
            for name in m.parameters:
                if not self.at(","):
                    raise self.fail(f"{m.title} needs its {name}: write e.g. {m.aliases[0]}(P || Q, 1/2)")
                self.take()
                nxt = self.peek()
                if nxt.kind == "word" and not self.declared(nxt.text) and _NAME_RE.fullmatch(nxt.text):
                    self.take()
                    values.append(sp.Symbol(nxt.text, positive=True))
                else:
                    values.append(self.sub(0))
        self.expect(")")
        return measure_call(m.name, (*roles, *values))

    def distribution(self, name: str) -> sp.Symbol:
        t = self.take()
        if t.kind == "word" and t.text in ("P", "Q"):
            return P if t.text == "P" else Q
        raise self.fail(f"inside {name}(...) only the distributions P and Q are allowed, found {_desc(t)}", t)

    def derivative(self, inner: sp.Expr, var: sp.Expr, t: _Tok) -> sp.Expr:
        if not isinstance(var, sp.Symbol):
            raise self.fail("can only differentiate with respect to a parameter name", t)
        return sp.Derivative(inner, var, evaluate=False)

    def text_derivative(self, t: _Tok) -> sp.Expr | None:
        """``d/dmu_2 <factor>`` or ``d/d mu_2 <factor>``; None when ``d / ...`` is a division."""
        nxt = self.peek(1)
        if nxt.kind != "word" or not nxt.text.startswith("d"):
            return None
        if nxt.text == "d" and self.peek(2).kind == "word":
            var, skip = self.peek(2), 3
        elif _NAME_RE.fullmatch(nxt.text[1:]):
            var, skip = _Tok("word", nxt.text[1:], nxt.pos + 1), 2
        else:
            return None
        self.i += skip
        symbol = self.ident(var.text, var)
        return self.derivative(self.sub(_PREFIX_BP), symbol, t)

    def marker(self, k: int) -> tuple[str, int, str] | None:
        """A differential at token k: (kind, tokens used, rest of the word), e.g. 'dx' -> ('d', 1, 'x')."""
        toks = self.toks
        t = toks[k] if k < len(toks) else toks[-1]
        if t.kind == "cmd" and t.text == "partial":
            return ("partial", 1, "")
        if t.kind == "word" and t.text.startswith("d"):
            return ("d", 1, t.text[1:])
        if (t.kind == "cmd" and t.text in _UPRIGHT and k + 3 < len(toks) and toks[k + 2][:2] == ("word", "d")
                and toks[k + 1][:2] == ("op", "{") and toks[k + 3][:2] == ("op", "}")):
            return ("d", 4, "")
        return None

    def skip_marker(self, m: tuple[str, int, str]) -> None:
        self.i += m[1]
        if m[2]:
            self.push_back(self.toks[self.i - 1], 1)

    def derivative_frac(self, t: _Tok) -> sp.Expr | None:
        """``\\frac{\\partial}{\\partial x} f``, ``\\frac{\\partial f}{\\partial x}``, ``\\frac{d}{dx} f``."""
        j = self.match.get(self.i) if self.at("{") else None
        if j is None or not self.at("{", j + 1 - self.i):
            return None
        top, bottom = self.marker(self.i + 1), self.marker(j + 2)
        if top is None or bottom is None or top[0] != bottom[0]:
            return None
        self.take()
        self.skip_marker(top)
        inner = None if self.at("}") else self.sub(0)
        self.expect("}")
        self.expect("{")
        self.skip_marker(bottom)
        v = self.take()
        if v.kind == "word" or (v.kind == "cmd" and v.text in _GREEK):
            name = v.text if v.kind == "word" else _GREEK[v.text]
        elif v.kind == "cmd" and v.text in _UPRIGHT:
            name = self.upright_text()
        else:
            raise self.fail(f"expected a parameter name after the differential, found {_desc(v)}", v)
        sub = self.subscript()
        var = self.ident(name if sub is None else f"{name}_{sub}", v)
        self.expect("}")
        return self.derivative(self.sub(_PREFIX_BP) if inner is None else inner, var, t)


def check_expression(expr: sp.Basic, what: str = "claim") -> None:
    """Apply the parser's value rules to an expression built elsewhere (a claim given as a
    ``sympy.Eq``): raise :class:`ParseError` when it is undefined, not real, holds a number
    beyond the size limits, or stacks exponentials more than ``MAX_TOWER`` deep.

    >>> x = sp.Symbol("x", positive=True)
    >>> check_expression(sp.exp(x) + 1)
    >>> check_expression(sp.log(-x))
    Traceback (most recent call last):
    symdiv.errors.ParseError: the claim is invalid: log(-x) is not a real number
    """
    def fail(problem: str) -> ParseError:
        return ParseError(f"the {what} is invalid: {problem}")

    try:
        for node in sp.postorder_traversal(expr):
            if not isinstance(node, sp.Expr) or isinstance(node, sp.MatrixExpr):
                continue
            if node in (sp.zoo, sp.nan):
                raise fail(f"it contains {node} (an undefined value)")
            if node.is_Pow:
                problem = _pow_problem(node.base, node.exp)
            elif isinstance(node, sp.exp):
                problem = _exp_problem(node.args[0])
            else:
                problem = None
            if problem is None and node.is_Rational and _bits(node) > _MAX_BITS:
                problem = f"number too large (more than {_MAX_BITS} bits)"
            if problem is None and (node == sp.I or node.is_extended_real is False):
                problem = f"{_short(node)} is not a real number"
            if problem:
                raise fail(problem)
        problem = _tower_problem(expr) if isinstance(expr, sp.Expr) else None
    except RecursionError:
        raise fail("nested too deeply") from None
    if problem:
        raise fail(problem)


def _parse(text: str, symbols: Mapping[str, sp.Expr] | None, syntax: str, what: str) -> sp.Basic:
    if not isinstance(text, str):
        raise ParseError(f"the {what} must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the {what} is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    if syntax not in ("auto", "text", "latex"):
        raise ParseError(f"unknown syntax {syntax!r}; use 'text', 'latex' or 'auto'")
    latex = syntax == "latex" or (syntax == "auto" and ("\\" in text or "{" in text))
    toks = _tokenize(text, latex, what)
    equals = [t for t in toks if t.kind == "op" and t.text == "="]
    if what == "claim" and len(equals) != 1:
        raise ParseError(f"cannot parse claim: a claim needs exactly one '=' (found {len(equals)})")
    parser = _Parser(toks, symbols, latex, what)
    try:
        result = parser.expr()
        if what == "claim":
            parser.expect("=")
            result = sp.Eq(result, parser.expr(), evaluate=False)
        if parser.peek().kind != "end":
            raise parser.fail(f"unexpected {_desc(parser.peek())}")
        return result
    except ParseError:
        raise
    except RecursionError:  # a backstop only: the depth counter fires long before
        raise ParseError(f"cannot parse {what}: nested too deeply") from None
    except (ArithmeticError, TypeError, ValueError, AttributeError, NotImplementedError) as exc:
        raise ParseError(f"cannot parse {what}: SymPy could not build it ({type(exc).__name__})") from None


def parse_claim(text: str, symbols: Mapping[str, sp.Symbol] | None = None, syntax: str = "auto") -> sp.Eq:
    r"""Parse a claim ``lhs = rhs`` (text or LaTeX) into an unevaluated ``sympy.Eq``.

    ``symbols`` maps the allowed parameter names to the symbols to use (they carry the
    assumptions); without it every well-formed name becomes a plain ``sympy.Symbol``.

    >>> parse_claim("KL(P||Q) = log(sigma_2/sigma_1) - 1/2")
    Eq(KL(P, Q), log(sigma_2/sigma_1) - 1/2)
    >>> parse_claim(r"H(Q, P) = D_{\mathrm{KL}}(Q \| P) + \mathrm{H}(Q)")
    Eq(H(Q, P), H(Q) + KL(Q, P))
    >>> parse_claim(r"\frac{\partial}{\partial \mu_2} D_{KL}(P\|Q) = \frac{\mu_2 - \mu_1}{\sigma_2^2}")
    Eq(Derivative(KL(P, Q), mu_2), (-mu_1 + mu_2)/sigma_2**2)
    >>> parse_claim("H(P) = x.y")
    Traceback (most recent call last):
    symdiv.errors.ParseError: cannot parse claim at position 8: unexpected character '.'
    """
    return _parse(text, symbols, syntax, "claim")  # type: ignore[return-value]


def parse_expression(text: str, symbols: Mapping[str, sp.Symbol] | None = None, syntax: str = "auto") -> sp.Expr:
    r"""Parse one expression (no ``=``), in the grammar of :func:`parse_claim`.

    >>> parse_expression(r"\frac{1}{2}\log(2\pi \mathrm{e} \sigma^2)")
    log(2*E*pi*sigma**2)/2
    >>> mu = sp.Symbol("mu", real=True)
    >>> parse_expression("2 mu^2 + 0.5", {"mu": mu}).free_symbols == {mu}
    True
    >>> parse_expression("nu + 1", {"mu": mu})
    Traceback (most recent call last):
    symdiv.errors.ParseError: cannot parse expression at position 0: unknown identifier 'nu'; allowed: mu
    """
    return _parse(text, symbols, syntax, "expression")  # type: ignore[return-value]


_COMPARISONS = (("<=", sp.Le), (">=", sp.Ge), ("\\leq", sp.Le), ("\\geq", sp.Ge), ("\\le", sp.Le),
                ("\\ge", sp.Ge), ("\u2264", sp.Le), ("\u2265", sp.Ge), ("<", sp.Lt), (">", sp.Gt))
_JOINERS = (",", ";", " and ", "\\land", "\\wedge", "\\text{and}", "\\text{ and }")


def _split_top(text: str, seps: tuple[str, ...]) -> list[tuple[str, str]]:
    """``text`` cut at each separator outside brackets: [(piece, separator after it), ...]."""
    out: list[tuple[str, str]] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            sep = next((t for t in seps if text.startswith(t, i)
                        and not (t[0] == "\\" and text[i + len(t):i + len(t) + 1].isalpha())), None)
            if sep is not None:
                out.append((text[start:i], sep))
                i += len(sep)
                start = i
                continue
        i += 1
    out.append((text[start:], ""))
    return out


def parse_conditions(text: str, symbols: Mapping[str, sp.Symbol] | None = None,
                     syntax: str = "auto") -> tuple[sp.Basic, ...]:
    r"""Parse conditions such as ``alpha_1 > 1, m_2 <= m_1`` (also ``and``, chains ``0 < a < 1``,
    LaTeX ``\leq``/``\geq``) into SymPy relations, each side in the grammar of :func:`parse_claim`.

    >>> parse_conditions("alpha_1 > 1 and 0 < m_2 <= m_1")
    (alpha_1 > 1, 0 < m_2, m_2 <= m_1)
    >>> parse_conditions("alpha_1")
    Traceback (most recent call last):
    symdiv.errors.ParseError: cannot parse condition 'alpha_1': expected a comparison (<, <=, >, >=)
    """
    if not isinstance(text, str):
        raise ParseError(f"conditions must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the conditions are too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    out: list[sp.Basic] = []
    ops = dict(_COMPARISONS)
    for piece, _ in _split_top(text, _JOINERS):
        if not piece.strip():
            raise ParseError(f"cannot parse conditions {text!r}: an empty condition")
        parts = _split_top(piece, tuple(ops))
        if len(parts) < 2:
            raise ParseError(f"cannot parse condition {piece.strip()!r}: expected a comparison (<, <=, >, >=)")
        sides = [_parse(part, symbols, syntax, "expression") for part, _ in parts]
        for (_, op), lhs, rhs in zip(parts, sides, sides[1:]):
            rel = ops[op](lhs, rhs)
            if rel is sp.false:
                raise ParseError(f"the condition {piece.strip()!r} is false")
            if rel is not sp.true:
                out.append(rel)
    return tuple(out)
