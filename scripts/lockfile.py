"""requirements.lock against pyproject.toml: whether they still agree, and the steps of re-locking.

The lock starts with a digest of pyproject's dependency lists, so an edit there that was not
re-locked is caught even when the old pins happen to satisfy it. Used by scripts/lock.sh and by
tests/test_lockfile.py (run by the test command).

    python scripts/lockfile.py check           # exit 1, listing why, when the lock is stale
    python scripts/lockfile.py stamp           # write the digest line into a fresh lock
    python scripts/lockfile.py loosen          # pyproject's requirements, unpinned, for --upgrade
    python scripts/lockfile.py repin RESOLVED  # pyproject's pins raised to what RESOLVED holds
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
DIGEST_PREFIX = "# pyproject.toml dependencies sha256: "
# Pins an upgrade leaves alone, with the reason.
HELD = {"torch": "only 2.13.0 has a CPU wheel on this machine's disk; any other release is a CUDA build"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def requirements(pyproject: Path) -> list[Requirement]:
    """The runtime and dev requirements: the lock holds both, since the test command needs dev."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"]) + list(project.get("optional-dependencies", {}).get("dev", []))
    return [Requirement(line) for line in lines]


def digest(pyproject: Path) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lists = {"dependencies": project["dependencies"], "optional": project.get("optional-dependencies", {})}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def pins(lock_text: str) -> dict[str, Version]:
    return {
        canonicalize_name(m[1]): Version(m[2]) for line in lock_text.splitlines() if (m := _PIN.match(line))
    }


def unhashed(lock_text: str) -> list[str]:
    """Pins with no ``--hash`` among their continuation lines: pip's --require-hashes would refuse
    the whole install, on the machine where it is least welcome."""
    missing: list[str] = []
    current: str | None = None
    for line in [*lock_text.splitlines(), ""]:
        if line.startswith((" ", "\t")):
            if current and "--hash=" in line:
                current = None
            continue
        if current:
            missing.append(current)
        match = _PIN.match(line)
        current = match[1] if match and "--hash=" not in line else None
    return missing


def problems(pyproject: Path, lock: Path) -> list[str]:
    if not lock.exists():
        return [f"{lock.name} is missing"]
    text = lock.read_text(encoding="utf-8")
    found = []
    recorded = next(
        (line[len(DIGEST_PREFIX) :] for line in text.splitlines() if line.startswith(DIGEST_PREFIX)), None
    )
    if recorded != digest(pyproject):
        found.append(f"{pyproject.name}'s dependency lists changed since {lock.name} was made")
    pinned = pins(text)
    found += [f"{name} has no hash in {lock.name}" for name in unhashed(text)]
    for req in requirements(pyproject):
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            found.append(f"{req} is not in {lock.name}")
        elif not req.specifier.contains(version, prereleases=True):
            found.append(f"{req} is not met by {req.name}=={version} in {lock.name}")
    return found


def stamp(pyproject: Path, lock: Path) -> None:
    body = [
        line for line in lock.read_text(encoding="utf-8").splitlines() if not line.startswith(DIGEST_PREFIX)
    ]
    lock.write_text("\n".join([DIGEST_PREFIX + digest(pyproject), *body]) + "\n", encoding="utf-8")


def loosen(pyproject: Path) -> str:
    lines = []
    for req in requirements(pyproject):
        name = canonicalize_name(req.name)
        lines.append(
            str(req) if name in HELD else f"{req.name}{''.join(f'[{e}]' for e in sorted(req.extras))}"
        )
    return "\n".join(lines) + "\n"


def repin(pyproject: Path, resolved: Path) -> list[str]:
    """Rewrites each ``"name==old"`` in pyproject.toml in place, comments and order kept."""
    versions = pins(resolved.read_text(encoding="utf-8"))
    text = pyproject.read_text(encoding="utf-8")
    changed = []
    for req in requirements(pyproject):
        name = canonicalize_name(req.name)
        new = versions.get(name)
        old = next((s.version for s in req.specifier if s.operator == "=="), None)
        if name in HELD or new is None or old is None or str(new) == old:
            continue
        text = text.replace(f'"{req.name}=={old}"', f'"{req.name}=={new}"', 1)
        changed.append(f"{req.name} {old} -> {new}")
    pyproject.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        found = problems(PYPROJECT, LOCK)
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print("re-lock with: bash scripts/lock.sh", file=sys.stderr)
        return 1 if found else 0
    if command == "stamp":
        stamp(PYPROJECT, LOCK)
    elif command == "loosen":
        sys.stdout.write(loosen(PYPROJECT))
    elif command == "repin":
        print("\n".join(repin(PYPROJECT, Path(argv[1]))) or "no pin changed")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
