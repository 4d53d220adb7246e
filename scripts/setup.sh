#!/usr/bin/env bash
# Create .venv/ and install exactly requirements.lock into it, then the project itself; safe to run
# again (it skips what is done). The lock holds the dev tools too, since the test command needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${RAG_PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  # Every file checked against its locked hash; torch is the CPU build (2.13.0+cpu), never CUDA.
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
  # The build uses the locked setuptools, so nothing unpinned is fetched for it either.
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  touch "$stamp"
fi
