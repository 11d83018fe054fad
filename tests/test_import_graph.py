"""The architecture as the imports show it (docs/architecture.md): code depends downwards only,
no two modules need each other, and no import hides inside a function.

Read from the source with `ast`, without importing anything: every module of the four apps
(migrations aside), with the imports at module level and those inside functions alike, because
an import inside a function is still a dependency, only a hidden one.
"""

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"outreach": 1, "events": 2, "registrations": 3, "impact": 4, "api": 5}

# The root URLs mount every app's URLs: the one module of a lower layer that names the higher
# ones. (outreach/settings.py names the apps too, but as strings, which are not imports.)
MAY_IMPORT_ANY_LAYER = {"outreach.urls"}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: str | None  # the function whose body holds it, or None at module level


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for app in LAYERS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute name `from ... import` reads from, relative imports included."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _targets(names: list[str], importer: str) -> set[str]:
    """The project's modules these names are read from: each name that is a module, or else
    the nearest module above it (`from registrations import services` reads a module,
    `from registrations.models import Registration` reads registrations.models)."""
    modules = _modules()
    found = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    found.discard(importer)
    return found


def _runs(imported: str, importer: str) -> set[str]:
    """What importing a module runs of the project: the module, and the packages above it,
    whose __init__ runs first (except the importer's own, which are running already)."""
    parts = imported.split(".")
    packages = {".".join(parts[:end]) for end in range(1, len(parts))}
    return {imported} | {
        package
        for package in packages
        if package in _modules() and not importer.startswith(package + ".")
    }


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.is_package = is_package
        self.functions: list[str] = []
        self.imports: list[Import] = []

    def _function(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _record(self, node, names):
        for target in _targets(names, self.module):
            function = self.functions[0] if self.functions else None
            self.imports.append(Import(self.module, target, node.lineno, function))

    def visit_Import(self, node):
        self._record(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node):
        source = _resolve(self.module, node, self.is_package)
        self._record(node, [f"{source}.{alias.name}" for alias in node.names])


@cache
def _imports() -> tuple[Import, ...]:
    found = []
    for module, path in _modules().items():
        visitor = _ImportVisitor(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(visitor.imports)
    return tuple(found)


def _layer(module: str) -> int:
    return LAYERS[module.partition(".")[0]]


def _where(item: Import) -> str:
    place = f"in {item.in_function}()" if item.in_function else "at module level"
    return f"{item.importer} (line {item.line}, {place})"


def test_the_graph_sees_the_modules_and_their_imports():
    """A guard for the checks below: a reader that found nothing would let everything pass."""
    modules = _modules()
    assert {"outreach.models", "events.models", "registrations.models", "impact.queries"} <= set(
        modules
    )
    edges = {(item.importer, item.imported) for item in _imports()}
    assert ("impact.queries", "registrations.models") in edges
    assert ("events.models", "outreach.models") in edges


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [
        f"{_where(item)} imports {item.imported}, a layer above its own "
        f"({_layer(item.importer)} imports {_layer(item.imported)})"
        for item in _imports()
        if _layer(item.imported) > _layer(item.importer)
        and item.importer not in MAY_IMPORT_ANY_LAYER
    ]
    assert not upward, "Code depends downwards only, but:\n" + "\n".join(sorted(upward))


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
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
                        groups.append(sorted(group))
    return groups


def _graph() -> dict[str, set[str]]:
    graph = {module: set() for module in _modules()}
    for item in _imports():
        graph[item.importer] |= _runs(item.imported, item.importer)
    return graph


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


def test_no_two_modules_import_each_other_even_through_others():
    graph = _graph()
    cycles = []
    for group in _strongly_connected(graph):
        members = set(group)
        links = sorted(
            f"{_where(item)} imports {item.imported}"
            for item in _imports()
            if item.importer in members and _runs(item.imported, item.importer) & members
        )
        cycles.append(f"{', '.join(group)} import each other:\n    " + "\n    ".join(links))
    assert not cycles, "Modules form import cycles:\n" + "\n".join(cycles)


def _may_import_inside_functions(item: Import) -> bool:
    # Management commands run on their own; AppConfig.ready is where Django lets an app connect
    # its receivers once every model is loaded, which a module-level import in apps.py cannot.
    path = _modules()[item.importer].relative_to(ROOT)
    return path.parts[1:3] == ("management", "commands") or (
        path.name == "apps.py" and item.in_function == "ready"
    )


def test_no_module_imports_the_project_inside_a_function():
    """An import inside a function hides a dependency, often a cycle (docs/architecture.md:
    'never hide an import cycle behind an import inside a function'). Imports of other
    libraries are not counted: optional ones (the Redis queue) are imported only when used."""
    hidden = [
        f"{_where(item)} imports {item.imported}"
        for item in _imports()
        if item.in_function and not _may_import_inside_functions(item)
    ]
    assert not hidden, "These imports hide inside functions; move them to the top:\n" + "\n".join(
        sorted(hidden)
    )
