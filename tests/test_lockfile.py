"""requirements.lock agrees with pyproject.toml, and the check notices when it stops agreeing."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from tests.paths import ROOT

_spec = importlib.util.spec_from_file_location("lockfile", ROOT / "scripts" / "lockfile.py")
assert _spec is not None and _spec.loader is not None
lockfile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lockfile)


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "requirements.lock"
    shutil.copy(ROOT / "pyproject.toml", pyproject)
    shutil.copy(ROOT / "requirements.lock", lock)
    return pyproject, lock


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_lock_matches_pyproject() -> None:
    assert lockfile.problems(ROOT / "pyproject.toml", ROOT / "requirements.lock") == []


def test_the_lock_holds_torch_as_the_cpu_build() -> None:
    pins = lockfile.pins((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert str(pins["torch"]) == "2.13.0+cpu"


def test_a_changed_pin_that_was_not_relocked_fails(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    edit(pyproject, '"numpy==2.4.6"', '"numpy==2.4.7"')
    found = lockfile.problems(pyproject, lock)
    assert any("dependency lists changed" in p for p in found)
    assert any(p.startswith("numpy==2.4.7 is not met by numpy==2.4.6") for p in found)


def test_a_new_dependency_missing_from_the_lock_fails(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    edit(pyproject, '    "psutil==', '    "bm25s==0.3.16",\n    "psutil==')
    assert "bm25s==0.3.16 is not in requirements.lock" in lockfile.problems(pyproject, lock)


def test_a_widened_range_still_met_by_the_pins_fails_only_on_the_digest(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    edit(pyproject, '"tqdm==4.70.1"', '"tqdm>=4.60"')
    assert lockfile.problems(pyproject, lock) == [
        "pyproject.toml's dependency lists changed since requirements.lock was made"
    ]
    lockfile.stamp(pyproject, lock)
    assert lockfile.problems(pyproject, lock) == []


def test_a_comment_in_pyproject_changes_nothing(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    edit(pyproject, '    "tqdm==', '    # progress bars while indexing\n    "tqdm==')
    assert lockfile.problems(pyproject, lock) == []


def test_a_pin_without_hashes_fails(copies: tuple[Path, Path]) -> None:
    pyproject, lock = copies
    text = lock.read_text(encoding="utf-8")
    start = text.index("\ntqdm==") + 1
    end = text.index("    # via", start)
    lock.write_text(text[:start] + "tqdm==4.70.1\n" + text[end:], encoding="utf-8")
    assert lockfile.problems(pyproject, lock) == ["tqdm has no hash in requirements.lock"]


def test_an_upgrade_raises_the_pins_but_holds_torch(copies: tuple[Path, Path], tmp_path: Path) -> None:
    pyproject, _ = copies
    loose = lockfile.loosen(pyproject).splitlines()
    assert "torch==2.13.0" in loose and "numpy" in loose and "gradio" in loose
    resolved = tmp_path / "resolved.txt"
    resolved.write_text("numpy==2.5.0\n    # via scipy\ntorch==2.14.1\ngradio==6.31.0\n", encoding="utf-8")
    assert lockfile.repin(pyproject, resolved) == ["numpy 2.4.6 -> 2.5.0"]
    text = pyproject.read_text(encoding="utf-8")
    assert '"numpy==2.5.0"' in text and '"torch==2.13.0"' in text and '"gradio==6.31.0"' in text
    assert "# pypdf needs it to open AES-encrypted PDFs" in text
