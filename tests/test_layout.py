"""The test tree keeps its shape (issue 13, item 8): shared helpers live once, in tests/support/ (fixtures in a
conftest.py, factories in tests/factories/), and no test module imports another test module.

Read from the source (ast), so nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Helper names that may be defined in more than one module of tests/, each with the reason. Keep it short:
# a helper two modules need belongs in tests/support/; two different helpers deserve two names.
ALLOWED_REPEATS: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(TESTS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(path: Path) -> str:
    dotted = _dotted(path)
    return dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of each module (and each name, which may be a module) the file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(path).split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _is_test_module(dotted: str) -> bool:
    return dotted.startswith("tests.") and any(part.startswith("test_") for part in dotted.split("."))


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)


def _helpers(path: Path) -> list[tuple[str, int]]:
    """(name, line) of each module-level function that is neither a test, a fixture nor a pytest hook."""
    return [
        (node.name, node.lineno)
        for node in ast.parse(path.read_text(), str(path)).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith(("test_", "pytest_"))
        and not _is_fixture(node)
    ]


def test_no_test_module_imports_another_test_module():
    offences = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {name}"
        for path in _modules()
        for line, name in _imported_modules(path)
        if _is_test_module(name) and name != _dotted(path)
    ]
    assert not offences, (
        "a test module imports another one: move what they share to tests/support/ (helpers, "
        "constants) or to a conftest.py (fixtures):\n" + "\n".join(sorted(set(offences)))
    )


def test_each_helper_is_defined_once():
    places = defaultdict(list)
    for path in _modules():
        for name, line in _helpers(path):
            places[name].append(f"{path.relative_to(TESTS.parent)}:{line}")
    repeated = {name: where for name, where in places.items() if len(where) > 1 and name not in ALLOWED_REPEATS}
    assert not repeated, (
        "helpers defined in more than one module: keep one in tests/support/ and import it, or "
        "give different helpers different names:\n"
        + "\n".join(f"{name}: {', '.join(where)}" for name, where in sorted(repeated.items()))
    )


def test_the_allowed_repeats_are_still_repeated_and_say_why():
    places = defaultdict(int)
    for path in _modules():
        for name, _line in _helpers(path):
            places[name] += 1
    assert all(reason.strip() for reason in ALLOWED_REPEATS.values())
    stale = sorted(name for name in ALLOWED_REPEATS if places[name] < 2)
    assert not stale, f"no longer repeated, take them off ALLOWED_REPEATS: {stale}"


def test_the_layout_checks_see_what_they_look_for():
    """The control: relative imports are resolved, test modules told from support modules, fixtures left out."""
    imported = {name for _line, name in _imported_modules(TESTS / "web" / "test_access_matrix.py")}
    assert "tests.support.access_matrix" in imported and "tests.support.access_matrix.MATRIX" in imported
    assert _is_test_module("tests.web.test_access_matrix") and _is_test_module("tests.web.test_csrf.EXPIRED")
    assert not _is_test_module("tests.support.access_matrix") and not _is_test_module("tests.factories")
    assert "text_of" in {name for name, _line in _helpers(TESTS / "support" / "visible.py")}
    assert "audience_users" not in {name for name, _line in _helpers(TESTS / "web" / "conftest.py")}
