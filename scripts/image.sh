#!/usr/bin/env bash
# The container image's build and start steps, in one place so they cannot drift apart: the Dockerfile runs
# `build` and starts with `start`; .ci/run runs `build` and then `smoke` on a clean clone (Docker itself
# cannot run on our CI machines).
#   build  install exactly the lock file, build contracts + server + portal, drop dev dependencies
#   start  what the container runs: exec, so node is PID 1 and receives SIGTERM itself
#   smoke  start as the image does (production mode, secrets from the environment), wait for /readyz,
#          SIGTERM, and require a clean exit 0
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  build)
    npm ci --no-audit --no-fund
    node scripts/build.mjs --force
    npm prune --omit=dev --no-audit --no-fund
    ;;
  start)
    exec node server/dist/main.js
    ;;
  smoke)
    data="$(mktemp -d)"
    port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    trap 'rm -rf "$data"' EXIT
    env -i PATH="$PATH" HOME="$data" NODE_ENV=production HOST=127.0.0.1 PORT="$port" \
      DATA_DIR="$data/data" MODELS_DIR="$data/models" LOG_FORMAT=json \
      JWT_SECRET="smoke-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
      ENCRYPTION_KEY="smoke-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
      "$0" start >"$data/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      if node -e "fetch('http://127.0.0.1:$port/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then cat "$data/log"; echo "image smoke: the server exited before /readyz"; exit 1; fi
      sleep 0.5
    done
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
