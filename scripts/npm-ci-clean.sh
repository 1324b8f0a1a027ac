#!/usr/bin/env bash
# `npm ci`, failing when npm warns: the install a contributor runs must be clean on every Node.js the
# project supports (package.json `engines`). What npm warns about here: a dependency whose own `engines`
# leaves out the running Node.js (EBADENGINE), and, since npm 11, a dependency's install script that
# package.json `allowScripts` neither approves nor denies. Run by .ci/run, and under each release by
# scripts/test-runtimes.sh; the Node.js that runs npm is the first `node` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
npm ci 2>&1 | tee "$log"
if grep -q '^npm warn' "$log"; then
  echo "npm-ci-clean: npm ci under Node.js $(node --version) printed warnings (above): fix them, do not hide them" >&2
  exit 1
fi
