"""The import graph of ``ocop_tracker`` and the layer rules it keeps.

    python scripts/layers.py            # the numbers
    python scripts/layers.py --edges    # and every import behind them

Every import counts: at the top of a module, inside a function, under
``TYPE_CHECKING``. The rules (docs/ARCHITECTURE.md): no circle between
modules; ``core/`` imports no domain, no ``web`` and nothing of the assembly
(``cli``, ``hooks``, ``main``, …); no domain imports ``web``; no module under
``web/`` imports a repository or a router, or calls
``session.get/execute/scalars/scalar/rollback``. ``tests/docs/test_layers.py``
asserts them with these same functions.
"""

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "ocop_tracker"
SESSION_CALLS = frozenset({"get", "execute", "scalars", "scalar", "rollback"})


@dataclass(frozen=True, order=True)
class Import:
    """One module importing another module of the package."""

    source: str
    target: str
    path: str  # of the importing file, relative to the repository
    line: int

    @property
    def pair(self) -> tuple[str, str]:
        """What a list of known offenders names: (importer, imported)."""
        return (self.source, self.target)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


@dataclass(frozen=True, order=True)
class Call:
    """A call ``<…session>.<method>(…)`` in a module."""

    module: str
    method: str
    path: str
    line: int

    @property
    def pair(self) -> tuple[str, str]:
        """What a list of known offenders names: (module, method)."""
        return (self.module, self.method)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.module} calls session.{self.method}()"


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]
) -> Iterator[str]:
    """The package's modules one import statement reaches."""

    def nearest(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                found = nearest(alias.name)
                if found:
                    yield found
        return
    if node.level:
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        origin = f"{base}.{node.module}" if node.module else base
    else:
        origin = node.module or ""
    if origin != PACKAGE and not origin.startswith(PACKAGE + "."):
        return
    for alias in node.names:
        sub = f"{origin}.{alias.name}"
        found = sub if sub in known else nearest(origin)
        if found:
            yield found


def imports(root: Path = ROOT) -> list[Import]:
    """Every import of one of the package's modules by another, sorted."""
    mods = modules(root)
    known = set(mods)
    found: set[Import] = set()
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                is_package = path.name == "__init__.py"
                for target in _targets(node, module, is_package, known):
                    if target != module:
                        found.add(Import(module, target, rel, node.lineno))
    return sorted(found)


def graph(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Adjacency sets; every node named, even one with no edge out."""
    adjacent: dict[str, set[str]] = {}
    for a, b in edges:
        adjacent.setdefault(a, set()).add(b)
        adjacent.setdefault(b, set())
    return adjacent


def circles(adjacent: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(adjacent[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(adjacent):
        if v not in index:
            visit(v)
    return sorted(found)


def package(module: str) -> str:
    """The top-level part of a module: ``areas`` for ``ocop_tracker.areas.service``,
    ``cli`` for ``ocop_tracker.cli``; the package's own ``__init__`` is ``ocop_tracker``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def domains(root: Path = ROOT) -> set[str]:
    """The domain packages: every sub-package but ``core`` and ``web``."""
    return {
        p.name
        for p in (root / PACKAGE).iterdir()
        if (p / "__init__.py").is_file() and p.name not in {"core", "web"}
    }


def module_circles(found: list[Import]) -> list[list[str]]:
    """Modules that import each other, directly or round a loop."""
    return circles(graph((i.source, i.target) for i in found))


def package_loops(found: list[Import]) -> list[tuple[list[str], list[Import]]]:
    """Top-level parts that import each other, each with the imports between them."""
    between = [i for i in found if package(i.source) != package(i.target)]
    loops = circles(graph((package(i.source), package(i.target)) for i in between))
    return [
        (
            loop,
            [
                i
                for i in between
                if package(i.source) in loop and package(i.target) in loop
            ],
        )
        for loop in loops
    ]


def core_breaks(found: list[Import]) -> list[Import]:
    """Imports from ``core/`` of anything outside it (the package's own
    ``__init__``, which holds only the version, excepted)."""
    return [
        i
        for i in found
        if package(i.source) == "core" and package(i.target) not in {"core", PACKAGE}
    ]


def domain_to_web(found: list[Import], root: Path = ROOT) -> list[Import]:
    """Imports of ``web`` by a domain."""
    names = domains(root)
    return [
        i for i in found if package(i.source) in names and package(i.target) == "web"
    ]


def web_reaches(found: list[Import]) -> list[Import]:
    """Imports of a repository or a router by a module under ``web/``."""
    return [
        i
        for i in found
        if package(i.source) == "web"
        and i.target.rpartition(".")[2] in {"repository", "router"}
    ]


def _receiver(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def web_session_calls(root: Path = ROOT) -> list[Call]:
    """Calls of ``session.get/execute/scalars/scalar/rollback`` under ``web/``
    (any receiver whose name ends in ``session``)."""
    found: list[Call] = []
    for module, path in modules(root).items():
        if package(module) != "web":
            continue
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SESSION_CALLS
                and _receiver(node.func.value).lower().endswith("session")
            ):
                found.append(Call(module, node.func.attr, rel, node.lineno))
    return sorted(found)


def report(root: Path = ROOT, *, edges: bool = False) -> str:
    """The numbers, one section per rule; with ``edges``, each import behind them."""
    found = imports(root)
    lines: list[str] = [
        f"modules: {len(modules(root))}, imports between them: {len(found)}"
    ]

    def section(title: str, items: list[Import] | list[Call]) -> None:
        lines.append(f"{title}: {len(items)}")
        lines.extend(f"    {item}" for item in items)

    mc = module_circles(found)
    lines.append(f"module circles: {len(mc)}")
    lines.extend(f"    {' -> '.join(c)}" for c in mc)
    loops = package_loops(found)
    lines.append(f"package loops: {len(loops)}")
    for loop, behind in loops:
        lines.append(f"    {' <-> '.join(loop)} ({len(behind)} imports)")
        if edges:
            pairs = sorted({(i.source, i.target) for i in behind})
            lines.extend(f"        {a} -> {b}" for a, b in pairs)
    section("core -> outside core", core_breaks(found))
    section("domain -> web", domain_to_web(found, root))
    section("web -> repository/router", web_reaches(found))
    calls = web_session_calls(root)
    lines.append(f"session calls in web: {len(calls)}")
    if edges:
        lines.extend(f"    {c}" for c in calls)
    else:
        per_file: dict[str, int] = {}
        for c in calls:
            key = f"{c.path} session.{c.method}"
            per_file[key] = per_file.get(key, 0) + 1
        lines.extend(f"    {k} x{n}" for k, n in sorted(per_file.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(report(edges="--edges" in sys.argv[1:]) + "\n")
