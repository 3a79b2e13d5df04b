"""The installed console script, run in a subprocess: every subcommand and format, and the error paths."""

from __future__ import annotations

import json
import os
import re
import shlex
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
    from symdiv.measures import registry

    def boom(*args, **kwargs):
        raise KeyError("alpha")

    monkeypatch.setitem(registry._FUNCTIONS, "entropy", boom)
    status, out, err = _main(capsys, "entropy", "normal")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("symdiv: error: internal error (KeyError: 'alpha')")


# ---------------------------------------------------------------- the command line as a user meets it (issue 15)
def test_version() -> None:
    from symdiv.version import __version__

    r = run("--version")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == f"symdiv {__version__}\n" == "symdiv 0.1.0\n"


def test_bare_symdiv_prints_the_help() -> None:
    r = run()
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.startswith("usage: symdiv") and "examples:" in r.stdout and "--version" in r.stdout
    assert r.stdout == run("--help").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("nonsense",),  # was "symdiv: error:: argument command: ..."
        ("--bogus",),
        ("kl", "normal"),
        ("kl", "normal", "normal", "--format", "xml"),
        ("kl", "normal", "normal", "--bogus"),
        ("check", "H(P) = 0"),
        ("entropy", "nosuch"),
        ("entropy", "normal", "--at", "mu_1"),
        ("entropy", "normal", "--rename", "mu_1"),
        ("kl", "normal", "normal", "-o"),
    ],
)
def test_error_lines_have_one_colon_after_the_program(capsys, args) -> None:
    status, out, err = _main(capsys, *args)
    lines = err.splitlines()
    assert status == 2 and out == "" and len(lines) == 1, err
    assert re.match(r"symdiv: error: [^:\s]", lines[0]) and "error::" not in err and "Traceback" not in err, err


def test_error_lines_through_the_console_script() -> None:
    for args in (("nonsense",), ("kl", "normal", "normal", "--format", "xml")):
        r = run(*args)
        assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
        assert re.fullmatch(r"symdiv: error: [^:\s][^\n]*\n", r.stderr), r.stderr


def test_a_multiline_message_is_still_one_line(capsys) -> None:
    from symdiv.cli import _fail

    with pytest.raises(SystemExit) as exc:
        _fail("first\n  second\n")
    assert exc.value.code == 2 and capsys.readouterr().err == "symdiv: error: first second\n"


def test_unknown_rename_names_it_and_lists_the_valid_ones() -> None:
    r = run("kl", "normal", "normal", "--rename", "nosuch=s")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == ("symdiv: error: --rename names unknown parameter nosuch; "
                        "known: mu_1, mu_2, sigma_1, sigma_2\n")


def test_repeated_at_key_is_an_error() -> None:
    r = run("kl", "normal", "normal", "--at", "mu_1=0,mu_1=1")
    assert r.returncode == 2 and r.stdout == "" and r.stderr == "symdiv: error: --at gives mu_1 twice\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("kl", "mvn", "mvn", "--rename", "mu_1=m,Sigma_2=S,k=d"),
         ["-d/2", "(m - mu_2).T*S**(-1)*(m - mu_2)/2", "Trace(S**(-1)*Sigma_1)/2",
          "where P = MultivariateNormal(mu=m, Sigma=Sigma_1, k=d), Q = MultivariateNormal(mu=mu_2, Sigma=S, k=d)"]),
        (("entropy", "mvn", "--at", "k=2", "--rename", "mu_1_0=m,Sigma_1_00=s"),
         ["-Sigma_1_01**2 + Sigma_1_11*s",
          "P = MultivariateNormal(mu=[m, mu_1_1], Sigma=[[s, Sigma_1_01], [Sigma_1_01, Sigma_1_11]])"]),
    ],
)
def test_rename_works_for_multivariate_normal(capsys, args, expected) -> None:
    status, out, err = _main(capsys, *args)
    assert status == 0 and err == "", err
    for text in expected:
        assert text in out, (text, out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kl", "mvn", "mvn", "--rename", "sigma_1=s"),
         "unknown parameter sigma_1; known: Sigma_1, Sigma_2, k, mu_1, mu_2"),
        (("entropy", "mvn", "--at", "k=2", "--rename", "mu_1=m"), "unknown parameter mu_1; known: Sigma_1_00"),
        (("kl", "mvn", "mvn", "--rename", "mu_1=Sigma_2"), "the same name 'Sigma_2'"),
    ],
)
def test_a_multivariate_normal_rename_is_never_ignored(capsys, args, message) -> None:
    status, out, err = _main(capsys, *args)
    assert status == 2 and out == "" and message in err, err


@pytest.mark.parametrize("args", [("families",), ("sheet",), ("--help",), ("kl", "normal", "normal", "--steps")])
def test_a_closed_pipe_ends_quietly(args) -> None:
    """As in `symdiv families | head -1`, but certain: the reader is gone before the first write."""
    read, write = os.pipe()
    os.close(read)
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        r = subprocess.run([*CMD, *args], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120, env=env)
    finally:
        os.close(write)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_a_closed_pipe_through_head() -> None:
    if not shutil.which("head") or not shutil.which("bash"):
        pytest.skip("needs bash and head")
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmd = " ".join(map(shlex.quote, CMD))
    r = subprocess.run(["bash", "-o", "pipefail", "-c", f"{cmd} families | head -1 && {cmd} sheet | head -1"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout == "Bernoulli (aliases: bern)\n\\documentclass[10pt]{article}\n"


def test_a_broken_pipe_in_process_is_status_0(capsys, monkeypatch) -> None:
    from symdiv.cli import main

    class Closed:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["families"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("kl", "bern", "bern", "--at", "p=0,q=1/2"), "KL(P || Q) = log(2)  (\u2248 0.693147180559945)"),
        (("entropy", "bernoulli", "--at", "p=1/4"), "H(P) = log(256/27)/4  (\u2248 0.562335144618808)"),
        (("entropy", "bernoulli", "--at", "p=1/4", "--log", "bits"),
         "H(P) = log2(256/27)/4  (\u2248 0.811278124459133)"),
        (("kl", "normal", "normal", "--at", "mu_1=0,sigma_1=1,mu_2=1/2,sigma_2=2"),
         "KL(P || Q) = -11/32 + log(2)  (\u2248 0.349397180559945)"),
        (("entropy", "bernoulli", "--at", "p=1/4", "--steps"), "H(P) = log(256/27)/4  (\u2248 0.562335144618808)"),
        (("entropy", "poisson", "--at", "lambda_1=1"), "(\u2248 1.30484224225625)"),  # an explicit series
    ],
)
def test_a_numeric_result_shows_its_decimal(capsys, args, line) -> None:
    status, out, err = _main(capsys, *args)
    assert status == 0 and err == "", err
    assert out.splitlines()[0].endswith(line), out


@pytest.mark.parametrize(
    "args",
    [
        ("kl", "normal", "normal"),  # symbolic
        ("entropy", "bernoulli", "--at", "p=0"),  # already an integer: H(P) = 0
        ("kl", "bern", "bern", "--at", "p=1/2,q=1/2"),
        ("kl", "uniform", "uniform", "--at", "a_1=0,b_1=3,a_2=0,b_2=2"),  # +oo
        ("kl", "uniform", "uniform", "--at", "a_1=0,b_1=1"),  # a condition on the symbols left
    ],
)
def test_no_decimal_where_there_is_no_number(capsys, args) -> None:
    status, out, err = _main(capsys, *args)
    assert status == 0 and "\u2248" not in out, out + err


def test_the_decimal_in_unicode_json_and_nowhere_else(capsys) -> None:
    status, out, _ = _main(capsys, "entropy", "bernoulli", "--at", "p=1/4", "--format", "unicode")
    assert status == 0 and [line for line in out.splitlines() if "\u2248" in line] == \
        [line for line in out.splitlines() if line.startswith("H(P) = ")]
    _main(capsys, "entropy", "bernoulli", "--at", "p=1/4", "--format", "json")
    status, out, _ = _main(capsys, "entropy", "bernoulli", "--at", "p=1/4", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["expr"] == "log(256/27)/4" and data["value"] == "0.562335144618808"
    assert list(data).index("value") == list(data).index("expr") + 1
    status, out, _ = _main(capsys, "entropy", "bernoulli", "--format", "json")
    assert "value" not in json.loads(out)  # a symbolic result: the JSON is as before
    for fmt in ("latex", "python", "c"):
        status, out, _ = _main(capsys, "entropy", "bernoulli", "--at", "p=1/4", "--format", fmt)
        assert status == 0 and "\u2248" not in out and "0.5623" not in out, fmt


def _listing() -> dict[str, list[str]]:
    r = run("families")
    assert r.returncode == 0 and r.stderr == ""
    blocks: dict[str, list[str]] = {}
    for line in r.stdout.splitlines():
        if not line.startswith(" "):
            blocks[line.split()[0]] = []
        else:
            blocks[list(blocks)[-1]].append(line.strip())
    return blocks


def _refused(make) -> bool:
    from symdiv.errors import SymdivError

    try:
        make()
    except SymdivError:
        return True
    return False


def test_families_states_what_the_code_enforces() -> None:
    import symdiv as sd

    blocks = _listing()
    assert list(blocks) == [f.name for f in sd.CATALOG]
    assert "parameters: p \u2208 (0, 1]" in blocks["Geometric"]  # Geometric(0) is refused
    assert "parameters: a \u2208 real numbers (-oo, b), b \u2208 real numbers (a, oo)" in blocks["Uniform"]
    assert "support: [x_m, oo) (continuous)" in blocks["Pareto"]  # its own parameter's name, not P's m_1
    assert "support: (a, b) (continuous)" in blocks["Uniform"]
    assert "parameters: alpha \u2208 positive vectors (entries in (0, oo), at least 2 entries)" in blocks["Dirichlet"]
    assert blocks["MultivariateNormal"][0].startswith("parameters: mu \u2208 real vectors")
    assert sd.Uniform(0, 1) and _refused(lambda: sd.Uniform(1, 1)) and _refused(lambda: sd.Geometric(0))
    # the names --at and --rename take: Gamma's shape is alpha_1 for P, not shape_1
    assert "on the command line: P = Gamma(shape=alpha_1, rate=beta_1), Q = Gamma(shape=alpha_2, rate=beta_2)" \
        in blocks["Gamma"]
    assert "on the command line: P = Pareto(x_m=m_1, alpha=alpha_1), Q = Pareto(x_m=m_2, alpha=alpha_2)" \
        in blocks["Pareto"]


_INTERVAL = re.compile(r"([\[(])([^,\s]+), ([^\])\s]+)([\])])")


def test_every_printed_domain_bound_is_what_the_constructor_does() -> None:
    """Each numeric bound of a printed interval is accepted when closed and refused when open, the
    other parameters left symbolic; 'integers >= n' accepts n and refuses n - 1 and n + 1/2."""
    import sympy as sp

    import symdiv as sd
    from symdiv.errors import SymdivError

    def accepts(fam, i, value) -> bool:
        try:
            fam(*(value if j == i else p.name for j, p in enumerate(fam.parameters)))
        except SymdivError:
            return False
        return True

    blocks = _listing()
    checked = 0
    for fam in sd.CATALOG:
        if fam.name in ("Categorical", "Dirichlet", "MultivariateNormal", "JointCategorical"):
            continue  # vectors and matrices: not made from one name per parameter
        params = blocks[fam.name][0].removeprefix("parameters: ")
        for i, p in enumerate(fam.parameters):
            text = params.split(f"{p.name} \u2208 ", 1)[1]
            if text.startswith("integers >= "):
                n = int(text.split()[2].rstrip(","))
                assert accepts(fam, i, n) and not accepts(fam, i, n - 1)
                assert not accepts(fam, i, sp.Rational(2 * n + 1, 2))
                checked += 1
                continue
            m = _INTERVAL.search(text)
            assert m, (fam.name, p.name, text)
            for bracket, bound in ((m.group(1), m.group(2)), (m.group(4), m.group(3))):
                if bound.lstrip("-").isdigit():  # not oo, nor another parameter (Uniform's a < b: below)
                    assert accepts(fam, i, int(bound)) == (bracket in "[]"), (fam.name, p.name, text, bound)
                    checked += 1
    assert checked >= 22  # every finite bound of the 15 scalar families


def test_the_wording_of_a_domain_changes_nothing_else() -> None:
    import symdiv as sd

    worded = sd.Geometric.parameters[0].domain
    assert worded.text == "(0, 1]" and sd.UnitInterval.text == "[0, 1]"
    assert worded == sd.UnitInterval and hash(worded) == hash(sd.UnitInterval)  # code generation relies on it
    assert worded.assumptions == sd.UnitInterval.assumptions and type(worded) is type(sd.UnitInterval)
    assert sd.Uniform.parameters[1].domain == sd.Real
    assert sd.Pareto(1, 2).support().text() == "[1, oo)"
