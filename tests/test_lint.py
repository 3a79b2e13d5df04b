"""ruff runs with the tests, so a lint error fails CI like any other defect."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        if os.environ.get("CI"):
            pytest.fail("ruff is part of the test extra and must be installed in CI")
        pytest.skip("ruff is not installed (pip install '.[test]')")
    paths = ["symdiv", "tests", "benchmarks", "docs"]
    r = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    """The package ships py.typed and says "Typing :: Typed": its annotations must check."""
    if shutil.which("mypy") is None:
        if os.environ.get("CI"):
            pytest.fail("mypy is part of the test extra and must be installed in CI")
        pytest.skip("mypy is not installed (pip install '.[test]')")
    r = subprocess.run([shutil.which("mypy") or "mypy", "symdiv"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
