#!/usr/bin/env bash
# Builds every image target of the Dockerfile for real, with buildah (Debian's
# package; no daemon: chroot isolation, vfs storage), where no registry is
# reachable: the base image is made locally by debootstrap, and the builder
# stage is replaced by the binaries cargo already built (`--build-context
# builder=…` stands in for the stage of that name, so `COPY --from=builder
# /out/<bin>` takes target/<profile>/<bin>). Then it starts each image's
# ENTRYPOINT inside the image and checks it is the program it is named for.
#
#   scripts/images/build.sh [debug|release]      # default: debug
#
# Needs root (or a rootless buildah set-up), `apt-get install buildah
# debootstrap`, and the binaries built. Not part of CI: debootstrap alone
# takes about 2.5 minutes and the six images about 4 more here (vfs copies
# every layer; 13 minutes on a busy machine), beyond CI's budget; scripts/check-images.sh runs the quick
# equivalent on every change. `--format docker` keeps the HEALTHCHECK (OCI
# image configs have none); `--layers` builds the shared runtime stage once.
# The base is kept in .run/images/ between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=${1:-debug}
release=$(sed -n 's/^ARG DEBIAN_RELEASE=//p' Dockerfile)
work=.run/images
b=(buildah --storage-driver vfs)
base=localhost/agent-store-base:$release

if ! "${b[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  rm -rf "$work/rootfs"
  mkdir -p "$work"
  debootstrap --variant=minbase "$release" "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
  c=$("${b[@]}" from scratch)
  "${b[@]}" copy "$c" "$work/rootfs/" / >/dev/null
  "${b[@]}" commit -q "$c" "$base" >/dev/null
  "${b[@]}" rm "$c" >/dev/null
  rm -rf "$work/rootfs"
fi

context="$work/builder"
rm -rf "$context" && mkdir -p "$context/out"
targets=$(sed -n 's/^FROM runtime AS \(.*\)$/\1/p' Dockerfile)
for target in $targets; do
  binary=$(sed -n "/^FROM runtime AS $target\$/,/^FROM /s|^ENTRYPOINT \[\"/usr/local/bin/\([^\"]*\)\"\]|\1|p" Dockerfile)
  cp "${CARGO_TARGET_DIR:-target}/$profile/$binary" "$context/out/"
done

failed=0
for target in $targets; do
  image=localhost/agent-store-$target:check
  "${b[@]}" build --quiet --layers --format docker --isolation chroot --pull-never --build-arg RUNTIME_IMAGE="$base" \
    --build-context builder="$context" --target "$target" -t "$image" -f Dockerfile . >/dev/null
  entrypoint=$("${b[@]}" inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}' "$image")
  c=$("${b[@]}" from --pull-never -q "$image")
  # The program started with no configuration names itself, then exits.
  said=$("${b[@]}" run --isolation chroot "$c" -- $entrypoint --help 2>&1 || true)
  "${b[@]}" rm "$c" >/dev/null
  case "$target" in
    seller-agent) expect='SELLER_TENANT is required' ;;
    storectl) expect='Usage: storectl' ;;
    *) expect="\"service\":\"$target\"" ;;
  esac
  if grep -qF "$expect" <<<"$said"; then
    echo "image $target: built; its entrypoint ($entrypoint) is $target"
  else
    echo "error: image $target: its entrypoint ($entrypoint) did not say $expect; it said: ${said:0:300}" >&2
    failed=1
  fi
done
exit $failed
