"""The house's layers (DESIGN.md, "Layers"), read from the source with `ast`.

Each package of `connectors` sits in a layer and imports only from the layers below it and from
inside itself; packages marked as siblings in one layer do not import each other. Imports inside
functions count, and are themselves refused (apps.py and migrations excepted), so no arrow hides.
Only `connectors.lib.outbound` touches the network. No circle, anywhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("connectors", "studio")
NETWORK = ("requests", "urllib3", "httpx", "socket", "http")
NETWORK_DOOR = "connectors.lib.outbound"

# Lowest first. A module belongs to the longest prefix that names it.
LAYERS: list[list[str]] = [
    ["connectors.lib"],
    [
        "connectors",
        "connectors.models",
        "connectors.kinds",
        "connectors.variables",
        "connectors.bodies",
        "connectors.roles",
        "connectors.apps",
    ],
    ["connectors.secrets"],
    ["connectors.catalog", "connectors.engine"],
    ["connectors.importing", "connectors.exporting"],
    [
        "connectors.views",
        "connectors.forms",
        "connectors.admin",
        "connectors.urls",
        "connectors.api",
        "connectors.templatetags",
        "connectors.management",
    ],
    ["studio"],
]
# Packages of one layer that must not import each other.
SIBLINGS = [
    {"connectors.catalog", "connectors.engine"},
    {"connectors.importing", "connectors.exporting"},
]

# Today's exceptions, each to be removed as the house moves; the test fails on a stale entry.
ALLOWED: set[str] = set()


@dataclass(frozen=True)
class Arrow:
    source: str  # importing module
    target: str  # imported module
    path: str
    line: int
    deferred: bool


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files(root: Path) -> Iterator[Path]:
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                yield path


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    guarded: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(id(sub) for sub in ast.walk(node))
    return guarded


def arrows(root: Path) -> Iterator[Arrow]:
    for path in source_files(root):
        name = module_name(path, root)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        top = {id(node) for node in tree.body} | _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            rel = str(path.relative_to(root))
            for target in targets:
                yield Arrow(name, target, rel, node.lineno, id(node) not in top)


def known_modules(root: Path) -> set[str]:
    return {module_name(path, root) for path in source_files(root)}


def layer_of(module: str) -> tuple[int, str] | None:
    """The layer's index and the package (prefix) that places the module."""
    best: tuple[int, str] | None = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "connectors"
            if (module == prefix or inside) and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    return best


def problems(root: Path) -> set[str]:
    """Every arrow that breaks the house's rules, as a sentence that names it."""
    found: set[str] = set()
    modules = known_modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module in sorted(modules):
        if module.startswith("connectors") and layer_of(module) is None:
            found.add(f"{module} is in no layer")
    for arrow in arrows(root):
        if arrow.target.split(".")[0] in NETWORK or arrow.target.startswith("http.client"):
            if not (arrow.source == NETWORK_DOOR or arrow.source.startswith(NETWORK_DOOR + ".")):
                found.add(f"{arrow.source} touches the network ({arrow.target.split('.')[0]})")
            continue
        if arrow.target not in modules or arrow.target == arrow.source:
            continue
        graph[arrow.source].add(arrow.target)
        exempt = arrow.path.endswith("apps.py")
        if arrow.deferred and not exempt:
            found.add(f"{arrow.path}:{arrow.line} imports {arrow.target} inside a function")
        source, target = layer_of(arrow.source), layer_of(arrow.target)
        if source is None or target is None or source[1] == target[1]:
            continue
        if target[0] > source[0] and not exempt:
            found.add(f"{arrow.source} -> {arrow.target} runs up a layer")
        elif target[0] == source[0] and {source[1], target[1]} in [
            {a, b} for group in SIBLINGS for a in group for b in group if a != b
        ]:
            found.add(f"{arrow.source} -> {arrow.target} runs sideways")
    for circle in circles(graph):
        found.add("circle: " + ", ".join(circle))
    for path in source_files(root):
        if path.name == "__init__.py" and not _only_a_docstring(path):
            found.add(f"{module_name(path, root)}: __init__ holds more than a docstring")
    return found


def _only_a_docstring(path: Path) -> bool:
    body = ast.parse(path.read_text(encoding="utf-8")).body
    rest = [
        node
        for node in body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]
    return not rest


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_house_keeps_its_layers() -> None:
    found = problems(ROOT)
    new = sorted(found - ALLOWED)
    assert not new, "Arrows that break the layers (DESIGN.md):\n" + "\n".join(new)


def test_the_allow_list_only_holds_what_is_still_there() -> None:
    stale = sorted(ALLOWED - problems(ROOT))
    assert not stale, "Fixed, so remove from ALLOWED:\n" + "\n".join(stale)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def small_house(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        {
            "connectors/__init__.py": '"""The app."""\n',
            "connectors/models.py": "",
            "connectors/lib/__init__.py": '"""Pure functions."""\n',
            "connectors/lib/outbound/__init__.py": '"""The network door."""\n',
            "connectors/lib/outbound/send.py": "import requests\n",
            "connectors/views/__init__.py": '"""Views."""\n',
            "connectors/views/catalog.py": "from connectors import models\n",
            "connectors/catalog/__init__.py": '"""Writes."""\n',
            "connectors/engine/__init__.py": '"""Tests."""\n',
            "studio/__init__.py": "",
        },
    )
    return tmp_path


def test_a_well_kept_house_has_no_problems(small_house: Path) -> None:
    assert problems(small_house) == set()


def test_it_fails_if_the_network_door_imports_the_views(small_house: Path) -> None:
    _write(
        small_house, {"connectors/lib/outbound/hook.py": "from connectors.views import catalog\n"}
    )
    assert "connectors.lib.outbound.hook -> connectors.views.catalog runs up a layer" in problems(
        small_house
    )


def test_it_fails_on_an_import_inside_a_function(small_house: Path) -> None:
    _write(
        small_house, {"connectors/views/late.py": "def f():\n    from connectors import models\n"}
    )
    assert "connectors/views/late.py:2 imports connectors.models inside a function" in problems(
        small_house
    )


def test_it_fails_on_a_sideways_arrow_and_a_circle(small_house: Path) -> None:
    _write(
        small_house,
        {
            "connectors/catalog/a.py": "from connectors.engine import b\n",
            "connectors/engine/b.py": "from connectors.catalog import a\n",
        },
    )
    found = problems(small_house)
    assert "connectors.catalog.a -> connectors.engine.b runs sideways" in found
    assert "circle: connectors.catalog.a, connectors.engine.b" in found


def test_it_fails_on_the_network_outside_the_door_and_on_re_exports(small_house: Path) -> None:
    _write(
        small_house,
        {
            "connectors/views/fetch.py": "import socket\n",
            "connectors/views/__init__.py": "from connectors.views.catalog import *\n",
        },
    )
    found = problems(small_house)
    assert "connectors.views.fetch touches the network (socket)" in found
    assert "connectors.views: __init__ holds more than a docstring" in found
