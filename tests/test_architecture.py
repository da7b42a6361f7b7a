"""The codebase's shape: no import circles, no private framework internals, no C,
a core that knows no domain, files short enough to read."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "shinbun"
DOMAINS = ("shinbun.members", "shinbun.newsroom", "shinbun.search", "shinbun.api")
# Names that only exist as Django's internals (a leading underscore is caught anyway).
PRIVATE_NAMES = {"ModelState", "FORMAT_QMARK_REGEX", "get_compiler", "klass_info", "get_converters"}
LONGEST_FILE = 500


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str):
    """(imported module, imported names) for every import in the file, lazy ones too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{module}" if module else base
            yield module, tuple(alias.name for alias in node.names)


MODULES = {_module_name(path): path for path in _sources()}


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for module, names in _imports(path, name):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES] or [module]
            edges.update(filter(None, map(_owner, targets)))
        edges.discard(name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for start in graph:
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
                    work.append((child, iter(sorted(graph[child]))))
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


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    assert _cycles(_graph()) == []


def test_core_knows_no_domain():
    offenders = [
        (name, module)
        for name, path in MODULES.items()
        if name.startswith("shinbun.core")
        for module, _names in _imports(path, name)
        if module.startswith(DOMAINS)
    ]
    assert offenders == []


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_public_django_names_are_imported(path):
    private = [
        (module, names)
        for module, names in _imports(path, _module_name(path))
        if module.startswith("django")
        and (
            any(part.startswith("_") for part in module.split("."))
            or any(n.startswith("_") or n in PRIVATE_NAMES for n in names)
        )
    ]
    used = [n for n in PRIVATE_NAMES if f".{n}" in path.read_text()]
    assert (private, used) == ([], [])


def test_one_language():
    assert sorted(p.name for p in PACKAGE.rglob("*") if p.suffix in {".c", ".h", ".pyx"}) == []


def test_files_stay_short_enough_to_read():
    long_files = {
        str(path.relative_to(PACKAGE)): n
        for path in _sources()
        if (n := len(path.read_text().splitlines())) > LONGEST_FILE
    }
    assert long_files == {}
