"""The benchmark is not part of the test run, but one tiny run of it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_core_benchmark_quick(tmp_path) -> None:
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "core.py"), "--quick", "--json", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| entry |" in r.stdout and "Session" in r.stdout
    data = json.loads(out.read_text())
    assert data, "the benchmark wrote no numbers"


@pytest.mark.slow
def test_catalog_benchmark_quick(tmp_path) -> None:
    out = tmp_path / "catalog.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "catalog.py"), "--quick", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| entry |" in r.stdout and "target < 15 s" in r.stdout
    assert json.loads(out.read_text())
