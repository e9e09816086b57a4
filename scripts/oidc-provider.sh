#!/usr/bin/env bash
# The OpenID Connect provider the tests start on the loopback: panva's oidc-provider, an
# OpenID Certified implementation, from the npm registry at a fixed version, installed into the
# git-ignored .venv (nothing of it is committed). Needs Node.js 20 or newer (scripts/system-deps.sh).
set -euo pipefail
VERSION=9.13.3
DEST=${1:-.venv/oidc-provider}
if [[ -f $DEST/node_modules/oidc-provider/package.json ]] \
  && grep -q "\"version\": \"$VERSION\"" "$DEST/node_modules/oidc-provider/package.json"; then
  exit 0
fi
mkdir -p "$DEST"
npm install --prefix "$DEST" --no-audit --no-fund --loglevel=error "oidc-provider@$VERSION" >/dev/null
