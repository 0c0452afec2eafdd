"""The house rules of the code: the layout the README shows, modules of one job, no import circle, speed code
behind its fence, and nothing that points outside the repository."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The analysis modules a module imports, anywhere in it (inside functions too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("analysis")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("analysis"):
                continue
            for alias in node.names:  # `from . import x` names a module; `from .m import f` names m
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in NAMES else target)
    return {m for m in found if m in NAMES and m != name}


NAMES = {module_name(p) for p in MODULES}


def layout_paths() -> set[str]:
    """Module paths the README's Layout block lists, rebuilt from its indentation."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    paths, stack = set(), []
    for line in block.splitlines():
        m = re.match(r"^( *)(\S+)", line)
        if not m or not (m.group(2).endswith("/") or m.group(2).endswith(".py")):
            continue
        depth = len(m.group(1)) // 2
        stack = [*stack[:depth], m.group(2)]
        paths.add("".join(stack))
    return paths


def test_every_module_is_in_the_readme_layout_and_nothing_else():
    listed = {p for p in layout_paths() if p.startswith("analysis/") and p.endswith(".py")}
    actual = {p.relative_to(ROOT).as_posix() for p in MODULES if p.name != "__init__.py"}
    assert actual - listed == set(), "modules missing from the README's Layout"
    assert listed - actual == set(), "the README's Layout lists modules that do not exist"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_modules_are_of_one_job_and_short(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{lines} lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), "a module docstring says what the module is for"


def test_no_import_circle_even_through_imports_inside_functions():
    graph = {module_name(p): imported(p) for p in MODULES}
    done, active = set(), []

    def visit(node: str) -> None:
        if node in active:
            raise AssertionError("import circle: " + " -> ".join([*active[active.index(node) :], node]))
        if node in done:
            return
        active.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        active.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    assert graph["analysis.rules"] and "analysis.read" in graph["analysis.load"]  # the graph is really built


def test_speed_code_stays_behind_its_fence():
    """Arrow buffers, raw bytes and ctypes only in analysis/_fast; pandas' private Arrow attribute nowhere."""
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        assert "_pa_array" not in text, path
        if "_fast" not in path.parts:
            for word in ("frombuffer", ".buffers()", "ctypes", "from_buffers"):
                assert word not in text, f"{path.name} uses {word}"


def test_the_repository_refers_to_nothing_outside_it():
    tracked = [
        *MODULES,
        *(ROOT / "tests").glob("*.py"),
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "data").rglob("*.md"),
        *(ROOT / "notebooks").glob("*.ipynb"),
        ROOT / "README.md",
        ROOT / "Makefile",
    ]
    for path in tracked:
        text = path.read_text(encoding="utf-8")
        if path.name == "test_layout.py":
            continue
        assert "../shared" not in text and "domain-rules" not in text, path
        assert not re.search(r"\bissue (#?\d+)", text), f"{path.name} cites a tracker issue"


def test_notebooks_carry_no_per_cell_timestamps():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert all("execution" not in cell.metadata for cell in nb.cells), path.name
