#!/usr/bin/env bash
# A bounded loopback load run (issue 11 §4): `planmap serve` on the demo
# layers in ./layers with a data directory of its own, benches/load.py
# against it for LOAD_SECONDS (default 600), then the server is stopped.
# Only 127.0.0.1 is contacted. Results: benches/README.md, "Held under load".
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_SECONDS="${LOAD_SECONDS:-600}"
PORT="${PORT:-18080}"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --bin planmap
"${CARGO_TARGET_DIR:-target}/release/planmap" serve --layers layers --data "$WORK/data" \
    --addr "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    kill -0 "$SERVER" || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.2
done
python3 benches/load.py --port "$PORT" --pid "$SERVER" --seconds "$LOAD_SECONDS" "$@"
kill -0 "$SERVER" || { echo "the server died"; cat "$WORK/serve.log"; exit 1; }
echo "the server is still up after the run"
