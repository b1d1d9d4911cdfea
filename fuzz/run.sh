#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60), one after another, and
# prints per target: executions, coverage (libFuzzer's cov: and ft:), corpus
# size and crashes. Usage: fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz).
# One process per target (-jobs=1 -workers=1): the machine is shared.
# SANITIZER=none fuzz/run.sh skips AddressSanitizer (faster, if ASan builds
# fail on this nightly).
set -uo pipefail

seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))
fuzz=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(header_to_token token_structure key_set_json validate_token dpop_proof)
fi
sanitizer=${SANITIZER:-address}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR_FUZZ:-$fuzz/target}

status=0
summary=()
for target in "${targets[@]}"; do
  corpus=$fuzz/corpus/$target
  logs=$fuzz/logs/$target
  mkdir -p "$corpus" "$logs" "$fuzz/artifacts/$target"
  rm -f "$logs"/fuzz-*.log
  before=$(find "$fuzz/artifacts/$target" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' | wc -l)
  echo "== $target: ${seconds}s" >&2
  # libFuzzer's jobs mode writes the worker's output to fuzz-0.log in the
  # current directory.
  (cd "$logs" && cargo +nightly fuzz run --fuzz-dir "$fuzz" -s "$sanitizer" "$target" \
    "$corpus" "$fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -jobs=1 -workers=1 -print_final_stats=1 \
    -dict="$fuzz/dict/jwt.dict" -artifact_prefix="$fuzz/artifacts/$target/") \
    >"$logs/cargo.log" 2>&1 || status=1
  log=$logs/fuzz-0.log
  [ -f "$log" ] || log=$logs/cargo.log
  after=$(find "$fuzz/artifacts/$target" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' | wc -l)
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<<"$last" | cut -d' ' -f2)
  files=$(find "$corpus" -type f | wc -l)
  line="$target: executions ${runs:-?}, cov ${cov:-?}, ft ${ft:-?}, corp ${corp:-?} (corpus/$target: $files files), new crashes $((after - before))"
  echo "$line" >&2
  summary+=("$line")
  if [ "$after" -gt "$before" ]; then
    status=1
    grep -m1 -A2 'panicked at' "$log" >&2 || true
  fi
done
echo "== summary (${seconds}s per target, sanitizer $sanitizer)"
printf '%s\n' "${summary[@]}"
exit "$status"
