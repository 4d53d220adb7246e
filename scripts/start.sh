#!/usr/bin/env bash
# Set everything up and serve the web chat on the bundled corpus (the index is built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python app.py
