#!/usr/bin/env bash
# Instructions per cached request, route by route, under callgrind: exact
# and independent of the machine's load (issue 31).
#
#   bench/callgrind.sh            # 2,000 requests a route
#   REQUESTS=200 bench/callgrind.sh
#   KEEP=/tmp/cg.out bench/callgrind.sh   # keeps callgrind's file, for callgrind_annotate
#
# Runs examples/allocations.rs (release) under `valgrind --tool=callgrind`
# and divides each route's function (measure_<n>_<route>, warm-up outside
# it) inclusive instruction count by the requests. "auth's own" is the
# route's count minus that of the open route before it (same header).
set -euo pipefail
REQUESTS=${REQUESTS:-2000}
cd "$(dirname "$0")/.."
cargo build --release -q -p auth-examples --example allocations
out=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] && cp "$out/cg.out" "$KEEP"; rm -rf "$out"' EXIT
ALLOC_REQUESTS=$REQUESTS valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
    target/release/examples/allocations >"$out/stdout" 2>"$out/valgrind.log"
callgrind_annotate --inclusive=yes --threshold=100 "$out/cg.out" 2>/dev/null |
    awk -v n="$REQUESTS" '
        match($0, /allocations::measure_[0-9]+_[a-z_]+/) {
            name = substr($0, RSTART + 13, RLENGTH - 13)
            ir = $1; gsub(/,/, "", ir)
            split(name, parts, "_"); index_ = parts[2]
            route[index_] = substr(name, length("measure_" index_ "_") + 1)
            cost[index_] = ir / n
        }
        END {
            printf "%-22s %14s %14s\n", "route", "Ir/request", "auth'"'"'s own"
            for (i = 0; i <= 9; i++) {
                if (!(i in cost)) continue
                if (i == 0 || i == 4) { control = cost[i]; own = "" }
                else own = sprintf("%.0f", cost[i] - control)
                printf "%-22s %14.0f %14s\n", route[i], cost[i], own
            }
            printf "(%d requests a route, release build, instructions inclusive of everything the requests ran on this thread)\n", n
        }'
