#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 30) with
# libFuzzer, from the committed seeds; fails if any target crashes (a panic,
# a stack overflow, an abort), hangs (one input taking more than 10 s) or
# grows beyond 2 GiB of resident memory. One summary line per target.
#
#   tests/fuzz/run.sh                      # every target, 30 s each
#   FUZZ_SECONDS=600 tests/fuzz/run.sh cql2_text layer_fgb
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 30)
#   FUZZ_TARGET_DIR  cargo target dir of the fuzz build (default target/fuzz;
#                    the first build compiles the bundled PROJ, keep it)
#   FUZZ_WORK        where the growing corpus, crash artifacts and logs go
#                    (default target/fuzz-work); the committed seeds in
#                    tests/fuzz/corpus are read, never written
#   PLANMAP_FUZZ_KNOWN_BUGS=1  lifts the CQL2 guards (see README.md)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

CARGO_FUZZ_VERSION=0.13.2
seconds=${FUZZ_SECONDS:-30}
target_dir=${FUZZ_TARGET_DIR:-$repo/target/fuzz}
work=${FUZZ_WORK:-$repo/target/fuzz-work}
# Flags that work on stable Rust: no sanitizer (ASan needs nightly), optimised
# with debug assertions and overflow checks on, as the tests build planmap.
flags=(--fuzz-dir "$here" --target-dir "$target_dir" --sanitizer none --release --debug-assertions)

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" || exit 1
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir "$here")
fi

start=$(date +%s)
if ! cargo fuzz build "${flags[@]}"; then
    echo "fuzz: the build failed" >&2
    exit 1
fi
echo "fuzz: built in $(($(date +%s) - start)) s"

failed=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs"
    log="$work/logs/$t.log"
    t0=$(date +%s)
    # New inputs go to the first directory (the working corpus); the
    # committed seeds are only read.
    cargo fuzz run "${flags[@]}" "$t" "$work/corpus/$t" "$here/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - t0))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | head -1 | sed 's/^Test unit written to //')
    if [ $rc -eq 0 ]; then
        outcome=ok
    elif grep -q 'libFuzzer: timeout' "$log"; then
        outcome=HANG
    elif grep -q 'libFuzzer: out-of-memory' "$log"; then
        outcome=OOM
    else
        outcome=CRASH
    fi
    line="fuzz $t: $outcome, ${runs:-?} runs in $took s, coverage ${cov:-?}"
    if [ "$outcome" != ok ]; then
        failed=1
        line="$line, input ${artifact:-(none saved)}, log $log"
        # The first lines of the failure, for CI's output.
        grep -m1 -A12 -E "panicked at|overflowed its stack|libFuzzer: (timeout|out-of-memory|deadly signal)|memory allocation of" "$log" >&2
    fi
    summary+=("$line")
    echo "$line"
done

echo
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then
    echo "fuzz: FAILED (reproduce with: cargo fuzz run ${flags[*]} TARGET INPUT)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash, hang or memory blow-up"
