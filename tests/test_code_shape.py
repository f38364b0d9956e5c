"""The shape of our own code: no function over 60 lines, no block nested deeper than 4 (an elif is
not deeper), and no import of our apps hidden inside a function to dodge a cycle (layers are
enforced by import-linter in `make test`; AppConfig.ready is where Django wants late imports)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "papers", "baselines", "benchmarks", "reviews", "worker", "tests")
OURS = {"config", "papers", "baselines", "benchmarks", "reviews", "worker", "tests"}
MAX_LINES = 60
MAX_DEPTH = 4
BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith, ast.Match)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def functions() -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", node


def depth(nodes: list[ast.stmt], level: int = 0) -> int:
    deepest = level
    for node in nodes:
        if isinstance(node, SCOPES):
            continue  # a nested function is measured on its own
        if isinstance(node, BLOCKS):
            inner = list(getattr(node, "body", []))
            inner += [s for handler in getattr(node, "handlers", []) for s in handler.body]
            inner += list(getattr(node, "finalbody", []))
            inner += [s for case in getattr(node, "cases", []) for s in case.body]
            deepest = max(deepest, depth(inner, level + 1))
            orelse = list(getattr(node, "orelse", []))
            elif_chain = isinstance(node, ast.If) and len(orelse) == 1 and isinstance(orelse[0], ast.If)
            deepest = max(deepest, depth(orelse, level if elif_chain else level + 1))
    return deepest


def test_the_checker_sees_our_code() -> None:
    found = dict(functions())
    assert len(found) > 500
    assert any(name.endswith(" recompute_review") for name in found)


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = [
        f"{name} ({lines} lines)"
        for name, node in functions()
        if (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_LINES
    ]
    assert long == []


def test_no_block_is_nested_deeper_than_four() -> None:
    deep = [f"{name} (depth {d})" for name, node in functions() if (d := depth(node.body)) > MAX_DEPTH]
    assert deep == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n if a:\n  pass\n elif b:\n  if c:\n   pass\n", 2),
        ("def f():\n for x in y:\n  with z:\n   try:\n    pass\n   except E:\n    if q:\n     pass\n", 4),
        ("def f():\n def g():\n  if a:\n   if b:\n    pass\n", 0),
    ],
)
def test_nesting_counts_blocks_not_elifs_or_inner_functions(source: str, expected: int) -> None:
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert depth(function.body) == expected


def test_no_import_of_our_apps_hides_inside_a_function() -> None:
    hidden = []
    for name, node in functions():
        if node.name == "ready" or name.startswith("tests/"):
            continue
        for inner in ast.walk(node):
            module = inner.module if isinstance(inner, ast.ImportFrom) else None
            if isinstance(inner, ast.Import):
                module = inner.names[0].name
            if module and module.split(".")[0] in OURS:
                hidden.append(f"{name}: {module}")
    assert hidden == []
