#!/usr/bin/env bash
# No committed file may name a package registry's address (lock files hold name==version only).
set -euo pipefail
pattern='pypi''\.org|python''hosted\.org|registry\.npm''js\.org|deb\.debian''\.org|security\.debian''\.org'
if git grep -l -I -E "$pattern" -- . ; then
  echo "Ces fichiers citent l'adresse d'un registre de paquets : retirez-la." >&2
  exit 1
fi
