#!/usr/bin/env bash
# planmap against PostGIS and GEOS on generated farmland layers: one command.
#
#   bash benches/run.sh                 # 100k, 1M and 5M parcels
#   LAYERS="100k 1m" bash benches/run.sh
#   MARTIN=/path/to/martin bash benches/run.sh   # and martin's own tiles
#   TILES_ONLY=1 LAYERS=1m bash benches/run.sh     # only the vector-tile rows
#   ANALYSES_ONLY=1 LAYERS=1m bash benches/run.sh  # only nearest, buffers, statistics and QA against PostGIS
#
# Installs what it needs (PostgreSQL 15 + PostGIS 3, wrk, pyogrio, psycopg),
# generates the data deterministically into $BENCH_DIR (not the repo), starts
# its own PostgreSQL on loopback (own data directory and port, stopped at the
# end), runs planmap in-process and over HTTP, GEOS and PostGIS on every
# candidate, fails if they disagree, and writes $BENCH_DIR/results/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-/tmp/planmap-bench}
LAYERS=${LAYERS:-"100k 1m 5m"}
REPS=${REPS:-30}
PG_PORT=${PG_PORT:-55432}
HTTP_PORT=${HTTP_PORT:-18080}
MARTIN_PORT=${MARTIN_PORT:-18090}
WRK_SECONDS=${WRK_SECONDS:-15}
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf '\n== %s\n' "$*" >&2; }

log "tools"
if [ ! -x "$PG_BIN/postgres" ] || ! command -v wrk >/dev/null || ! command -v ogr2ogr >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 wrk gdal-bin >/dev/null
fi
python3 -c 'import pyogrio, psycopg' 2>/dev/null || pip install -q pyogrio 'psycopg[binary]'
python3 -c 'import shapely, pyproj' 2>/dev/null || pip install -q -r tests/oracle/requirements.txt

log "build"
mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/results"
cargo build --release --bin planmap
cp "${CARGO_TARGET_DIR:-target}/release/planmap" "$BENCH_DIR/bin/"
# Copies of the executables, so that edits during a long run change nothing.
cargo bench --no-run --bench make_data --bench compare --message-format=json \
    | python3 -c 'import json, sys, shutil
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] in ("make_data", "compare"):
        shutil.copy(m["executable"], sys.argv[1] + "/" + m["target"]["name"])' "$BENCH_DIR/bin"

chmod 755 "$BENCH_DIR"
rm -f "$BENCH_DIR"/results/*

log "data: $LAYERS"
todo=()
for l in $LAYERS; do [ -f "$BENCH_DIR/parcels_$l.fgb" ] || todo+=("$l"); done
"$BENCH_DIR/bin/make_data" "$BENCH_DIR" "${todo[@]}"
(cd "$BENCH_DIR" && sha256sum parcels_*.fgb candidates/*.json > results/data.sha256)

log "PostgreSQL + PostGIS on 127.0.0.1:$PG_PORT"
PGDATA="$BENCH_DIR/pg"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
    install -d -o postgres -g postgres "$PGDATA"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
fi
cat > "$PGDATA/bench.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDATA'
shared_buffers = 4GB
work_mem = 64MB
maintenance_work_mem = 2GB
max_wal_size = 8GB
jit = off
fsync = off
EOF
grep -q "include 'bench.conf'" "$PGDATA/postgresql.conf" || echo "include 'bench.conf'" >> "$PGDATA/postgresql.conf"
chown postgres:postgres "$PGDATA/bench.conf"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start >/dev/null
SERVER_PID=
MARTIN_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    [ -n "$MARTIN_PID" ] && kill "$MARTIN_PID" 2>/dev/null || true
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
}
trap cleanup EXIT
PG_DSN="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
psql "$PG_DSN" -qc 'CREATE EXTENSION IF NOT EXISTS postgis'

# planmap serve on the layers in $2, waited for until it answers.
serve() {
    log "layer $1: planmap serve $(basename "$2") on 127.0.0.1:$HTTP_PORT"
    "$BENCH_DIR/bin/planmap" serve --layers "$2" --addr "127.0.0.1:$HTTP_PORT" \
        --data "$BENCH_DIR/data_$1" \
        > "$BENCH_DIR/results/serve_$1.log" 2>&1 &
    SERVER_PID=$!
    until curl -sf "http://127.0.0.1:$HTTP_PORT/collections" >/dev/null; do
        kill -0 "$SERVER_PID" || { cat "$BENCH_DIR/results/serve_$1.log"; exit 1; }
        sleep 0.5
    done
}

for l in $LAYERS; do
    if [ -z "${TILES_ONLY:-}${ANALYSES_ONLY:-}" ]; then
    log "layer $l: planmap in-process"
    "$BENCH_DIR/bin/compare" "$BENCH_DIR" "layers_${l}_fgb" "$REPS"
    if [ "$l" = 100k ]; then
        "$BENCH_DIR/bin/compare" "$BENCH_DIR" "layers_${l}_geojson" 3
    fi
    fi

    # The analyses' own catalog: the same parcels and three zones for the
    # statistics inside them (the other rows' catalog stays parcels alone).
    if [ -z "${TILES_ONLY:-}" ]; then
    python3 benches/stats.py zones "$BENCH_DIR" "$l" >/dev/null
    serve "$l" "$BENCH_DIR/layers_${l}_analyses"
    log "layer $l: nearest and buffers, planmap against PostGIS; same answers?"
    python3 benches/analyses.py "$BENCH_DIR" "$l" --pg "$PG_DSN" \
        --http "http://127.0.0.1:$HTTP_PORT" --reps "${ANALYSIS_REPS:-10}"
    log "layer $l: statistics (whole layer, a box, inside zones by zone), planmap against PostGIS; same answers?"
    python3 benches/stats.py run "$BENCH_DIR" "$l" --pg "$PG_DSN" \
        --http "http://127.0.0.1:$HTTP_PORT" --reps "${ANALYSIS_REPS:-10}"
    log "layer $l: whole-plan QA of 2,000 blocks, planmap against PostGIS; same answers?"
    python3 benches/qa.py "$BENCH_DIR" "$l" --pg "$PG_DSN" \
        --http "http://127.0.0.1:$HTTP_PORT" --reps "${QA_REPS:-5}"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
    fi
    [ -n "${ANALYSES_ONLY:-}" ] && continue

    serve "$l" "$BENCH_DIR/layers_${l}_fgb"

    if [ -z "${TILES_ONLY:-}" ]; then
    log "layer $l: GEOS, PostGIS, planmap over HTTP; same answers?"
    python3 benches/peers.py run "$BENCH_DIR" "$l" --pg "$PG_DSN" \
        --http "http://127.0.0.1:$HTTP_PORT" --reps "$REPS"
    fi

    # martin itself, when MARTIN names its binary (martin from crates.io,
    # built with its postgres feature; nothing here builds it), in front of
    # the table tiles.py loads, auto-publishing it as source parcels_$l;
    # its tile cache off, since planmap keeps none and each tile is fetched
    # several times.
    martin_flag=()
    if [ -n "${MARTIN:-}" ]; then
        python3 -c "import sys; sys.path.insert(0, 'benches'); import psycopg; from pathlib import Path; from peers import postgis_table; postgis_table(psycopg.connect(sys.argv[1]), sys.argv[1], Path(sys.argv[2]), sys.argv[3])" \
            "$PG_DSN" "$BENCH_DIR" "$l"
        "$MARTIN" --listen-addresses "127.0.0.1:$MARTIN_PORT" --workers 2 --cache-size 0 \
            "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" > "$BENCH_DIR/results/martin_$l.log" 2>&1 &
        MARTIN_PID=$!
        until curl -sf "http://127.0.0.1:$MARTIN_PORT/catalog" >/dev/null; do
            kill -0 "$MARTIN_PID" || { cat "$BENCH_DIR/results/martin_$l.log"; exit 1; }
            sleep 0.5
        done
        martin_flag=(--martin "http://127.0.0.1:$MARTIN_PORT")
    fi
    log "layer $l: vector tiles, planmap against PostGIS with martin's query${MARTIN:+ and martin}"
    python3 benches/tiles.py "$BENCH_DIR" "$l" --pg "$PG_DSN" \
        --http "http://127.0.0.1:$HTTP_PORT" --reps "${TILE_REPS:-5}" "${martin_flag[@]}"
    if [ -n "$MARTIN_PID" ]; then
        kill "$MARTIN_PID"; wait "$MARTIN_PID" 2>/dev/null || true; MARTIN_PID=
    fi
    log "layer $l: z14 tiles under load (wrk, 2 threads, 4 connections, ${WRK_SECONDS} s)"
    cat > "$BENCH_DIR/tiles.lua" <<EOF
local paths = {}
for line in io.lines("$BENCH_DIR/results/tiles_${l}_z14_paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
EOF
    wrk -t2 -c4 -d"${WRK_SECONDS}s" --latency -s "$BENCH_DIR/tiles.lua" "http://127.0.0.1:$HTTP_PORT" \
        | tee "$BENCH_DIR/results/wrk_tiles_z14_$l.txt"

    if [ "$l" = 1m ]; then
        log "layer $l: HTTP under load (wrk, 2 threads, 4 connections, ${WRK_SECONDS} s)"
        cat > "$BENCH_DIR/check.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$BENCH_DIR/candidates/v1000_0.1pct.json"); wrk.body = f:read("*a"); f:close()
EOF
        wrk -t2 -c4 -d"${WRK_SECONDS}s" --latency -s "$BENCH_DIR/check.lua" \
            "http://127.0.0.1:$HTTP_PORT/check?layers=parcels" | tee "$BENCH_DIR/results/wrk_check_v1000_0.1pct_1m.txt"
        bbox=$(python3 -c "import json; r=json.load(open('$BENCH_DIR/candidates/v100_0.1pct.json'))['coordinates'][0]; x=sum(p[0] for p in r)/len(r); y=sum(p[1] for p in r)/len(r); print(f'{x-0.005:.6f},{y-0.004:.6f},{x+0.005:.6f},{y+0.004:.6f}')")
        wrk -t2 -c4 -d"${WRK_SECONDS}s" --latency \
            "http://127.0.0.1:$HTTP_PORT/collections/parcels/items?bbox=$bbox&limit=100" \
            | tee "$BENCH_DIR/results/wrk_items_bbox_1m.txt"
        curl -s "http://127.0.0.1:$HTTP_PORT/collections/parcels/items?bbox=$bbox&limit=100" \
            | python3 -c 'import json,sys; print("items bbox query returns", len(json.load(sys.stdin)["features"]), "features")' \
            | tee -a "$BENCH_DIR/results/wrk_items_bbox_1m.txt"
    fi
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
done

if [ -n "${TILES_ONLY:-}${ANALYSES_ONLY:-}" ]; then
    echo "rows written to $BENCH_DIR/results/{tiles,analyses,stats,qa}_*.md" >&2
    exit 0
fi
log "results ($(nproc) cores, $(date -u +%F))"
python3 benches/peers.py report "$BENCH_DIR"
echo "written to $BENCH_DIR/results/results.md" >&2
