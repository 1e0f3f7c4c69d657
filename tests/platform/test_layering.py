"""The layers hold: `models/` is the pure core (no shell, no demo, no import cycle), and the demo world is
a package of its own that does not reach up into the shells either.

Imports are read from the source, every `import` statement, also those inside functions: a lazy import
hides neither a forbidden dependency nor a cycle (the demo's scenarios <-> traffic cycle was one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

SHELLS = {"dagster", "dagster_duckdb", "dagster_webserver", "dagster_graphql", "streamlit", "typer",
          "hindsight", "pipelines", "dashboards", "benchmarks", "tests"}
FORBIDDEN = {"models": SHELLS | {"demo"}, "demo": SHELLS}


def _modules(package: str, project: Path = PROJECT) -> dict[str, Path]:
    out = {}
    for path in sorted((project / package).rglob("*.py")):
        parts = list(path.relative_to(project).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path, known: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, also those inside functions and
    `if TYPE_CHECKING:`. `known` are the modules of the tree, to tell `from pkg import submodule` (an
    import of pkg.submodule) from `from pkg import name` (an import of pkg)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` names the submodule pkg.sub; `from pkg import name`, the module pkg
                subs = [f"{base}.{alias.name}" for alias in child.names if f"{base}.{alias.name}" in known]
                found.extend((sub, child.lineno) for sub in subs)
                if len(subs) < len(child.names):
                    found.append((base, child.lineno))
            visit(child)

    visit(tree)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_no_shell(package):
    bad = [f"{path.relative_to(PROJECT)}:{line} imports {name}"
           for module, path in _modules(package).items()
           for name, line in _imports(module, path)
           if name.split(".")[0] in FORBIDDEN[package]]
    assert not bad, "\n".join(bad)


def _cycles(package: str, project: Path = PROJECT) -> list[list[str]]:
    modules = _modules(package, project)
    known = frozenset(modules)
    graph = {m: sorted({name for name, _ in _imports(m, p, known=known) if name in known} - {m})
             for m, p in modules.items()}
    # Tarjan's strongly connected components; a component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return cycles


@pytest.mark.parametrize("package", ["models", "demo"])
def test_no_import_cycle(package):
    assert _cycles(package) == []


def test_the_checks_see_what_they_look_for(tmp_path):
    """The reader finds a lazy upward import and a two-module cycle when they are there."""
    pkg = tmp_path / "models"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from models.b import x\n\ndef f():\n    import hindsight.cli\n")
    (pkg / "b.py").write_text("x = 1\n\ndef g():\n    from models import a\n")
    (pkg / "c.py").write_text("from models import b\n")
    assert _cycles("models", tmp_path) == [["models.a", "models.b"]]
    assert ("hindsight.cli", 4) in _imports("models.a", pkg / "a.py")
