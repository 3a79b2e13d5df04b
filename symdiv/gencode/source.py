"""From a derivation to source text: :func:`make_plan` (stable form, checks, conditions, local
names, hoisted sums), then one source builder per kind of code: :func:`python_source` (a module
with a provenance comment: the math backend and ``codegen(..., "python")``), :func:`c_source`,
:func:`array_source` (numpy, torch, jax) and :func:`mpmath_source`.
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..derivation import Derivation
from ..errors import InvalidParameterTypeError, UnsupportedError
from ..printing.conditions import require_unit
from .checks import Target, check, conditions, conditions_note, hoist, is_class_sum, under_conditions
from .helpers import C_HELPERS, MP_HELPERS, PY_HELPERS, used_helpers
from .nodes import NonNeg
from .printers import Printer, make_printer
from .rewrite import stable_form
from .signature import Signature, function_name, signature_of

#: names that arguments of generated Python code must not shadow
RESERVED_PY = set(keyword.kwlist) | set(dir(builtins)) | set(PY_HELPERS) | set(MP_HELPERS) | {
    "math", "mpmath", "numpy", "torch", "jnp", "jss", "gammaln", "gamma", "erf", "erfc", "range_sum", "K",
    "symdiv_series"}
#: names that arguments of generated C code must not shadow
RESERVED_C = set(C_HELPERS) | {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "log", "log1p", "exp", "expm1", "lgamma", "tgamma", "pow", "sqrt", "fabs", "erf", "erfc", "floor", "tan",
    "fmin", "fmax", "main", "NAN", "INFINITY"}


@dataclass
class Plan:
    """Everything a printer needs: signature, local names, hoisted sums and the final expression."""

    derivation: Derivation
    name: str
    sig: Signature
    symbol_names: dict[sp.Basic, str]
    statements: list[tuple[sp.Symbol, sp.Sum]]
    expr: sp.Expr
    class_axis: bool
    uses_k: bool
    #: the value in bits (``expr`` is divided by log 2)
    bits: bool


def make_plan(d: Derivation, target: Target, name: str | None, bits: bool, reserved: set[str]) -> Plan:
    """The plan of a function computing ``d`` for ``target``, named ``name`` or by
    :func:`~symdiv.gencode.signature.function_name`, whose local names avoid ``reserved``."""
    if not isinstance(d, Derivation):
        raise InvalidParameterTypeError("codegen", "derivation", d, "a Derivation (from symdiv.entropy, "
                                        "cross_entropy or kl_divergence)", f"got {type(d).__name__}")
    require_unit(d, bits)
    symbolic = [name for name, v in d.options if isinstance(v, sp.Basic) and v.free_symbols]
    if symbolic:  # the generated code could not check the order's domain (alpha > 0, alpha != 1)
        raise UnsupportedError(f"{d.symbol()}: code for a symbolic {symbolic[0]} is not generated; derive with a "
                               f"number (e.g. renyi_divergence(P, Q, 1/2)) and generate code for that")
    expr = stable_form(d, ratios=target.arrays)
    if bits and not d.is_infinite:
        expr = expr / sp.log(2)
    check(d, expr, target)
    if d.quantity.nonnegative and not d.is_infinite and target.name != "mpmath":
        # KL >= 0: rounding at P ~ Q must not make it negative (mpmath clamps after checking its digits:
        # a clamped value agrees with itself at every precision, garbage included)
        expr = NonNeg(expr)
    expr = under_conditions(d, expr)
    sig = signature_of(d, d.expr)
    symbol_names: dict[sp.Basic, str] = {}
    taken: set[str] = set()
    for s in (*sig.symbols, *sig.counts):
        ident = re.sub(r"\W", "_", str(s))
        if not ident or ident[0].isdigit():
            ident = "x_" + ident
        if s in sig.counts:
            ident = str(s)
        while ident in taken or (ident in reserved and s not in sig.counts):
            ident += "_"
        taken.add(ident)
        symbol_names[s] = ident
    for s in expr.free_symbols | {lim[0] for sm in expr.atoms(sp.Sum) for lim in sm.limits}:
        if isinstance(s, sp.Symbol) and s not in symbol_names:
            ident = re.sub(r"\W", "_", str(s))
            while ident in taken or ident in reserved:
                ident += "_"
            taken.add(ident)
            symbol_names[s] = ident
    statements, expr = hoist(expr, taken | reserved)
    sums = [s for _, s in statements] + list(expr.atoms(sp.Sum))
    class_axis = any(is_class_sum(s, sig) for s in sums)
    uses_k = any(k in s.free_symbols for k in sig.counts for s in [expr, *sums])
    return Plan(d, name or function_name(d), sig, symbol_names, statements, expr, class_axis, uses_k, bits)


def _printer(cls: type[Printer], plan: Plan) -> Any:
    return make_printer(cls, plan.symbol_names, plan.sig)


def _python_body(plan: Plan, printer: Any, indent: str = "    ") -> list[str]:
    lines = []
    if plan.uses_k:
        for k, base in plan.sig.counts.items():
            lines.append(f"{indent}{plan.symbol_names[k]} = len({plan.symbol_names[base]})")
    for tmp, s in plan.statements:
        lines.append(f"{indent}{tmp} = {printer.doprint(s)}")
    lines.append(f"{indent}return {printer.doprint(plan.expr)}")
    return lines


def _header(plan: Plan, comment: str) -> list[str]:
    from ..version import __version__

    d = plan.derivation
    unit = "bits" if plan.bits else "nats"
    lines = [f"{plan.name}: {d.symbol()} in {unit}"]
    for role, fam in zip(("P", "Q"), d.families[: d.quantity.arity]):
        lines.append(f"  {role} = {fam!r}")
    lines.extend(textwrap.wrap(f"{d.symbol()} = {sp.sstr(d.expr)}", 96, initial_indent="  ",
                               subsequent_indent="      "))
    if d.assumptions:
        lines.extend(textwrap.wrap("assumptions: " + ", ".join(sp.sstr(a) for a in d.assumptions), 96,
                                   initial_indent="  ", subsequent_indent="      "))
    if conditions(d):
        lines.extend(textwrap.wrap(conditions_note(d), 96, initial_indent="  ", subsequent_indent="      "))
    if plan.sig.counts:
        arrays = ", ".join(plan.symbol_names[b] for b in plan.sig.symbols if plan.sig.is_array(b))
        lines.append(f"  {arrays}: sequences of the K class values (index 0 .. K-1)")
    lines.append(f"generated by symdiv {__version__} (symdiv.gencode), with a numerically stable rewrite:")
    lines.append("  0*log(0) = 0 via xlogy, log1p/expm1, ratios of parameters, lgamma for gamma functions")
    if comment == "#":
        return ["# " + x for x in lines]
    return ["/*", *(" * " + x for x in lines), " */"]


def python_source(plan: Plan, printer_cls: type[Printer]) -> str:
    """A self-contained Python module: the provenance comment, ``import math``, the helpers it
    calls and the function."""
    printer = _printer(printer_cls, plan)
    body = _python_body(plan, printer)
    code = "\n".join(body)
    helpers = used_helpers(code, PY_HELPERS)
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    doc = f'    """{plan.derivation.symbol()}; see the comment above."""'
    parts = ["\n".join(_header(plan, "#")), "import math", *(PY_HELPERS[h].strip("\n") for h in helpers),
             "\n".join([f"def {plan.name}({args}):", doc, code])]
    return "\n\n\n".join(parts) + "\n"


def _c_type(s: sp.Basic) -> str:
    return "const double *" if isinstance(s, sp.IndexedBase) else "double "


def c_source(plan: Plan, printer_cls: type[Printer]) -> str:
    """A C99 function: the provenance comment, ``#include <math.h>``, the static helpers it calls
    and the function; sums become loops."""
    printer = _printer(printer_cls, plan)
    params = [f"{_c_type(s)}{plan.symbol_names[s]}" for s in plan.sig.symbols]
    params += [f"long {plan.symbol_names[k]}" for k in plan.sig.counts]
    lines = []
    for tmp, s in plan.statements:
        body = printer.doprint(s.function)
        lines.append(f"    double {tmp} = 0.0;")
        loops_open: list[str] = []
        for k, lo, hi in s.limits:
            kname = printer.doprint(k)
            if is_class_sum(s, plan.sig) or (lo.is_Integer and hi.free_symbols <= set(plan.sig.counts)):
                loops_open.append(f"for (long {kname} = {printer.doprint(lo)}; {kname} <= {printer.doprint(hi)}; "
                                  f"++{kname})")
            else:
                loops_open.append(f"for (double {kname} = {printer.doprint(lo)}; {kname} <= {printer.doprint(hi)}; "
                                  f"{kname} += 1.0)")
        pad = "    "
        for loop in loops_open:
            lines.append(f"{pad}{loop} {{")
            pad += "    "
        lines.append(f"{pad}{tmp} += {body};")
        for _ in loops_open:
            pad = pad[:-4]
            lines.append(f"{pad}}}")
    expr = printer.doprint(plan.expr)
    used = plan.expr.free_symbols | {a for _, sm in plan.statements for a in sm.free_symbols}
    used |= {a.base for _, sm in plan.statements for a in sm.atoms(sp.Indexed)}
    used |= {a.base for a in plan.expr.atoms(sp.Indexed)}
    unused = [plan.symbol_names[s] for s in (*plan.sig.symbols, *plan.sig.counts) if s not in used]
    lines[:0] = [f"    (void){name};  /* not needed by this closed form */" for name in unused]
    lines.append(f"    return {expr};")
    if printer._not_supported:
        raise UnsupportedError(f"C: cannot print {', '.join(map(sp.sstr, printer._not_supported))}")
    code = "\n".join(lines)
    helpers = used_helpers(code, C_HELPERS)
    signature = f"double {plan.name}({', '.join(params) or 'void'})"
    parts = ["\n".join(_header(plan, "/*")), "#include <math.h>", *(C_HELPERS[h].strip("\n") for h in helpers),
             "\n".join([signature, "{", code, "}"])]
    return "\n\n".join(parts) + "\n"


def array_source(plan: Plan, printer_cls: type[Printer]) -> str:
    """The function for numpy, torch or jax (its names come from the backend's namespace)."""
    printer = _printer(printer_cls, plan)
    lines = [f"    {tmp} = {printer.doprint(s)}" for tmp, s in plan.statements]
    expr = printer.doprint(plan.expr)
    k_lines = []
    if plan.uses_k and any(k in plan.expr.free_symbols for k in plan.sig.counts):
        k_lines = [f"    {plan.symbol_names[k]} = {plan.symbol_names[b]}.shape[-1]"
                   for k, b in plan.sig.counts.items()]
    ret = f"    return ({expr})[..., 0]" if plan.class_axis else f"    return {expr}"
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    return "\n".join([f"def {plan.name}({args}):", *k_lines, *lines, ret]) + "\n"


def mpmath_source(plan: Plan, printer_cls: type[Printer]) -> str:
    """The function for mpmath (its helpers come from the backend's namespace)."""
    printer = _printer(printer_cls, plan)
    body = _python_body(plan, printer)
    args = ", ".join(plan.symbol_names[s] for s in plan.sig.symbols)
    return "\n".join([f"def {plan.name}({args}):", *body]) + "\n"
