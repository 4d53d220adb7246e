#!/usr/bin/env bash
# Set everything up and run every check: lint, format, types, tests, and the eval gate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null; then
  # Real-browser tests drive Debian's Chromium; nothing downloads a browser build.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check rag apps eval tests app.py
.venv/bin/ruff format --check rag apps eval tests app.py
.venv/bin/mypy
set +e
.venv/bin/python -m pytest -q "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  status=0
fi
[ "$status" -eq 0 ] || exit "$status"
# The eval gate: builds index/ once (reused afterwards), fails if a metric drops below eval/thresholds.json.
.venv/bin/rag index
.venv/bin/rag eval --check
