"""Helpers for the LaTeX tests: a lint, and real compilation with pdflatex."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
         "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Sigma")


def lint(tex: str) -> list[str]:
    """Problems in a LaTeX snippet: unbalanced braces, bare Greek words, SymPy's operatorname fallbacks."""
    problems = []
    depth = 0
    for k, ch in enumerate(tex):
        if ch in "{}" and k > 0 and tex[k - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            problems.append(f"unbalanced '}}' at {k}")
            break
    if depth > 0:
        problems.append("unbalanced '{'")
    prose = re.sub(r"\\(text|texttt|mathrm|section|subsection\*?)\{[^}]*\}", "", tex)
    for word in GREEK:
        if re.search(rf"(?<![\\A-Za-z]){word}(?![A-Za-z])", prose):
            problems.append(f"bare Greek name {word!r}")
    for bad in (r"\operatorname{polygamma}", r"\operatorname{loggamma}", r"\mathbf{\mu}", r"\text{\Pi}"):
        if bad in tex:
            problems.append(f"contains {bad}")
    return problems


def need_tex(*tools: str) -> None:
    """Skip outside CI when TeX tools are absent; in CI they must be there (.ci/run installs them)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing in CI: .ci/run must install TeX and poppler-utils")
        pytest.skip(f"{', '.join(missing)} not installed")


def compile_tex(tex: str, workdir: Path) -> Path:
    src = workdir / "doc.tex"
    src.write_text(tex, encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                       cwd=workdir, capture_output=True, text=True, timeout=300)
    errors = [ln for ln in r.stdout.splitlines() if ln.startswith("!") or ln.startswith("l.")]
    assert r.returncode == 0, "\n".join(errors)[-2000:]
    return workdir / "doc.pdf"


def first_page_gray(pdf: Path, workdir: Path) -> tuple[int, int, bytes]:
    """Page 1 rendered by pdftoppm as 8-bit grayscale (PGM): (width, height, pixels)."""
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(workdir / "page")],
                   check=True, timeout=120)
    (pgm,) = workdir.glob("page*.pgm")
    data = pgm.read_bytes()
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and int(maxval) == 255
    return int(width), int(height), pixels[: int(width) * int(height)]
