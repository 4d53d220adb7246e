"""The package's shape: a cheap import, and dependencies that point one way."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.paths import ROOT


def imported_modules(folder: str) -> dict[str, set[str]]:
    """Every module each file under ``folder`` imports, relative imports resolved."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                names.add(".".join(p for p in (base, node.module or "") if p))
        found[str(path.relative_to(ROOT))] = names
    return found


def test_import_rag_loads_neither_chroma_nor_langchain() -> None:
    code = "import sys, rag; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "chromadb" not in loaded and "langchain_core" not in loaded and "numpy" not in loaded


def test_the_library_never_imports_its_apps_its_eval_or_its_tests() -> None:
    for path, names in imported_modules("rag").items():
        upward = {n for n in names if n.split(".")[0] in {"apps", "eval", "tests"}}
        assert not upward, (path, upward)


def test_eval_never_imports_the_tests_or_the_apps() -> None:
    for path, names in imported_modules("eval").items():
        upward = {n for n in names if n.split(".")[0] in {"apps", "tests"}}
        assert not upward, (path, upward)


def test_shared_text_rules_and_the_schema_import_no_stage() -> None:
    stages = {"rag.ingest", "rag.chunking", "rag.index", "rag.retrieval", "rag.answer", "rag.assistant"}
    for folder in ("rag/text",):
        for path, names in imported_modules(folder).items():
            assert not {n for n in names if any(n.startswith(s) for s in stages)}, path
    schema = imported_modules("rag")["rag/schema.py"]
    assert not {n for n in schema if n.startswith("rag.") and not n.startswith(("rag.schema", "rag.text"))}
