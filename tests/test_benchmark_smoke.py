"""The benchmarks are not part of the test run, but one tiny run of each is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.parametrize(("script", "summary"), [("core.py", "Session"), ("catalog.py", "target < 15 s")])
def test_benchmark_quick(tmp_path, script, summary) -> None:
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| entry |" in r.stdout and summary in r.stdout
    assert json.loads(out.read_text()), "the benchmark wrote no numbers"
