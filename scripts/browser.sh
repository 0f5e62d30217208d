#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's Chromium, installed with apt-get when it is
# missing (no browser download of Playwright's own). Idempotent. The last line it prints is
# the executable's path; export it as GUARANTOR_TEST_CHROMIUM.
set -euo pipefail

find_chromium() {
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! path=$(find_chromium); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing and apt-get is not available; install Chromium with your" \
      "package manager and set GUARANTOR_TEST_CHROMIUM to its executable" >&2
    exit 2
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing Debian's chromium (apt-get install -y chromium) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y --no-install-recommends chromium >&2; then
    $sudo apt-get update >&2
    $sudo apt-get install -y --no-install-recommends chromium >&2
  fi
  path=$(find_chromium) || {
    echo "apt-get installed chromium but no executable is at /usr/bin/chromium" >&2
    exit 2
  }
fi
echo "$path"
