#!/usr/bin/env bash
# The container image's build and start steps, in one place so they cannot drift apart: the Dockerfile runs
# `build` and starts with `start`; .ci/run runs `build` and then `smoke` on a clean clone (Docker itself
# cannot run on our CI machines).
#   build  install exactly the lock file, build contracts + server + portal, drop dev dependencies, then
#          stage the runtime files (and only those) in .image/, which the Dockerfile copies whole
#   start  what the container runs: exec, so node is PID 1 and receives SIGTERM itself, with scripts/node-flags
#   smoke  from .image/ (what the image holds, nothing more), start as the image does (production mode, secrets from the environment), wait for /readyz,
#          SIGTERM, and require a clean exit 0
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  build)
    npm ci --no-audit --no-fund
    node scripts/build.mjs --force
    npm prune --omit=dev --no-audit --no-fund
    # The runtime file set, in one list: a file the server reads at run time and this list forgets fails
    # `smoke` on CI, instead of failing the container only.
    rm -rf .image && mkdir .image
    for f in package.json package-lock.json node_modules scripts contracts/package.json contracts/dist \
      server/package.json server/dist server/src/db/migrations server/src/features/auth/common-passwords.txt \
      web/package.json web/dist bench/package.json; do
      mkdir -p ".image/$(dirname "$f")" && cp -a "$f" ".image/$f"
    done
    for w in contracts server web; do # a workspace's own node_modules, where npm did not hoist
      if [ -d "$w/node_modules" ]; then cp -a "$w/node_modules" ".image/$w/node_modules"; fi
    done
    ;;
  start)
    # V8's heap sizing (scripts/node-flags) and glibc's malloc arenas (scripts/node-env) for the server
    # (README, Configuration): the same for npm start.
    # shellcheck disable=SC2046
    exec env $(cat scripts/node-env) node $(cat scripts/node-flags) server/dist/main.js
    ;;
  smoke)
    data="$(mktemp -d)"
    port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    trap 'rm -rf "$data"' EXIT
    env -i PATH="$PATH" HOME="$data" NODE_ENV=production HOST=127.0.0.1 PORT="$port" \
      DATA_DIR="$data/data" MODELS_DIR="$data/models" LOG_FORMAT=json \
      JWT_SECRET="smoke-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
      ENCRYPTION_KEY="smoke-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
      .image/scripts/image.sh start >"$data/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      if node -e "fetch('http://127.0.0.1:$port/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then cat "$data/log"; echo "image smoke: the server exited before /readyz"; exit 1; fi
      sleep 0.5
    done
    # The server runs with scripts/node-env's variables (exec keeps the pid: image.sh → env → node).
    while read -r assignment; do
      tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "$assignment" ||
        { echo "image smoke: the server does not run with $assignment (scripts/node-env)"; exit 1; }
    done <.image/scripts/node-env
    node -e "fetch('http://127.0.0.1:$port/').then(async r=>{const t=await r.text();process.exit(r.ok&&t.includes('<div id=\"root\"')?0:1)},()=>process.exit(1))" ||
      { cat "$data/log"; echo "image smoke: the portal is not served"; exit 1; }
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    if [ "$status" -ne 0 ]; then cat "$data/log"; echo "image smoke: exit $status after SIGTERM"; exit 1; fi
    grep -q '"PocketLLM is ready"' "$data/log" || { cat "$data/log"; echo "image smoke: no ready line"; exit 1; }
    echo "image smoke: ready on /readyz, portal served, SIGTERM → exit 0"
    ;;
  *)
    echo "usage: scripts/image.sh build|start|smoke" >&2
    exit 2
    ;;
esac
