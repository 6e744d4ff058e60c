#!/usr/bin/env bash
# Sets up (if needed) and runs posecoach: live coaching when a camera exists, otherwise a replay
# of a bundled sample (someone foam-rolling who drifts onto the lower back) into out/demo.mp4
# (annotated video), out/demo.jsonl (per-frame log) and out/demo.html (session report).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ls /dev/video* >/dev/null 2>&1 && [ -z "${POSECOACH_DEMO_REPLAY:-}" ]; then
  exec .venv/bin/posecoach live "$@"
fi
sample="${POSECOACH_DEMO_SAMPLE:-samples/synthetic/roller_drift_lumbar.mp4}"
echo "demo: no camera found — replaying $sample"
exec .venv/bin/posecoach replay "$sample" --out out/demo.mp4 --log out/demo.jsonl \
  --report out/demo.html "$@"
