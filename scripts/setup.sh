#!/usr/bin/env bash
# Create .venv/ and install the project into it; safe to run again (it skips what is done).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${RAG_PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
extras=${1:-}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)${extras}"
if [ ! -f "$stamp" ]; then
  # torch first and exactly: a bare or open-ended torch pulls a multi-GB CUDA build.
  .venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0
  if [ "$extras" = "dev" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  else
    .venv/bin/python -m pip install -q --disable-pip-version-check -e .
  fi
  touch "$stamp"
fi
