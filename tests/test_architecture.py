"""The import-direction rule of docs/architecture.md: a module imports only from its own layer or
the layers below it, counting imports inside functions (only ``if TYPE_CHECKING:`` blocks, which
never run, are exempt). Conveniences on value objects reach upward through symdiv.hooks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "symdiv"

#: lowest first; a module is placed by its most specific entry (``printing.conditions`` before ``printing``)
LAYERS: list[tuple[str, list[str]]] = [
    ("core", ["errors", "symbols", "version", "hooks", "budget"]),
    ("values", ["derivation", "domains", "support", "natural", "explicit", "tidy", "parse", "printing.conditions",
                "measures.base", "measures.registry"]),
    ("model", ["family", "families", "divergence"]),
    ("engine", ["expectation", "numeric", "sampling", "normaliser", "measures", "local", "userfamily"]),
    ("prove", ["prove", "claims", "verify"]),
    ("output", ["printing", "gencode"]),
    ("app", ["sheet", "cli", "__main__", ""]),
]
RANK = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def rank(module: str) -> int:
    parts = module.split(".")
    for k in range(len(parts), -1, -1):
        key = ".".join(parts[:k])
        if key in RANK:
            return RANK[key]
    raise AssertionError(f"symdiv.{module} is in no layer of docs/architecture.md")


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "":
        package = []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
            subs = [f"{target}.{a.name}".lstrip(".") for a in node.names if f"{target}.{a.name}".lstrip(".") in known]
            out += [(t, node.lineno) for t in (subs or [target])]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("symdiv"):
            out.append((node.module.removeprefix("symdiv").lstrip("."), node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name.removeprefix("symdiv").lstrip("."), node.lineno) for a in node.names
                    if a.name.startswith("symdiv")]
    return out


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        rank(name)


def test_imports_point_down() -> None:
    known = modules()
    upward = []
    for name, path in known.items():
        for target, line in imports(name, path, known):
            if target in known and rank(target) > rank(name):
                upward.append(f"symdiv.{name} (line {line}) imports symdiv.{target}: "
                              f"{LAYERS[rank(name)][0]} -> {LAYERS[rank(target)][0]}")
    assert not upward, "\n".join(upward)
