"""The extreme-parameter fuzzer of the generated code (tests/test_codegen_extremes.py).

Catalog pairs with closed forms (same family and the documented cross pairs; entropy, cross entropy
and KL), parameters drawn log-uniformly in [1e-300, 1e300] within their domains (probabilities in
(0, 1), positive scales and shapes, signed locations, ordered Uniform bounds), the generated numpy
function compared with the closed form at the binary values of the arguments as exact rationals,
evaluated by SymPy's strict evalf (as many digits as the cancellation needs). Where the true value
exceeds the largest double the function must give inf of the same sign.

Run ``python tests/extremes.py [points per case] [seed] [--plain]`` for the failures of a larger
draw (``--plain``: the generated code without its run-time check, ``to_function(..., checked=False)``).
"""

from __future__ import annotations

import functools
import math
import random
import sys
from typing import Any

import mpmath
import sympy as sp

import symdiv as sd
from symdiv.families.pairs import CROSS_PAIRS
from symdiv.gencode import parameter_names, to_function
from symdiv.numeric import substitute

MEASURES = {"entropy": sd.entropy, "cross_entropy": sd.cross_entropy, "kl_divergence": sd.kl_divergence}
#: scalar-parameter families whose closed forms the numpy backend computes
SCALAR = ("Bernoulli", "Normal", "Exponential", "Gamma", "Beta", "Laplace", "LogNormal", "Uniform", "HalfNormal",
          "Gumbel", "Pareto", "Weibull", "Poisson", "Geometric")
DBL_MAX = 1.7976931348623157e308


def cases() -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    for f in SCALAR:
        out.append((f, None, "entropy"))
        out.extend((f, f, m) for m in ("cross_entropy", "kl_divergence"))
    out.extend((a, b, m) for a, b in CROSS_PAIRS if a in SCALAR and b in SCALAR
               for m in ("cross_entropy", "kl_divergence"))
    return out


@functools.cache
def derivation(P: str, Q: str | None, measure: str) -> sd.Derivation | None:
    fam = {f.name: f for f in sd.CATALOG}
    first = fam[P].symbolic_example(1)
    d = MEASURES[measure](first) if Q is None else MEASURES[measure](first, fam[Q].symbolic_example(2))
    if not d.is_complete or any(lim[2] == sp.oo for s in d.expr.atoms(sp.Sum) for lim in s.limits):
        return None
    return d


@functools.cache
def function(P: str, Q: str | None, measure: str, checked: bool = True) -> Any:
    """The numpy function; ``checked=False``: the plain generated code, without the error bound
    and the mpmath fallback (what the stable rewrite alone achieves)."""
    d = derivation(P, Q, measure)
    return None if d is None else to_function(d, checked=checked)


def _symbols(d: sd.Derivation) -> list[sp.Symbol]:
    by_name = {str(s): s for f in d.families for s in f.free_symbols}
    return [by_name[n] for n in parameter_names(d)]


def _magnitude(rng: random.Random) -> float:
    if rng.random() < 0.25:  # moderate values beside extreme ones
        return 10 ** rng.uniform(-3, 3)
    return 10 ** rng.uniform(-300, 300)


def draw(d: sd.Derivation, rng: random.Random) -> tuple[float, ...]:
    """One point: a value per parameter of ``parameter_names(d)`` within its domain."""
    values: list[float] = []
    syms = _symbols(d)
    for s in syms:
        name = str(s).rsplit("_", 1)[0]
        if name in ("p", "q"):  # probabilities in (0, 1)
            v = 10 ** rng.uniform(-300, 0) if rng.random() < 0.5 else 1 - 10 ** rng.uniform(-16, 0)
            v = min(max(v, 1e-300), 1 - 2**-53)
        elif s.is_positive:
            v = _magnitude(rng)
        else:
            v = rng.choice((-1, 1)) * _magnitude(rng) if rng.random() < 0.9 else 0.0
        values.append(float(v))
    for fam in d.families:  # Uniform(a, b): a < b
        if type(fam).__name__ == "Uniform":
            ia, ib = (syms.index(fam.params[k]) for k in ("a", "b"))
            a, b = sorted((values[ia], values[ib]))
            if a == b:
                b = a + abs(a) * 1e-10 + 1e-300
            values[ia], values[ib] = a, b
    return tuple(values)


def reference(d: sd.Derivation, args: tuple[float, ...]) -> float | None:
    """The closed form at the binary values of the arguments, rounded to a double: mpmath at twice
    as many digits as the decimal exponents span (so that terms of size 1e300 that cancel to 1 keep
    their digits), checked at twice that; +-inf beyond the largest double and where a condition
    fails; None where the two precisions disagree (no certain value)."""
    syms = _symbols(d)
    point = {s: sp.Rational(v) for s, v in zip(syms, args)}  # the double's exact value
    if any(substitute(c, point) == sp.false for c in d.conditions):
        return math.inf
    f = _mp_function(d)
    mag = max([abs(math.log10(abs(v))) for v in args if v] + [0])
    values = []
    for dps in (int(60 + 2 * mag), int(120 + 4 * mag)):
        with mpmath.workdps(dps):
            try:
                values.append(f(*(mpmath.mpf(r.p) / r.q for r in point.values())))
            except (ValueError, ZeroDivisionError, OverflowError):
                return None
    a, b = values
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return float(a) if a == b and mpmath.isinf(a) else None
    if abs(a - b) > abs(b) * mpmath.mpf(10) ** -20 + mpmath.mpf(10) ** -320:
        return None
    if abs(b) > DBL_MAX:
        return math.copysign(math.inf, float(mpmath.sign(b)))
    return float(b)


@functools.cache
def _mp_function(d: sd.Derivation) -> Any:
    return sp.lambdify(_symbols(d), d.expr, "mpmath")


def check(P: str, Q: str | None, measure: str, args: tuple[float, ...], rel: float = 1e-8,
          checked: bool = True, conditioning: bool = True) -> tuple[bool, float, Any]:
    """(ok, got, reference) of the numpy function at ``args``; ``conditioning=False``: within
    ``rel`` only, not the (costly) error that the condition of the problem justifies."""
    d = derivation(P, Q, measure)
    assert d is not None
    got = float(function(P, Q, measure, checked)(*args))
    ref = reference(d, args)
    if ref is None:
        return True, got, ref
    if math.isinf(ref):
        return got == ref or (abs(got) > 1e307 and math.copysign(1, got) == math.copysign(1, ref)), got, ref
    if math.isnan(got) or math.isinf(got):
        return False, got, ref
    if abs(got - ref) <= rel * abs(ref) + 1e-300:
        return True, got, ref
    if not conditioning:
        return False, got, ref
    return abs(got - ref) <= 10 * spread(d, args, ref) + rel * abs(ref), got, ref


def spread(d: sd.Derivation, args: tuple[float, ...], ref: float) -> float:
    """How far the value moves when one argument moves by one unit in the last place: the error that
    the condition of the problem itself justifies (Bernoulli KL at p = 1 - 1e-11, where 1 - p has
    only 5 correct digits)."""
    out = 0.0
    for j, v in enumerate(args):
        for to in (math.inf, -math.inf):
            moved = list(args)
            moved[j] = math.nextafter(v, to)
            r = reference(d, tuple(moved))
            if r is None or math.isinf(r):
                return math.inf if r is not None and math.isinf(r) else out
            out = max(out, abs(r - ref))
    return out


def run(n: int, seed: int, only: list[tuple[str, str | None, str]] | None = None,
        checked: bool = True) -> tuple[int, list[tuple]]:
    """(points checked, failures) over the cases (or ``only``), ``n`` points each."""
    count, failures = 0, []
    for case in only or cases():
        d = derivation(*case)
        if d is None:
            continue
        rng = random.Random(f"{seed}/{case}")
        for _ in range(n):
            args = draw(d, rng)
            ok, got, ref = check(*case, args, checked=checked)
            count += 1
            if not ok:
                failures.append((case, args, got, ref))
    return count, failures


if __name__ == "__main__":  # pragma: no cover - a manual run
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    total, bad = run(n, seed, checked="--plain" not in sys.argv)
    for case, args, got, ref in bad:
        print(case, args, got, ref)
    print(f"{len([c for c in cases() if derivation(*c) is not None])} cases, {total} points, {len(bad)} failures")
