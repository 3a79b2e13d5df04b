"""Benchmark the whole symdiv catalog, cold in one process, against SymPy's integrate/summation and sympy.stats.

Run from the repository root (symdiv need not be installed)::

    python benchmarks/catalog.py                  # full run: about 10-15 minutes (baselines have a 60 s cap)
    python benchmarks/catalog.py --quick          # smoke test: 4 families, 3 cross pairs, 5 s cap; < 60 s
    python benchmarks/catalog.py --repeat 5 --timeout 120 --json catalog.json
    python benchmarks/catalog.py --only Gumbel --repeat 1    # only the entries whose name contains "Gumbel"

What it measures (every timing is ``time.perf_counter()`` around the call only; imports and the
construction of distributions, integrands and random variables happen before the clock starts):

1. Session. In ONE fresh Python process: ``import symdiv`` (untimed), ``sd.clear_caches()`` once,
   then, one call at a time, every same-family entry -- ``entropy``, ``cross_entropy``,
   ``kl_divergence`` and ``verify_decomposition`` of ``F.symbolic_example(1)`` vs
   ``F.symbolic_example(2)`` for every family F of ``sd.CATALOG`` -- and every listed cross pair
   (``kl_divergence`` + ``verify_decomposition``, P = F.symbolic_example(1), Q = G.symbolic_example(2)).
   Caches are cleared only once, so a later call may reuse what an earlier one derived (as in a
   user's session). Every call is timed; ``is_complete``/``is_infinite`` and ``holds`` are recorded.
   Repeated ``--repeat`` times (a fresh process each time): per-call medians and the median total
   are reported. Target: total < 15 s on 2 cores. These runs happen alone, before any baseline.
2. Baselines. For every same-family ``entropy`` and ``kl_divergence`` entry (families without a
   scalar density in ``sd.X`` -- Categorical and Dirichlet, with a symbolic K -- are skipped) and
   every cross-pair ``kl_divergence``: the definition
   (H(P) = -E_P[log p(X)], KL = E_P[log(p(X)/q(X))]) built from symdiv's own ``P.density(sd.X)``
   and ``Q.density(sd.X)`` -- so the symbols and their assumptions are symdiv's -- handed to
   ``sympy.integrate`` over supp P (continuous) or to ``sympy.summation`` over supp P with an
   integer index k >= 0 in place of X (discrete). No ``simplify``. For entropy rows also
   ``sympy.stats.entropy`` of the matching sympy.stats random variable, same symbols (Gamma
   with scale 1/rate; Gumbel(beta, mu); Weibull(scale, shape); sympy's Geometric counts trials from
   1, symdiv's failures from 0 -- a shift, so the entropy is the same; HalfNormal and Categorical
   have no sympy.stats counterpart). Each baseline runs in its own fresh process, interrupted after
   ``--timeout`` seconds (and killed a little later if that fails). Outcome: "closed form",
   "unevaluated" (an Integral, Sum or Expectation is left), "timeout" or "error: <type>". A closed
   form is compared with symdiv's result at one random exact parameter point (drawn from symdiv's
   domains, satisfying the derivation's stated conditions) with mpmath at 30 digits; "wrong" marks
   a mismatch (a complex value included), and then a direct mpmath quadrature/sum of the definition
   says which side is off. An unevaluated ``Piecewise`` whose branch at that point is closed is
   compared the same way (shown as "Piecewise, closed at the point").
   Baselines run ``--jobs`` (default 2) at a time, so each shares the 2 cores with another;
   symdiv's timings were taken alone. Ratio = baseline time / symdiv's time for that call in the
   session (a lower bound when the baseline timed out).

The output is a Markdown table plus summary lines on stdout (progress on stderr); ``--json PATH``
also writes every number.

The full suite, which writes docs/benchmarks.md, is benchmarks/run.py; it reuses this script's baselines
and one-process session.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from core import code_version, run_child  # noqa: E402 - the shared child-process runner of benchmarks/core.py

MEASURES = ("entropy", "cross_entropy", "kl_divergence", "verify")
CROSS_MEASURES = ("kl_divergence", "verify")
BASELINE_MEASURES = ("entropy", "kl_divergence")

#: the families are read from sd.CATALOG at run time; the cross pairs are this list
CROSS_PAIRS = (
    ("Bernoulli", "Poisson"), ("Beta", "Exponential"), ("Beta", "Gamma"), ("Beta", "Normal"), ("Beta", "Uniform"),
    ("Exponential", "Gamma"), ("Exponential", "Gumbel"), ("Exponential", "Normal"), ("Gamma", "Exponential"),
    ("Gamma", "Gumbel"), ("Gamma", "Normal"), ("Gumbel", "Normal"), ("Laplace", "Normal"), ("Normal", "Gumbel"),
    ("Normal", "Laplace"), ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "Beta"),
    ("Uniform", "Exponential"), ("Uniform", "Gamma"), ("Uniform", "Gumbel"), ("Uniform", "Normal"),
    ("Uniform", "Pareto"), ("Exponential", "LogNormal"), ("Geometric", "Poisson"), ("Poisson", "Geometric"),
    ("Bernoulli", "Binomial"),
)
QUICK_FAMILIES = ("Bernoulli", "Normal", "Exponential", "Uniform")
QUICK_PAIRS = (("Exponential", "Normal"), ("Uniform", "Exponential"), ("Bernoulli", "Binomial"))

#: sympy.stats constructor arguments, as expressions in symdiv's parameter names
STATS_ARGS = {
    "Bernoulli": ("p",), "Normal": ("mu", "sigma"), "Exponential": ("rate",), "Gamma": ("shape", "1/rate"),
    "Beta": ("alpha", "beta"), "Laplace": ("mu", "b"), "LogNormal": ("mu", "sigma"), "Uniform": ("a", "b"),
    "Gumbel": ("beta", "mu"), "Pareto": ("x_m", "alpha"), "Weibull": ("lam", "k"), "Poisson": ("rate",),
    "Geometric": ("p",), "Binomial": ("n", "p"),
}

TARGET_SESSION_S = 15.0
DIGITS = 30
#: seconds allowed on top of --timeout for interpreter start-up and imports
STARTUP_GRACE_S = 5.0
#: seconds allowed for the numeric check after a closed form
CHECK_BUDGET_S = 30.0
SESSION_TIMEOUT_S = 300.0
PREP_TIMEOUT_S = 300.0

# ---------------------------------------------------------------------------------------------
# Child programs. Each runs as `python -c CODE SPEC_JSON` and prints JSON lines on stdout.
# ---------------------------------------------------------------------------------------------

#: Every child starts here, untimed; the last two lines finish SymPy's deferred imports (as in core.py).
_PRELUDE = """
import json, sys, time
import sympy
_warm = sympy.Symbol("warm", positive=True)
_warm = (sympy.log(_warm + 1) * _warm).is_positive
"""

#: The session: all entries in one process, caches cleared once, each call timed.
SESSION_CHILD = _PRELUDE + """
import symdiv as sd

spec = json.loads(sys.argv[1])
calls = []
for key, p, q, measure in spec["entries"]:
    try:
        calls.append((key, measure, getattr(sd, p).symbolic_example(1), getattr(sd, q).symbolic_example(2)))
    except Exception as exc:
        calls.append((key, "construction failed: " + type(exc).__name__ + ": " + str(exc)[:200], None, None))
sd.clear_caches()
wall = time.perf_counter()
for key, measure, P, Q in calls:
    record, result = {"key": key}, None
    start = time.perf_counter()
    try:
        if P is None:
            raise RuntimeError(measure)
        if measure == "entropy":
            result = sd.entropy(P)
        elif measure == "cross_entropy":
            result = sd.cross_entropy(P, Q)
        elif measure == "kl_divergence":
            result = sd.kl_divergence(P, Q)
        else:
            result = sd.verify_decomposition(P, Q)
    except Exception as exc:
        record["error"] = type(exc).__name__ + ": " + str(exc)[:200]
    record["seconds"] = time.perf_counter() - start
    if result is not None and hasattr(result, "holds"):
        record["holds"] = result.holds
    elif result is not None:
        record["complete"], record["infinite"] = bool(result.is_complete), bool(result.is_infinite)
    print(json.dumps(record), flush=True)
print(json.dumps({"wall_seconds": time.perf_counter() - wall}), flush=True)
"""

#: Untimed, first: the catalog (from sd.CATALOG), which families allow a baseline, and for every baseline
#: entry symdiv's result, the integrand, the sympy.stats arguments and a random point.
PREP_CHILD = _PRELUDE + """
import random
import symdiv as sd

spec = json.loads(sys.argv[1])
k = sympy.Symbol("k", integer=True, nonnegative=True)


def univariate(F):
    # a baseline needs a density in sd.X with no indexed (symbolic-K) parameters, and an interval or atoms
    try:
        P = F.symbolic_example(1)
        density, supp = P.density(sd.X), P.support()
    except Exception as exc:
        return "no density in X (" + type(exc).__name__ + ")"
    if density.has(sympy.Indexed) or density.has(sympy.IndexedBase):
        return "symbolic number of parameters"
    if not (hasattr(supp, "values") or (hasattr(supp, "lo") and hasattr(supp, "hi"))):
        return "support " + type(supp).__name__
    return None


def draw_point(P, Q, derivation, rng, tries=5000):
    relations = [c for c in derivation.assumptions if isinstance(c, sympy.core.relational.Relational)
                 and not c.has(sympy.Indexed, sympy.Sum)]
    point = {}
    for _ in range(tries):
        point = Q.sample(rng, P.sample(rng))
        if all(c.xreplace(point) == sympy.true for c in relations):
            return point, True
    return point, False


catalog = [{"name": F.name, "no_baseline": univariate(F)} for F in sd.CATALOG]
print(json.dumps({"catalog": catalog}), flush=True)
names = [c["name"] for c in catalog if c["no_baseline"] is None]
todo = [(p, p, m) for p in names if spec["families"] is None or p in spec["families"] for m in spec["measures"]]
todo += [(p, q, "kl_divergence") for p, q in spec["pairs"] if p in names and q in names]
for p, q, measure in todo:
    out = {"p": p, "q": q, "measure": measure}
    try:
        P, Q = getattr(sd, p).symbolic_example(1), getattr(sd, q).symbolic_example(2)
        derivation = {"entropy": lambda: sd.entropy(P), "cross_entropy": lambda: sd.cross_entropy(P, Q),
                      "kl_divergence": lambda: sd.kl_divergence(P, Q)}[measure]()
        supp = P.support()
        lo, hi = (min(supp.values), max(supp.values)) if hasattr(supp, "values") else (supp.lo, supp.hi)
        p_x, q_x = P.density(sd.X), Q.density(sd.X)
        integrand = {"entropy": -p_x * sympy.log(p_x), "cross_entropy": -p_x * sympy.log(q_x),
                     "kl_divergence": p_x * sympy.log(p_x / q_x)}[measure]
        var, log_p, log_q = sd.X, sympy.log(p_x), sympy.log(q_x)
        if P.discrete:
            var, integrand, log_p, log_q = (e.xreplace({sd.X: k}) for e in (k, integrand, log_p, log_q))
        point, met = draw_point(P, Q, derivation, random.Random(f"{spec['seed']}/{p}/{q}/{measure}"))
        out.update(operator="summation" if P.discrete else "integrate", integrand=sympy.srepr(integrand),
                   log_p=sympy.srepr(log_p), log_q=sympy.srepr(log_q), measure=measure,
                   var=sympy.srepr(var), lo=sympy.srepr(sympy.sympify(lo)), hi=sympy.srepr(sympy.sympify(hi)),
                   symdiv=None if derivation.expr.has(sd.Expectation) else sympy.srepr(derivation.expr),
                   point={str(s): str(v) for s, v in point.items()}, conditions_met=met)
        if measure == "entropy" and p in spec["stats"]:
            args = [sympy.sympify(a, locals=dict(P.params)) for a in spec["stats"][p]]
            out["stats_args"] = [sympy.srepr(a) for a in args]
    except Exception as exc:
        out["error"] = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps(out), flush=True)
"""

#: One baseline (integrate, summation or sympy.stats.entropy), then (untimed) the numeric check.
BASELINE_CHILD = _PRELUDE + """
import signal
import mpmath
import sympy.stats
from sympy.stats.symbolic_probability import Expectation as StatsExpectation

spec = json.loads(sys.argv[1])
NAMESPACE = dict(vars(sympy))


def parse(text):
    return eval(text, NAMESPACE)  # our own srepr strings


class Overtime(BaseException):
    pass


def alarm(signum, frame):
    raise Overtime


signal.signal(signal.SIGALRM, alarm)
integrand, var, lo, hi = (parse(spec[name]) for name in ("integrand", "var", "lo", "hi"))
if spec["kind"] == "sympy.stats.entropy":
    Y = getattr(sympy.stats, spec["family"])("Y", *(parse(a) for a in spec["stats_args"]))
    run = lambda: sympy.stats.entropy(Y)
elif spec["kind"] == "integrate":
    run = lambda: sympy.integrate(integrand, (var, lo, hi))
else:
    run = lambda: sympy.summation(integrand, (var, lo, hi))

result, outcome, message = None, None, None
start = time.perf_counter()
try:
    try:
        signal.setitimer(signal.ITIMER_REAL, spec["timeout"], 1.0)
        result = run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
except Overtime:
    outcome = "timeout"
except Exception as exc:
    outcome, message = "error: " + type(exc).__name__, str(exc)[:200]
seconds = time.perf_counter() - start
if outcome is None:
    unevaluated = result.has(sympy.Integral, sympy.Sum, StatsExpectation) if isinstance(result, sympy.Basic) else True
    outcome = "unevaluated" if unevaluated else "closed form"
print(json.dumps({"seconds": seconds, "outcome": outcome, "message": message,
                  "result": None if result is None else str(result)[:400],
                  "piecewise": isinstance(result, sympy.Basic) and result.has(sympy.Piecewise)}), flush=True)

conditional = outcome == "unevaluated" and result.has(sympy.Piecewise) and not result.has(sympy.Sum)
if (outcome == "closed form" or conditional) and spec.get("symdiv"):
    digits = spec["digits"]
    work = digits + 20
    point = {name: sympy.Rational(value) for name, value in spec["point"].items()}

    class LeftUnevaluated(Exception):
        pass

    def sum_value(s):
        (i, a, b), = s.limits
        f = sympy.lambdify(i, s.function, modules="mpmath")
        if b == sympy.oo:
            return mpmath.nsum(f, [int(a), mpmath.inf])
        return mpmath.fsum(f(j) for j in range(int(a), int(b) + 1))

    def at_point(expr, sums=True):
        # a real or complex mpmath number (a complex baseline is then "wrong", not a failed check)
        expr = expr.subs({s: point[s.name] for s in expr.free_symbols if s.name in point})
        if expr.has(sympy.Integral) or (not sums and expr.has(sympy.Sum)):
            raise LeftUnevaluated
        while expr.has(sympy.Sum):
            inner = [s for s in expr.atoms(sympy.Sum) if not s.function.has(sympy.Sum)]
            expr = expr.xreplace({s: sympy.Float(sum_value(s), work) for s in inner})
        value = sympy.N(expr, work)
        re, im = value.as_real_imag()
        if not re.is_Number or not im.is_Number:
            raise ValueError("not a number at the point: " + str(value)[:100])
        re, im = mpmath.mpf(sympy.Float(re, work)._mpf_), mpmath.mpf(sympy.Float(im, work)._mpf_)
        return re if abs(im) <= mpmath.mpf(10) ** (-digits) else mpmath.mpc(re, im)

    def real(value):
        value = mpmath.mpmathify(value)
        return value.real if isinstance(value, mpmath.mpc) and abs(value.imag) < mpmath.mpf(10) ** -digits else value

    def definition():
        # the definition at the point, by mpmath quadrature/summation (a rough tiebreaker), from the
        # log-densities: with numbers for the parameters every density is positive, so expanding its
        # logarithm is sound, and p = exp(log p) below e^-10000 counts as 0 (no doubly-exponential tails)
        def log_density(name):
            expr = parse(spec[name])
            at = expr.subs({s: point[s.name] for s in expr.free_symbols if s.name in point})
            return sympy.lambdify(var, sympy.expand_log(at, force=True), modules="mpmath")

        log_p, log_q = log_density("log_p"), log_density("log_q")

        def f(t):
            a = real(log_p(t))
            if a < -10000:
                return mpmath.mpf(0)
            if spec["measure"] == "entropy":
                return -mpmath.exp(a) * a
            if spec["measure"] == "cross_entropy":
                return -mpmath.exp(a) * real(log_q(t))
            return mpmath.exp(a) * (a - real(log_q(t)))

        a, b = (mpmath.mpf(sympy.N(at, work)) if at.is_finite else (mpmath.inf if at == sympy.oo else -mpmath.inf)
                for at in (lo.subs({s: point[s.name] for s in lo.free_symbols}),
                           hi.subs({s: point[s.name] for s in hi.free_symbols})))
        if spec["kind"] == "summation":
            return real(mpmath.nsum(f, [a, b]))
        inner = sorted({mpmath.mpf(t) for t in (-100, -10, -1, 0, 1, 10, 100) if a < t < b})
        return real(mpmath.quad(lambda t: real(f(t)), [a, *inner, b]))

    def close(a, b, rel):
        return abs(a - b) <= rel * max(1, abs(b))

    check = {"closed_at_point": True} if conditional else {}
    signal.setitimer(signal.ITIMER_REAL, spec["check_budget"], 1.0)
    try:
        with mpmath.workdps(work):
            theirs, ours = at_point(result, sums=False), at_point(parse(spec["symdiv"]))
            check.update(baseline_value=mpmath.nstr(theirs, digits), symdiv_value=mpmath.nstr(ours, digits),
                         baseline_matches_symdiv=close(theirs, ours, mpmath.mpf(10) ** (20 - digits)))
            if isinstance(ours, mpmath.mpc):
                check["symdiv_not_real"] = True
            if isinstance(theirs, mpmath.mpc) and not isinstance(ours, mpmath.mpc):
                check["baseline_not_real"] = True
            elif not check["baseline_matches_symdiv"]:
                with mpmath.workdps(20):
                    truth = definition()
                check.update(definition_value=mpmath.nstr(truth, 15),
                             definition_matches_symdiv=close(ours, truth, mpmath.mpf(10) ** -8),
                             definition_matches_baseline=close(theirs, truth, mpmath.mpf(10) ** -8))
        signal.setitimer(signal.ITIMER_REAL, 0)
    except Overtime:
        check["check_error"] = "timed out"
    except LeftUnevaluated:
        signal.setitimer(signal.ITIMER_REAL, 0)
        check = {"closed_at_point": False} if conditional else {"check_error": "unevaluated at the point"}
    except Exception as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)
        check["check_error"] = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps(check), flush=True)
"""


def source_digest() -> str:
    """A hash of symdiv's sources, to notice an edit made while the benchmark runs."""
    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "symdiv").rglob("*.py")):
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------


@dataclass
class Baseline:
    kind: str  # "integrate", "summation" or "sympy.stats.entropy"
    seconds: float | None = None
    outcome: str | None = None
    #: the exception's message (errors) or the result, shortened
    message: str | None = None
    result: str | None = None
    piecewise: bool = False
    check: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None
    ratio_is_lower_bound: bool = False


@dataclass
class Entry:
    p_family: str
    q_family: str
    measure: str
    #: why this entry has no baseline (a multivariate or symbolic-K family), None when it has one
    no_baseline: str | None = None
    symdiv_s: float | None = None
    symdiv_samples_s: list[float] = field(default_factory=list)
    complete: bool | None = None
    infinite: bool | None = None
    holds: bool | None = None
    error: str | None = None
    point: dict[str, str] = field(default_factory=dict)
    conditions_met: bool | None = None
    prep_error: str | None = None
    definition: Baseline | None = None
    stats: Baseline | None = None

    @property
    def key(self) -> str:
        pair = self.p_family if self.p_family == self.q_family else f"{self.p_family} → {self.q_family}"
        return f"{pair} / {self.measure}"

    @property
    def needs_baseline(self) -> bool:
        return self.measure in BASELINE_MEASURES and self.no_baseline is None

    def spec(self) -> list[str]:
        return [self.key, self.p_family, self.q_family, self.measure]


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------


def prepare(quick: bool, seed: int, *, families: Sequence[str] | None = None,
            pairs: Sequence[tuple[str, str]] | None = None, measures: Sequence[str] = BASELINE_MEASURES,
            ) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str], dict[str, Any]], str]:
    """The catalog and, for every baseline entry, its integrand, symdiv's result and a point (one untimed child).

    ``families`` and ``pairs`` default to this script's selection (the quick one with ``quick``); ``measures``
    are the same-family measures to prepare ("entropy", "cross_entropy", "kl_divergence").
    """
    if families is None and quick:
        families = QUICK_FAMILIES
    if pairs is None:
        pairs = QUICK_PAIRS if quick else CROSS_PAIRS
    spec = {"families": None if families is None else list(families), "pairs": [list(pq) for pq in pairs],
            "measures": list(measures), "seed": seed, "stats": STATS_ARGS}
    run = run_child(PREP_CHILD, spec, PREP_TIMEOUT_S)
    catalog = next((r["catalog"] for r in run.records if "catalog" in r), [])
    records = {(r["p"], r["q"], r["measure"]): r for r in run.records if "catalog" not in r}
    return catalog, records, run.status


def make_entries(catalog: list[dict[str, Any]], quick: bool) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Same-family entries for every catalog family (or the quick subset), then the cross pairs in the catalog."""
    why = {c["name"]: c["no_baseline"] for c in catalog}
    families = [name for name in why if not quick or name in QUICK_FAMILIES]
    pairs = [(p, q) for p, q in (QUICK_PAIRS if quick else CROSS_PAIRS) if p in why and q in why]
    entries = [Entry(f, f, m, why[f]) for f in families for m in MEASURES]
    entries += [Entry(p, q, m, why[p] or why[q]) for p, q in pairs for m in CROSS_MEASURES]
    return entries, pairs


def measure_session(entries: list[Entry], repeat: int, log: Any) -> dict[str, Any]:
    """Run the one-process session ``repeat`` times; fill per-entry medians and flags."""
    spec = {"entries": [e.spec() for e in entries]}
    by_key = {e.key: e for e in entries}
    totals, walls, problems = [], [], []
    for attempt in range(repeat):
        log(f"session run {attempt + 1}/{repeat} (symdiv alone) ...")
        run = run_child(SESSION_CHILD, spec, SESSION_TIMEOUT_S)
        if run.status != "ok":
            problems.append(run.status)
        seen, calls = 0.0, 0
        for record in run.records:
            if "wall_seconds" in record:
                walls.append(record["wall_seconds"])
                continue
            entry = by_key[record["key"]]
            entry.symdiv_samples_s.append(record["seconds"])
            seen, calls = seen + record["seconds"], calls + 1
            entry.error = record.get("error", entry.error)
            entry.complete, entry.infinite = record.get("complete"), record.get("infinite")
            entry.holds = record.get("holds")
        if run.status == "ok" and calls == len(entries):
            totals.append(seen)
    for entry in entries:
        if entry.symdiv_samples_s:
            entry.symdiv_s = statistics.median(entry.symdiv_samples_s)
    total = statistics.median(totals) if totals else None
    return {"total_median_s": total, "totals_s": totals, "wall_s": walls, "problems": sorted(set(problems)),
            "calls": len(entries), "target_s": TARGET_SESSION_S,
            "target_met": total is not None and total < TARGET_SESSION_S}


def attach(entries: list[Entry], records: dict[tuple[str, str, str], dict[str, Any]], status: str) -> None:
    for entry in entries:
        if not entry.needs_baseline:
            continue
        record = records.get((entry.p_family, entry.q_family, entry.measure), {"error": f"not prepared ({status})"})
        entry.prep_error = record.get("error")
        entry.point, entry.conditions_met = record.get("point", {}), record.get("conditions_met")


def run_baseline(kind: str, family: str, record: dict[str, Any], timeout: float,
                 check_budget: float = CHECK_BUDGET_S) -> Baseline:
    """One baseline in a fresh process; ``record["symdiv"] = None`` skips the numeric check."""
    names = ("integrand", "log_p", "log_q", "measure", "var", "lo", "hi", "symdiv", "point")
    spec = {**{name: record[name] for name in names},
            "kind": kind, "family": family, "stats_args": record.get("stats_args"), "timeout": timeout,
            "digits": DIGITS, "check_budget": check_budget}
    run = run_child(BASELINE_CHILD, spec, timeout + STARTUP_GRACE_S + check_budget)
    data = run.merged()
    base = Baseline(kind)
    if "outcome" not in data:  # killed or crashed before the baseline finished
        base.outcome = "timeout" if run.status == "timeout" else f"error: {run.status}"
        return base
    base.seconds, base.result, base.piecewise = data["seconds"], data["result"], data["piecewise"]
    base.message = data["message"]
    base.outcome = "timeout" if data["seconds"] > timeout else data["outcome"]
    base.check = {key: value for key, value in data.items()
                  if key not in ("seconds", "outcome", "message", "result", "piecewise")}
    if base.outcome == "closed form" and run.status == "timeout" and not base.check:
        base.check["check_error"] = "killed during the check"
    if base.check.get("baseline_matches_symdiv") is False:
        base.outcome = "wrong"
    return base


def measure_baselines(entries: list[Entry], records: dict[tuple[str, str, str], dict[str, Any]], timeout: float,
                      jobs: int, log: Any) -> float:
    """All baselines, ``jobs`` at a time; returns the wall-clock seconds."""
    tasks = []
    for entry in entries:
        record = records.get((entry.p_family, entry.q_family, entry.measure))
        if not entry.needs_baseline or record is None or "error" in record:
            continue
        tasks.append((entry, "definition", record["operator"], record))
        if "stats_args" in record:
            tasks.append((entry, "stats", "sympy.stats.entropy", record))

    def work(task: tuple[Entry, str, str, dict[str, Any]]) -> None:
        entry, slot, kind, record = task
        base = run_baseline(kind, entry.p_family, record, timeout)
        setattr(entry, slot, base)
        seconds = "—" if base.seconds is None else f"{base.seconds:.2f} s"
        log(f"  {entry.key}: {kind}: {base.outcome} ({seconds})")

    log(f"{len(tasks)} baselines, {jobs} at a time, {timeout:g} s cap ...")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(work, tasks))
    for entry in entries:
        for base in (entry.definition, entry.stats):
            if base is not None:
                _score(base, entry.symdiv_s, timeout)
    return time.perf_counter() - start


def _score(base: Baseline, symdiv_s: float | None, timeout: float) -> None:
    if not symdiv_s or (base.outcome or "error").startswith("error"):
        return
    if base.outcome == "timeout":
        base.ratio, base.ratio_is_lower_bound = timeout / symdiv_s, True
    elif base.seconds is not None:
        base.ratio = base.seconds / symdiv_s


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _symdiv_result(entry: Entry) -> str:
    if entry.error:
        return f"**error** {entry.error.split(':')[0]}"
    if entry.symdiv_s is None:
        return "**not run**"
    if entry.measure == "verify":
        return {True: "proved", False: "**false**", None: "**not proved**"}[entry.holds]
    if entry.infinite:
        return "+oo"
    return "closed form" if entry.complete else "series kept"


def _time_cell(base: Baseline | None, timeout: float) -> str:
    if base is None:
        return "—"
    if base.outcome == "timeout":
        return f">{timeout:g}"
    return "—" if base.seconds is None else f"{base.seconds:.3f}"


def _outcome_cell(base: Baseline | None) -> str:
    if base is None:
        return "—"
    check = base.check
    text = "**wrong**" if base.outcome == "wrong" else (base.outcome or "—")
    notes = []
    if check.get("closed_at_point") is not None:
        # an unevaluated Piecewise whose branch at the checked point is closed (or not)
        notes.append(f"Piecewise, {'closed' if check['closed_at_point'] else 'unevaluated'} at the point")
    elif base.piecewise and base.outcome in ("closed form", "wrong"):
        notes.append("Piecewise")
    if check.get("baseline_matches_symdiv") is True:
        notes.append("matches")
    elif check.get("check_error") and "baseline_matches_symdiv" in check:
        notes.append(f"tiebreaker failed: {check['check_error'][:60]}")
    elif check.get("check_error"):
        notes.append(f"check failed: {check['check_error'][:60]}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _ratio_cell(base: Baseline | None) -> str:
    if base is None or base.ratio is None:
        return "—"
    return f"{'≥ ' if base.ratio_is_lower_bound else ''}{base.ratio:.0f}"


def _row(entry: Entry, timeout: float) -> str:
    ms = "—" if entry.symdiv_s is None else f"{entry.symdiv_s * 1e3:.1f}"
    cells = [entry.key, ms, _symdiv_result(entry), _time_cell(entry.definition, timeout),
             _outcome_cell(entry.definition), _time_cell(entry.stats, timeout), _outcome_cell(entry.stats),
             _ratio_cell(entry.definition), _ratio_cell(entry.stats)]
    if entry.needs_baseline and entry.prep_error:
        cells[4] = f"not run ({entry.prep_error[:60]})"
    return "| " + " | ".join(cells) + " |"


def _counts(entries: list[Entry], slot: str) -> str:
    outcomes = Counter(getattr(e, slot).outcome for e in entries if getattr(e, slot) is not None)
    order = ("closed form", "wrong", "unevaluated", "timeout")
    parts = [f"{outcomes.pop(name)} {name}" for name in order if name in outcomes]
    parts += [f"{n} {name}" for name, n in sorted(outcomes.items())]
    return ", ".join(parts) or "none run"


def format_report(entries: list[Entry], session: dict[str, Any], timeout: float, jobs: int,
                  baseline_wall: float, scope: str = "whole catalog") -> str:
    lines = [
        "| entry | symdiv (ms) | symdiv result | integrate/summation (s) | outcome | sympy.stats.entropy (s) "
        "| outcome | ratio integrate/symdiv | ratio stats/symdiv |",
        "|---|---:|---|---:|---|---:|---|---:|---:|",
        *(_row(e, timeout) for e in entries),
        "",
    ]
    for entry in entries:
        for base in (entry.definition, entry.stats):
            if base is None or base.outcome != "wrong":
                continue
            check = base.check
            verdict = "; the baseline is not even real" if check.get("baseline_not_real") else ""
            if "definition_value" in check:
                agrees = [name for name in ("symdiv", "baseline") if check.get(f"definition_matches_{name}")]
                verdict = (f"; the definition by mpmath gives {check['definition_value']} "
                           f"(agrees with: {', '.join(agrees) or 'neither'})")
            lines.append(f"WARNING: {entry.key}: {base.kind} gives {check['baseline_value']} but symdiv gives "
                         f"{check['symdiv_value']} at {entry.point}{verdict}")
        for base in (entry.definition, entry.stats):
            if base is not None and base.outcome and base.outcome.startswith("error") and base.message:
                lines.append(f"NOTE: {entry.key}: {base.kind} raised {base.outcome[7:]}: {base.message}")
            if base is not None and base.check.get("symdiv_not_real"):
                lines.append(f"WARNING: {entry.key}: symdiv's value at {entry.point} is not real")
        if entry.error:
            lines.append(f"WARNING: {entry.key}: symdiv raised {entry.error}")
        elif entry.measure == "verify" and entry.symdiv_s is not None and entry.holds is not True:
            lines.append(f"WARNING: {entry.key}: the decomposition was not proved (holds = {entry.holds})")
        if entry.needs_baseline and entry.conditions_met is False:
            lines.append(f"NOTE: {entry.key}: no random point met the derivation's conditions; used {entry.point}")
    total = session["total_median_s"]
    total_text = "failed" if total is None else f"{total:.3f} s"
    runs = ", ".join(f"{t:.3f}" for t in session["totals_s"])
    same = sum(1 for e in entries if e.p_family == e.q_family)
    lines.append(f"Session (one fresh process, after import, caches cleared once): {same} same-family calls + "
                 f"{session['calls'] - same} cross-pair calls = {total_text} (median of {len(session['totals_s'])} "
                 f"run(s): {runs} s); target < {TARGET_SESSION_S:g} s: "
                 f"{'yes' if session['target_met'] else '**no**'}"
                 f"{'' if scope == 'whole catalog' else f' (a {scope} only; the target is for the whole catalog)'}")
    complete = sum(1 for e in entries if e.measure != "verify" and e.complete)
    derived = sum(1 for e in entries if e.measure != "verify")
    proved = sum(1 for e in entries if e.measure == "verify" and e.holds is True)
    verified = sum(1 for e in entries if e.measure == "verify")
    lines.append(f"  symdiv: {complete}/{derived} derivations in closed form (the others keep an explicit series "
                 f"or fail), {proved}/{verified} decompositions proved")
    if session["problems"]:
        lines.append(f"  problems: {'; '.join(session['problems'])}")
    skipped = sorted({f"{e.p_family if e.p_family == e.q_family else e.key.split(' /')[0]} ({e.no_baseline})"
                      for e in entries if e.no_baseline and e.measure in BASELINE_MEASURES})
    if skipped:
        lines.append(f"  No baselines for: {', '.join(skipped)}.")
    lines.append(f"Baselines: integrate/summation: {_counts(entries, 'definition')}; "
                 f"sympy.stats.entropy: {_counts(entries, 'stats')} ({timeout:g} s cap).")
    lines.append(f"  Baselines ran {jobs} at a time in fresh processes ({baseline_wall:.0f} s wall), each sharing the "
                 f"machine with another; symdiv's timings were taken alone, before them.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="session runs (fresh processes); medians are reported")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a baseline is stopped")
    parser.add_argument("--jobs", type=int, default=2, help="baseline processes at a time (the machine has 2 cores)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random point of the numeric check")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 session run, 5 s timeout, 4 families and 3 cross pairs")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="keep only the entries whose name contains TEXT (repeatable; for debugging)")
    parser.add_argument("--json", metavar="PATH", help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.jobs < 1 or args.timeout <= 0:
        parser.error("--repeat and --jobs must be >= 1 and --timeout > 0")
    repeat, timeout = (1, 5.0) if args.quick else (args.repeat, args.timeout)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log("reading the catalog and preparing the baselines (untimed) ...")
    catalog, records, status = prepare(args.quick, args.seed)
    if not catalog:
        print(f"could not read sd.CATALOG: {status}", file=sys.stderr)
        return 1
    entries, pairs = make_entries(catalog, args.quick)
    absent = [f"{p} → {q}" for p, q in (QUICK_PAIRS if args.quick else CROSS_PAIRS) if (p, q) not in pairs]
    if args.only:
        entries = [e for e in entries if any(text in e.key for text in args.only)]
        pairs = [(p, q) for p, q in pairs if any(e.p_family == p and e.q_family == q for e in entries)]
    families = sorted({e.p_family for e in entries if e.p_family == e.q_family}, key=[c["name"] for c in catalog].index)
    attach(entries, records, status)
    version, digest = code_version(), source_digest()
    session = measure_session(entries, repeat, log)
    baseline_wall = measure_baselines(entries, records, timeout, args.jobs, log)
    scope = "quick subset" if args.quick else ("selection (--only)" if args.only else "whole catalog")
    print(f"symdiv at {version} ({scope}: {len(families)} families, {len(pairs)} cross pairs); session runs {repeat}, "
          f"baseline cap {timeout:g} s, baselines {args.jobs} at a time\n")
    print(format_report(entries, session, timeout, args.jobs, baseline_wall, scope))
    if absent:
        print(f"  NOTE: cross pairs with a family missing from sd.CATALOG, skipped: {', '.join(absent)}")
    if source_digest() != digest:
        print("WARNING: symdiv's sources changed during the run; the numbers may mix two versions")
    if args.json:
        payload = {"config": {"repeat": repeat, "timeout_s": timeout, "jobs": args.jobs, "seed": args.seed,
                              "quick": args.quick, "families": families, "pairs": pairs, "digits": DIGITS,
                              "catalog": catalog, "pairs_absent": absent,
                              "python": sys.version.split()[0], "code": version,
                              "source_digest": digest},
                   "session": session, "baseline_wall_s": baseline_wall,
                   "entries": [{"key": e.key, **asdict(e)} for e in entries]}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
