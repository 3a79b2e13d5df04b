"""The catalog's entries and SymPy's baselines (a library of benchmarks/run.py, sections 1 and 2).

* :func:`prepare` -- one untimed child: the catalog (``sd.CATALOG``; which families allow a baseline),
  the documented cross pairs (``symdiv.families.pairs.CROSS_PAIRS``) and, for every same-family entry
  asked for, what its baseline needs.
* :func:`run_baseline` -- one baseline in a fresh process. The definition (H(P) = -E_P[log p(X)],
  H(P, Q) = -E_P[log q(X)], KL = E_P[log(p(X)/q(X))]) is built from symdiv's own ``P.density(sd.X)``
  and ``Q.density(sd.X)`` -- so the symbols and their assumptions are symdiv's -- and handed to
  ``sympy.integrate`` over supp P (continuous) or to ``sympy.summation`` with an integer index k >= 0
  in place of X (discrete); no ``simplify``. For H(P) also ``sympy.stats.entropy`` of the matching
  random variable (``STATS_ARGS``; sympy's Geometric counts trials from 1, symdiv's failures from 0:
  a shift, so the entropy is the same). Families without a scalar density in ``sd.X`` (a symbolic K,
  a matrix) have no baseline. The child is interrupted after the cap (and killed a little later if
  that fails). Outcome: "closed form", "unevaluated" (an Integral, Sum or Expectation is left),
  "timeout" or "error: <type>". A closed form is compared with symdiv's result at a random exact point
  (drawn from symdiv's domains, meeting the derivation's conditions) with mpmath at 30 digits; "wrong"
  marks a mismatch (a complex value included), and a direct mpmath quadrature/sum of the definition
  then says which side is off. An unevaluated ``Piecewise`` whose branch at that point is closed is
  compared the same way ("Piecewise, closed at the point").
* :func:`make_entries`, :func:`measure_session` -- the whole catalog cold in ONE process: ``import
  symdiv`` (untimed), ``sd.clear_caches()`` once, then one call at a time every same-family entry
  (the three measures and ``verify_decomposition`` of ``F.symbolic_example(1)`` vs ``(2)``) and every
  cross pair (KL and verification); a later call may reuse what an earlier one derived, as in a
  user's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core import PRELUDE, median, run_child

#: the calls of the session: per family, and per cross pair
SESSION_MEASURES = ("entropy", "cross_entropy", "kl_divergence", "verify")
CROSS_MEASURES = ("kl_divergence", "verify")

#: sympy.stats constructor arguments, as expressions in symdiv's parameter names
STATS_ARGS = {
    "Bernoulli": ("p",), "Normal": ("mu", "sigma"), "Exponential": ("rate",), "Gamma": ("shape", "1/rate"),
    "Beta": ("alpha", "beta"), "Laplace": ("mu", "b"), "LogNormal": ("mu", "sigma"), "Uniform": ("a", "b"),
    "Gumbel": ("beta", "mu"), "Pareto": ("x_m", "alpha"), "Weibull": ("lam", "k"), "Poisson": ("rate",),
    "Geometric": ("p",), "Binomial": ("n", "p"),
}

DIGITS = 30
#: seconds allowed on top of a cap for interpreter start-up and imports
STARTUP_GRACE_S = 5.0
SESSION_TIMEOUT_S = 300.0
PREP_TIMEOUT_S = 300.0

# ---------------------------------------------------------------------------------------------
# Child programs (python -c CODE SPEC_JSON; JSON lines on stdout)
# ---------------------------------------------------------------------------------------------

#: The session: all entries in one process, caches cleared once, each call timed.
SESSION_CHILD = PRELUDE + """
import symdiv as sd

spec = json.loads(sys.argv[1])
calls = []
for key, p, q, measure in spec["entries"]:
    try:
        calls.append((key, measure, getattr(sd, p).symbolic_example(1), getattr(sd, q).symbolic_example(2)))
    except Exception as exc:
        calls.append((key, "construction failed: " + type(exc).__name__ + ": " + str(exc)[:200], None, None))
sd.clear_caches()
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
"""

#: Untimed, first: the catalog (sd.CATALOG; which families allow a baseline) and the documented cross pairs
#: (symdiv.families.pairs), then for every baseline entry symdiv's result, the integrand, the sympy.stats
#: arguments and a random point.
PREP_CHILD = PRELUDE + """
import random
import symdiv as sd
from symdiv.families.pairs import CROSS_PAIRS

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
    # a point that meets the derivation's conditions (the last one drawn if none does)
    relations = [c for c in derivation.assumptions if isinstance(c, sympy.core.relational.Relational)
                 and not c.has(sympy.Indexed, sympy.Sum)]
    point = {}
    for _ in range(tries):
        point = Q.sample(rng, P.sample(rng))
        if all(c.xreplace(point) == sympy.true for c in relations):
            break
    return point


catalog = [{"name": F.name, "no_baseline": univariate(F)} for F in sd.CATALOG]
print(json.dumps({"catalog": catalog, "pairs": CROSS_PAIRS}), flush=True)
names = [c["name"] for c in catalog if c["no_baseline"] is None]
todo = [(p, p, m) for p in names if spec["families"] is None or p in spec["families"] for m in spec["measures"]]
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
        point = draw_point(P, Q, derivation, random.Random(f"{spec['seed']}/{p}/{q}/{measure}"))
        out.update(operator="summation" if P.discrete else "integrate", integrand=sympy.srepr(integrand),
                   log_p=sympy.srepr(log_p), log_q=sympy.srepr(log_q), measure=measure,
                   var=sympy.srepr(var), lo=sympy.srepr(sympy.sympify(lo)), hi=sympy.srepr(sympy.sympify(hi)),
                   symdiv=None if derivation.expr.has(sd.Expectation) else sympy.srepr(derivation.expr),
                   point={str(s): str(v) for s, v in point.items()})
        if measure == "entropy" and p in spec["stats"]:
            args = [sympy.sympify(a, locals=dict(P.params)) for a in spec["stats"][p]]
            out["stats_args"] = [sympy.srepr(a) for a in args]
    except Exception as exc:
        out["error"] = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps(out), flush=True)
"""

#: One baseline (integrate, summation or sympy.stats.entropy), then (untimed) the numeric check.
BASELINE_CHILD = PRELUDE + """
import signal
import mpmath
import sympy.stats
from sympy.stats.symbolic_probability import Expectation as StatsExpectation

spec = json.loads(sys.argv[1])
# symdiv's engine symbols (sd.X, summation indices) are a Symbol subclass: here they become plain Symbols
# of the same names and assumptions, which no parameter of symbolic_example shares
NAMESPACE = {**vars(sympy), "EngineSymbol": sympy.Symbol}


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


# ---------------------------------------------------------------------------------------------
# Baselines
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


def prepare(seed: int, families: Sequence[str] | None, measures: Sequence[str],
            ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[tuple[str, str, str], dict[str, Any]], str]:
    """The catalog, the cross pairs, and a baseline record per (family, family, measure); the child's status.

    ``families`` None means every family with a baseline; ``measures`` are the same-family measures to
    prepare ("entropy", "cross_entropy", "kl_divergence"), none for the catalog and pairs only.
    """
    spec = {"families": None if families is None else list(families), "measures": list(measures), "seed": seed,
            "stats": STATS_ARGS}
    run = run_child(PREP_CHILD, spec, PREP_TIMEOUT_S)
    head = next((r for r in run.records if "catalog" in r), {"catalog": [], "pairs": []})
    records = {(r["p"], r["q"], r["measure"]): r for r in run.records if "catalog" not in r}
    return head["catalog"], [(p, q) for p, q in head["pairs"]], records, run.status


def run_baseline(kind: str, family: str, record: dict[str, Any], timeout: float, check_budget: float) -> Baseline:
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


# ---------------------------------------------------------------------------------------------
# The whole catalog in one process
# ---------------------------------------------------------------------------------------------


@dataclass
class Entry:
    p_family: str
    q_family: str
    measure: str
    symdiv_s: float | None = None
    symdiv_samples_s: list[float] = field(default_factory=list)
    complete: bool | None = None
    infinite: bool | None = None
    holds: bool | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        pair = self.p_family if self.p_family == self.q_family else f"{self.p_family} → {self.q_family}"
        return f"{pair} / {self.measure}"


def make_entries(families: Sequence[str], pairs: Sequence[tuple[str, str]]) -> list[Entry]:
    """Same-family entries for ``families``, then the cross-pair entries."""
    return ([Entry(f, f, m) for f in families for m in SESSION_MEASURES]
            + [Entry(p, q, m) for p, q in pairs for m in CROSS_MEASURES])


def measure_session(entries: list[Entry], repeat: int, log: Any) -> dict[str, Any]:
    """Run the one-process session ``repeat`` times; fill per-entry medians and flags."""
    spec = {"entries": [[e.key, e.p_family, e.q_family, e.measure] for e in entries]}
    by_key = {e.key: e for e in entries}
    totals, problems = [], []
    for attempt in range(repeat):
        log(f"session run {attempt + 1}/{repeat} (symdiv alone) ...")
        run = run_child(SESSION_CHILD, spec, SESSION_TIMEOUT_S)
        if run.status != "ok":
            problems.append(run.status)
        seen, calls = 0.0, 0
        for record in run.records:
            entry = by_key[record["key"]]
            entry.symdiv_samples_s.append(record["seconds"])
            seen, calls = seen + record["seconds"], calls + 1
            entry.error = record.get("error", entry.error)
            entry.complete, entry.infinite = record.get("complete"), record.get("infinite")
            entry.holds = record.get("holds")
        if run.status == "ok" and calls == len(entries):
            totals.append(seen)
    for entry in entries:
        entry.symdiv_s = median(entry.symdiv_samples_s)
    return {"total_median_s": median(totals), "totals_s": totals, "problems": sorted(set(problems))}
