#!/usr/bin/env bash
# schemathesis over the whole OpenAPI document (GET /api) of `planmap serve`
# on the demo layers, once without a token and once with a token of each
# role: no 5xx, and every answer's status, content type, headers and body
# as the document declares them. Bounded in time: a few examples per
# operation, and a hard timeout around each run.
#
#   tests/clients/schemathesis.sh            # from anywhere; exits non-zero on any failure
#   SCHEMATHESIS_EXAMPLES=20 tests/clients/schemathesis.sh   # more examples per operation
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

examples="${SCHEMATHESIS_EXAMPLES:-15}"
# Seconds each run may take before it is stopped (and counted as a failure).
run_limit="${SCHEMATHESIS_RUN_SECONDS:-90}"

step() { printf '\n=== schemathesis: %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

step "install the pinned schemathesis and openapi-spec-validator"
python3 -m pip install --quiet --disable-pip-version-check -r tests/clients/schemathesis-requirements.txt
python3 -m schemathesis.cli --version

step "build planmap"
cargo build --quiet --bin planmap
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

work="$(mktemp -d "${TMPDIR:-/tmp}/planmap-schemathesis.XXXXXX")"
server=""
stop() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT
# A copy of the binary, so a build in a shared target directory cannot swap it mid-run.
cp "$target_dir/debug/planmap" "$work/planmap"
planmap="$work/planmap"

step "a token of each role"
declare -A token
for role in viewer planner reviewer admin; do
    token[$role]="$("$planmap" token create --role "$role" --name "schemathesis $role" --data "$work/data")"
done

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
step "planmap serve on $base (demo layers, data in $work/data)"
"$planmap" serve --layers layers --addr "127.0.0.1:$port" --data "$work/data" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('$base/health', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$work/server.log"
        echo "planmap serve exited before answering" >&2
        exit 1
    fi
    sleep 0.3
done

step "the document at /api is valid OpenAPI 3.0"
python3 - "$base/api" <<'PY'
import json, sys, urllib.request
from openapi_spec_validator import validate
doc = json.load(urllib.request.urlopen(sys.argv[1], timeout=30))
validate(doc)
operations = sum(len(item) for item in doc["paths"].values())
print(f"valid: {len(doc['paths'])} paths, {operations} operations")
PY

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
failed=()
run() {
    local who="$1"
    shift
    step "run as $who ($examples examples per operation, at most ${run_limit}s)"
    # schemathesis keeps a .schemathesis/ folder in its working directory.
    if ! (cd "$work" && timeout --kill-after=10 "$run_limit" python3 -m schemathesis.cli run "$base/api" \
        --checks "$checks" \
        --max-examples "$examples" \
        --seed 1 \
        --generation-database none \
        --request-timeout 30 \
        --workers 1 \
        --no-color \
        "$@"); then
        failed+=("$who")
    fi
}

start=$SECONDS
run "anonymous"
for role in viewer planner reviewer admin; do
    run "$role" -H "Authorization: Bearer ${token[$role]}"
done

if ! kill -0 "$server" 2>/dev/null; then
    echo "planmap serve died during the runs; its log:" >&2
    cat "$work/server.log" >&2
    failed+=("server")
fi
step "done in $((SECONDS - start))s"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "schemathesis failed for: ${failed[*]}; the server's errors:" >&2
    grep -E 'ERROR|panicked' "$work/server.log" >&2 || true
    exit 1
fi
echo "schemathesis: no failures as anonymous, viewer, planner, reviewer and admin"
