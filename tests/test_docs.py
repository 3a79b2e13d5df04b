"""The documentation site: generated pages are up to date, every example is a collected doctest,
the API page covers the public API, the figure script runs, and ``mkdocs build --strict`` passes.

The pages' doctests themselves run through pytest's ``--doctest-glob`` (see pyproject.toml), not here.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import symdiv as sd

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", re.S | re.M)


def load(path: Path) -> ModuleType:
    """Import a script under docs/ by path (they are not a package)."""
    name = "docs_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- generated pages
@pytest.mark.slow
def test_catalog_page_is_up_to_date() -> None:
    gen = load(DOCS / "gen_catalog.py")
    assert (DOCS / "catalog.md").read_text(encoding="utf-8") == gen.generate(), \
        "docs/catalog.md is out of date: run python docs/gen_catalog.py"


def test_catalog_cross_pairs_are_the_reference_pairs() -> None:
    from catalog_reference import CROSS_KL

    gen = load(DOCS / "gen_catalog.py")
    assert list(gen.CROSS_PAIRS) == list(CROSS_KL)


def test_catalog_lists_every_family_and_marks_series() -> None:
    page = (DOCS / "catalog.md").read_text(encoding="utf-8")
    for fam in sd.CATALOG:
        assert f"\n## {fam.name}\n" in page
    assert page.count("keeps an explicit series") >= 2  # Poisson's H(P) and H(P, Q) at least
    assert "## Infinite pairs" in page and "supp P = ℝ ⊈ supp Q = (0, oo)" in page


@pytest.mark.parametrize("script", ["gen_catalog.py", "gen_cli.py"])
def test_check_mode_exits_1_on_a_stale_page(script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = load(DOCS / script)
    monkeypatch.setattr(gen, "generate", lambda: "fresh\n")  # the comparison, not the (slow) generation
    page = tmp_path / "page.md"
    page.write_text("stale\n", encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert gen.main(["--check", "-o", str(page)]) == 1
        page.write_text("fresh\n", encoding="utf-8")
        assert gen.main(["--check", "-o", str(page)]) == 0


def test_cli_page_is_up_to_date() -> None:
    gen = load(DOCS / "gen_cli.py")
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == gen.generate(), \
        "docs/cli.md is out of date: run python docs/gen_cli.py"


def _help(argv: list[str]) -> str:
    from symdiv.cli import build_parser

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 0
    return out.getvalue()


def test_cli_page_covers_the_real_help() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    top = _help(["--help"])
    commands = re.search(r"\{([a-z0-9,]+)\}", top).group(1).split(",")
    assert commands and all(f"## symdiv {c}\n" in page for c in commands)
    for command in commands:
        text = _help([command, "--help"])
        for option in set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", text)) - {"-h", "--help"}:
            assert f"`{option}`" in page, (command, option)
        for choices in re.findall(r"\{([a-z,]+)\}", text):
            assert "{" + choices + "}" in page, (command, choices)


def test_api_page_documents_exactly_the_public_api() -> None:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    entries = re.findall(r"^::: symdiv\.(\w+)$", page, re.M)
    assert sorted(entries) == sorted(sd.__all__), "docs/api.md must have one '::: symdiv.<name>' per name in __all__"


# ---------------------------------------------------------------- examples are doctests
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_code_example_is_a_doctest(page: Path) -> None:
    """Python appears only in ```pycon blocks of doctest examples, each ending in a blank line
    (else the closing fence would be read as expected output)."""
    text = page.read_text(encoding="utf-8")
    parser = doctest.DocTestParser()
    for lang, body in FENCE.findall(text):
        assert lang not in ("python", "py", "python3"), f"{page.name}: write examples as ```pycon doctests"
        if lang == "pycon":
            assert parser.get_examples(body), f"{page.name}: a ```pycon block without >>> examples"
            assert body.endswith("\n\n"), f"{page.name}: end each ```pycon block with a blank line"
        else:
            assert ">>>" not in body, f"{page.name}: a >>> example outside a ```pycon block"


def test_markdown_doctests_are_collected() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "docs" in config["testpaths"]
    assert "--doctest-glob=docs/*.md" in config["addopts"] and "--doctest-glob=docs/**/*.md" in config["addopts"]
    r = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "docs"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    with_examples = {str(p.relative_to(ROOT)) for p in PAGES if ">>>" in p.read_text(encoding="utf-8")}
    collected = {line.split("::")[0] for line in r.stdout.splitlines() if ".md::" in line}
    assert with_examples and with_examples <= collected, with_examples - collected


def test_home_page_quick_start_is_the_readmes() -> None:
    def commands(text: str) -> list[str]:
        block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
        return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert commands((DOCS / "index.md").read_text(encoding="utf-8")) == commands(readme)
    assert "(docs/index.md)" in readme


def test_ci_builds_the_site_before_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    build = next(k for k, line in enumerate(ci) if "mkdocs build --strict" in line)
    pytest_line = next(k for k, line in enumerate(ci) if line.strip().startswith("python -m pytest"))
    assert build < pytest_line and ci[pytest_line].strip() == "python -m pytest"


# ---------------------------------------------------------------- command-line transcripts
CONSOLE_PAGES = ["guide/checking.md", "guide/codegen.md"]


def _transcript(block: str) -> list[tuple[str, str]]:
    """``$ command`` lines of a ```console block, each with the text shown after it."""
    runs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            runs.append((line[2:], []))
        else:
            assert runs, f"output before the first command: {line!r}"
            runs[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in runs]


@pytest.mark.parametrize("page", CONSOLE_PAGES)
def test_console_transcripts_are_real(page: str, tmp_path: Path) -> None:
    """Each ```console block shows what the command prints (stdout and stderr) and, after
    ``echo $?``, its real exit status."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = [body for lang, body in FENCE.findall(text) if lang == "console"]
    assert blocks, page
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    status = None
    for block in blocks:
        for cmd, shown in _transcript(block):
            if cmd == "echo $?":
                assert shown == str(status), (page, shown, status)
                continue
            argv = shlex.split(cmd, comments=True)
            assert argv[0] == "symdiv", cmd
            r = subprocess.run([sys.executable, "-m", "symdiv", *argv[1:]], cwd=tmp_path, capture_output=True,
                               text=True, timeout=120, env=env)
            status = r.returncode
            assert (r.stdout + r.stderr).rstrip("\n") == shown, (page, cmd, r.stdout + r.stderr)


# ---------------------------------------------------------------- the forward/reverse KL figure
def _page_table() -> dict[str, list[float]]:
    page = (DOCS / "guide" / "cross-entropy-vs-kl.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (forward|reverse), .*?\|((?: -?\d+\.\d+ \|){5})$", page, re.M)
    return {d: [float(v) for v in cells.strip(" |").split(" | ")] for d, cells in rows}


@pytest.mark.slow
def test_forward_reverse_figure_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fr = load(DOCS / "figures" / "forward_reverse.py")
    out = tmp_path / "fr.png"
    assert fr.main(["--small", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    numbers = {}
    for line in printed.splitlines():
        m = re.match(r"(forward|reverse)\s+m = (\S+)\s+s = (\S+)\s+s\^2 = (\S+)\s+KL\(P\|\|Q\) = (\S+)\s+"
                     r"KL\(Q\|\|P\) = (\S+)", line)
        if m:
            numbers[m.group(1)] = [float(v) for v in m.groups()[1:]]
    fwd, rev = numbers["forward"], numbers["reverse"]
    # forward KL: moment matching, m = 0 and s^2 = 0.6^2 + 2^2
    assert abs(fwd[0]) < 1e-6 and abs(fwd[2] - 4.36) < 1e-6
    # reverse KL: one mode, m ~ 2, s ~ 0.6, KL(Q||P) just under log 2
    assert abs(rev[0] - 2) < 0.01 and abs(rev[1] - 0.6) < 0.01 and 0.68 < rev[4] < 0.6932
    # the page's table holds the same numbers
    table = _page_table()
    assert set(table) == {"forward", "reverse"}
    for direction in table:
        assert all(abs(a - b) <= 2e-6 for a, b in zip(table[direction], numbers[direction])), \
            (direction, table[direction], numbers[direction])


def test_descent_fallback_finds_a_minimum() -> None:
    """The optimiser used when scipy is missing: gradient descent with backtracking."""
    fr = load(DOCS / "figures" / "forward_reverse.py")

    def f(v: tuple[float, float]) -> tuple[float, list[float]]:
        x, y = v
        return (x - 1) ** 2 + 3 * (y + 2) ** 2, [2 * (x - 1), 6 * (y + 2)]

    x, y = fr._descent(f, (5.0, 5.0), 1e-10, 10_000)
    assert abs(x - 1) < 1e-9 and abs(y + 2) < 1e-9


# ---------------------------------------------------------------- the cross-entropy / KL gradient figure
def test_ce_kl_gradients_figure_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fig = load(DOCS / "figures" / "ce_kl_gradients.py")
    out = tmp_path / "ce-kl.png"
    assert fig.main(["--small", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "KL(P || Q) = m**2/2\n" in printed
    assert "d/dm H(P, Q) = m, d/dm KL(P || Q) = m\n" in printed
    assert "d/dm H(P, Q) = d/dm KL(P || Q): proved\n" in printed
    assert "H(P, Q) = KL(P || Q): false\n" in printed and "H(P, Q) - KL(P || Q) = H(P): proved\n" in printed
    gaps = re.search(r"max \|CE - KL - H\(P\)\| = (\S+), max \|dCE/dm - dKL/dm\| = (\S+)", printed)
    assert gaps and float(gaps.group(1)) < 1e-12 and float(gaps.group(2)) < 1e-12
    # the page shows the figure the script writes by default
    page = (DOCS / "guide" / "cross-entropy-vs-kl.md").read_text(encoding="utf-8")
    assert "(../img/ce-kl-gradients.png)" in page and fig.OUT == DOCS / "img" / "ce-kl-gradients.png"
    assert fig.OUT.exists()


def test_ce_kl_gradients_figure_refuses_an_unproved_identity(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    fig = load(DOCS / "figures" / "ce_kl_gradients.py")
    real = fig.derive

    def undecided() -> object:
        c = real()
        return fig.Curves(**{**c.__dict__, "gradients_equal": sd.check("H(P) = H(P) + exp(-100)", sd.Normal(0, 1))})

    monkeypatch.setattr(fig, "derive", undecided)
    out = tmp_path / "never.png"
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert fig.main(["--small", "--out", str(out)]) == 1
    assert "not proved" in err.getvalue() and not out.exists()


# ---------------------------------------------------------------- the site
@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in sd.__all__:
        assert f'id="symdiv.{name}"' in api, name
    assert 'class="gp"' in api and "<blockquote>" not in api  # doctests render as code, not as quotes
    assert ":class:`" not in api and ":meth:`" not in api  # Sphinx roles rewritten
    catalog = (site / "catalog" / "index.html").read_text(encoding="utf-8")
    assert 'class="arithmatex"' in catalog
    assert (site / "img" / "forward-reverse-kl.png").exists()
    assert (site / "img" / "ce-kl-gradients.png").exists()
    assert not list(site.rglob("*.py"))  # the generator scripts are not published
