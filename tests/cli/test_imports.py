"""The `edge` command's modules: none imports Flask, and none imports its way back into another.

The import graph is read from the source with `ast`, imports inside functions included, so an
import hidden in a function to dodge a cycle still counts as the cycle it is.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("edge", "sync", "voice", "devices")
KNOWN_CLI_MODULES = {"edge.cli", "edge.appliance.cli", "edge.ops.commands", "edge.ops.context", "sync.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache  # parsed once for all the tests here (read only)
def project_modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(), str(path))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imported_modules(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (top level or in a function)."""
    package = name if name in known and _is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pkg import name` imports the module pkg.name when there is one, else pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known and target != name)
    return found


def _is_package(name: str) -> bool:
    return (ROOT / name.replace(".", "/") / "__init__.py").exists()


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported_modules(name, tree, known) for name, tree in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def cli_modules() -> set[str]:
    """Every module that defines click commands, so a new CLI module is checked without a list."""
    return {name for name, tree in project_modules().items()
            if any(isinstance(node, (ast.Import, ast.ImportFrom))
                   and "click" in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])
                   for node in ast.walk(tree))}


def test_the_cli_modules_are_found():
    assert KNOWN_CLI_MODULES <= cli_modules()


# What `edge` commands load only when they need it (see the function-level imports that say so).
HEAVY_STACKS = ("gunicorn", "escpos", "vosk", "pocketsphinx", "sounddevice", "gpiozero", "evdev",
                "requests", "apscheduler")


@pytest.mark.parametrize("module", sorted(cli_modules()))
def test_a_cli_module_imports_neither_flask_nor_a_heavy_stack(module):
    """In a fresh interpreter: the `edge` command must work on a box whose web stack is broken,
    and `edge --help`, `check` or `backup` on a Pi must not pay for the server, the printers,
    the recognizer or the HTTP client."""
    unwanted = ("flask", *HEAVY_STACKS)
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in {unwanted!r}))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()}"


def test_the_import_graph_finds_a_cycle_when_there_is_one():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from edge.cli import main\n")
    assert imported_modules("sync.cli", tree, {"edge.cli", "sync.cli"}) == {"edge.cli"}


def test_no_cli_module_is_in_an_import_cycle():
    cli = cli_modules()
    tangled = [sorted(cycle) for cycle in import_cycles(import_graph()) if cycle & cli]
    assert tangled == []




def test_no_import_cycle_in_the_project():
    assert [sorted(cycle) for cycle in import_cycles(import_graph())] == []
