#!/usr/bin/env bash
# Sets up (if needed) and runs the whole test suite: lint, unit, and end-to-end tests through
# the real pose model on the bundled samples, including the window under a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check posecoach tests bench samplegen models
exec .venv/bin/python -m pytest -q "$@"
