"""The benchmark suite: symdiv against SymPy, the whole catalog, import time, scaling and generated code.

Run from the repository root (symdiv need not be installed)::

    python benchmarks/run.py                       # full run, about 30 min: docs/benchmarks.md, docs/img/bench-*.png
    python benchmarks/run.py --quick --out /tmp/b  # smoke test: tiny sizes, 1 repeat, 2 s cap; under a minute
    python benchmarks/run.py --repeats 7 --json    # more runs per median; every number also in <out>/benchmarks.json
    python benchmarks/run.py --sections 3,5 --out /tmp/b   # only some sections (the report then has only those)
    python benchmarks/run.py --from-json b.json --out /tmp/b   # re-render the report of an earlier --json run

This is the one entry point; benchmarks/core.py (child processes, timing helpers) and benchmarks/catalog.py
(catalog entries, SymPy baselines, the one-process session) are its libraries. Every timing is
``time.perf_counter()`` around the measured call only, in a child process started with ``core.run_child``;
imports (symdiv's, and SymPy's deferred ones) and the construction of the distributions happen before the
clock starts. Every number is the median of ``--repeats`` runs (5), and every ratio compares two things
measured side by side, interleaved, in the same run; children run one at a time (the machine has 2 cores):

1. Catalog entries. For every family F of ``sd.CATALOG``: ``entropy``, ``cross_entropy`` and
   ``kl_divergence`` of ``F.symbolic_example(1)`` (and ``(2)``), each COLD in a fresh process (caches
   cleared after construction; only the derivation timed) and WARM (the same call repeated in that
   process: cached). Beside each: SymPy's direct ``integrate``/``summation`` of the same definition with
   the same symbols (built by ``catalog.prepare``), and ``sympy.stats.entropy`` where it applies, in
   fresh processes with a 60 s cap, repeated for the median only when the first run took < 10 s.
   Outcomes: closed form, unevaluated, wrong (differs from symdiv's result at a random exact point,
   checked with mpmath at 30 digits), timeout or error.
2. Whole catalog cold in one process: every same-family entry (the three measures and
   ``verify_decomposition``) and every documented cross pair (``symdiv.families.pairs``; KL and verification).
3. ``import symdiv`` against ``import sympy``: fresh interpreters, minus an empty interpreter, interleaved.
4. Scaling, each in fresh processes, KL plus ``verify_decomposition``: explicit Categorical K = 2 .. 1000,
   MultivariateNormal with random rational covariances d = 1 .. 50 and with symbolic entries d = 1 .. 4,
   and the symbolic dimension k. Log-log figures with least-squares slopes.
5. Generated NumPy code (``Derivation.to_function("numpy")``) against hand-written NumPy one-liners
   over 10^6 parameter rows, with the largest difference between the two.

A missed target is reported with the margin and, where it helps, a profile of one run (cProfile) or the
import-time breakdown (``python -X importtime``), so the report says where the time goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as cat  # noqa: E402 - benchmarks/catalog.py: the baselines and the one-process session
from core import (  # noqa: E402 - benchmarks/core.py: child processes and timing helpers
    PRELUDE,
    REPO_ROOT,
    child_env,
    code_version,
    loglog_slope,
    median,
    run_child,
    source_digest,
    source_files,
)

DEFAULT_OUT = REPO_ROOT / "docs"

MEASURES = ("entropy", "cross_entropy", "kl_divergence")
MEASURE_NAMES = {"entropy": "H(P)", "cross_entropy": "H(P, Q)", "kl_divergence": "KL(P‖Q)"}
#: --quick: these families (sections 1 and 2) and these documented cross pairs (section 2)
QUICK_FAMILIES = ("Bernoulli", "Normal", "Exponential")
QUICK_PAIRS = (("Exponential", "Normal"), ("Uniform", "Exponential"), ("Bernoulli", "Binomial"))

TARGET_RATIO = 20.0
TARGET_WARM_S = 1e-3
TARGET_CATALOG_S = ((10.0, "issue 6"), (15.0, "issue 4"))
TARGET_IMPORT_RATIO = 1.3
TARGET_CODEGEN_RATIO = 1.5

#: (id, title, size name, sizes, quick sizes, target size, target seconds, source)
SCALING = (
    ("categorical", "Categorical, explicit K (p_0 .. p_{K-1} vs q_0 .. q_{K-1})", "K",
     (2, 5, 10, 20, 50, 100, 200, 500, 1000), (2, 5, 10), 1000, 5.0, "issue 6"),
    ("mvn-numeric", "MultivariateNormal, random rational covariance (d x d)", "d",
     (1, 2, 3, 5, 10, 20, 30, 50), (1, 2, 3), 20, 2.0, "issue 4"),
    ("mvn-symbolic", "MultivariateNormal, symbolic entries (m, S vs n, T)", "d",
     (1, 2, 3, 4), (1, 2), 3, 5.0, "issue 4"),
)
TARGET_MVN_K_S = 0.5

CAP_S = 60.0
QUICK_CAP_S = 2.0
#: a baseline is repeated (for a median) only when its first run took less than this
REPEAT_BASELINE_BELOW_S = 10.0
CHECK_BUDGET_S = 30.0
QUICK_CHECK_BUDGET_S = 10.0
ENTRY_TIMEOUT_S = 300.0
SCALING_TIMEOUT_S = 900.0
#: runs of a scaling size whose first run exceeded this are cut to 3
LONG_RUN_S = 30.0
CODEGEN_ROWS, QUICK_CODEGEN_ROWS = 10**6, 10**4
WARM_CALLS = 25
PROFILE_LINES = 8
#: entries missing the ratio target that get a profile (the lowest ratios)
PROFILED_ENTRIES = 4

# ---------------------------------------------------------------------------------------------
# Child programs (python -c CODE SPEC_JSON; JSON lines on stdout)
# ---------------------------------------------------------------------------------------------

#: ``measure(fn, profile)``: the call timed, optionally under cProfile (then a "profile" record is printed).
_MEASURE = """
import cProfile, pstats


def _short(path):
    if "/symdiv/" in path:
        return "symdiv/" + path.split("/symdiv/", 1)[1]
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1]
    return path.rsplit("/", 1)[-1]


def measure(fn, profile=False):
    if not profile:
        start = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - start
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    out = fn()
    prof.disable()
    seconds = time.perf_counter() - start
    rows = [(_short(path) + ":" + str(line) + "(" + func + ")", nc, tt, ct)
            for (path, line, func), (cc, nc, tt, ct, callers) in pstats.Stats(prof).stats.items()]
    own = sorted(rows, key=lambda r: -r[2])[:LINES]
    ours = sorted((r for r in rows if r[0].startswith("symdiv/")), key=lambda r: -r[3])[:LINES + 4]
    print(json.dumps({"profile": {"seconds": seconds, "own": own, "symdiv_cumulative": ours}}), flush=True)
    return out, seconds
""".replace("LINES", str(PROFILE_LINES))

#: One catalog entry: the cold call, then the same call repeated (warm).
ENTRY_CHILD = PRELUDE + _MEASURE + """
import statistics
import symdiv as sd

spec = json.loads(sys.argv[1])
P, Q = getattr(sd, spec["p"]).symbolic_example(1), getattr(sd, spec["q"]).symbolic_example(2)
call = {"entropy": lambda: sd.entropy(P), "cross_entropy": lambda: sd.cross_entropy(P, Q),
        "kl_divergence": lambda: sd.kl_divergence(P, Q)}[spec["measure"]]
sd.clear_caches()
result, cold = measure(call, spec.get("profile", False) == "cold")
warm = []
for _ in range(spec["warm_calls"]):
    start = time.perf_counter()
    call()
    warm.append(time.perf_counter() - start)
if spec.get("profile") == "warm":
    measure(call, True)
print(json.dumps({"seconds": cold, "warm_s": statistics.median(warm), "complete": bool(result.is_complete),
                  "infinite": bool(result.is_infinite), "expr": str(result.expr)[:300]}), flush=True)
"""

#: One scaling point: KL plus verify_decomposition of a generated pair.
SCALING_CHILD = PRELUDE + _MEASURE + """
import random
import symdiv as sd
from symdiv.domains import PositiveDefinite

spec = json.loads(sys.argv[1])
kind, n = spec["kind"], spec["n"]
if kind == "categorical":
    P, Q = sd.Categorical.symbolic("p", n), sd.Categorical.symbolic("q", n)
elif kind == "mvn-numeric":
    rng = random.Random(spec["seed"])

    def draw():
        return sd.MultivariateNormal([sd.Real.sample(rng) for _ in range(n)], PositiveDefinite.sample_matrix(rng, n))

    P, Q = draw(), draw()
elif kind == "mvn-symbolic":
    P, Q = sd.MultivariateNormal.symbolic("m", "S", n), sd.MultivariateNormal.symbolic("n", "T", n)
else:  # the symbolic dimension k
    P, Q = sd.MultivariateNormal.symbolic_example(1), sd.MultivariateNormal.symbolic_example(2)
sd.clear_caches()


def both():
    start = time.perf_counter()
    kl = sd.kl_divergence(P, Q)
    middle = time.perf_counter()
    verification = sd.verify_decomposition(P, Q)
    return kl, verification, middle - start, time.perf_counter() - middle


(kl, verification, kl_s, verify_s), seconds = measure(both, spec.get("profile", False))
print(json.dumps({"seconds": seconds, "kl": kl_s, "verify": verify_s,
                  "ok": bool(kl.is_complete) and verification.holds is True}), flush=True)
"""

#: Generated code against hand-written NumPy, interleaved rounds in one process.
CODEGEN_CHILD = PRELUDE + """
import statistics
import numpy as np
from scipy.special import xlog1py, xlogy
import symdiv as sd

spec = json.loads(sys.argv[1])
n, rounds, K = spec["rows"], spec["rounds"], spec["classes"]
rng = np.random.default_rng(spec["seed"])
m1, m2 = rng.normal(size=n), rng.normal(size=n)
s1, s2 = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
p, q = rng.uniform(0.01, 0.99, n), rng.uniform(0.01, 0.99, n)
cp, cq = rng.dirichlet(np.ones(K), n), rng.dirichlet(np.ones(K), n)

# the plain generated code (checked=False), like the hand-written lines; the default, checked code
# (an error bound per point, mpmath where it is not small) is timed beside it
kl_normal = sd.kl_divergence(sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2"))
kl_bernoulli = sd.kl_divergence(sd.Bernoulli("p"), sd.Bernoulli("q"))
kl_categorical = sd.kl_divergence(sd.Categorical.symbolic("p", K), sd.Categorical.symbolic("q", K))
normal, normal_checked = kl_normal.to_function("numpy", checked=False), kl_normal.to_function("numpy")
bernoulli, bernoulli_checked = kl_bernoulli.to_function("numpy", checked=False), kl_bernoulli.to_function("numpy")
categorical = kl_categorical.to_function("numpy", checked=False)
categorical_checked = kl_categorical.to_function("numpy")
symbolic_k = sd.kl_divergence(sd.Categorical.symbolic("p", "K"), sd.Categorical.symbolic("q", "K")).to_function(
    "numpy", checked=False)
columns = [np.ascontiguousarray(a[:, j]) for a in (cp, cq) for j in range(K)]
cases = {
    "Normal KL": {
        "generated": lambda: normal(m1, s1, m2, s2),
        "hand": lambda: np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5,
        "generated, checked (the default)": lambda: normal_checked(m1, s1, m2, s2),
    },
    "Bernoulli KL": {
        "generated": lambda: bernoulli(p, q),
        "generated, checked (the default)": lambda: bernoulli_checked(p, q),
        "hand": lambda: p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)),
        "hand, scipy xlogy": lambda: xlogy(p, p / q) + xlogy(1 - p, (1 - p) / (1 - q)),
        "hand, np.where": lambda: (np.where(p > 0, p * np.log(p / q), 0.0)
                                   + np.where(p < 1, (1 - p) * np.log((1 - p) / (1 - q)), 0.0)),
    },
    "Categorical KL (K = %d)" % K: {
        "generated": lambda: categorical(cp, cq),
        "generated, checked (the default)": lambda: categorical_checked(cp, cq),
        "hand": lambda: np.sum(cp * np.log(cp / cq), axis=-1),
        "hand, scipy xlogy": lambda: np.sum(xlogy(cp, cp / cq), axis=-1),
        "hand, np.where": lambda: np.sum(np.where(cp > 0, cp * np.log(cp / cq), 0.0), axis=-1),
        "generated, K contiguous arrays each": lambda: categorical(*columns),
        "generated, K rows of a transposed copy (copy timed)": lambda: categorical(*np.ascontiguousarray(cp.T),
                                                                                   *np.ascontiguousarray(cq.T)),
        "generated, symbolic-K derivation": lambda: symbolic_k(cp, cq),
    },
}
sources = {"Normal KL": normal.source, "Bernoulli KL": bernoulli.source, "Categorical KL (K = %d)" % K:
           categorical.source}
micro = {"xlogy(p, q)": lambda: xlogy(p, q), "p * np.log(q)": lambda: p * np.log(q),
         "xlog1py(p, -q)": lambda: xlog1py(p, -q), "p * np.log1p(-q)": lambda: p * np.log1p(-q)}
times = {(case, name): [] for case, fns in cases.items() for name in fns}
times.update({("micro", name): [] for name in micro})
for case, fns in cases.items():  # warm-up: page in the arrays, load the ufunc loops
    for fn in fns.values():
        fn()
for r in range(rounds):
    for case, fns in cases.items():
        names = list(fns) if r % 2 == 0 else list(reversed(fns))
        for name in names:
            start = time.perf_counter()
            fns[name]()
            times[(case, name)].append(time.perf_counter() - start)
    for name, fn in micro.items():
        start = time.perf_counter()
        fn()
        times[("micro", name)].append(time.perf_counter() - start)
out = {"cases": {}, "micro": {name: statistics.median(times[("micro", name)]) for name in micro}}
for case, fns in cases.items():
    generated, hand = np.asarray(fns["generated"](), dtype=float), np.asarray(fns["hand"](), dtype=float)
    big = np.abs(hand) > 1e-8
    out["cases"][case] = {
        "medians_s": {name: statistics.median(times[(case, name)]) for name in fns},
        "samples_s": {name: times[(case, name)] for name in fns},
        "max_rel_diff": float(np.max(np.abs(generated[big] - hand[big]) / np.abs(hand[big]))),
        "max_abs_diff": float(np.max(np.abs(generated - hand))),
        "rows_compared_rel": int(big.sum()),
        "source": sources[case],
    }
print(json.dumps(out), flush=True)
"""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fmt_s(seconds: float | None, digits: int = 3) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-5:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.{max(digits - 2, 0)}f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.{digits - 1}f} s"


def fmt_slope(slope: float | None) -> str:
    return "—" if slope is None else f"{slope:.2f}"


def yes_no(flag: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[flag]


def table(header: Sequence[str], align: str, rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table; ``align`` has one letter per column: l (left) or r (right)."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def profile_lines(profile: dict[str, Any] | None) -> list[str]:
    """A profile record of a child (see ``_MEASURE``) as Markdown bullet lists."""
    if not profile:
        return ["- (no profile: the profiled run failed)"]

    def items(rows: list[list[Any]], column: int) -> str:
        return "; ".join(f"`{name}` {fmt_s(row[column])} ({row[1]} calls)" for row in rows
                         for name in [row[0]])

    ours = [r for r in profile["symdiv_cumulative"] if not r[0].split("(")[-1].startswith("<")][:PROFILE_LINES + 4]
    return [f"- profiled run: {fmt_s(profile['seconds'])} (with cProfile's overhead)",
            f"- symdiv functions by cumulative time: {items(ours, 3)}",
            f"- most own time (any module): {items(profile['own'], 2)}"]


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count()
    return {"cores": os.cpu_count(), "usable_cores": affinity, "cpu": model, "platform": platform.platform(),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "sympy": version("sympy"), "mpmath": version("mpmath"), "numpy": version("numpy"),
            "scipy": version("scipy"), "matplotlib": version("matplotlib"),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


class Config:
    def __init__(self, args: argparse.Namespace) -> None:
        self.quick: bool = args.quick
        self.repeats: int = args.repeats if args.repeats else (1 if args.quick else 5)
        self.cap: float = QUICK_CAP_S if args.quick else CAP_S
        self.check_budget = QUICK_CHECK_BUDGET_S if args.quick else CHECK_BUDGET_S
        self.seed: int = args.seed
        self.import_runs: int = 3 if args.quick else max(11, self.repeats)
        self.codegen_rows: int = QUICK_CODEGEN_ROWS if args.quick else CODEGEN_ROWS
        self.codegen_rounds: int = 3 if args.quick else max(7, self.repeats)
        self.profile: bool = not args.no_profile

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        cfg = cls.__new__(cls)
        vars(cfg).update(data)
        return cfg


# ---------------------------------------------------------------------------------------------
# 1. Catalog entries against SymPy
# ---------------------------------------------------------------------------------------------


def symdiv_entry(p: str, q: str, measure: str, profile: str | bool = False) -> dict[str, Any]:
    spec = {"p": p, "q": q, "measure": measure, "warm_calls": WARM_CALLS, "profile": profile}
    run = run_child(ENTRY_CHILD, spec, ENTRY_TIMEOUT_S)
    data = run.merged()
    data["status"] = run.status
    return data


def section_entries(cfg: Config) -> dict[str, Any]:
    families = QUICK_FAMILIES if cfg.quick else None
    log("1. preparing the baselines (untimed) ...")
    catalog_info, _, records, status = cat.prepare(cfg.seed, families, MEASURES)
    if not catalog_info:
        raise RuntimeError(f"could not read sd.CATALOG: {status}")
    names = [c["name"] for c in catalog_info if families is None or c["name"] in families]
    why = {c["name"]: c["no_baseline"] for c in catalog_info}
    rows = []
    for family in names:
        for measure in MEASURES:
            row: dict[str, Any] = {"family": family, "measure": measure, "no_baseline": why[family],
                                   "cold_samples_s": [], "warm_samples_s": [], "problems": [], "baselines": {}}
            record = records.get((family, family, measure))
            kinds = []
            if why[family] is None and record is not None and "error" not in record:
                kinds.append(record["operator"])
                if "stats_args" in record:
                    kinds.append("sympy.stats.entropy")
            elif why[family] is None:
                row["prep_error"] = (record or {}).get("error", f"not prepared ({status})")
            if record:
                row["point"] = record.get("point")
            for kind in kinds:
                row["baselines"][kind] = {"samples_s": [], "outcome": None}
            for attempt in range(cfg.repeats):
                log(f"1. {family} / {measure}: run {attempt + 1}/{cfg.repeats}")
                data = symdiv_entry(family, family, measure)
                if data["status"] != "ok" or "seconds" not in data:
                    row["problems"].append(data["status"])
                else:
                    row["cold_samples_s"].append(data["seconds"])
                    row["warm_samples_s"].append(data["warm_s"])
                    row.update(complete=data["complete"], infinite=data["infinite"], expr=data["expr"])
                for kind in kinds:
                    slot = row["baselines"][kind]
                    first = attempt == 0
                    if not first and (slot["outcome"] in (None, "timeout") or slot["outcome"].startswith("error")
                                      or not slot["samples_s"] or slot["samples_s"][0] >= REPEAT_BASELINE_BELOW_S):
                        continue
                    spec = dict(record) if first else {**record, "symdiv": None}  # the check runs once
                    base = cat.run_baseline(kind, family, spec, cfg.cap, cfg.check_budget)
                    if first:
                        slot.update(outcome=base.outcome, check=base.check, message=base.message,
                                    result=base.result, piecewise=base.piecewise)
                    if base.seconds is not None and base.outcome not in ("timeout",) \
                            and not (base.outcome or "").startswith("error"):
                        slot["samples_s"].append(base.seconds)
                    log(f"   {kind}: {base.outcome} ({fmt_s(base.seconds)})")
            row["cold_s"], row["warm_s"] = median(row["cold_samples_s"]), median(row["warm_samples_s"])
            for slot in row["baselines"].values():
                slot["seconds"] = median(slot["samples_s"])
                slot["ratio"], slot["ratio_is_lower_bound"] = None, False
                if row["cold_s"]:
                    if slot["outcome"] == "timeout":
                        slot["ratio"], slot["ratio_is_lower_bound"] = cfg.cap / row["cold_s"], True
                    elif slot["seconds"] is not None:
                        slot["ratio"] = slot["seconds"] / row["cold_s"]
            definition = _definition(row)
            row["target_met"] = None
            if definition is not None and definition["outcome"] == "closed form" and definition["ratio"]:
                row["target_met"] = definition["ratio"] >= TARGET_RATIO
            row["warm_met"] = None if row["warm_s"] is None else row["warm_s"] < TARGET_WARM_S
            rows.append(row)
    out: dict[str, Any] = {"rows": rows, "cap_s": cfg.cap, "families": names}
    if cfg.profile:
        # where the time goes in the entries that miss a target: one profiled cold (or warm) run each
        worst = sorted((r for r in rows if r["target_met"] is False), key=lambda r: _definition(r)["ratio"])
        for row in worst[:PROFILED_ENTRIES]:
            log(f"1. profiling {row['family']} / {row['measure']} (cold) ...")
            row["profile"] = symdiv_entry(row["family"], row["family"], row["measure"], "cold").get("profile")
        for row in rows:
            if row["warm_met"] is False:
                log(f"1. profiling {row['family']} / {row['measure']} (warm) ...")
                row["warm_profile"] = symdiv_entry(row["family"], row["family"], row["measure"],
                                                   "warm").get("profile")
    return out


def _definition(row: dict[str, Any]) -> dict[str, Any] | None:
    """The integrate or summation baseline of an entry."""
    return row["baselines"].get("integrate") or row["baselines"].get("summation")


def _baseline_time(slot: dict[str, Any] | None, cap: float) -> str:
    if slot is None:
        return "—"
    if slot["outcome"] == "timeout":
        return f"> {cap:g} s"
    return fmt_s(slot.get("seconds"))


def _baseline_outcome(slot: dict[str, Any] | None) -> str:
    if slot is None:
        return "—"
    outcome = slot["outcome"] or "—"
    check = slot.get("check") or {}
    text = "**wrong**" if outcome == "wrong" else outcome
    notes = []
    if check.get("closed_at_point") is not None:
        notes.append(f"Piecewise, {'closed' if check['closed_at_point'] else 'unevaluated'} at the point")
    elif slot.get("piecewise") and outcome in ("closed form", "wrong"):
        notes.append("Piecewise")
    if check.get("baseline_matches_symdiv") is True:
        notes.append("matches")
    elif check.get("check_error"):
        notes.append(f"check failed: {check['check_error'][:50]}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _ratio(slot: dict[str, Any] | None) -> str:
    if slot is None or slot.get("ratio") is None:
        return "—"
    ratio = slot["ratio"]
    return f"{'≥ ' if slot['ratio_is_lower_bound'] else ''}{ratio:.{1 if ratio < 10 else 0}f}×"


def _symdiv_outcome(row: dict[str, Any]) -> str:
    if row.get("cold_s") is None:
        return "**failed**: " + "; ".join(row["problems"])[:80]
    if row.get("infinite"):
        return "+∞"
    return "closed form" if row.get("complete") else "series kept"


def report_entries(data: dict[str, Any], figure: str | None) -> list[str]:
    cap = data["cap_s"]
    rows = data["rows"]
    lines = [
        "## 1. Catalog entries against SymPy",
        "",
        f"Each family's `symbolic_example(1)` (P) and `symbolic_example(2)` (Q). **cold**: one call in a fresh "
        "process, caches empty, only the derivation timed; **warm**: the same call repeated in that process "
        f"(median of {WARM_CALLS}; cached). Baselines: SymPy's `integrate`/`summation` of the same definition "
        "with the same symbols and assumptions, and `sympy.stats.entropy` for H(P), each in a fresh process, "
        f"capped at {cap:g} s; a closed form is compared with symdiv's result at a random exact point (mpmath, "
        "30 digits). Ratio = baseline / symdiv cold (a lower bound `≥` when the baseline timed out). "
        f"Target: ≥ {TARGET_RATIO:g}× faster than direct integration where it succeeds (a closed form), "
        f"warm < {TARGET_WARM_S * 1e3:g} ms.",
        "",
    ]
    body = []
    for row in rows:
        b = row["baselines"]
        definition = b.get("integrate") or b.get("summation")
        kind = "integrate" if "integrate" in b else "summation" if "summation" in b else ""
        stats = b.get("sympy.stats.entropy")
        base_text = _baseline_outcome(definition)
        if definition is None:
            base_text = f"no baseline ({row['no_baseline'] or row.get('prep_error', '—')})"
        elif kind:
            base_text = f"{kind}: {base_text}"
        body.append([f"{row['family']} {MEASURE_NAMES[row['measure']]}", fmt_s(row.get("cold_s")),
                     fmt_s(row.get("warm_s")), _symdiv_outcome(row), _baseline_time(definition, cap), base_text,
                     _ratio(definition), yes_no(row["target_met"]) if row["target_met"] is not None else "—",
                     _baseline_time(stats, cap), _baseline_outcome(stats), _ratio(stats)])
    lines += table(["entry", "symdiv cold", "warm", "symdiv result", "integrate / summation", "outcome", "ratio",
                    f"≥ {TARGET_RATIO:g}×", "sympy.stats.entropy", "outcome", "ratio"], "lrrlrlrlrlr", body)
    lines.append("")
    scored = [r for r in rows if r["target_met"] is not None]
    met = [r for r in scored if r["target_met"]]
    lines += [f"Where direct integration/summation gives a closed form ({len(scored)} entries), symdiv is "
              f"≥ {TARGET_RATIO:g}× faster in {len(met)}.", ""]
    for row in rows:
        for kind, slot in row["baselines"].items():
            check = slot.get("check") or {}
            if slot["outcome"] == "wrong":
                verdict = ""
                if "definition_value" in check:
                    agree = [n for n in ("symdiv", "baseline") if check.get(f"definition_matches_{n}")]
                    verdict = (f"; the definition by mpmath quadrature gives {check['definition_value']} (agrees "
                               f"with: {', '.join(agree) or 'neither'})")
                elif check.get("baseline_not_real"):
                    verdict = "; SymPy's value is not even real"
                lines.append(f"- {row['family']} {MEASURE_NAMES[row['measure']]}: {kind} gives "
                             f"{check.get('baseline_value')} where symdiv gives {check.get('symdiv_value')} at "
                             f"{_point(row.get('point'))}{verdict}.")
            if (slot["outcome"] or "").startswith("error") and slot.get("message"):
                lines.append(f"- {row['family']} {MEASURE_NAMES[row['measure']]}: {kind} raised "
                             f"{slot['outcome'][7:]}: {slot['message'][:160]}")
    lines.append("")
    if figure:
        lines += [f"![Cold and warm symdiv times against SymPy's baselines, per catalog entry]({figure})", ""]
    return lines


def _point(point: dict[str, str] | None) -> str:
    if not point:
        return "the point"
    return ", ".join(f"{k} = {v}" for k, v in sorted(point.items()))


def figure_entries(data: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    rows = data["rows"]
    cap = data["cap_s"]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.19 * len(rows)))
    ys = list(range(len(rows)))[::-1]
    labels = [f"{r['family']} {MEASURE_NAMES[r['measure']]}" for r in rows]

    def series(values: list[float | None], **style: Any) -> None:
        pts = [(v, y) for v, y in zip(values, ys) if v]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], **style)

    def base(kind: Sequence[str], timeout: bool) -> list[float | None]:
        out: list[float | None] = []
        for r in rows:
            slot = next((r["baselines"][k] for k in kind if k in r["baselines"]), None)
            if slot is None:
                out.append(None)
            elif slot["outcome"] == "timeout":
                out.append(cap if timeout else None)
            else:
                out.append(None if timeout else slot.get("seconds"))
        return out

    series([r.get("warm_s") for r in rows], marker="o", s=14, color="#9ecae1", label="symdiv warm (cached)")
    series([r.get("cold_s") for r in rows], marker="o", s=22, color="#08519c", label="symdiv cold")
    series(base(("integrate", "summation"), False), marker="s", s=22, color="#e6550d",
           label="integrate / summation")
    series(base(("sympy.stats.entropy",), False), marker="D", s=18, color="#31a354", label="sympy.stats.entropy")
    series(base(("integrate", "summation", "sympy.stats.entropy"), True), marker=">", s=30, color="#636363",
           label=f"baseline timed out (> {cap:g} s)")
    ax.axvline(TARGET_WARM_S, color="#9ecae1", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yticks(ys, labels, fontsize=7)
    ax.set_ylim(-1, len(rows))
    ax.set_xlabel("seconds (log scale)")
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# 2. The whole catalog cold in one process
# ---------------------------------------------------------------------------------------------


def section_catalog(cfg: Config) -> dict[str, Any]:
    log("2. reading the catalog and the cross pairs ...")
    catalog_info, pairs, _, status = cat.prepare(cfg.seed, (), ())
    if not catalog_info:
        raise RuntimeError(f"could not read sd.CATALOG: {status}")
    names = [c["name"] for c in catalog_info]
    families = [n for n in names if not cfg.quick or n in QUICK_FAMILIES]
    pairs = [(p, q) for p, q in pairs if (not cfg.quick or (p, q) in QUICK_PAIRS) and p in names and q in names]
    entries = cat.make_entries(families, pairs)

    def progress(message: str) -> None:
        log("2. " + message)

    session = cat.measure_session(entries, cfg.repeats, progress)
    calls = [{"key": e.key, "median_s": e.symdiv_s, "samples_s": e.symdiv_samples_s, "complete": e.complete,
              "infinite": e.infinite, "holds": e.holds, "error": e.error, "measure": e.measure} for e in entries]
    families = sorted({e.p_family for e in entries})
    return {"total_s": session["total_median_s"], "totals_s": session["totals_s"], "problems": session["problems"],
            "calls": calls, "families": len({e.p_family for e in entries if e.p_family == e.q_family}),
            "pairs": [list(p) for p in pairs], "all_families": families}


def report_catalog(data: dict[str, Any], quick: bool) -> list[str]:
    calls = data["calls"]
    same = [c for c in calls if " → " not in c["key"]]
    total = data["total_s"]
    runs = ", ".join(f"{t:.2f}" for t in data["totals_s"])
    derived = [c for c in calls if c["measure"] != "verify"]
    verified = [c for c in calls if c["measure"] == "verify"]
    lines = [
        "## 2. The whole catalog, cold, in one process",
        "",
        f"One fresh process: `import symdiv` (untimed), `sd.clear_caches()` once, then every same-family entry "
        f"({data['families']} families × H(P), H(P, Q), KL and `verify_decomposition` = {len(same)} calls) and every "
        f"documented cross pair (`symdiv.families.pairs`; {len(data['pairs'])} pairs × KL and verification = "
        f"{len(calls) - len(same)} calls), one after another; a later call may reuse what an earlier one derived, "
        "as in a user's session.",
        "",
    ]
    if quick:
        lines += ["*Quick run: a subset of the catalog, so the totals are not comparable with the targets.*", ""]
    rows = [[f"total of {len(calls)} calls", fmt_s(total), runs or "—"]]
    rows += [[f"target < {t:g} s ({src})", yes_no(None if total is None else total < t), ""]
             for t, src in TARGET_CATALOG_S]
    lines += table(["", "median", "runs (s)"], "lrl", rows)
    closed = sum(1 for c in derived if c["complete"] and not c["error"])
    proved = sum(1 for c in verified if c["holds"] is True)
    lines += ["", f"{closed}/{len(derived)} derivations complete (closed form or +∞; the rest keep an explicit "
              f"series), {proved}/{len(verified)} decompositions proved."]
    errors = [c for c in calls if c["error"]]
    for c in errors:
        lines.append(f"- {c['key']}: **error** {c['error'][:150]}")
    slowest = sorted((c for c in calls if c["median_s"] is not None), key=lambda c: -c["median_s"])[:8]
    lines += ["", "The slowest calls (medians):", ""]
    lines += table(["call", "median"], "lr", [[c["key"].replace(" / verify", " / verify_decomposition"),
                                                fmt_s(c["median_s"])] for c in slowest])
    if data["problems"]:
        lines += ["", f"Problems: {'; '.join(data['problems'])}"]
    return lines + [""]


# ---------------------------------------------------------------------------------------------
# 3. Import time
# ---------------------------------------------------------------------------------------------


IMPORTS = (("empty interpreter", "pass"), ("import sympy", "import sympy"), ("import symdiv", "import symdiv"))


def section_import(cfg: Config) -> dict[str, Any]:
    env = child_env()

    def once(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO_ROOT, capture_output=True)
        return time.perf_counter() - start

    for _, code in IMPORTS:  # untimed: write the bytecode caches
        once(code)
    samples: dict[str, list[float]] = {name: [] for name, _ in IMPORTS}
    for run in range(cfg.import_runs):
        log(f"3. import run {run + 1}/{cfg.import_runs}")
        order = IMPORTS if run % 2 == 0 else IMPORTS[::-1]
        for name, code in order:
            samples[name].append(once(code))
    base = statistics.median(samples["empty interpreter"])
    sympy_s = statistics.median(samples["import sympy"]) - base
    symdiv_s = statistics.median(samples["import symdiv"]) - base
    # the same differences run by run (interleaved), for the spread of the ratio
    ratios = [(d - e) / (s - e) for e, s, d in zip(samples["empty interpreter"], samples["import sympy"],
                                                      samples["import symdiv"]) if s > e]
    out = {"samples_s": samples, "empty_s": base, "sympy_s": sympy_s, "symdiv_s": symdiv_s,
           "ratio": symdiv_s / sympy_s if sympy_s > 0 else None, "ratios_per_run": ratios,
           "breakdown": import_breakdown(env)}
    return out


def import_breakdown(env: dict[str, str], runs: int = 5) -> dict[str, Any]:
    """``python -X importtime -c "import symdiv"``: medians (over ``runs``) of the self time of symdiv's own modules
    and of the cumulative time of each package that symdiv's modules import directly (SymPy with everything it
    imports, and so on)."""
    packages: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    totals: list[int] = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import symdiv"], env=env, cwd=REPO_ROOT,
                           capture_output=True, text=True, check=True)
        # children are printed before their parent, one level deeper: rebuild the tree
        pending: list[tuple[int, dict[str, Any]]] = []
        root = None
        for line in r.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, cumulative, raw = line[len("import time:"):].split("|")
            depth = len(raw) - len(raw.lstrip(" "))
            node = {"name": raw.strip(), "self": int(self_us), "cumulative": int(cumulative), "children": []}
            while pending and pending[-1][0] > depth:
                node["children"].insert(0, pending.pop()[1])
            pending.append((depth, node))
            if node["name"] == "symdiv":
                root = node
        if root is None:
            continue
        totals.append(root["cumulative"])
        mine: dict[str, int] = {}
        theirs: dict[str, int] = {}

        def walk(node: dict[str, Any], mine: dict[str, int] = mine, theirs: dict[str, int] = theirs) -> None:
            top = node["name"].split(".")[0]
            if top == "symdiv":
                mine[node["name"]] = node["self"]
                for child in node["children"]:
                    walk(child)
            else:
                theirs[top] = theirs.get(top, 0) + node["cumulative"]

        walk(root)
        for name, value in mine.items():
            own.setdefault(name, []).append(value)
        for name, value in theirs.items():
            packages.setdefault(name, []).append(value)
    if not totals:
        return {}
    symdiv_own = {name: statistics.median(v) / 1e6 for name, v in own.items()}
    third = {name: statistics.median(v) / 1e6 for name, v in packages.items()}
    big = sorted(((n, t) for n, t in third.items() if t > 0.002), key=lambda x: -x[1])
    return {"symdiv_total_s": statistics.median(totals) / 1e6, "packages_s": dict(big[:8]),
            "symdiv_own_s": sum(symdiv_own.values()),
            "symdiv_own_top_s": dict(sorted(symdiv_own.items(), key=lambda x: -x[1])[:6])}


def report_import(data: dict[str, Any]) -> list[str]:
    s = data["samples_s"]
    ratio = data["ratio"]
    lines = [
        "## 3. Import time",
        "",
        f"`python -c \"import symdiv\"` and `python -c \"import sympy\"` in fresh interpreters, each minus an empty "
        f"interpreter (`python -c pass`), {len(s['import sympy'])} runs each, interleaved; medians. "
        "symdiv imports SymPy, so the ratio is (SymPy + symdiv's own cost) / SymPy.",
        "",
    ]
    lines += table(["", "median wall time", "minus empty interpreter"], "lrr", [
        ["empty interpreter", fmt_s(data["empty_s"]), "—"],
        ["import sympy", fmt_s(statistics.median(s["import sympy"])), fmt_s(data["sympy_s"])],
        ["import symdiv", fmt_s(statistics.median(s["import symdiv"])), fmt_s(data["symdiv_s"])],
    ])
    spread = sorted(data["ratios_per_run"])
    spread_text = f" (per run: {spread[0]:.2f} … {spread[-1]:.2f})" if spread else ""
    met = None if ratio is None else ratio < TARGET_IMPORT_RATIO
    lines += ["", f"Ratio symdiv / sympy: **{ratio:.2f}**{spread_text}; target < {TARGET_IMPORT_RATIO:g}: "
              f"{yes_no(met)}." if ratio is not None else "Ratio: not measured.", ""]
    b = data["breakdown"]
    if b.get("symdiv_total_s"):
        packages = ", ".join(f"{n} {fmt_s(t)}" for n, t in b["packages_s"].items())
        top = ", ".join(f"`{n}` {fmt_s(t)}" for n, t in b["symdiv_own_top_s"].items())
        lines += [f"`python -X importtime -c \"import symdiv\"` (medians of 5; the interpreter's bookkeeping "
                  f"inflates it): symdiv {fmt_s(b['symdiv_total_s'])} in all, of which the packages its modules import "
                  f"(each with everything it imports in turn): "
                  f"{packages}; symdiv's own modules {fmt_s(b['symdiv_own_s'])} (largest: {top}).", ""]
    return lines


# ---------------------------------------------------------------------------------------------
# 4. Scaling
# ---------------------------------------------------------------------------------------------


def scaling_point(kind: str, n: int, seed: int, profile: bool = False) -> dict[str, Any]:
    run = run_child(SCALING_CHILD, {"kind": kind, "n": n, "seed": seed, "profile": profile}, SCALING_TIMEOUT_S)
    data = run.merged()
    data["status"] = run.status
    return data


def section_scaling(cfg: Config) -> dict[str, Any]:
    out: dict[str, Any] = {"series": {}}
    for sid, title, var, sizes, quick_sizes, target_n, target_s, source in SCALING:
        sizes = quick_sizes if cfg.quick else sizes
        points = {n: {"n": n, "samples_s": [], "kl_s": [], "verify_s": [], "problems": [], "ok": True}
                  for n in sizes}
        failed_at: int | None = None
        for attempt in range(cfg.repeats):
            for n in sizes:
                p = points[n]
                if failed_at is not None and n >= failed_at:
                    continue
                if attempt >= 3 and p["samples_s"] and p["samples_s"][0] > LONG_RUN_S:
                    continue
                log(f"4. {sid} {var}={n}: run {attempt + 1}/{cfg.repeats}")
                data = scaling_point(sid, n, cfg.seed + n)
                if data["status"] != "ok" or "seconds" not in data:
                    p["problems"].append(data["status"])
                    failed_at = n if failed_at is None else min(failed_at, n)
                    continue
                p["samples_s"].append(data["seconds"])
                p["kl_s"].append(data["kl"])
                p["verify_s"].append(data["verify"])
                p["ok"] = p["ok"] and data["ok"]
        rows = []
        for n in sizes:
            p = points[n]
            p.update(median_s=median(p["samples_s"]), kl_median_s=median(p["kl_s"]),
                     verify_median_s=median(p["verify_s"]))
            rows.append(p)
        done = [p for p in rows if p["median_s"]]
        ns, ts = [p["n"] for p in done], [p["median_s"] for p in done]
        upper = [i for i, n in enumerate(ns) if n >= ns[len(ns) // 2]] if ns else []
        at = points.get(target_n)
        target_value = at["median_s"] if at else None
        series = {"title": title, "var": var, "points": rows, "slope": loglog_slope(ns, ts),
                  "slope_upper": loglog_slope([ns[i] for i in upper], [ts[i] for i in upper]),
                  "upper_from": ns[len(ns) // 2] if ns else None,
                  "target_n": target_n, "target_s": target_s, "source": source, "target_value_s": target_value,
                  "target_met": None if target_value is None else target_value < target_s}
        if cfg.profile and series["target_met"] is False:
            log(f"4. profiling {sid} {var}={target_n} ...")
            series["profile"] = scaling_point(sid, target_n, cfg.seed + target_n, True).get("profile")
        out["series"][sid] = series
    log("4. the symbolic dimension k ...")
    samples, problems = [], []
    last: dict[str, Any] = {}
    for _ in range(cfg.repeats):
        data = scaling_point("mvn-k", 0, cfg.seed)
        if data["status"] != "ok" or "seconds" not in data:
            problems.append(data["status"])
            continue
        samples.append(data["seconds"])
        last = data
    value = median(samples)
    out["mvn_k"] = {"samples_s": samples, "median_s": value, "kl_last_s": last.get("kl"),
                    "verify_last_s": last.get("verify"), "ok": last.get("ok"), "problems": problems,
                    "target_s": TARGET_MVN_K_S, "target_met": None if value is None else value < TARGET_MVN_K_S}
    if cfg.profile and out["mvn_k"]["target_met"] is False:
        out["mvn_k"]["profile"] = scaling_point("mvn-k", 0, cfg.seed, True).get("profile")
    return out


def report_scaling(data: dict[str, Any], figures: dict[str, str]) -> list[str]:
    lines = [
        "## 4. Scaling",
        "",
        "KL divergence plus `verify_decomposition` of one pair, each size in fresh processes (caches empty), "
        "medians. The slope is the least-squares slope of log t against log n over all sizes, and over the "
        "upper half of the sizes (where fixed costs matter less).",
        "",
    ]
    for sid, series in data["series"].items():
        var = series["var"]
        lines += [f"### {series['title']}", ""]
        rows = []
        for p in series["points"]:
            status = "ok" if p["ok"] and p["samples_s"] else ("not run" if not p["samples_s"] and not p["problems"]
                                                              else "; ".join(p["problems"]) or "**not proved**")
            rows.append([p["n"], fmt_s(p["median_s"]), fmt_s(p["kl_median_s"]), fmt_s(p["verify_median_s"]),
                         len(p["samples_s"]), status])
        lines += table([var, "KL + verify", "KL", "verify", "runs", "result"], "rrrrrl", rows)
        slope, upper = series["slope"], series["slope_upper"]
        if slope is not None:
            lines += ["", f"Slope {fmt_slope(slope)} (all sizes), {fmt_slope(upper)} ({var} ≥ {series['upper_from']})."]
        value = series["target_value_s"]
        lines += ["", f"Target: {var} = {series['target_n']} in < {series['target_s']:g} s ({series['source']}): "
                  + ("not measured" if value is None else f"{fmt_s(value)}, {yes_no(series['target_met'])}") + "."]
        if sid in figures:
            lines += ["", f"![{series['title']}: seconds against {var}, log-log]({figures[sid]})"]
        lines.append("")
    k = data["mvn_k"]
    lines += ["### MultivariateNormal, symbolic dimension k", "",
              "`MultivariateNormal.symbolic_example(1)` vs `(2)` (matrix symbols of dimension k): "
              + ("failed: " + "; ".join(k["problems"]) if k["median_s"] is None else
                 f"{fmt_s(k['median_s'])} (KL {fmt_s(k['kl_last_s'])} + verify {fmt_s(k['verify_last_s'])} in the "
                 f"last run; {'proved' if k['ok'] else '**not proved**'}), median of {len(k['samples_s'])}")
              + f"; target < {k['target_s']:g} s: {yes_no(k['target_met'])}.", ""]
    return lines


def figure_scaling(series: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    done = [p for p in series["points"] if p["median_s"]]
    if not done:
        return
    ns = [p["n"] for p in done]
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    med = [p["median_s"] for p in done]
    lo = [m - min(p["samples_s"]) for m, p in zip(med, done)]
    hi = [max(p["samples_s"]) - m for m, p in zip(med, done)]
    ax.errorbar(ns, med, yerr=[lo, hi], fmt="o-", color="#08519c", ms=4, lw=1, capsize=2,
                label="KL + verify (median, min–max)")
    ax.plot(ns, [p["kl_median_s"] for p in done], "s--", color="#6baed6", ms=3, lw=0.8, label="KL only")
    slope = series["slope"]
    if slope is not None and len(ns) >= 2:
        xs, ys = [math.log(n) for n in ns], [math.log(t) for t in med]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        fit = [math.exp(my + slope * (x - mx)) for x in xs]
        ax.plot(ns, fit, ":", color="#e6550d", lw=1.2, label=f"least squares, slope {slope:.2f}")
        upper = [(n, t) for n, t in zip(ns, med) if series["upper_from"] is not None and n >= series["upper_from"]]
        if series["slope_upper"] is not None and len(upper) >= 2:
            xs, ys = [math.log(n) for n, _ in upper], [math.log(t) for _, t in upper]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            ax.plot([n for n, _ in upper], [math.exp(my + series["slope_upper"] * (x - mx)) for x in xs], "--",
                    color="#a63603", lw=1, label=f"upper half ({series['var']} ≥ {series['upper_from']}), slope "
                                                 f"{series['slope_upper']:.2f}")
    ax.plot([series["target_n"]], [series["target_s"]], marker="*", ms=11, color="#31a354", ls="none",
            label=f"target: < {series['target_s']:g} s at {series['var']} = {series['target_n']}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ns, [str(n) for n in ns], fontsize=8)
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel(series["var"])
    ax.set_ylabel("seconds")
    ax.set_title(series["title"], fontsize=9)
    ax.grid(which="both", alpha=0.25)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# 5. Generated code against hand-written NumPy
# ---------------------------------------------------------------------------------------------


def section_codegen(cfg: Config) -> dict[str, Any]:
    log(f"5. generated code vs NumPy, {cfg.codegen_rows} rows, {cfg.codegen_rounds} rounds ...")
    spec = {"rows": cfg.codegen_rows, "rounds": cfg.codegen_rounds, "classes": 10, "seed": cfg.seed}
    run = run_child(CODEGEN_CHILD, spec, 1800.0)
    if run.status != "ok":
        raise RuntimeError(f"the code-generation child failed: {run.status}")
    data = run.first
    for case in data["cases"].values():
        m = case["medians_s"]
        case["ratio"] = m["generated"] / m["hand"]
        case["target_met"] = case["ratio"] <= TARGET_CODEGEN_RATIO
    data["rows"], data["rounds"] = cfg.codegen_rows, cfg.codegen_rounds
    return data


def report_codegen(data: dict[str, Any]) -> list[str]:
    lines = [
        "## 5. Generated code against hand-written NumPy",
        "",
        f"`Derivation.to_function(\"numpy\", checked=False)` (the plain generated code, like the hand-written "
        f"lines) against the textbook NumPy one-liners, over {data['rows']:,} "
        f"parameter rows (float64), {data['rounds']} interleaved rounds in one process; medians. The default, "
        "checked code (a rounding-error bound per row, mpmath where it is not small) is timed beside it below "
        "the table. Categorical: the "
        "derivation with explicit K = 10, called with one (rows, K) array per distribution. Hand-written: "
        "`np.log(s2/s1) + (s1**2 + (m1-m2)**2)/(2*s2**2) - 0.5`; `p*np.log(p/q) + (1-p)*np.log((1-p)/(1-q))`; "
        "`np.sum(p*np.log(p/q), axis=-1)`. The relative difference is over rows with |KL| > 1e-8.",
        "",
    ]
    rows = []
    for name, case in data["cases"].items():
        m = case["medians_s"]
        rows.append([name, fmt_s(m["generated"]), fmt_s(m["hand"]), f"{case['ratio']:.2f}",
                     yes_no(case["target_met"]), f"{case['max_rel_diff']:.1e}", f"{case['max_abs_diff']:.1e}",
                     fmt_s(m.get("hand, scipy xlogy")), fmt_s(m.get("hand, np.where"))])
    lines += table(["case", "generated", "hand-written", "ratio", f"≤ {TARGET_CODEGEN_RATIO:g}",
                    "max rel. diff.", "max abs. diff.", "hand, with xlogy", "hand, with np.where"], "lrrrlrrrr",
                   rows)
    micro = data["micro"]
    lines += ["", "The last two columns are diagnostics: hand-written versions that keep 0 log 0 = 0 like the "
              "generated code, with `scipy.special.xlogy` on the ratio (`xlogy(p, p/q)`) or with "
              "`np.where(p > 0, p*np.log(p/q), 0)`. The generated code uses `xlogy`/`xlog1py` for that convention "
              f"and for precision near the boundary; on the same {data['rows']:,} rows: "
              + "; ".join(f"`{k}` {fmt_s(v)}" for k, v in micro.items()) + ".", ""]
    for name, case in data["cases"].items():
        if _other_calls(name, case):
            lines += [_other_calls(name, case), ""]
    lines += ["The generated sources (the returned expression):", ""]
    for name, case in data["cases"].items():
        lines += [f"- {name}: `{case['source'].strip().splitlines()[-1].strip()[:400]}`"]
    return lines + [""]


def _other_calls(name: str, case: dict[str, Any]) -> str:
    """The other ways of calling generated code that were timed for a case, as one sentence (or "")."""
    m = case["medians_s"]
    others = [(k, v) for k, v in m.items() if k.startswith("generated, ")]
    if not others:
        return ""
    table_call = "one (rows, K) array per distribution, unchecked" if "K =" in name else "unchecked"
    return (f"{name}, the same generated code called otherwise (ratio to hand-written): "
            + "; ".join(f"{k[len('generated, '):]} {fmt_s(v)} ({v / m['hand']:.2f})" for k, v in others)
            + f"; as in the table ({table_call}), {fmt_s(m['generated'])} ({m['generated'] / m['hand']:.2f}).")


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def summary(results: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """The headline rows (target, measured, met) and, per missed target, the explanation."""
    rows: list[list[str]] = []
    missed: list[str] = []

    def add(section: str, target: str, measured: str, met: bool | None, why: list[str] | None = None,
            margin: str = "") -> None:
        rows.append([section, target, measured, yes_no(met) + (f" ({margin})" if met is False and margin else "")])
        if met is False:
            missed.extend([f"### {target}", "", f"Measured {measured}{'; ' + margin if margin else ''}.", ""])
            missed.extend(why or [])
            missed.append("")

    if "entries" in results:
        rows_ = results["entries"]["rows"]
        scored = [r for r in rows_ if r["target_met"] is not None]
        if scored:
            worst = min(scored, key=lambda r: _definition(r)["ratio"])
            ratio = _definition(worst)["ratio"]
            fails = sorted((r for r in scored if not r["target_met"]), key=lambda r: _definition(r)["ratio"])
            why = ["Entries below the target: " + "; ".join(
                f"{r['family']} {MEASURE_NAMES[r['measure']]} {_definition(r)['ratio']:.1f}× (SymPy "
                f"{fmt_s(_definition(r)['seconds'])}, symdiv {fmt_s(r['cold_s'])}; {TARGET_RATIO:g}× needs "
                f"≤ {fmt_s(_definition(r)['seconds'] / TARGET_RATIO)})" for r in fails) + ".", ""]
            for r in fails:
                if r.get("profile"):
                    why += [f"Profile of {r['family']} {MEASURE_NAMES[r['measure']]} (cold):", ""]
                    why += profile_lines(r["profile"]) + [""]
            add("1", f"≥ {TARGET_RATIO:g}× faster than integrate/summation where it succeeds",
                f"{len(scored) - len(fails)}/{len(scored)} entries; lowest {ratio:.1f}× ({worst['family']} "
                f"{MEASURE_NAMES[worst['measure']]})", not fails, why,
                f"{len(fails)} below; the lowest is {TARGET_RATIO / ratio:.1f}× short of it")
        else:
            add("1", f"≥ {TARGET_RATIO:g}× faster than integrate/summation where it succeeds",
                "no entry where direct integration succeeded", None)
        warm = [r for r in rows_ if r["warm_s"] is not None]
        if warm:
            slowest = max(warm, key=lambda r: r["warm_s"])
            fails = [r for r in warm if not r["warm_met"]]
            why = []
            for r in fails:
                why += [f"**{r['family']} {MEASURE_NAMES[r['measure']]}** warm: {fmt_s(r['warm_s'])}.", ""]
                why += profile_lines(r.get("warm_profile")) + [""]
            add("1", f"warm (cached) call < {TARGET_WARM_S * 1e3:g} ms",
                f"slowest {fmt_s(slowest['warm_s'])} ({slowest['family']} {MEASURE_NAMES[slowest['measure']]})",
                not fails, why, f"{len(fails)} entries over, slowest {slowest['warm_s'] / TARGET_WARM_S:.1f}× the "
                "target")
    if "catalog" in results:
        c = results["catalog"]
        total = c["total_s"]
        slowest = sorted((x for x in c["calls"] if x["median_s"]), key=lambda x: -x["median_s"])[:5]
        why = ["The slowest calls: " + "; ".join(f"{x['key']} {fmt_s(x['median_s'])}" for x in slowest) + "."]
        for limit, source in TARGET_CATALOG_S:
            add("2", f"whole catalog cold in one process < {limit:g} s ({source})",
                "not measured" if total is None else fmt_s(total), None if total is None else total < limit, why,
                "" if total is None else f"{total / limit:.2f}× the target")
    if "import" in results:
        d = results["import"]
        ratio = d["ratio"]
        b = d["breakdown"]
        why = [f"symdiv's own modules take {fmt_s(b.get('symdiv_own_s'))} of self time in "
               "`-X importtime` (largest: " + ", ".join(f"`{n}` {fmt_s(t)}" for n, t in
                                                          b.get("symdiv_own_top_s", {}).items())
               + "); packages imported with it: " + ", ".join(f"{n} {fmt_s(t)}" for n, t in
                                                              b.get("packages_s", {}).items()) + "."]
        add("3", f"import symdiv / import sympy < {TARGET_IMPORT_RATIO:g}",
            "—" if ratio is None else f"{ratio:.2f} ({fmt_s(d['symdiv_s'])} vs {fmt_s(d['sympy_s'])})",
            None if ratio is None else ratio < TARGET_IMPORT_RATIO, why,
            "" if ratio is None else f"over by {ratio - TARGET_IMPORT_RATIO:.2f}")
    if "scaling" in results:
        for s in results["scaling"]["series"].values():
            value = s["target_value_s"]
            at = next((p for p in s["points"] if p["n"] == s["target_n"]), None)
            why = [f"KL {fmt_s(at and at['kl_median_s'])}, verify {fmt_s(at and at['verify_median_s'])}; slope "
                   f"{fmt_slope(s['slope'])} over all sizes, {fmt_slope(s['slope_upper'])} over the upper half.", ""]
            why += profile_lines(s.get("profile")) if "profile" in s else []
            add("4", f"{s['title'].split(' (')[0]}: {s['var']} = {s['target_n']} in < {s['target_s']:g} s "
                f"({s['source']})", "not measured" if value is None else fmt_s(value),
                s["target_met"], why, "" if value is None else f"{value / s['target_s']:.1f}× the target")
        k = results["scaling"]["mvn_k"]
        add("4", f"MultivariateNormal, symbolic dimension k: KL + verify < {k['target_s']:g} s",
            "not measured" if k["median_s"] is None else fmt_s(k["median_s"]), k["target_met"],
            profile_lines(k.get("profile")) if "profile" in k else [],
            "" if k["median_s"] is None else f"{k['median_s'] / k['target_s']:.1f}× the target")
    if "codegen" in results:
        d = results["codegen"]
        micro = d["micro"]
        for name, case in d["cases"].items():
            m = case["medians_s"]
            why = []
            if "hand, scipy xlogy" in m:
                calls = case["source"].count("xlogy(") + case["source"].count("xlog1py(")
                why = [f"The generated code makes {calls} `xlogy`/`xlog1py` calls (`"
                       f"{case['source'].strip().splitlines()[-1].strip()[7:160]}`…). On the same rows `xlogy(p, q)` "
                       f"takes {fmt_s(micro['xlogy(p, q)'])} against {fmt_s(micro['p * np.log(q)'])} for "
                       f"`p * np.log(q)`. Hand-written with the same 0 log 0 = 0 convention: one `xlogy` per "
                       f"ratio takes {fmt_s(m['hand, scipy xlogy'])} "
                       f"({m['hand, scipy xlogy'] / m['hand']:.2f}× the plain version)"
                       + (f", `np.where` around `p*np.log(p/q)` takes {fmt_s(m['hand, np.where'])} "
                          f"({m['hand, np.where'] / m['hand']:.2f}×)" if "hand, np.where" in m else "") + "."]
                other = _other_calls(name, case)
                if other:
                    why += ["", other + " An explicit-K function called with (rows, K) arrays takes K strided "
                            "column views (`arr[..., j]`), one pass over the whole array per class and operation; "
                            "the symbolic-K function works on the class axis in one pass."]
            add("5", f"generated / hand-written NumPy ≤ {TARGET_CODEGEN_RATIO:g}: {name}",
                f"{case['ratio']:.2f} ({fmt_s(m['generated'])} vs {fmt_s(m['hand'])}); max rel. diff. "
                f"{case['max_rel_diff']:.1e}", case["target_met"], why,
                f"{case['ratio'] / TARGET_CODEGEN_RATIO:.1f}× the target")
    return rows, missed


def write_report(results: dict[str, Any], cfg: Config, out: Path, started: dt.datetime, wall_s: float,
                 figures: dict[str, str]) -> str:
    m = results["machine"]
    rows, missed = summary(results)
    lines = [
        "# Benchmarks",
        "",
        f"*Generated by `python benchmarks/run.py{' --quick' if cfg.quick else ''}` on "
        f"{started.strftime('%Y-%m-%d %H:%M')} UTC in {wall_s / 60:.1f} min; do not edit by hand.*",
        "",
        f"**Machine:** {m['cores']} cores ({m['usable_cores']} usable; {m['cpu']}), {m['platform']}; "
        f"{m['implementation']} {m['python']}, SymPy {m['sympy']}, mpmath {m['mpmath']}, NumPy {m['numpy']}, "
        f"SciPy {m['scipy']}. Load average at the start: "
        + (", ".join(f"{x:.2f}" for x in m["load_average"]) if m["load_average"] else "unknown")
        + " (a shared machine: timings are noisy, hence medians). "
        f"**Code:** symdiv at {results['code']} (sources digest {results['digest']}). **Runs:** medians of "
        f"{cfg.repeats} fresh-process runs per timing unless said otherwise; seed {cfg.seed}.",
        "",
    ]
    if cfg.quick:
        lines += ["!!! warning \"Quick run\"", "    Tiny sizes, one run each and a "
                  f"{cfg.cap:g} s cap, for the smoke test: the numbers are not the benchmark.", ""]
    if results.get("sources_changed"):
        lines += ["!!! warning \"symdiv changed during the run\"",
                  "    These sources of symdiv changed while the benchmark ran (edits made in parallel), so the "
                  "numbers may mix two versions: " + ", ".join(f"`{n}`" for n in results["sources_changed"]) + ".",
                  ""]
    lines += ["## Targets", ""]
    lines += table(["§", "target", "measured", "met"], "llll", rows)
    lines.append("")
    if missed:
        lines += ["Missed targets are explained [below](#missed-targets).", ""]
    if "entries" in results:
        lines += report_entries(results["entries"], figures.get("entries"))
    if "catalog" in results:
        lines += report_catalog(results["catalog"], cfg.quick)
    if "import" in results:
        lines += report_import(results["import"])
    if "scaling" in results:
        lines += report_scaling(results["scaling"], figures)
    if "codegen" in results:
        lines += report_codegen(results["codegen"])
    if missed:
        lines += ["## Missed targets", "",
                  "By how much, and where the time goes (measured: profiles are of one extra run under cProfile, "
                  "which slows it).", ""]
        lines += missed
    for name, error in results.get("errors", {}).items():
        lines += [f"**Section {name} failed:** `{error}`", ""]
    text = "\n".join(lines).rstrip() + "\n"
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    (out / "benchmarks.md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 3 families, tiny sizes, 1 run, 2 s cap (about a minute)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="directory of benchmarks.md and img/bench-*.png (default: the repository's docs/)")
    parser.add_argument("--repeats", type=int, help="fresh-process runs per timing (default 5; --quick: 1)")
    parser.add_argument("--json", nargs="?", const="", metavar="PATH",
                        help="also write every number as JSON (default path: <out>/benchmarks.json)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random points, matrices and arrays")
    parser.add_argument("--sections", default="1,2,3,4,5", help="comma-separated sections to run (default all)")
    parser.add_argument("--no-profile", action="store_true", help="do not profile the measurements that miss")
    parser.add_argument("--from-json", type=Path, metavar="PATH",
                        help="measure nothing: write the report and figures from the JSON of an earlier run")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    if not sections <= {"1", "2", "3", "4", "5"}:
        parser.error("--sections takes numbers from 1 to 5")
    out: Path = args.out
    if args.from_json:
        results = json.loads(args.from_json.read_text(encoding="utf-8"))
        render(results, Config.from_dict(results["config"]), out)
        return 0
    cfg = Config(args)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    files = source_files()
    digest = source_digest(files)
    results: dict[str, Any] = {"machine": machine(), "config": cfg.as_dict(), "code": code_version(),
                               "digest": digest, "started": started.isoformat(), "errors": {}}
    # the quick sections first, the long baselines last
    steps: list[tuple[str, str, Callable[[Config], dict[str, Any]]]] = [
        ("3", "import", section_import), ("5", "codegen", section_codegen), ("2", "catalog", section_catalog),
        ("4", "scaling", section_scaling), ("1", "entries", section_entries)]
    for number, key, fn in steps:
        if number not in sections:
            continue
        try:
            results[key] = fn(cfg)
        except Exception as exc:  # report the other sections anyway
            log(f"section {number} failed: {type(exc).__name__}: {exc}")
            results["errors"][number] = f"{type(exc).__name__}: {exc}"[:300]
    now = source_files()
    results["sources_changed"] = sorted(name for name in set(files) | set(now) if files.get(name) != now.get(name))
    results["wall_s"] = time.perf_counter() - clock
    if args.json is not None:
        path = Path(args.json) if args.json else out / "benchmarks.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
        log(f"wrote {path}")
    render(results, cfg, out)
    log(f"wrote {out / 'benchmarks.md'} ({results['wall_s'] / 60:.1f} min)")
    return 1 if results["errors"] else 0


def render(results: dict[str, Any], cfg: Config, out: Path) -> None:
    """The figures and the Markdown report, from the measurements."""
    import matplotlib

    matplotlib.use("Agg")
    (out / "img").mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    if "entries" in results:
        figure_entries(results["entries"], out / "img" / "bench-entries.png")
        figures["entries"] = "img/bench-entries.png"
    if "scaling" in results:
        for sid, series in results["scaling"]["series"].items():
            if any(p["median_s"] for p in series["points"]):
                figure_scaling(series, out / "img" / f"bench-{sid}.png")
                figures[sid] = f"img/bench-{sid}.png"
    write_report(results, cfg, out, dt.datetime.fromisoformat(results["started"]), results["wall_s"], figures)

if __name__ == "__main__":
    sys.exit(main())
