"""sdk/pyproject.toml: a distribution of its own that needs only httpx and attrs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

SDK = Path(__file__).parents[2] / "sdk"
PYPROJECT = tomllib.loads((SDK / "pyproject.toml").read_text(encoding="utf-8"))


def imported_distributions() -> set[str]:
    """Top-level modules the package imports, outside the standard library and itself."""
    names: set[str] = set()
    for path in (SDK / "mailnotify_sdk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names - set(sys.stdlib_module_names) - {"mailnotify_sdk"}


def test_it_imports_only_what_it_declares_httpx_and_attrs() -> None:
    declared = {re.split(r"[<>=!~ \[]", dep)[0] for dep in PYPROJECT["project"]["dependencies"]}
    assert imported_distributions() == declared == {"httpx", "attrs"}


def test_it_is_its_own_distribution_and_ships_py_typed() -> None:
    assert PYPROJECT["project"]["name"] == "mailnotify-sdk"
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["mailnotify_sdk"] == ["py.typed"]
    assert (SDK / "mailnotify_sdk" / "py.typed").is_file()
