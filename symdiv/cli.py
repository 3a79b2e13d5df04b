"""The ``symdiv`` command line: argv -> API -> printer. No mathematics here."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NoReturn

import sympy as sp

from . import CATALOG, codegen, verify_decomposition
from .derivation import Derivation
from .errors import ParseError, SymdivError
from .families._vector import VectorFamily
from .families.mvn import MultivariateNormal
from .family import Family
from .measures.registry import get as get_measure
from .measures.registry import measures as registered_measures
from .numeric import certain_decimal
from .printing.conditions import shown
from .printing.json import derivation_json, verdict_json
from .printing.latex import Notation, derivation_latex, verdict_latex
from .printing.text import derivation_text, expr_text, verdict_text
from .prove import Verdict, check
from .sheet import formula_sheet, write_sheet
from .version import __version__

EXAMPLES = """examples:
  symdiv kl normal normal                 KL between two normals, symbolic parameters
  symdiv kl gaussian gaussian --steps     the derivation step by step
  symdiv entropy bernoulli --at p=1/4     the value: exact, with a 15-digit decimal beside it
  symdiv ce categorical categorical       cross-entropy, symbolic number of classes K
  symdiv verify normal normal             prove H(P,Q) = KL(P||Q) + H(P)
  symdiv kl bern bern --format json -o kl.json
  symdiv kl normal normal --steps --format latex    an align* derivation for a paper
  symdiv kl normal normal --log bits --rename sigma_1=s,sigma_2=t
  symdiv kl normal normal --format python  a Python function (math), with its provenance
  symdiv kl gamma gamma --format c --at beta_1=1   a C function of the remaining parameters
  symdiv check "KL(P||Q) = KL(Q||P)" --p normal --q normal   judge a claim: proof or counterexample
  symdiv sheet -o sheet.pdf               the formula sheet of every family (.tex or .pdf)
  symdiv families                         every family: parameters, domains, support, names

Each family names its parameters for P and for Q as symdiv families lists (mu_1, sigma_1
and mu_2, sigma_2 for normals; p and q for Bernoulli); --at gives numbers to any of them,
--rename new names. Exit status: 0 ok, 2 bad input; for check: 0 the claim is proved,
1 it is false, 3 undecided, 2 bad input."""

_NUMBER = re.compile(r"^[+-]?(\d{1,40}(\.\d{0,40})?|\.\d{1,40})([eE][+-]?\d{1,3})?(/\d{1,40})?$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        _fail(f"{message} (see '{self.prog} --help')")


def _fail(message: str) -> NoReturn:
    """``symdiv: error: <message>`` as one line on standard error, then exit with status 2."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    try:
        print(f"symdiv: error: {line}", file=sys.stderr)
    except OSError:  # standard error closed too: the status still says it
        pass
    raise SystemExit(2)


def _lookup() -> dict[str, type[Family]]:
    table: dict[str, type[Family]] = {}
    for fam in CATALOG:
        for name in (fam.name, *fam.aliases):
            table[name.lower()] = fam
    return table


def family_class(name: str) -> type[Family]:
    table = _lookup()
    try:
        return table[name.lower()]
    except KeyError:
        known = ", ".join(f.name.lower() for f in CATALOG)
        raise ParseError(f"unknown family {name!r}; known: {known} (see 'symdiv families')") from None


def parse_values(text: str | None) -> dict[str, Fraction]:
    """``"mu_1=0,sigma_1=1/2"`` -> {"mu_1": Fraction(0), "sigma_1": Fraction(1, 2)}; numbers only."""
    out: dict[str, Fraction] = {}
    if not text:
        return out
    for item in text.split(","):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not _NAME.match(name) or not _NUMBER.match(value):
            raise ParseError(f"--at expects NAME=NUMBER[,NAME=NUMBER...] (e.g. mu_1=0,sigma_1=1/2); got {item!r}")
        if name in out:
            raise ParseError(f"--at gives {name} twice")
        num, _, den = value.partition("/")
        if den and int(den) == 0:
            raise ParseError(f"--at {name}: division by zero in {value!r}")
        frac = Fraction(num) / (int(den) if den else 1)
        out[name] = frac
    return out


def parse_names(text: str | None) -> dict[str, str]:
    """``"sigma_1=s,mu_1=m"`` -> {"sigma_1": "s", "mu_1": "m"}; both sides plain names."""
    out: dict[str, str] = {}
    for item in (text or "").split(",") if text else []:
        old, sep, new = (part.strip() for part in item.partition("="))
        if not sep or not _NAME.match(old) or not _NAME.match(new):
            raise ParseError(f"--rename expects OLD=NEW[,OLD=NEW...] with plain names (e.g. sigma_1=s); got {item!r}")
        if old in out:
            raise ParseError(f"--rename renames {old} twice")
        out[old] = new
    return out


#: the largest explicit number of classes K (Categorical, Dirichlet) the command line builds: one
#: symbol per entry, and larger K take long to derive (leave K symbolic for any K)
MAX_CLASSES = 100
#: the largest explicit dimension k of a MultivariateNormal the command line builds: its covariance
#: starts with symbolic entries, whose determinant and inverse grow factorially with k (k = 5 takes
#: minutes); leave k symbolic, or use the Python API with numeric matrices, for larger k
MAX_DIMENSION = 4


def _shape(f: Family) -> tuple[str | None, tuple[str, ...]]:
    """For a family of symbolic size (Categorical/Dirichlet with symbolic K, MultivariateNormal with
    symbolic k): the name of its size symbol and of its array parameters; else (None, ())."""
    if isinstance(f, VectorFamily) and f.indexed:
        return (str(f.K) if isinstance(f.K, sp.Symbol) else None), (str(f.vector),)
    if isinstance(f, MultivariateNormal) and f.indexed:
        return (str(f.k) if isinstance(f.k, sp.Symbol) else None), (str(f.mu), str(f.Sigma))
    return None, ()


def _rebuild(f: Family, size: Any = None, names: dict[str, str] | None = None) -> Family:
    """A family of symbolic size made again with a number for its size and/or new names."""
    names = names or {}
    if isinstance(f, VectorFamily):
        base, k = str(f.vector), f.K
        new_k = size if size is not None else names.get(str(k), k) if isinstance(k, sp.Symbol) else k
        return type(f).symbolic(names.get(base, base), new_k)
    assert isinstance(f, MultivariateNormal)
    mu, sigma, k = str(f.mu), str(f.Sigma), f.k
    new_k = size if size is not None else names.get(str(k), k) if isinstance(k, sp.Symbol) else k
    return MultivariateNormal.symbolic(names.get(mu, mu), names.get(sigma, sigma), new_k)


def _size(f: Family, name: str, value: Fraction) -> sp.Integer:
    """A number for a size symbol (K or k), checked before anything is built from it."""
    mvn = isinstance(f, MultivariateNormal)
    limit = MAX_DIMENSION if mvn else MAX_CLASSES
    what = "dimension" if mvn else "number of classes"
    if value.denominator != 1 or value < (1 if mvn else 2):
        raise ParseError(f"--at {name}={value}: the {what} of {f.name} must be an integer >= {1 if mvn else 2}")
    if value > limit:
        why = "a symbolic covariance's determinant grows factorially" if mvn else "one symbol per class"
        raise ParseError(f"--at {name}={value}: the command line builds at most {limit} explicit "
                         f"{'dimensions' if mvn else 'classes'} ({why}); leave {name} symbolic, "
                         "or use the Python API with numeric values")
    return sp.Integer(value.numerator)


def _names(fams: Sequence[Family]) -> set[str]:
    return {str(s) for f in fams for s in f.free_symbols}


def _families(names: Sequence[str], values: dict[str, Fraction], renames: dict[str, str] | None = None) -> list[Family]:
    """The families named on the command line, with ``--at`` values, then ``--rename`` names.

    A size (K, k) given a number turns a family of symbolic size into one with explicit entries
    (K=3: p becomes p_0, p_1, p_2), which ``--at`` may then set. Every name must be a parameter;
    a rename may not give two parameters one name.
    """
    fams = [family_class(n).symbolic_example(role) for role, n in enumerate(names, 1)]
    used: set[str] = set()
    for j, f in enumerate(fams):  # sizes first: they decide which entries exist
        size_name, arrays = _shape(f)
        if size_name is not None and size_name in values:
            fams[j] = _rebuild(f, size=_size(f, size_name, values[size_name]))
            used.add(size_name)
            continue  # its entries now have names of their own (p_0, p_1, ...)
        for a in arrays:
            if a in values:
                hint = size_name or "the size"
                kind = "matrix" if isinstance(f, MultivariateNormal) and a == str(f.Sigma) else "vector"
                raise ParseError(f"--at {a}: {a} is a symbolic {kind} of {f.name}; give {hint} a number first, "
                                 f"then numbers to its entries (e.g. --at {hint}=2 lists them in the output)")
    numbers = {k: sp.Rational(v.numerator, v.denominator) for k, v in values.items() if k not in used}
    present = _names(fams)
    unknown = sorted(set(numbers) - present)
    if unknown:
        raise ParseError(f"--at names unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(present))}")
    if numbers:
        fams = [f.substitute(numbers) for f in fams]
        for f in fams:  # e.g. Categorical [1, 1/2, p_2]: no p_2 makes the probabilities sum to 1
            if any(fact == sp.false for fact in f.facts()):
                raise ParseError(f"--at leaves {f!r}, whose remaining symbolic parameters have no values inside "
                                 "their open domains (e.g. probabilities that already sum to 1); give them numbers too")
    return _renamed(fams, renames or {}, set(values))


def _renamed(fams: list[Family], renames: dict[str, str], given: set[str]) -> list[Family]:
    if not renames:
        return fams
    present = _names(fams)
    for old in renames:
        if old not in present:
            if old in given:
                raise ParseError(f"--rename {old}: {old} has a value from --at, so it is no longer a parameter")
            raise ParseError(f"--rename names unknown parameter {old}; known: {', '.join(sorted(present))}")
    final: dict[str, str] = {}
    for name in sorted(present):
        new = renames.get(name, name)
        if new in final:
            raise ParseError(f"--rename would give two parameters ({final[new]} and {name}) the same name {new!r}")
        final[new] = name
    out = []
    for f in fams:
        size_name, arrays = _shape(f)
        if size_name is not None or arrays:
            out.append(_rebuild(f, names=renames))
        else:
            out.append(f.renamed(renames))
    return out


class _Once(argparse.Action):
    """An option that may be given once: a second ``--at`` would silently replace the first."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        seen = f"_given_{self.dest}"
        if getattr(namespace, seen, False):
            parser.error(f"{option_string} is given twice: give all its values in one {option_string} "
                         "(e.g. --at mu_1=0,sigma_1=1)")
        setattr(namespace, seen, True)
        setattr(namespace, self.dest, values)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symdiv", description="Derive entropy, cross-entropy, KL and other divergences in closed "
                     "form (symdiv --version prints the version, symdiv alone the help).",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"symdiv {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)  # none: the help (see _execute)
    common = _Parser(add_help=False)
    common.add_argument("--format", choices=("text", "unicode", "latex", "json", "python", "c"), default="text",
                        help="python / c: source code of a function computing the closed form")
    common.add_argument("--log", choices=("log", "ln", "bits"), default="log",
                        help="natural log written log or ln, or the result converted to bits")
    common.add_argument("--rename", metavar="OLD=NEW,...", action=_Once,
                        help="rename parameters, e.g. sigma_1=s,mu_1=m")
    common.add_argument("--steps", action="store_true", help="show every derivation step")
    common.add_argument("--at", metavar="NAME=VALUE,...", action=_Once, help="numeric parameter values (numbers only)")
    common.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    commands = [(m.command, m.arity, m.help or m.title, m.parameters) for m in registered_measures()]
    for name, nfam, help_, params in (*commands, ("verify", 2, "prove H(P,Q) = KL(P||Q) + H(P)", ())):
        p = sub.add_parser(name, parents=[common], help=help_, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("families", nargs=nfam, metavar="FAMILY")
        for param in params:
            p.add_argument(f"--{param}", required=True, metavar="VALUE", action=_Once,
                           help=f"the {param}: a number (2, 0.5, 1/2) or a name (then a positive symbol)")
    chk = sub.add_parser("check", help="judge a claimed formula or identity: proof or counterexample",
                         epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    chk.add_argument("claim", help='the claim, in text (e.g. "H(P,Q) = KL(P||Q) + H(P)") or LaTeX')
    chk.add_argument("--p", required=True, metavar="FAMILY",
                     help="the family of P; its parameter names are listed by symdiv families (e.g. mu_1, p)")
    chk.add_argument("--q", metavar="FAMILY", help="the family of Q (e.g. mu_2, q)")
    chk.add_argument("--syntax", choices=("auto", "text", "latex"), default="auto", help="how to read the claim")
    chk.add_argument("--where", metavar="CONDITIONS", default="",
                     help='conditions the claim states, e.g. "alpha_1 > 1" (without them, a claim is also judged '
                          "where a quantity in it is +oo)")
    chk.add_argument("--format", choices=("text", "latex", "json"), default="text",
                     help="the verdict as plain text, LaTeX (align*) or JSON")
    chk.add_argument("--at", metavar="NAME=VALUE,...", action=_Once, help="numeric parameter values (numbers only)")
    chk.add_argument("--rename", metavar="OLD=NEW,...", action=_Once,
                     help="rename parameters, e.g. sigma_1=s,mu_1=m")
    chk.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    sub.add_parser("families", help="list families, parameters, domains and supports")
    sheet = sub.add_parser("sheet", help="the formula sheet of every family, as .tex (stdout or -o) or .pdf")
    sheet.add_argument("-o", "--output", metavar="FILE", help="FILE.tex or FILE.pdf (needs pdflatex)")
    sheet.add_argument("--log", choices=("log", "ln", "bits"), default="log")
    return parser


#: significant digits of the decimal shown beside an exact numeric result
DIGITS = 15


def decimal_value(d: Derivation, bits: bool = False) -> sp.Float | None:
    """The result as a decimal of :data:`DIGITS` significant digits, when it is a finite real number
    (every parameter given a number) that is not already an integer or a decimal, and holds without
    conditions; else None. The digits are certain (``evalf(strict=True)``) or none are shown."""
    value, conds = shown(d, bits)
    if conds or not value.is_number or value.free_symbols or value.is_Integer or value.is_Float:
        return None
    return certain_decimal(value, DIGITS)  # None: the exact value stands alone


def _text(d: Derivation, args: argparse.Namespace, notation: Notation) -> str:
    bits = notation.log == "bits"
    if args.format == "json":
        data = derivation_json(d, notation)
        approx = decimal_value(d, bits)
        if approx is not None:  # right after "expr": the same value as a decimal string
            items = list(data.items())
            at = [key for key, _ in items].index("expr") + 1
            data = dict(items[:at] + [("value", str(approx))] + items[at:])
        return json.dumps(data, indent=2)
    if args.format in ("python", "c"):
        return codegen(d, args.format, bits=bits).rstrip("\n")
    if args.format == "latex":
        return derivation_latex(d, steps=args.steps, env="align*" if args.steps else "equation*", notation=notation)
    unicode = args.format == "unicode"
    text = derivation_text(d, steps=args.steps, unicode=unicode, bits=bits)
    approx = decimal_value(d, bits)
    if approx is None:
        return text
    # the result comes first, "lhs = " on the middle line of a multi-line (Unicode) form: the decimal goes there
    lines = text.split("\n")
    lines[len(expr_text(shown(d, bits)[0], unicode).splitlines()) // 2] += f"  (\u2248 {approx})"
    return "\n".join(lines)


def families_listing() -> str:
    """``symdiv families``: each family with its parameters' domains and its support in the family's
    own parameter names, then the names its P and Q take on the command line (for --at, --rename)."""
    out = []
    for fam in CATALOG:
        params = ", ".join(f"{p.name} \u2208 {p.domain.text}" for p in fam.parameters)
        named: Family
        try:  # the support in the names just listed (x_m, not P's m_1)
            named = fam(*(p.name for p in fam.parameters))
        except SymdivError:  # a vector family takes sequences: its symbolic example, with its size K
            named = fam.symbolic_example(1)
        aliases = f" (aliases: {', '.join(fam.aliases)})" if fam.aliases else ""
        kind = "discrete" if fam.discrete else "continuous"
        out += [f"{fam.name}{aliases}", f"  parameters: {params}", f"  support: {named.support().text()} ({kind})",
                f"  on the command line: P = {fam.symbolic_example(1)!r}, Q = {fam.symbolic_example(2)!r}"]
    return "\n".join(out)


#: exit status of ``symdiv check`` by verdict
CHECK_STATUS = {True: 0, False: 1, None: 3}


def _check(args: argparse.Namespace) -> tuple[str, int]:
    names = [args.p] + ([args.q] if args.q else [])
    fams = _families(names, parse_values(args.at), parse_names(args.rename))
    v = check(args.claim, *fams, syntax=args.syntax, where=args.where)
    return _verdict(v, args.format, Notation()), CHECK_STATUS[v.holds]


def _verdict(v: Verdict, fmt: str, notation: Notation) -> str:
    """A verdict (of check or verify) in the chosen format."""
    if fmt == "json":
        return json.dumps(verdict_json(v, notation), indent=2)
    if fmt == "latex":
        return verdict_latex(v, env="align*", notation=notation)
    return verdict_text(v, unicode=fmt == "unicode")


def run(argv: Sequence[str] | None = None) -> str | None:
    """Run the command; return the text to print (None when a file was written)."""
    return execute(argv)[0]


def _parse(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The parsed arguments; None for no arguments at all (then the help is the answer)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return build_parser().parse_args(argv) if argv else None


def execute(argv: Sequence[str] | None = None) -> tuple[str | None, int]:
    """Run the command; return the text to print (None when a file was written) and the exit status."""
    return _execute(_parse(argv))


def _execute(args: argparse.Namespace | None) -> tuple[str | None, int]:
    if args is None or args.command is None:  # no command: what the commands are
        return build_parser().format_help().rstrip("\n"), 0
    if args.command == "check":
        return _check(args)
    return _run(args), 0


def _run(args: argparse.Namespace) -> str | None:
    if args.command == "families":
        return families_listing()
    notation = Notation(log=args.log)
    if args.command == "sheet":
        if args.output and args.output.lower().endswith(".pdf"):
            write_sheet(args.output, notation)
            return None
        return formula_sheet(notation)
    fams = _families(args.families, parse_values(args.at), parse_names(args.rename))
    if args.command == "verify":
        if args.format in ("python", "c"):
            raise ParseError(f"--format {args.format} applies to entropy, ce and kl, not verify")
        return _verdict(verify_decomposition(fams[0], fams[1]), args.format, notation)
    measure = get_measure(args.command)
    options = {p: _parameter_value(p, getattr(args, p)) for p in measure.parameters}
    return _text(measure(*fams, **options), args, notation)


_ORDER_NUMBER = re.compile(r"[+-]?(\d{1,40}(\.\d{0,40})?|\.\d{1,40})(/\d{1,40})?")
_ORDER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


_INDEX_LIST = re.compile(r"\d{1,6}(\s*,\s*\d{1,6})+")


def _parameter_value(name: str, text: str) -> sp.Expr | str | list[int]:
    """A measure parameter from the command line: a number (2, 0.5, 1/2) exactly, a name, or a list
    of indices (``0,1``: mutual information's coordinates)."""
    text = text.strip()
    if _INDEX_LIST.fullmatch(text):
        return [int(part) for part in text.split(",")]
    if "," in text:
        raise ParseError(f"--{name} {text!r}: expected a list of indices such as 0,1 (non-negative integers "
                         "separated by commas)")
    if _ORDER_NUMBER.fullmatch(text):
        number, _, den = text.partition("/")
        value = sp.Rational(number)
        return value / sp.Integer(den) if den else value
    if _ORDER_NAME.fullmatch(text):
        return text
    raise ParseError(f"--{name} {text!r}: expected a number such as 2, 0.5 or 1/2, or a name such as alpha")


def main(argv: Sequence[str] | None = None) -> int:
    """The ``symdiv`` command: print (or write) the answer and return the exit status. Bad input,
    and anything else that goes wrong, is one line ``symdiv: error: <message>`` on standard error
    and exit status 2; a reader that closes the pipe early (``symdiv families | head -1``) ends it
    quietly with status 0."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
    except BrokenPipeError:
        _discard_stdout()
        return 0
    except OSError as exc:  # e.g. a full disk behind standard output
        _fail(f"cannot write output: {exc}")


def _discard_stdout() -> None:
    """Point standard output at the null device, so that Python's own flush at exit cannot fail on
    the closed pipe again (the Python documentation's "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor (captured in-process): nothing to flush
        pass


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = _parse(argv)
        text, status = _execute(args)
        if text is None:
            return status
        output = getattr(args, "output", None)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        else:
            print(text)
    except BrokenPipeError:
        raise  # the reader went away: not an error (see main)
    except (SymdivError, ValueError, TypeError) as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except OSError as exc:
        _fail(f"cannot write output: {exc}")
    except RecursionError:
        _fail("the expression is too deeply nested to process")
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        detail = str(exc).splitlines()[0] if str(exc) else ""
        _fail(f"internal error ({type(exc).__name__}{': ' + detail if detail else ''}); please report it")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
