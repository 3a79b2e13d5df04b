"""Benchmark symdiv's core derivations against SymPy's direct integration and summation.

Run from the repository root (symdiv need not be installed)::

    python benchmarks/core.py                     # full run: a few minutes (baselines have a 60 s cap)
    python benchmarks/core.py --quick             # smoke test: 1 repeat, 10 s cap, K in (10, 20); < 60 s
    python benchmarks/core.py --repeat 5 --timeout 120 --kmax 1000 --json results.json

What it measures (every timing is ``time.perf_counter()`` around the call only; imports, including
SymPy's deferred ones, and construction of the distributions or integrands happen before the clock starts):

1. Entries. For Bernoulli(p) vs Bernoulli(q), Categorical(p_0..p_2) vs Categorical(q_0..q_2) and
   Normal(mu_1, sigma_1) vs Normal(mu_2, sigma_2): ``entropy``, ``cross_entropy`` and
   ``kl_divergence`` (9 entries), plus ``verify_decomposition`` per family (3 entries).
   Each is timed cold: in a fresh Python process with symdiv's caches empty. Repeated
   ``--repeat`` times (a fresh process each time); the median is reported.
2. Baselines. For each of the 9 (family, measure) entries, the same definition
   (H(P) = -E_P[log p(X)], H(P, Q) = -E_P[log q(X)], KL = E_P[log(p(X)/q(X))]) handed to
   ``sympy.integrate`` (Normal, over the real line) or ``sympy.summation`` (Bernoulli over
   x = 0, 1 with pmf p**x (1-p)**(1-x); Categorical over k = 0..2 with a ``Piecewise`` pmf), with
   symbols carrying the same assumptions as symdiv's (mu real, sigma and p positive). No
   ``simplify``. Also in fresh processes, killed after ``--timeout`` seconds (plus a few seconds for
   interpreter start-up). Outcome: "closed form", "unevaluated" (an Integral/Sum is left), "timeout"
   or "error: <type>". A closed form is compared with symdiv's result, and with a direct mpmath
   quadrature/sum of the definition, at one random rational parameter point with 30 digits;
   "wrong" marks a closed form that does not match symdiv's.
   Ratio = baseline / symdiv (median over repeats); target: >= 20.
3. Session. In one fresh process, after ``import symdiv``: all 9 derivations plus the 3
   verifications, symdiv's caches cleared before each call. Target: total < 2 s.
4. Scaling. Explicit Categorical with K symbols p_0..p_{K-1} vs q_0..q_{K-1}: ``kl_divergence``
   plus ``verify_decomposition``, a fresh process per K. Reports the least-squares slope of
   log(time) against log(K). Targets: K = 200 under 5 s; slope <= 1 (no worse than linear).

The output is a Markdown table plus summary lines; ``--json PATH`` also writes every number.

The full suite, which writes docs/benchmarks.md, is benchmarks/run.py; it reuses this script's child-process runner.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]

FAMILIES = ("Bernoulli", "Categorical", "Normal")
MEASURES = ("entropy", "cross_entropy", "kl_divergence")
VERIFY = "verify"
CATEGORICAL_K = 3

TARGET_RATIO = 20.0
TARGET_SESSION_S = 2.0
TARGET_K = 200
TARGET_K_S = 5.0
LINEAR_SLOPE = 1.0
#: slack on the log-log slope for timing noise on a busy machine
SLOPE_NOISE = 0.1

DEFAULT_KS = (10, 25, 50, 100, 200)
QUICK_KS = (10, 20)
#: seconds allowed on top of --timeout for interpreter start-up, imports and the numeric check
STARTUP_GRACE_S = 5.0
DIGITS = 30

# ---------------------------------------------------------------------------------------------
# Child programs. Each runs as `python -c CODE SPEC_JSON` and prints JSON lines on stdout.
# ---------------------------------------------------------------------------------------------

#: Every child starts here, untimed. The last two lines finish SymPy's deferred imports: the first
#: ``Add`` imports sympy.tensor, sympy.combinatorics, ... (~20 ms). A baseline pays that while building
#: its integrand, before its clock starts; the warm-up makes symdiv's children pay it untimed too.
_PRELUDE = """
import json, sys, time
import sympy
_warm = sympy.Symbol("warm", positive=True)
_warm = (sympy.log(_warm + 1) * _warm).is_positive
"""

#: Builds the symdiv pairs and calls; references the global `sd`, imported by each child.
_SYMDIV_HELPERS = """
def pair(family, k):
    if family == "Bernoulli":
        return sd.Bernoulli("p"), sd.Bernoulli("q")
    if family == "Categorical":
        return sd.Categorical.symbolic("p", k), sd.Categorical.symbolic("q", k)
    return sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")


def call(measure, P, Q):
    if measure == "entropy":
        return sd.entropy(P)
    if measure == "cross_entropy":
        return sd.cross_entropy(P, Q)
    if measure == "kl_divergence":
        return sd.kl_divergence(P, Q)
    return sd.verify_decomposition(P, Q)


def succeeded(result):
    if hasattr(result, "holds"):
        return result.holds is True
    return result.is_complete and not result.is_infinite


def clear_caches():
    sd.clear_caches()
"""

#: One (family, measure) entry, cold.
ENTRY_CHILD = _PRELUDE + """
import symdiv as sd
""" + _SYMDIV_HELPERS + """
spec = json.loads(sys.argv[1])
P, Q = pair(spec["family"], spec["k"])
clear_caches()
start = time.perf_counter()
result = call(spec["measure"], P, Q)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "ok": succeeded(result)}))
"""

#: All entries in one process, caches cleared before each call.
SESSION_CHILD = _PRELUDE + """
import symdiv as sd
""" + _SYMDIV_HELPERS + """
spec = json.loads(sys.argv[1])
pairs = {family: pair(family, spec["k"]) for family in spec["families"]}
times, ok = {}, True
for family in spec["families"]:
    for measure in spec["measures"]:
        clear_caches()
        start = time.perf_counter()
        result = call(measure, *pairs[family])
        times[family + "/" + measure] = time.perf_counter() - start
        ok = ok and succeeded(result)
print(json.dumps({"seconds": sum(times.values()), "calls": times, "ok": ok}))
"""

#: Explicit-K Categorical: KL derivation plus verification.
SCALING_CHILD = _PRELUDE + """
import symdiv as sd
""" + _SYMDIV_HELPERS + """
spec = json.loads(sys.argv[1])
start = time.perf_counter()
P, Q = pair("Categorical", spec["k"])
built = time.perf_counter()
clear_caches()
start_kl = time.perf_counter()
kl = sd.kl_divergence(P, Q)
derived = time.perf_counter()
verification = sd.verify_decomposition(P, Q)
verified = time.perf_counter()
print(json.dumps({"seconds": verified - start_kl, "kl": derived - start_kl, "verify": verified - derived,
                  "construct": built - start, "ok": succeeded(kl) and succeeded(verification)}))
"""

#: SymPy's direct integrate/summation of the definition; then (untimed) the numeric check.
BASELINE_CHILD = _PRELUDE + """
from fractions import Fraction
import mpmath
import sympy as sp

spec = json.loads(sys.argv[1])
family, measure, k = spec["family"], spec["measure"], spec["k"]


def normal_pdf(x, mu, sigma):
    return sp.exp(-(x - mu) ** 2 / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma)


def categorical_pmf(x, probs):
    return sp.Piecewise(*[(prob, sp.Eq(x, j)) for j, prob in enumerate(probs)], (0, True))


def setup():
    # (variable, limits, p(x), q(x), sympy operator), symbols with symdiv's assumptions
    if family == "Normal":
        x = sp.Symbol("x", real=True)
        mu_1, mu_2 = sp.symbols("mu_1 mu_2", real=True)
        sigma_1, sigma_2 = sp.symbols("sigma_1 sigma_2", positive=True)
        return x, (x, -sp.oo, sp.oo), normal_pdf(x, mu_1, sigma_1), normal_pdf(x, mu_2, sigma_2), sp.integrate
    x = sp.Symbol("x", integer=True)
    if family == "Bernoulli":
        p, q = sp.symbols("p q", positive=True)
        return x, (x, 0, 1), p**x * (1 - p) ** (1 - x), q**x * (1 - q) ** (1 - x), sp.summation
    ps, qs = sp.symbols(f"p_0:{k}", positive=True), sp.symbols(f"q_0:{k}", positive=True)
    return x, (x, 0, k - 1), categorical_pmf(x, ps), categorical_pmf(x, qs), sp.summation


x, limits, p, q, operator = setup()
integrand = {"entropy": -p * sp.log(p), "cross_entropy": -p * sp.log(q), "kl_divergence": p * sp.log(p / q)}[measure]
start = time.perf_counter()
try:
    result, outcome = operator(integrand, limits), None
except Exception as exc:
    result, outcome = None, "error: " + type(exc).__name__
seconds = time.perf_counter() - start
if outcome is None:
    outcome = "unevaluated" if result.has(sp.Integral, sp.Sum) else "closed form"
print(json.dumps({"seconds": seconds, "outcome": outcome}), flush=True)

if spec["check"] and outcome == "closed form":
    import symdiv as sd
""" + "\n".join("    " + line for line in _SYMDIV_HELPERS.splitlines()) + """

    point = {name: Fraction(value) for name, value in spec["point"].items()}
    work = spec["digits"] + 20

    def mp(value):
        return mpmath.mpf(value.numerator) / value.denominator

    def numeric(expr, extra=()):
        symbols = sorted(expr.free_symbols - {x}, key=lambda s: s.name)
        f = sp.lambdify([*extra, *symbols], expr, modules="mpmath")
        values = [mp(point[s.name]) for s in symbols]
        return lambda *args: f(*args, *values)

    def real(value):
        value = mpmath.mpmathify(value)
        if isinstance(value, mpmath.mpc):
            if abs(value.imag) > mpmath.mpf(10) ** (-spec["digits"]):
                raise ValueError("complex value " + str(value))
            value = value.real
        return value

    def reference():
        if family == "Normal":
            f = numeric(integrand, [x])
            mu, sigma = mp(point["mu_1"]), mp(point["sigma_1"])
            return mpmath.quad(f, [-mpmath.inf] + [mu + j * sigma for j in (-8, -2, 0, 2, 8)] + [mpmath.inf])
        return mpmath.fsum(numeric(integrand.subs(x, atom))() for atom in range(limits[1], limits[2] + 1))

    def close(a, b):
        return abs(a - b) <= mpmath.mpf(10) ** (20 - spec["digits"]) * max(1, abs(a))

    try:
        with mpmath.workdps(work):
            ours = real(numeric(call(measure, *pair(family, k)).expr)())
            theirs = real(numeric(result)())
            truth = real(reference())
            check = {"baseline_value": mpmath.nstr(theirs, spec["digits"]),
                     "symdiv_value": mpmath.nstr(ours, spec["digits"]),
                     "reference_value": mpmath.nstr(truth, spec["digits"]),
                     "baseline_matches_symdiv": close(theirs, ours),
                     "symdiv_matches_reference": close(ours, truth)}
    except Exception as exc:
        check = {"check_error": type(exc).__name__ + ": " + str(exc)[:200]}
    print(json.dumps(check))
"""


# ---------------------------------------------------------------------------------------------
# Running children
# ---------------------------------------------------------------------------------------------


@dataclass
class ChildRun:
    """What one child process reported: status "ok", "timeout" or "crash: ..."; its JSON lines."""

    status: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first(self) -> dict[str, Any]:
        return self.records[0] if self.records else {}

    def merged(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for record in self.records:
            out.update(record)
        return out


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _json_lines(text: str | bytes | None) -> list[dict[str, Any]]:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return [json.loads(line) for line in (text or "").splitlines() if line.startswith("{")]


def run_child(code: str, spec: dict[str, Any], timeout: float) -> ChildRun:
    """Run ``python -c code spec_json`` in a fresh process; kill it after ``timeout`` seconds."""
    argv = [sys.executable, "-c", code, json.dumps(spec)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=_child_env(), cwd=REPO_ROOT)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed the child
        return ChildRun("timeout", _json_lines(exc.stdout))
    records = _json_lines(proc.stdout)
    if proc.returncode != 0 or not records:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return ChildRun(f"crash (exit {proc.returncode}): {tail}", records)
    return ChildRun("ok", records)


def median_seconds(code: str, spec: dict[str, Any], repeat: int, timeout: float) -> dict[str, Any]:
    """Run a symdiv child ``repeat`` times; the median of the reported seconds, all samples, failures."""
    samples, problems = [], []
    for _ in range(repeat):
        run = run_child(code, spec, timeout + STARTUP_GRACE_S)
        if run.status != "ok":
            problems.append(run.status)
            continue
        samples.append(run.first["seconds"])
        if not run.first.get("ok", True):
            problems.append("symdiv result incomplete or not proved")
    return {"median_s": statistics.median(samples) if samples else None, "samples_s": samples,
            "problems": sorted(set(problems)), "last": run.first}


# ---------------------------------------------------------------------------------------------
# The four measurements
# ---------------------------------------------------------------------------------------------


def random_point(family: str, k: int, seed: int) -> dict[str, str]:
    """Exact random parameter values (as "n/d" strings) inside symdiv's domains."""
    rng = random.Random(f"{seed}/{family}")

    def between(lo: Fraction, hi: Fraction, den: int = 1000) -> Fraction:
        return Fraction(rng.randint(math.ceil(lo * den), math.floor(hi * den)), den)

    def simplex(n: int) -> list[Fraction]:
        weights = [rng.randint(1, 1000) for _ in range(n)]
        return [Fraction(w, sum(weights)) for w in weights]

    if family == "Normal":
        point = {"mu_1": between(Fraction(-3), Fraction(3)), "sigma_1": between(Fraction(1, 4), Fraction(4)),
                 "mu_2": between(Fraction(-3), Fraction(3)), "sigma_2": between(Fraction(1, 4), Fraction(4))}
    elif family == "Bernoulli":
        point = {name: between(Fraction(1, 20), Fraction(19, 20)) for name in ("p", "q")}
    else:
        point = {f"{name}_{j}": v for name in ("p", "q") for j, v in enumerate(simplex(k))}
    return {name: str(value) for name, value in point.items()}


@dataclass
class Entry:
    family: str
    measure: str
    symdiv_median_s: float | None = None
    symdiv_samples_s: list[float] = field(default_factory=list)
    symdiv_problems: list[str] = field(default_factory=list)
    baseline_s: float | None = None
    baseline_samples_s: list[float] = field(default_factory=list)
    baseline_outcome: str | None = None
    check: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None
    ratio_is_lower_bound: bool = False
    target_met: bool | None = None

    @property
    def name(self) -> str:
        return f"{self.family} / {self.measure}"


def time_symdiv(entry: Entry, repeat: int, timeout: float) -> None:
    spec = {"family": entry.family, "measure": entry.measure, "k": CATEGORICAL_K}
    result = median_seconds(ENTRY_CHILD, spec, repeat, timeout)
    entry.symdiv_median_s, entry.symdiv_samples_s = result["median_s"], result["samples_s"]
    entry.symdiv_problems = result["problems"]


def time_baseline(entry: Entry, repeat: int, timeout: float, seed: int) -> None:
    """Median of ``repeat`` baseline runs; a timeout or error is not repeated. The first run checks numbers."""
    spec = {"family": entry.family, "measure": entry.measure, "k": CATEGORICAL_K, "digits": DIGITS,
            "point": random_point(entry.family, CATEGORICAL_K, seed)}
    for attempt in range(repeat):
        run = run_child(BASELINE_CHILD, {**spec, "check": attempt == 0}, timeout + STARTUP_GRACE_S)
        data = run.merged()
        if "outcome" not in data:  # killed or crashed before the baseline finished
            entry.baseline_outcome = "timeout" if run.status == "timeout" else f"error: {run.status}"
            break
        if data["seconds"] > timeout:
            entry.baseline_outcome = "timeout"
            break
        entry.baseline_outcome = data["outcome"]
        entry.baseline_samples_s.append(data["seconds"])
        if attempt == 0:
            entry.check = {key: value for key, value in data.items() if key not in ("seconds", "outcome")}
            if run.status == "timeout":
                entry.check["check_error"] = "timed out"
        if entry.baseline_outcome.startswith("error"):
            break
    if entry.baseline_samples_s and entry.baseline_outcome != "timeout":
        entry.baseline_s = statistics.median(entry.baseline_samples_s)
    if entry.check.get("baseline_matches_symdiv") is False:
        entry.baseline_outcome = "wrong"
    _score(entry, timeout)


def _score(entry: Entry, timeout: float) -> None:
    if entry.symdiv_median_s is None or (entry.baseline_outcome or "error").startswith("error"):
        return
    if entry.baseline_outcome == "timeout":
        entry.ratio, entry.ratio_is_lower_bound = timeout / entry.symdiv_median_s, True
    elif entry.baseline_s is not None:
        entry.ratio = entry.baseline_s / entry.symdiv_median_s
    if entry.ratio is not None:
        entry.target_met = entry.ratio >= TARGET_RATIO


def measure_entries(repeat: int, timeout: float, seed: int, log: Any) -> list[Entry]:
    entries = []
    for family in FAMILIES:
        for measure in (*MEASURES, VERIFY):
            entry = Entry(family, measure)
            log(f"timing {entry.name} ...")
            time_symdiv(entry, repeat, timeout)
            if measure != VERIFY:
                time_baseline(entry, repeat, timeout, seed)
            entries.append(entry)
    return entries


def measure_session(repeat: int, timeout: float) -> dict[str, Any]:
    spec = {"families": FAMILIES, "measures": (*MEASURES, VERIFY), "k": CATEGORICAL_K}
    result = median_seconds(SESSION_CHILD, spec, repeat, timeout)
    total = result["median_s"]
    return {"total_median_s": total, "samples_s": result["samples_s"], "problems": result["problems"],
            "calls_last_run_s": result["last"].get("calls", {}), "target_s": TARGET_SESSION_S,
            "target_met": total is not None and total < TARGET_SESSION_S}


def loglog_slope(ks: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) against log(K)."""
    if len(ks) < 2:
        return None
    xs, ys = [math.log(k) for k in ks], [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def measure_scaling(ks: tuple[int, ...], repeat: int, timeout: float, log: Any) -> dict[str, Any]:
    points = []
    for k in ks:
        log(f"timing Categorical K={k} ...")
        result = median_seconds(SCALING_CHILD, {"k": k}, repeat, timeout)
        last = result["last"]
        points.append({"k": k, "median_s": result["median_s"], "samples_s": result["samples_s"],
                       "problems": result["problems"], "kl_last_s": last.get("kl"),
                       "verify_last_s": last.get("verify"), "construct_last_s": last.get("construct")})
    done = [p for p in points if p["median_s"] is not None]
    ks_done, ts = [p["k"] for p in done], [p["median_s"] for p in done]
    slope = loglog_slope(ks_done, ts)
    tail = loglog_slope(ks_done[-2:], ts[-2:])
    at_target = next((p for p in points if p["k"] == TARGET_K), None)
    return {"points": points, "slope": slope, "slope_last_two": tail,
            "linear_met": None if slope is None else slope <= LINEAR_SLOPE + SLOPE_NOISE,
            "k_target": TARGET_K, "k_target_s": at_target["median_s"] if at_target else None,
            "k_target_met": None if at_target is None or at_target["median_s"] is None
            else at_target["median_s"] < TARGET_K_S}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _yes_no(flag: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[flag]


def _outcome_text(entry: Entry) -> str:
    text = entry.baseline_outcome or "—"
    if entry.check.get("check_error"):
        text += f" (check failed: {entry.check['check_error']})"
    elif entry.check.get("baseline_matches_symdiv") is True:
        text += ", matches symdiv"
    return text


def _table_row(entry: Entry, timeout: float) -> str:
    ms = "failed" if entry.symdiv_median_s is None else f"{entry.symdiv_median_s * 1e3:.1f}"
    if entry.symdiv_problems:
        ms += f" ({'; '.join(entry.symdiv_problems)})"
    if entry.measure == VERIFY:
        return f"| {entry.name} | {ms} | — | — | — | — |"
    if entry.baseline_outcome == "timeout":
        base = f">{timeout:g}"
    else:
        base = "—" if entry.baseline_s is None else f"{entry.baseline_s:.3f}"
    ratio = "—" if entry.ratio is None else f"{'>= ' if entry.ratio_is_lower_bound else ''}{entry.ratio:.1f}"
    return f"| {entry.name} | {ms} | {base} | {_outcome_text(entry)} | {ratio} | {_yes_no(entry.target_met)} |"


def format_report(entries: list[Entry], session: dict[str, Any], scaling: dict[str, Any], timeout: float) -> str:
    lines = [
        f"| entry | symdiv cold median (ms) | baseline (s) | baseline outcome | ratio baseline/symdiv "
        f"| target ≥ {TARGET_RATIO:g}× |",
        "|---|---:|---:|---|---:|---|",
        *(_table_row(e, timeout) for e in entries),
        "",
    ]
    for e in entries:
        if e.check.get("symdiv_matches_reference") is False:
            lines.append(f"WARNING: {e.name}: symdiv = {e.check['symdiv_value']} but the numeric definition gives "
                         f"{e.check['reference_value']}")
    total = session["total_median_s"]
    total_text = "failed" if total is None else f"{total:.3f} s"
    lines.append(f"Session (one process, after import, caches cleared before each call): 9 derivations + 3 "
                 f"verifications = {total_text} (target < {TARGET_SESSION_S:g} s: {_yes_no(session['target_met'])})")
    if session["problems"]:
        lines.append(f"  problems: {'; '.join(session['problems'])}")
    times = ", ".join("K={k}: {t}".format(k=p["k"], t="failed" if p["median_s"] is None else f"{p['median_s']:.3f} s")
                      for p in scaling["points"])
    lines.append(f"Scaling (explicit Categorical, kl_divergence + verify_decomposition): {times}")
    for p in scaling["points"]:
        if p["problems"]:
            lines.append(f"  K={p['k']} problems: {'; '.join(p['problems'])}")
    slope, tail = scaling["slope"], scaling["slope_last_two"]
    if slope is not None:
        lines.append(f"  log-log slope {slope:.2f} (last two K: {tail:.2f}); target <= {LINEAR_SLOPE:g} "
                     f"(+{SLOPE_NOISE:g} for noise): {_yes_no(scaling['linear_met'])}")
    if scaling["k_target_s"] is None:
        lines.append(f"  K={TARGET_K} not measured")
    else:
        lines.append(f"  K={TARGET_K}: {scaling['k_target_s']:.3f} s (target < {TARGET_K_S:g} s: "
                     f"{_yes_no(scaling['k_target_met'])})")
    return "\n".join(lines)


def code_version() -> str:
    """The commit of the benchmarked code, "+dirty" when symdiv/ has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout

    try:
        dirty = bool(git("status", "--porcelain", "--", "symdiv"))
        return git("rev-parse", "--short", "HEAD").strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def scaling_ks(kmax: int) -> tuple[int, ...]:
    """The default K values up to ``kmax``, then doublings of 200 up to ``kmax``, then ``kmax``."""
    ks = [k for k in DEFAULT_KS if k <= kmax]
    k = DEFAULT_KS[-1] * 2
    while k <= kmax:
        ks.append(k)
        k *= 2
    if kmax not in ks:
        ks.append(kmax)
    return tuple(ks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per measurement; the median is reported")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a baseline is killed")
    parser.add_argument("--kmax", type=int, default=DEFAULT_KS[-1], help="largest K of the scaling run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random point of the numeric check")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 repeat, 10 s timeout, K in (10, 20)")
    parser.add_argument("--json", metavar="PATH", help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.kmax < 2:
        parser.error("--repeat must be >= 1 and --kmax >= 2")
    repeat, timeout, ks = args.repeat, args.timeout, scaling_ks(args.kmax)
    if args.quick:
        repeat, timeout, ks = 1, 10.0, QUICK_KS

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    entries = measure_entries(repeat, timeout, args.seed, log)
    log("timing the session ...")
    session = measure_session(repeat, timeout)
    scaling = measure_scaling(ks, repeat, timeout, log)
    version = code_version()
    print(f"symdiv at {version}; repeat {repeat}, baseline timeout {timeout:g} s\n")
    print(format_report(entries, session, scaling, timeout))
    if args.json:
        payload = {"config": {"repeat": repeat, "timeout_s": timeout, "ks": ks, "seed": args.seed,
                              "quick": args.quick, "python": sys.version.split()[0], "code": version},
                   "entries": [asdict(e) for e in entries], "session": session, "scaling": scaling}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
