#!/usr/bin/env bash
# Builds kcmp's container image from this checkout (after `npm ci`), with podman:
#
#   deploy/container/build-image.sh [TAG]     # default localhost/kcmp:VERSION (package.json's version)
#
# 1. the base image, if missing (base-image.sh: Debian packages + Node.js from the npm registry);
# 2. the build context: `npm run build`, `npm pack`, and that tarball installed as `npm install -g` does
#    (its dependencies from the npm registry, no install scripts: koffi's binary comes prebuilt) under
#    local/, which the Containerfile copies to /usr/local;
# 3. `podman build` without network.
# Then `podman save` it for a cluster's nodes (deploy/README.md). Needs root, podman and runc.
set -euo pipefail
cd "$(dirname "$0")/../.."
version="$(node -p 'require("./package.json").version')"
tag="${1:-localhost/kcmp:$version}"
base="${BASE:-localhost/kcmp-base:bookworm-node20}"
# runc and cgroupfs: podman's default runtime (crun) refuses hosts whose cgroups are in hybrid mode; an
# explicit RLIMIT_NOFILE: the runtime's default may exceed what this root may set. Both work anywhere.
podman=(podman --runtime runc --cgroup-manager=cgroupfs)

"${podman[@]}" image exists "$base" || deploy/container/base-image.sh "$base" >&2
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
npm run --silent build >&2
tarball="$(npm pack --ignore-scripts --silent --pack-destination "$context")"
npm install --global --prefix "$context/local" --ignore-scripts --omit=dev --no-audit --no-fund \
  "$context/$tarball" >&2
"${podman[@]}" build --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  --build-arg "BASE=$base" --tag "$tag" --file deploy/container/Containerfile "$context" >&2
echo "$tag"
