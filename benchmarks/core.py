"""Plumbing of the benchmark suite (a library: the one entry point is benchmarks/run.py).

Every measurement runs in a fresh child process, ``python -c CODE SPEC_JSON``, that prints JSON lines
on stdout. :func:`run_child` starts it from the checkout (symdiv need not be installed) and kills it
after a timeout; the parent never imports symdiv, so each child sees the sources as they are when it
starts and :func:`source_files` can tell whether they changed during a run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Every child starts here, untimed. The last two lines finish SymPy's deferred imports: the first
#: ``Add`` imports sympy.tensor, sympy.combinatorics, ... (~20 ms). A baseline pays that while building
#: its integrand, before its clock starts; the warm-up makes symdiv's children pay it untimed too.
PRELUDE = """
import json, sys, time
import sympy
_warm = sympy.Symbol("warm", positive=True)
_warm = (sympy.log(_warm + 1) * _warm).is_positive
"""


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


def child_env() -> dict[str, str]:
    """The environment of a child: this one, with the checkout first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _json_lines(text: str | bytes | None) -> list[dict[str, Any]]:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return [json.loads(line) for line in (text or "").splitlines() if line.startswith("{")]


def run_child(code: str, spec: dict[str, Any], timeout: float) -> ChildRun:
    """Run ``python -c code spec_json`` in a fresh process; kill it after ``timeout`` seconds."""
    argv = [sys.executable, "-c", code, json.dumps(spec)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=child_env(), cwd=REPO_ROOT)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed the child
        return ChildRun("timeout", _json_lines(exc.stdout))
    records = _json_lines(proc.stdout)
    if proc.returncode != 0 or not records:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return ChildRun(f"crash (exit {proc.returncode}): {tail}", records)
    return ChildRun("ok", records)


def code_version() -> str:
    """The commit of the benchmarked code, "+dirty" when symdiv/ has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout

    try:
        dirty = bool(git("status", "--porcelain", "--", "symdiv"))
        return git("rev-parse", "--short", "HEAD").strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def source_files() -> dict[str, str]:
    """A hash per source file of symdiv, to say which changed while the benchmark ran."""
    return {str(path.relative_to(REPO_ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted((REPO_ROOT / "symdiv").rglob("*.py"))}


def source_digest(files: dict[str, str]) -> str:
    """One hash of all of :func:`source_files`, for the report."""
    return hashlib.sha256("".join(f"{n}\0{h}\n" for n, h in sorted(files.items())).encode()).hexdigest()[:12]


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def loglog_slope(ks: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) against log(K)."""
    if len(ks) < 2:
        return None
    xs, ys = [math.log(k) for k in ks], [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
