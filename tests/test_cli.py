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
    assert set(data) == {"quantity", "families", "parameters", "unit", "expr", "conditions", "otherwise", "latex",
                         "steps", "complete", "assumptions"}
    assert data["conditions"] == [] and data["otherwise"] is None and data["unit"] == "nats"
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
        (("kl", "mvn", "normal"), "different sample spaces"),
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


# ---------------------------------------------------------------- --at and --rename: every bad input is one line
def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """symdiv.cli.main in this process (fast): exit status, stdout, stderr."""
    from symdiv.cli import main

    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("entropy", "categorical", "--at", "p=0.5"), "p is a symbolic vector of Categorical; give K a number"),
        (("entropy", "dirichlet", "--at", "alpha=1"), "alpha is a symbolic vector of Dirichlet"),
        (("entropy", "mvn", "--at", "mu_1=0"), "mu_1 is a symbolic vector of MultivariateNormal; give k"),
        (("entropy", "mvn", "--at", "Sigma_1=1"), "Sigma_1 is a symbolic matrix"),
        (("entropy", "categorical", "--at", "K=1"), "integer >= 2"),
        (("entropy", "dirichlet", "--at", "K=3/2"), "integer >= 2"),
        (("entropy", "categorical", "--at", "K=-4"), "integer >= 2"),
        (("entropy", "categorical", "--at", "K=1000000000"), "at most 100 explicit classes"),
        (("entropy", "mvn", "--at", "k=0"), "integer >= 1"),
        (("entropy", "mvn", "--at", "k=5"), "at most 4 explicit dimensions"),
        (("entropy", "mvn", "--at", "k=2,Sigma_1_00=1,Sigma_1_01=2,Sigma_1_11=1"), "not positive definite"),
        (("entropy", "categorical", "--at", "K=3,p_0=1,p_1=1/2"), "no values inside their open domains"),
        (("entropy", "categorical", "--at", "K=3,p_0=2"), "probs"),
        (("entropy", "categorical", "--at", "K=3,p_7=1/2"), "unknown parameter(s) p_7"),
        (("entropy", "normal", "--at", "mu_1=1,mu_1=2"), "gives mu_1 twice"),
        (("entropy", "bernoulli", "--at", "p=3/2"), "p = 3/2"),
        (("entropy", "uniform", "--at", "a_1=1,b_1=0"), "Uniform"),
        (("entropy", "binomial", "--at", "n=1/2"), "not an integer"),
        (("entropy", "normal", "--rename", "foo=bar"), "unknown parameter foo"),
        (("entropy", "normal", "--at", "mu_1=0", "--rename", "mu_1=m"), "has a value from --at"),
        (("entropy", "normal", "--rename", "mu_1=sigma_1"), "the same name 'sigma_1'"),
        (("kl", "bern", "bern", "--rename", "p=q"), "the same name 'q'"),  # would print KL = 0
        (("kl", "normal", "normal", "--rename", "mu_1=m,mu_2=m"), "the same name 'm'"),
        (("kl", "normal", "normal", "--rename", "mu_1=a,mu_1=b"), "renames mu_1 twice"),
        (("entropy", "normal", "--rename", "mu_1=pi"), "SymPy's constant pi"),
        (("entropy", "dirichlet", "--rename", "alpha=E"), "SymPy's constant E"),
        (("kl", "categorical", "categorical", "--rename", "p=q"), "the same name 'q'"),
        (("check", "H(P) = 0", "--p", "categorical", "--at", "p=1"), "give K a number"),
        (("check", "H(P) = 0", "--p", "normal", "--rename", "mu_1=x,sigma_1=x"), "the same name 'x'"),
    ],
)
def test_bad_at_and_rename_are_one_line_exit_2(capsys, args, message) -> None:
    status, out, err = _main(capsys, *args)
    lines = err.strip().splitlines()
    assert status == 2 and out == "", (out, err)
    assert len(lines) == 1 and lines[0].startswith("symdiv: error:") and "internal error" not in err, err
    assert message in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("entropy", "dirichlet", "--at", "K=3"), "where P = Dirichlet(alpha=[alpha_0, alpha_1, alpha_2])"),
        (("entropy", "dirichlet", "--at", "K=2,alpha_0=1,alpha_1=1"), "H(P) = 0"),
        (("entropy", "categorical", "--at", "K=3,p_0=1/2"), "Categorical(probs=[1/2, p_1, p_2])"),
        (("entropy", "categorical", "--at", "K=2,p_0=1,p_1=0"), "H(P) = 0"),
        (("kl", "categorical", "categorical", "--at", "K=2,p_0=1/2,p_1=1/2,q_0=1/2,q_1=1/2"), "KL(P || Q) = 0"),
        (("entropy", "dirichlet", "--rename", "alpha=a"), "Dirichlet(alpha=a[i], i=0..K - 1)"),
        (("entropy", "dirichlet", "--rename", "K=N"), "i=0..N - 1"),
        (("entropy", "dirichlet", "--at", "K=2", "--rename", "alpha_1=a"), "Dirichlet(alpha=[alpha_0, a])"),
        (("entropy", "categorical", "--rename", "p=w,K=N"), "Categorical(probs=w[i], i=0..N - 1)"),
        (("entropy", "mvn", "--rename", "mu_1=m,Sigma_1=S,k=d"), "MultivariateNormal(mu=m, Sigma=S, k=d)"),
        (("entropy", "mvn", "--at", "k=1,Sigma_1_00=1"), "H(P) = 1/2 + log(2*pi)/2"),
        (("kl", "normal", "normal", "--rename", "mu_1=mu_2,mu_2=mu_1"), "P = Normal(mu=mu_2, sigma=sigma_1)"),
        (("kl", "normal", "normal", "--rename", "mu_1=X"), "Normal(mu=X, sigma=sigma_1)"),
        (("check", "H(P) = log(2)", "--p", "categorical", "--at", "K=2,p_0=1/2,p_1=1/2"), "proved"),
    ],
)
def test_valid_at_and_rename_work(capsys, args, expected) -> None:
    status, out, err = _main(capsys, *args)
    assert status == 0 and err == "", err
    assert expected in out, out


def test_an_internal_error_is_still_one_line(capsys, monkeypatch) -> None:
    import symdiv.cli as cli

    def boom(*args, **kwargs):
        raise KeyError("alpha")

    monkeypatch.setattr(cli, "entropy", boom)
    status, out, err = _main(capsys, "entropy", "normal")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("symdiv: error: internal error (KeyError: 'alpha')")
