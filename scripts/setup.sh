#!/usr/bin/env bash
# Installs everything posecoach needs on a fresh Debian/Ubuntu machine, idempotently:
# Debian packages (virtual display for window tests, screenshot tool, speech, audio I/O,
# strace for the test that no process connects off the machine, headless Chromium and the
# tesseract OCR for the tests that render the report and history pages), then a virtual
# environment in .venv with posecoach and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(xvfb xauth imagemagick espeak-ng libportaudio2 strace chromium tesseract-ocr
                 tesseract-ocr-eng)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: not root and no sudo: please install ${missing[*]} yourself" >&2; SUDO="skip"; fi
  if [ "$SUDO" != "skip" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && \
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "setup: posecoach needs Python 3.11 (python3.11 not found)" >&2
  exit 1
fi

# POSECOACH_EXTRAS adds optional extras (CI: "cluster", for the Ray tests of `posecoach batch`).
extras="dev${POSECOACH_EXTRAS:+,$POSECOACH_EXTRAS}"
stamp=".venv/.posecoach-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: creating .venv and installing posecoach (a few minutes the first time)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$wanted" > "$stamp"
fi
