"""The shape of the code: imports flow one way, private names stay home, functions stay short.

Every module under ``src/steepest`` is read with ``ast`` (nothing is
imported), and each rule is checked part by part (one test per subpackage),
so that a failure names the part to fix; each violation is one line with the
file and the name.

- No import cycle between modules: imports at module level and inside
  functions alike, a package ``__init__`` counting as a module that imports
  what it re-exports (strongly connected components of the import graph).
- No ``from steepest.x import _name`` of a private name defined in another
  module, and no ``module._name`` through an imported steepest module.
  Dunder names (``__version__``) are fine, and so is a private *module* of
  the importer's own package (``from steepest.symbolic import _limits``).
- No function over 100 lines unless a comment containing ``long:`` (the
  reason) sits directly above its ``def`` (or its first decorator).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "steepest"
MAX_LINES = 100


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    lines: list[str]
    imports: set[str] = field(default_factory=set)
    private: list[str] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def part(self) -> str:
        """The subpackage (``autodiff``...) or top-level module the module belongs to."""
        pieces = self.name.split(".")
        return pieces[1] if len(pieces) > 1 else "(steepest)"

    @property
    def where(self) -> str:
        return str(self.path.relative_to(SRC))


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    if node.level > 1:
        base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _defines(tree: ast.Module, name: str) -> bool:
    """Whether a module binds ``name`` itself (a def, a class, an assignment)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return True
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    return True
    return False


def _read_imports(module: Module, modules: dict[str, Module]) -> None:
    aliases: dict[str, str] = {}  # local name -> steepest module it stands for
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT and alias.name in modules:
                    module.imports.add(alias.name)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            if source.split(".")[0] != ROOT:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules:  # a submodule: the edge goes to it
                    module.imports.add(sub)
                    aliases[alias.asname or alias.name] = sub
                    if _is_private(alias.name) and module.package != source:
                        module.private.append(f"{module.where}: imports private module {sub}")
                    continue
                if source in modules:
                    module.imports.add(source)
                    if _is_private(alias.name) and source != module.name:
                        module.private.append(
                            f"{module.where}: imports private name {alias.name} from {source}")
    for node in ast.walk(module.tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _is_private(node.attr)):
            target = aliases[node.value.id]
            if target != module.name and _defines(modules[target].tree, node.attr):
                module.private.append(
                    f"{module.where}: uses private name {node.attr} of {target}")


@cache
def _modules() -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        name, is_package = _module_name(path)
        text = path.read_text(encoding="utf-8")
        modules[name] = Module(name, path, is_package, ast.parse(text), text.splitlines())
    for module in modules.values():
        _read_imports(module, modules)
    return modules


def _cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(sorted(modules[start].imports)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(modules[child].imports))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _comment_above(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The block of comment lines directly above a def (or its first decorator)."""
    row = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 2
    block = []
    while row >= 0 and lines[row].strip().startswith("#"):
        block.append(lines[row].strip())
        row -= 1
    return "\n".join(reversed(block))


def _long_functions(module: Module) -> list[str]:
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        if length <= MAX_LINES:
            continue
        if "long:" in _comment_above(module.lines, node):
            continue
        found.append(f"{module.where}:{node.lineno}: function {node.name} has {length} lines "
                     f"(over {MAX_LINES}; split it, or give the reason in a '# long: ...' "
                     "comment directly above its def)")
    return found


def _parts() -> list[str]:
    return sorted({m.part for m in _modules().values()})


@pytest.mark.parametrize("part", _parts())
def test_no_import_cycle(part):
    modules = _modules()
    cycles = [c for c in _cycles(modules) if any(modules[m].part == part for m in c)]
    lines = [
        "import cycle among: " + ", ".join(
            f"{modules[m].where} ({m})" for m in cycle) for cycle in cycles]
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.parametrize("part", _parts())
def test_no_private_name_of_another_module(part):
    lines = [line for m in _modules().values() if m.part == part for line in m.private]
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.parametrize("part", _parts())
def test_functions_fit_on_a_screen(part):
    lines = [line for m in _modules().values() if m.part == part
             for line in _long_functions(m)]
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


def test_the_checks_see_what_they_must(tmp_path):
    """The readers find a cycle, a private import and a long function in a made-up tree."""
    fake = {
        "steepest.a": "from steepest.b import f\nfrom steepest.b import _hidden\n",
        "steepest.b": ("def f():\n    from steepest import a\n\n_hidden = 1\n\n"
                       "def g():\n" + "    x = 1\n" * 101
                       + "# long: a reason,\n# given over two lines\ndef h():\n"
                       + "    x = 1\n" * 101),
        "steepest.c": "import steepest.b as B\ny = B._hidden\n",
    }
    modules = {}
    for name, text in fake.items():
        path = SRC / (name.replace(".", "/") + ".py")
        modules[name] = Module(name, path, False, ast.parse(text), text.splitlines())
    for module in modules.values():
        _read_imports(module, modules)
    assert _cycles(modules) == [["steepest.a", "steepest.b"]]
    assert modules["steepest.a"].private == [
        "steepest/a.py: imports private name _hidden from steepest.b"]
    assert modules["steepest.c"].private == [
        "steepest/c.py: uses private name _hidden of steepest.b"]
    (long,) = _long_functions(modules["steepest.b"])
    assert long.startswith("steepest/b.py:6: function g has 102 lines")
