#!/usr/bin/env bash
# Creates .venv-interop with the CloudEvents Python SDK and pika, used by the
# interoperability tests (tests/tests/it/python_interop.rs). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-interop"
req="$root/tests/interop/python/requirements.txt"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! cmp -s "$req" "$venv/.requirements" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/.requirements"
fi
echo "$venv/bin/python"
