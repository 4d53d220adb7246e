#!/usr/bin/env bash
# Re-make requirements.lock from pyproject.toml: every package, runtime and dev, pinned with its hashes.
#   bash scripts/lock.sh            after editing pyproject.toml's dependencies (other pins are kept)
#   bash scripts/lock.sh --upgrade  raise every pin in pyproject.toml (torch aside) to the newest
#                                   releases that resolve together, then lock those
# pip-tools runs from a throwaway venv, never .venv/. It resolves through this machine's pip
# configuration, which is where torch's CPU wheel comes from. Each resolve takes several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${RAG_PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
tools=${RAG_LOCK_TOOLS:-${TMPDIR:-/tmp}/paper-rag-lock-tools}
if [ ! -x "$tools/bin/pip-compile" ]; then
  "$python" -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check pip-tools==7.6.2
fi
compile=("$tools/bin/pip-compile" -q --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links)
upgrade=()
if [ "${1:-}" = "--upgrade" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$tools/bin/python" scripts/lockfile.py loosen >"$work/requirements.in"
  "${compile[@]}" --upgrade --output-file "$work/resolved.txt" "$work/requirements.in"
  "$tools/bin/python" scripts/lockfile.py repin "$work/resolved.txt"
  upgrade=(--upgrade)
elif [ -n "${1:-}" ]; then
  echo "usage: bash scripts/lock.sh [--upgrade]" >&2
  exit 2
fi
"${compile[@]}" "${upgrade[@]}" --extra dev --generate-hashes --output-file requirements.lock pyproject.toml
"$tools/bin/python" scripts/lockfile.py stamp
"$tools/bin/python" scripts/lockfile.py check
