"""The layering rules of STYLE.md, read from the imports with `ast` so they cannot rot silently.

index <- rag <- evals, ui on top and imported by nobody; heavy third-party libraries stay in the
one package that owns them (Gradio in ui, Chroma and sentence-transformers in index, LangChain's
OpenAI chat model in rag). Every module opens with a docstring.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "rag", "evals", "ui")
ALLOWED_APP_IMPORTS = {
    "index": set(),
    "rag": {"index"},
    "evals": {"index", "rag"},
    "ui": {"index", "rag", "evals"},
}
LIBRARY_HOMES = {
    "gradio": "ui",
    "gradio_client": "ui",
    "chromadb": "index",
    "sentence_transformers": "index",
    "langchain_openai": "rag",
}


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every import in the file, including imports inside functions."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def package_of(path: Path) -> str:
    return path.relative_to(REPO).parts[0]


def test_every_package_has_modules() -> None:
    found = {package_of(p) for p in modules()}
    assert found == set(PACKAGES)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_app_imports_flow_one_way(path: Path) -> None:
    package = package_of(path)
    other_app = imported_roots(path) & set(PACKAGES) - {package}
    forbidden = other_app - ALLOWED_APP_IMPORTS[package]
    assert not forbidden, f"{package}/ may not import {sorted(forbidden)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_heavy_libraries_stay_in_their_package(path: Path) -> None:
    package = package_of(path)
    misplaced = {lib: home for lib, home in LIBRARY_HOMES.items() if lib in imported_roots(path) and home != package}
    assert not misplaced, f"{path.relative_to(REPO)} imports {misplaced} outside their home package"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_module_has_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert (ast.get_docstring(tree) or "").strip(), f"{path.relative_to(REPO)} has no module docstring"


def test_nothing_outside_ui_imports_ui() -> None:
    offenders = [str(p.relative_to(REPO)) for p in modules() if package_of(p) != "ui" and "ui" in imported_roots(p)]
    assert offenders == []


def test_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Doc."""\n\ndef f():\n    import chromadb.config\n    from rag.answer import Answer\n')
    assert imported_roots(sample) == {"chromadb", "rag"}


def test_pyproject_lists_the_four_packages_and_the_console_script() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(project["tool"]["setuptools"]["packages"])
    assert set(PACKAGES) <= packages
    assert project["project"]["scripts"]["speechqa"] == "ui.cli:main"
    assert (REPO / "ui" / "__main__.py").is_file()
