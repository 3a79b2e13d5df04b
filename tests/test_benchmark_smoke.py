"""The benchmarks are not part of the test run, but one tiny run of the suite is.

``benchmarks/run.py`` is the one entry point; ``core.py`` (child processes, timing helpers) and ``catalog.py``
(catalog entries, baselines, the one-process session) are its libraries and have no command line of their own.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_benchmark_suite_quick(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path),
                        "--json", str(tmp_path / "bench.json")],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    page = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    for heading in ("## Targets", "## 1. Catalog entries against SymPy",
                    "## 2. The whole catalog, cold, in one process", "## 3. Import time", "## 4. Scaling",
                    "## 5. Generated code against hand-written NumPy"):
        assert f"\n{heading}\n" in page, heading
    assert "**Machine:**" in page and "SymPy" in page and "failed" not in page.split("## 1.")[0]
    images = re.findall(r"!\[[^\]]*\]\((img/bench-[\w-]+\.png)\)", page)
    assert len(images) == 4  # the entries and the three scaling series
    for link in images:
        assert (tmp_path / link).stat().st_size > 1000, link
    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert not data["errors"]
    assert {r["family"] for r in data["entries"]["rows"]} == {"Bernoulli", "Normal", "Exponential"}
    assert all(r["cold_s"] for r in data["entries"]["rows"])
    assert data["catalog"]["total_s"] and data["import"]["ratio"]
    assert all(case["max_rel_diff"] < 1e-6 for case in data["codegen"]["cases"].values())


def test_benchmark_runner_parses_its_arguments() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--help"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0 and "--quick" in r.stdout, r.stderr[-2000:]
