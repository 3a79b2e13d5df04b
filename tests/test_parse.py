r"""symdiv.parse: the safe claim parser.

Tables of (text, LaTeX, expected) claims, the precedence rules, every rejection with its
message, the safety limits (nothing runs, no RecursionError, no huge numbers), and two
hypothesis properties: printed random expressions parse back to themselves, and random
input raises nothing but ParseError.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symdiv.errors import ParseError, SymdivError
from symdiv.parse import ENTROPY, KL, MAX_DEPTH, MAX_LENGTH, P, Q, check_expression, parse_claim, parse_expression

mu_1, mu_2, x = sp.symbols("mu_1 mu_2 x", real=True)
sigma_1, sigma_2, alpha, beta, lam, p = sp.symbols("sigma_1 sigma_2 alpha beta lam p", positive=True)
SYMS = {str(s): s for s in (mu_1, mu_2, x, sigma_1, sigma_2, alpha, beta, lam, p)}

GAUSS_KL = sp.log(sigma_2 / sigma_1) + (sigma_1**2 + (mu_1 - mu_2) ** 2) / (2 * sigma_2**2) - sp.Rational(1, 2)
DKL, H = sp.Derivative, ENTROPY

# (text claim, LaTeX claim, expected lhs, expected rhs)
CLAIMS = [
    ("KL(P||Q) = log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)/(2*sigma_2^2) - 1/2",
     r"D_{\mathrm{KL}}(P \| Q) = \log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2}"
     r" - \frac{1}{2}", KL(P, Q), GAUSS_KL),
    ("H(P) = log(sigma_1) + log(2*pi*e)/2", r"\mathrm{H}(P) = \log \sigma_1 + \frac{1}{2}\log(2\pi\mathrm{e})",
     H(P), sp.log(sigma_1) + sp.log(2 * sp.pi * sp.E) / 2),
    ("H(P, Q) = CE(P,Q)", r"H\left(P, Q\right) = H(P,Q)", H(P, Q), H(P, Q)),
    ("H(Q,P) = KL(P||Q) + H(P)", r"H(Q, P) = D_{KL}(P\parallel Q) + \mathrm{H}(P)", H(Q, P), KL(P, Q) + H(P)),
    ("KL(Q‖P) = D_KL(Q||P)", r"\mathrm{KL}(Q\|P) = D_\mathrm{KL}(Q\|P)", KL(Q, P), KL(Q, P)),
    ("D(P||Q) = KL(P,Q)", r"KL(P \| Q) = \operatorname{KL}(P\|Q)", KL(P, Q), KL(P, Q)),
    ("H(P,Q) = H(P) + KL(P || Q)", r"H(P,Q) = H(P) + D(P \Vert Q)", H(P, Q), H(P) + KL(P, Q)),
    ("d/dmu_2 KL(P||Q) = (mu_2 - mu_1)/sigma_2^2",
     r"\frac{\partial}{\partial \mu_2} D_{KL}(P\|Q) = \frac{\mu_2-\mu_1}{\sigma_2^2}",
     DKL(KL(P, Q), mu_2), (mu_2 - mu_1) / sigma_2**2),
    ("d/dsigma_2 H(P,Q) = 1/sigma_2", r"\frac{\partial H(P,Q)}{\partial \sigma_2} = \frac{1}{\sigma_2}",
     DKL(H(P, Q), sigma_2), 1 / sigma_2),
    ("diff(KL(P||Q), mu_2) = 0", r"\frac{d}{d\mu_2}\left( D_{KL}(P\|Q) \right) = 0", DKL(KL(P, Q), mu_2), 0),
    ("d/d mu_2 (mu_2^2) = 2 mu_2", r"\frac{\partial}{\partial \mu_{2}}\left( \mu_2^2 \right) = 2\mu_2",
     DKL(mu_2**2, mu_2), 2 * mu_2),
    ("H(P) = digamma(alpha) + loggamma(alpha) - log(beta) + lgamma(2)",
     r"H(P) = \psi(\alpha) + \ln\Gamma(\alpha) - \log\beta + \log\Gamma(2)",
     H(P), sp.digamma(alpha) + sp.loggamma(alpha) - sp.log(beta)),
    ("KL(P||Q) = beta(alpha, beta) + polygamma(1, alpha) + gamma(alpha) + psi(beta)",
     r"KL(P\|Q) = \operatorname{B}(\alpha, \beta) + \mathrm{polygamma}(1, \alpha) + \Gamma(\alpha) + \digamma(\beta)",
     KL(P, Q), sp.beta(alpha, beta) + sp.polygamma(1, alpha) + sp.gamma(alpha) + sp.digamma(beta)),
    ("H(P) = abs(mu_1 - mu_2) + log2(p) + sqrt(2*pi) + x^(1/3)",
     r"H(P) = \lvert \mu_1 - \mu_2 \rvert + \log_2 p + \sqrt{2\pi} + \sqrt[3]{x}",
     H(P), sp.Abs(mu_1 - mu_2) + sp.log(p) / sp.log(2) + sp.sqrt(2 * sp.pi) + sp.cbrt(x)),
    ("H(P) = exp(-x**2/2) + e^x + ln(lam)", r"H(P) = \exp\left(-\frac{x^2}{2}\right) + \mathrm{e}^{x} + \ln \lambda",
     H(P), sp.exp(-(x**2) / 2) + sp.exp(x) + sp.log(lam)),
    ("H(P) = 0.5*x + 2.25 - 3 p", r"H(P) = \frac12 x + \tfrac{9}{4} - 3\cdot p",
     H(P), x / 2 + sp.Rational(9, 4) - 3 * p),
    ("KL(P||Q) = oo", r"D_{KL}(P\|Q) = \infty", KL(P, Q), sp.oo),
    ("H(P) = 2(mu_1 + mu_2) * |x|", r"H(P) = 2\{\mu_1 + \mu_2\} \times |x|", H(P), 2 * (mu_1 + mu_2) * sp.Abs(x)),
]


@pytest.mark.parametrize(("text", "latex", "lhs", "rhs"), CLAIMS, ids=[c[0][:40] for c in CLAIMS])
def test_claim_table(text: str, latex: str, lhs: sp.Expr, rhs: sp.Expr) -> None:
    expected = sp.Eq(lhs, rhs, evaluate=False)
    for claim, syntax in ((text, "text"), (latex, "latex"), (text, "auto"), (latex, "auto")):
        got = parse_claim(claim, SYMS, syntax=syntax)
        assert isinstance(got, sp.Eq)
        assert got == expected, (claim, got)


def test_gaussian_kl_both_ways_agree() -> None:
    text, latex = CLAIMS[0][:2]
    a, b = parse_claim(text, SYMS), parse_claim(latex, SYMS)
    assert sp.simplify(a.rhs - b.rhs) == 0 and a.lhs == b.lhs == KL(P, Q)


def test_roles_are_kept_as_written() -> None:
    claim = parse_claim("H(Q,P) = KL(P||Q) + H(P)")
    assert claim.lhs == ENTROPY(Q, P) and claim.lhs != ENTROPY(P, Q)
    assert parse_expression(r"D_{KL}(Q\|P)") == KL(Q, P)


def test_derivative_stays_unevaluated() -> None:
    d = parse_expression("d/dmu_2 KL(P||Q)", SYMS)
    assert isinstance(d, sp.Derivative) and d.variables == (mu_2,) and d.expr == KL(P, Q)


@pytest.mark.parametrize(
    ("text", "syntax"),
    [("mu_1", "text"), ("mu_{1}", "text"), ("mu_{1}", "auto"), (r"\mu_1", "auto"), (r"\mu_{1}", "auto"),
     (r"\mu_{\mathrm{1}}", "auto"), ("mu_1", "latex"), (r"\mu_{\text{1}}", "latex")],
)
def test_name_spellings(text: str, syntax: str) -> None:
    assert parse_expression(text, SYMS, syntax=syntax) is mu_1
    assert parse_expression(text, syntax=syntax) == sp.Symbol("mu_1")


def test_symbols_carry_assumptions_and_aliases() -> None:
    assert parse_expression(r"\sigma_{2}", SYMS).is_positive
    assert parse_expression(r"\lambda", SYMS) is lam  # \lambda finds the declared 'lam'
    assert parse_expression(r"\lambda") == sp.Symbol("lambda")
    assert parse_expression("e", {"e": x}) is x  # a declared 'e' is not Euler's number
    assert parse_expression("e") == sp.E and parse_expression(r"\pi") == sp.pi


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-x^2", -(x**2)),
        ("a^b^c", sp.Symbol("a") ** (sp.Symbol("b") ** sp.Symbol("c"))),
        ("2^-1", sp.Rational(1, 2)),
        ("-a*b", -sp.Symbol("a") * sp.Symbol("b")),
        ("2 x^2", 2 * x**2),
        (r"\log x^2 - y", sp.log(x**2) - sp.Symbol("y")),
        (r"\log(x)^2", sp.log(x) ** 2),
        (r"\log \sigma_2 - x", sp.log(sigma_2) - x),
        (r"\log \frac{\sigma_2}{\sigma_1}", sp.log(sigma_2 / sigma_1)),
        (r"\frac{1}{2}\log x", sp.log(x) / 2),
        (r"2\sigma_1^2", 2 * sigma_1**2),
        ("d/dx (x) * y", sp.Derivative(x, x) * sp.Symbol("y")),
        (r"\frac{d}{dx} x^2 + 1", sp.Derivative(x**2, x) + 1),
        (r"\,ab", sp.Symbol("a") * sp.Symbol("b")),  # LaTeX: a run of letters is a product
        (r"\,2|x||y|", 2 * sp.Abs(x) * sp.Abs(sp.Symbol("y"))),
        ("|x| * |y|", sp.Abs(x) * sp.Abs(sp.Symbol("y"))),
        ("9^9^2", sp.Integer(9) ** 81),
    ],
)
def test_precedence(text: str, expected: sp.Expr) -> None:
    syms = dict(SYMS, a=sp.Symbol("a"), b=sp.Symbol("b"), c=sp.Symbol("c"), y=sp.Symbol("y"))
    assert parse_expression(text, syms) == expected


# (input, part of the message); all parsed as claims with the SYMS names
REJECTED = [
    ("x = 1 = 2", "exactly one '=' (found 2)"),
    ("KL(P||Q)", "exactly one '=' (found 0)"),
    ("x == 1", "found 2"),
    ("x = __import__('os').system('ls')", "position 4: unexpected character '_'"),
    ("x = ().__class__", "position 6: unexpected character '.'"),
    ("x = lambda x: x", "unexpected character ':'"),
    ("x = x.y", "position 5: unexpected character '.'"),
    ("x = __dict__", "unexpected character '_'"),
    ("x = eval(1)", "unknown function 'eval'"),
    ("x = 'a'", "unexpected character \"'\""),
    ('x = "a"', "unexpected character '\"'"),
    ("x = 1; x = 2", "unexpected character ';'"),
    ("x = `ls`", "unexpected character '`'"),
    ("x = [1]", "unexpected character '['"),
    ("x = foo(1)", "unknown function 'foo'"),
    ("x = p(1 - p)", "unknown function 'p' (write 'p*(...)' for a product)"),
    (r"x = \input{/etc/passwd}", "unknown LaTeX command '\\input'"),
    (r"x = \write18{ls}", "unknown LaTeX command '\\write'"),
    (r"x = [1]\cdot 2", "position 4: unexpected '['"),
    ("y = 1", "unknown identifier 'y'; allowed: alpha, beta, lam, mu_1, mu_2, p, sigma_1, sigma_2, x"),
    ("mu1 = 1", "unknown identifier 'mu1'"),
    (r"\nu = 1", "unknown identifier 'nu'"),
    (r"foo = 1", "unknown identifier 'foo'"),
    ("H(x) = 1", "inside H(...) only the distributions P and Q are allowed, found 'x'"),
    ("KL(P||R) = 1", "found 'R'"),
    ("KL(P) = 1", "expected '||' or ','"),
    ("H(P||Q) = 1", "expected ',' or ')'"),
    ("CE(P) = 1", "expected ','"),
    ("log x = 1", "function 'log' needs its argument in parentheses"),
    ("polygamma(x) = 1", "polygamma takes 2 argument(s), got 1"),
    ("diff(x, 2) = 1", "can only differentiate with respect to a parameter name"),
    (r"\frac{\partial}{\partial 2} x = 1", "expected a parameter name after the differential"),
    (r"\log_x 2 = 1", "unsupported logarithm base 'x'"),
    ("x = (1 + x", "expected ')' but found end of input"),
    ("x = 1 +", "unexpected end of input"),
    ("x = 2 2", "position 6: unexpected '2'"),
    ("x = 1 ‖ 2", "unexpected '‖'"),
    ("x = 9^9^9^9", "numeric power too large"),
    ("x = 10^10^10", "numeric power too large"),
    ("x = 2^2^2^2^2", "numeric power too large"),
    ("x = exp(10^40*log(2))", "numeric power too large"),
    (r"x = \mathrm{e}^{10^{40} \log 2}", "numeric power too large"),
    ("x = (2 x)^(10^9)", "numeric power too large"),
    ("x = sqrt(2)^(10^9)", "numeric power too large"),
    ("x = gamma(10^40)", "argument of gamma too large"),
    ("x = " + "*".join(["9" * 50] * 30), "number too large"),
    ("x = " + "9" * 51, "more than 50 digits"),
    ("x = 1e5000", "number 1e5000 out of range (exact numbers have at most 4000 bits"),
    ("x = 1e-1300", "number 1e-1300 out of range"),
    (r"x = \frac1e5", "a number with an exponent must be in braces here: {1e5}"),
    # undefined or not real: an error, never a value to compare
    ("x = 1/0", "position 5: 1 / 0 is undefined"),
    ("x = 0/0", "0 / 0 is undefined"),
    ("x = x/(p - p)", "x / 0 is undefined"),
    ("x = log(0)", "log(0) is undefined"),
    ("x = oo - oo", "oo - oo is undefined"),
    ("x = 0*oo", "0 * oo is undefined"),
    ("x = gamma(0) + 1", "gamma(0) is undefined"),
    ("x = digamma(-2)", "digamma(-2) is undefined"),
    ("x = 0^(-1)", "0^(-1) is undefined"),
    (r"x = \sqrt[0]{2}", "a root of order 0 is undefined"),
    ("x = sqrt(-1)", "sqrt(-1) is not a real number"),
    ("x = log(-2) + x", "log(-2) is not a real number"),
    ("x = log(-sigma_1)", "log(-sigma_1) is not a real number"),
    ("x = (-8)^(1/3)", "(-8)^(1/3) is not a real number"),
    (r"x = \log(1 - \pi)", "log(1 - pi) is not a real number"),
    # values that would overflow every numeric check
    ("x = sigma_1^(10^10)", "exponent 10000000000 too large (at most 1000 in absolute value)"),
    ("x = x^1001", "exponent 1001 too large"),
    ("x = x^(-1001/1)", "exponent (-1001) too large"),
    ("x = x^exp(10)", "exponent exp(10) too large"),
    ("x = exp(exp(exp(100)))", "argument of exp too large: |exp(exp(100))| > 1e4000"),
    ("x = exp(exp(10^4))", "argument of exp too large"),
    ("x = 2^exp(10^4)", "numeric power too large to evaluate"),
    ("x = exp(10^10)^log(2)", "numeric power too large to evaluate exactly"),  # SymPy: 2**(10**10)
    ("x = exp(exp(exp(x)))", "exponentials nested more than 2 deep"),
    ("x = e^(e^(e^x))", "exponentials nested more than 2 deep"),
    ("x = sigma_1^(sigma_2^(x^p))", "exponentials nested more than 2 deep"),
    ("x = a\u202eb", "unexpected character '\\u202e'"),
    ("x = \x00", "unexpected character '\\x00'"),
    (r"x = \\", "unexpected character '\\\\'"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED, ids=[r[0][:30] for r in REJECTED])
def test_rejected(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_claim(text, SYMS)
    msg = str(info.value)
    assert message in msg and "\n" not in msg
    assert msg.startswith(("cannot parse claim", "the claim"))
    assert isinstance(info.value, ValueError) and isinstance(info.value, SymdivError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5e-1", sp.Rational(1, 2)),
        ("2.5E3", sp.Integer(2500)),
        ("1e-12", sp.Rational(1, 10**12)),
        ("1e400", sp.Integer(10) ** 400),
        (".5e1", sp.Integer(5)),
        ("2e+1", sp.Integer(20)),
        ("2e3x", 2000 * x),
        ("2e-3 x", x / 500),
        # an e/E not followed by an (optionally signed) digit is Euler's number, as before
        ("2e", 2 * sp.E),
        ("2E", 2 * sp.E),
        ("e-1", sp.E - 1),
        ("2e^x", 2 * sp.exp(x)),
        ("2e-x", 2 * sp.E - x),
        ("2 e_1", 2 * sp.Symbol("e_1")),
        (r"\frac{1e3}{2}", sp.Integer(500)),
        (r"2e-3\,x", x / 500),
        (r"\mu_1e", mu_1 * sp.E),
    ],
)
def test_scientific_notation(text: str, expected: sp.Expr) -> None:
    """A digit run followed by e/E and an optionally signed digit run is one number (5e-1 was 5*e - 1)."""
    syms = dict(SYMS, e_1=sp.Symbol("e_1"), x_1=sp.Symbol("x_1"))
    assert parse_expression(text, syms) == expected


def test_sides_built_elsewhere_get_the_same_rules() -> None:
    """check_expression: the parser's rules for a claim given as a sympy.Eq."""
    check_expression(sp.log(sigma_1) + sp.exp(sp.exp(mu_1)) + ENTROPY(P))
    for bad, message in ((sp.zoo, "undefined"), (sp.log(-sigma_1), "not a real number"),
                         (sigma_1 ** (10**10), "exponent 10000000000 too large"),
                         (sp.exp(sp.exp(sp.exp(mu_1))), "nested more than 2 deep"),
                         (sp.Integer(10) ** 5000, "number too large")):
        with pytest.raises(ParseError, match=f"the claim is invalid: .*{message}"):
            check_expression(bad)


def test_expression_rejects_equals() -> None:
    with pytest.raises(ParseError, match="position 2: unexpected '='"):
        parse_expression("x = 1")


@pytest.mark.parametrize(
    "template",
    [
        "x = __import__('os').system('touch {path}')",
        "__import__(\"os\").system(\"touch {path}\") = 1",
        r"x = \write18{{touch {path}}}",
        r"x = \immediate\write18{{touch {path}}}",
        r"\input{{{path}}} = 1",
        "x = eval(\"open('{path}', 'w')\")",
        "exec(compile('open(\"{path}\",\"w\")','f','exec')) = 1",
    ],
)
def test_nothing_runs(tmp_path, template: str) -> None:
    target = tmp_path / "pwned"
    for symbols in (None, SYMS):
        for syntax in ("auto", "text", "latex"):
            with pytest.raises(ParseError):
                parse_claim(template.format(path=target), symbols, syntax=syntax)
    assert not target.exists()


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10_000 + "x" + ")" * 10_000,
        r"\frac{" * 10_000 + "1" + "}{2}" * 10_000,
        "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        r"\frac{1}{" * (MAX_DEPTH + 1) + "2" + "}" * (MAX_DEPTH + 1),
        r"\frac1" * 600 + "2",
        r"\sqrt{" * 300 + "x" + "}" * 300,
        "-" * 3_990 + "x",
        "2^" * 1_990 + "2",
        "| " * 1_990 + "x",
        "log(" * 500 + "x" + ")" * 500,
        "d/dx " * 700 + "x",
    ],
    ids=lambda t: f"{t[:12]}...x{len(t)}",
)
def test_deep_nesting_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="nested too deeply|too long"):
        parse_expression(text)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert parse_expression("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == sp.Symbol("x")
    assert parse_expression(r"\frac{1}{" * MAX_DEPTH + "2" + "}" * MAX_DEPTH) == 2  # 1/(1/(...))


def test_length_limit() -> None:
    ok = "x = " + "+".join(["1"] * ((MAX_LENGTH - 4) // 2))
    assert len(ok) <= MAX_LENGTH and parse_claim(ok).rhs > 0
    with pytest.raises(ParseError, match=f"too long \\({MAX_LENGTH + 1} characters; the limit is {MAX_LENGTH}\\)"):
        parse_claim("x" * (MAX_LENGTH + 1))


def test_bad_arguments() -> None:
    with pytest.raises(ParseError, match="must be a string"):
        parse_claim(b"x = 1")  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="unknown syntax"):
        parse_claim("x = 1", syntax="python")
    with pytest.raises(ParseError, match=r"unexpected character '\\\\'"):
        parse_claim(r"x = \alpha", syntax="text")


# ---- hypothesis: printed random expressions come back unchanged -------------------------------------
NAMES = {"mu_1": (mu_1, r"\mu_{1}"), "sigma_2": (sigma_2, r"\sigma_2"), "x": (x, "x"), "lam": (lam, r"\lambda")}
LEAF = st.one_of(
    st.sampled_from(sorted(NAMES)).map(lambda n: ("name", n)),
    st.integers(0, 12).map(lambda n: ("int", n)),
    st.sampled_from(["0.5", "1.25", "0.125"]).map(lambda d: ("dec", d)),
)
TREES = st.recursive(
    LEAF,
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids),
        st.tuples(st.just("neg"), kids),
        st.tuples(st.just("^"), kids, st.integers(-3, 3)),
        st.tuples(st.sampled_from(["log", "exp", "sqrt", "abs"]), kids),
    ),
    max_leaves=10,
)
FUNCS = {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "abs": sp.Abs}


def build(t: tuple) -> sp.Expr:
    kind = t[0]
    if kind == "name":
        return NAMES[t[1]][0]
    if kind in ("int", "dec"):
        return sp.Rational(str(t[1]))
    if kind == "neg":
        return -build(t[1])
    if kind == "^":
        return build(t[1]) ** sp.Integer(t[2])
    if kind in FUNCS:
        return FUNCS[kind](build(t[1]))
    a, b = build(t[1]), build(t[2])
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[kind] if kind != "/" else a / b


def to_text(t: tuple) -> str:
    kind = t[0]
    if kind in ("name", "int", "dec"):
        return str(t[1])
    if kind == "neg":
        return f"(-{to_text(t[1])})"
    if kind == "^":
        return f"({to_text(t[1])})^({t[2]})"
    if kind in FUNCS:
        return f"{kind}({to_text(t[1])})"
    return f"({to_text(t[1])} {kind} {to_text(t[2])})"


def to_latex(t: tuple) -> str:
    kind = t[0]
    if kind == "name":
        return NAMES[t[1]][1]
    if kind in ("int", "dec"):
        return str(t[1])
    if kind == "neg":
        return rf"\left(-{to_latex(t[1])}\right)"
    if kind == "^":
        return rf"\left({to_latex(t[1])}\right)^{{{t[2]}}}"
    if kind == "/":
        return rf"\frac{{{to_latex(t[1])}}}{{{to_latex(t[2])}}}"
    if kind == "*":
        return rf"\left({to_latex(t[1])}\right)\left({to_latex(t[2])}\right)"
    if kind in ("+", "-"):
        return rf"\left({to_latex(t[1])} {kind} {to_latex(t[2])}\right)"
    arg = to_latex(t[1])
    return {"log": rf"\log\left({arg}\right)", "exp": rf"\mathrm{{e}}^{{{arg}}}", "sqrt": rf"\sqrt{{{arg}}}",
            "abs": rf"\left|{arg}\right|"}[kind]


def _exp_depth(e: sp.Basic) -> int:
    inner = max((_exp_depth(a) for a in e.args), default=0)
    return inner + 1 if isinstance(e, sp.exp) else inner


def refusal(tree: tuple) -> str | None:
    """The message the parser must give for a printed tree, decided from the tree's own values:
    every subexpression must be a real number (not 1/0, log(0), sqrt(-1)), no more than two
    exponentials stacked, and no exp of a number beyond 10**6."""
    for kid in tree[1:]:
        if isinstance(kid, tuple) and (why := refusal(kid)):
            return why
    value = build(tree)
    if value.has(sp.zoo, sp.nan):
        return "is undefined"
    if value.has(sp.I) or value.is_extended_real is False:
        return "is not a real number"
    if tree[0] == "exp" and (arg := build(tree[1])).is_number and abs(sp.N(arg)) > 10**6:
        return "argument of exp too large"
    if _exp_depth(value) > 2:
        return "exponentials nested more than 2 deep"
    return None


@given(TREES)
def test_printed_expressions_parse_back(tree: tuple) -> None:
    why = refusal(tree)
    syms = {n: v[0] for n, v in NAMES.items()}
    if why is not None:
        for text, syntax in ((to_text(tree), "text"), (to_latex(tree), "latex")):
            with pytest.raises(ParseError, match=why):
                parse_expression(text, syms, syntax=syntax)
        return
    expected = build(tree)
    assert parse_expression(to_text(tree), syms, syntax="text") == expected
    got = parse_expression(to_latex(tree), syms, syntax="latex")
    # LaTeX's -(a)(b) is (-a)*b: SymPy may distribute the sign differently from -(a*b)
    assert got == expected or sp.expand(got - expected) == 0
    assert parse_claim(f"KL(P||Q) = {to_text(tree)}", syms) == sp.Eq(KL(P, Q), expected, evaluate=False)


# ---- hypothesis: random input raises ParseError or nothing ----------------------------------------
SOUP = st.lists(
    st.sampled_from(
        ["x", "mu_1", "p", "P", "Q", "H(", "KL(", "D_{KL}(", "(", ")", "{", "}", "[", "]", "|", "||", ",", "=",
         "+", "-", "*", "/", "^", "**", "_", "1", "9", "0.5", ".", " ", "d/dx ", r"\frac", r"\sqrt", r"\log",
         r"\Gamma", r"\psi", r"\left(", r"\right)", r"\|", r"\partial", r"\mu", r"\mathrm{", "e", "log(",
         "gamma(", "polygamma(", "diff(", "abs(", "exp(", "'", ";", "\\", "__", "é", "‖"]
    ),
    max_size=40,
).map("".join)


def _parse_any(text: str) -> None:
    for syntax in ("auto", "text", "latex"):
        for symbols in (None, SYMS):
            for parse in (parse_claim, parse_expression):
                try:
                    result = parse(text, symbols, syntax=syntax)
                except ParseError as exc:
                    assert "\n" not in str(exc)
                else:
                    assert isinstance(result, sp.Basic)


@given(st.text(max_size=60))
def test_random_text_raises_only_parse_errors(text: str) -> None:
    _parse_any(text)


@given(SOUP)
def test_random_token_soup_raises_only_parse_errors(text: str) -> None:
    _parse_any(text)
