"""The installed console script, run in a subprocess: every subcommand and format, and the error paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

SCRIPT = shutil.which("symdiv")
CMD = [SCRIPT] if SCRIPT else [sys.executable, "-m", "symdiv"]


def run(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def test_console_script_is_installed_in_ci() -> None:
    if os.environ.get("CI"):
        assert SCRIPT, "CI installs the package, so the symdiv console script must be on PATH"


def test_kl_text() -> None:
    r = run("kl", "normal", "normal")
    assert r.returncode == 0, r.stderr
    assert "KL(P || Q) = log(sigma_2/sigma_1) - 1/2 + (sigma_1**2 + (mu_1 - mu_2)**2)/(2*sigma_2**2)" in r.stdout


def test_steps_and_aliases() -> None:
    r = run("kl", "Gaussian", "NORM", "--steps")
    assert r.returncode == 0, r.stderr
    for kind in ("[definition]", "[support]", "[expand_log]", "[linearity]", "[expectation]", "[tidy]"):
        assert kind in r.stdout


def test_numeric_values() -> None:
    r = run("kl", "bern", "bernoulli", "--at", "p=0,q=1/2")
    assert r.returncode == 0 and "KL(P || Q) = log(2)" in r.stdout
    r = run("entropy", "categorical", "--at", "K=3,p_0=0.5,p_1=0.25,p_2=0.25")
    assert r.returncode == 0 and "H(P) = 3*log(2)/2" in r.stdout


def test_json() -> None:
    r = run("ce", "normal", "normal", "--format", "json")
    data = json.loads(r.stdout)
    assert set(data) == {"quantity", "families", "parameters", "expr", "latex", "steps", "complete", "assumptions"}
    assert data["quantity"] == "cross_entropy" and data["complete"] is True
    assert [s["kind"] for s in data["steps"]][0] == "definition"


def test_verify_and_families(tmp_path) -> None:
    r = run("verify", "categorical", "categorical")
    assert r.returncode == 0 and "PROVED" in r.stdout
    out = tmp_path / "v.json"
    r = run("verify", "normal", "normal", "--format", "json", "-o", str(out))
    assert r.returncode == 0 and json.loads(out.read_text())["holds"] is True
    r = run("families")
    assert r.returncode == 0
    for name in ("Bernoulli", "Categorical", "Normal", "gaussian"):
        assert name in r.stdout


def test_unicode() -> None:
    r = run("entropy", "normal", "--format", "unicode")
    assert r.returncode == 0 and "σ₁" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kl", "foo", "normal"), "unknown family 'foo'"),
        (("kl", "normal"), "required"),
        (("entropy", "normal", "--at", "sigma_1=-1"), "sigma = -1"),
        (("entropy", "normal", "--at", "x=__import__('os').system('touch /tmp/pwned')"), "NAME=NUMBER"),
        (("entropy", "normal", "--at", "mu_1=1e400/0"), "division by zero"),
        (("entropy", "normal", "--at", "mu_1=1e99999999"), "NAME=NUMBER"),
        (("entropy", "normal", "--at", "zz=1"), "unknown parameter"),
        (("kl", "cat", "bern"), "cannot decide"),
        (("kl", "normal", "normal", "--format", "xml"), "invalid choice"),
        (("nonsense",), "invalid choice"),
        (("kl", "normal", "normal", "-o", "/nonexistent-dir/x.txt"), "cannot write"),
    ],
)
def test_errors_are_one_line_exit_2(args, message) -> None:
    r = run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symdiv: error:"), r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not os.path.exists("/tmp/pwned")


def test_help_shows_examples() -> None:
    r = run("--help")
    assert r.returncode == 0 and "examples:" in r.stdout and "symdiv kl normal normal" in r.stdout


def test_latex_steps_compile(tmp_path) -> None:
    from latex_tools import compile_tex, need_tex

    import symdiv as sd

    r = run("kl", "normal", "normal", "--steps", "--format", "latex")
    assert r.returncode == 0 and r.stdout.startswith("\\begin{align*}") and "\\text{definition}" in r.stdout
    need_tex("pdflatex")
    compile_tex(sd.latex_document([r.stdout]), tmp_path)


def test_log_and_rename() -> None:
    r = run("kl", "normal", "normal", "--log", "bits", "--rename", "sigma_1=s,sigma_2=t")
    assert r.returncode == 0 and "log2(t/s)" in r.stdout and "sigma=s" in r.stdout
    r = run("entropy", "normal", "--log", "ln", "--format", "latex")
    assert r.returncode == 0 and r"\ln{\left(2 e \pi \sigma_{1}^{2}\right)}" in r.stdout
    r = run("kl", "normal", "normal", "--rename", "sigma_1=1x")
    assert r.returncode == 2 and "--rename" in r.stderr


def test_sheet(tmp_path) -> None:
    from latex_tools import need_tex

    r = run("sheet")
    assert r.returncode == 0 and r.stdout.startswith("\\documentclass") and "\\section{Normal}" in r.stdout
    out = tmp_path / "sheet.tex"
    assert run("sheet", "-o", str(out)).returncode == 0 and out.read_text().startswith("\\documentclass")
    need_tex("pdflatex")
    pdf = tmp_path / "sheet.pdf"
    r = run("sheet", "-o", str(pdf))
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_sheet_pdf_without_pdflatex(tmp_path) -> None:
    env_path = os.path.dirname(sys.executable)  # python only: no pdflatex
    env = dict(os.environ, PATH=env_path)
    env.setdefault("PYTHONPATH", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([*CMD, "sheet", "-o", str(tmp_path / "s.pdf")], capture_output=True, text=True, env=env,
                       timeout=120)
    if shutil.which("pdflatex", path=env_path):
        pytest.skip("pdflatex lives beside python here")
    assert r.returncode == 2 and "pdflatex is not on PATH" in r.stderr and len(r.stderr.strip().splitlines()) == 1
