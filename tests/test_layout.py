"""The layout the README states: `evals/` → `assistant/` → `ingest/`, never the reverse; no two
modules of the project import each other, however indirectly (imports inside functions and
under TYPE_CHECKING count: they are dependencies all the same); no module of `evals/` is over
about 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "ingest", "evals")
MAX_EVALS_LINES = 400


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def project_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project's packages."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each module, the project modules it imports (`from pkg import mod` points at pkg.mod)."""

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(resolve(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}" if base else alias.name
                    targets.add(full if full in modules else resolve(base))
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other (strongly connected components of two or more)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def test_ingest_never_imports_assistant() -> None:
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "ingest").rglob("*.py")
        for name in _imported_modules(path)
        if name == "assistant" or name.startswith("assistant.")
    }
    assert not offenders, sorted(offenders)


def test_dependencies_point_from_evals_to_assistant_to_ingest() -> None:
    graph = import_graph(project_modules())
    upward = {
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if (module.startswith("ingest") and not target.startswith("ingest"))
        or (module.startswith("assistant") and target.startswith("evals"))
    }
    assert not upward, sorted(upward)


def test_no_import_circles_among_the_projects_modules() -> None:
    graph = import_graph(project_modules())
    assert {"assistant.cli", "evals.run", "evals.report", "evals.bench.run", "ingest.chunking"} <= set(graph)
    assert "evals.report" in graph["evals.run"]  # the graph sees imports
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle_through_a_function_level_import(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from c import y\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n")
    (tmp_path / "d.py").write_text("import a\n", encoding="utf-8")
    modules = {p.stem: p for p in tmp_path.glob("*.py")}
    assert circles(import_graph(modules)) == [["a", "b", "c"]]


def test_no_file_in_evals_is_over_about_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "evals").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_EVALS_LINES
    }
    assert not long, long
