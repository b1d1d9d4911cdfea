#!/usr/bin/env bash
# wrk against the release quickstart (issue 31, item 2).
#
#   examples/wrk/run.sh                          # the full run: 3 runs, 3 x 2 s a route each
#   WRK_DURATION=1s PASSES=1 RUNS=1 DPOP_SECONDS=1 examples/wrk/run.sh   # a quick check
#
# Starts the quickstart with its embedded development issuer (no AUTH0_DOMAIN,
# no AUTH_ISSUER), reads the base URL and a token carrying read:messages from
# the curl lines it prints, and runs `wrk -t$WRK_THREADS -c$WRK_CONNECTIONS
# -d$WRK_DURATION` against /api/public (no header), /api/public (the same
# header), /api/private and /api/private-scoped, the four interleaved in each
# of $RUNS runs: a run is $PASSES passes over the four routes (each pass
# starting one route later), a route's rate the mean of its passes. Prints each run's ratios (private / public+hdr, scoped /
# public+hdr) and their medians, the non-2xx answers and socket errors wrk
# counted, and the key-set fetches the server made during the runs (from
# /metrics, Prometheus text).
#
# The DPoP route needs a fresh proof (an ES256 signature) per request; wrk's
# Lua has no signing, and a pre-signed pool would be about 600 bytes a proof
# times the requests of a run, read by every wrk thread. So the DPoP figure
# comes from our own load client (`load dpop`: the proofs are signed before
# the run, the server in the client's process), printed after wrk's runs with
# its own public+hdr base; compare ratios, not rates, across the two tools.
set -euo pipefail

WRK_DURATION=${WRK_DURATION:-2s}
PASSES=${PASSES:-3}
# PIN=1: the server on the first core, wrk (one thread) on the second, so
# that the two do not take turns on both cores (steadier on a 2-core VM;
# the server then has one core: compare ratios, not rates).
if [[ ${PIN:-0} == 1 ]]; then
    SERVER_CPUS="taskset -c 0" WRK_CPUS="taskset -c 1" WRK_THREADS=${WRK_THREADS_PINNED:-1}
else
    SERVER_CPUS="" WRK_CPUS=""
fi
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
RUNS=${RUNS:-3}
DPOP_SECONDS=${DPOP_SECONDS:-6}

cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release -q -p auth-examples --example quickstart --example load

out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
# The development issuer: no issuer in the environment. Port 0: the system
# chooses, the quickstart prints the URL it listens on.
env -u AUTH0_DOMAIN -u AUTH_ISSUER ROCKET_PORT=0 ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off \
    $SERVER_CPUS target/release/examples/quickstart >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    grep -q 'carries read:messages' "$out/server.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
    sleep 0.1
done
# The line after "# 200, the token carries read:messages":
#   curl -i -H "Authorization: Bearer <token>" http://127.0.0.1:<port>/api/private-scoped
line=$(grep -A1 'carries read:messages' "$out/server.log" | tail -n1)
token=$(sed -E 's/.*Bearer ([^"]+)".*/\1/' <<<"$line")
base=$(sed -E 's#.* (http://[^ ]+)/api/private-scoped.*#\1#' <<<"$line")
[[ -n $token && $base == http://* ]] || { echo "could not read the quickstart's curl lines" >&2; cat "$out/server.log" >&2; exit 1; }
header="Authorization: Bearer $token"

fetches() { # key-set fetches so far, every result label
    curl -sf "$base/metrics" | awk '/^auth_jwks_fetches_total/ { n += $NF } END { printf "%d\n", n }'
}
# Warm: the key set fetched, the token verified and cached.
for path in /api/private /api/private-scoped; do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$base$path") == 200 ]] ||
        { echo "$path did not answer 200" >&2; exit 1; }
done
fetches_before=$(fetches)

# One wrk run: prints "<req/s> <non-2xx> <socket errors>".
measure() {
    local path=$1; shift
    $WRK_CPUS wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" "$@" "$base$path" >"$out/wrk.txt"
    awk '/^Requests\/sec:/ { rate = $2 }
         /Non-2xx or 3xx responses:/ { bad = $NF }
         /Socket errors:/ { gsub(/,/, ""); errors = $4 + $6 + $8 + $10 }
         END { printf "%s %d %d\n", rate, bad, errors }' "$out/wrk.txt"
}

echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $RUNS runs of $PASSES passes against $base (release quickstart, development issuer)"
printf '%-4s %12s %12s %12s %12s %10s %10s %8s %8s\n' run public public+hdr private scoped priv/hdr scop/hdr non-2xx sockerr
: >"$out/ratios"
routes=(public hdr private scoped)
for run in $(seq 1 "$RUNS"); do
    declare -A rate=([public]=0 [hdr]=0 [private]=0 [scoped]=0)
    bad=0 errors=0
    # $PASSES passes of every route, each pass starting one route later:
    # the VM's speed drifts within a run, and a drift then weighs on every
    # route alike rather than on the one measured last.
    for pass in $(seq 0 $((PASSES - 1))); do
        for i in 0 1 2 3; do
            route=${routes[$(((i + pass) % 4))]}
            case $route in
                public) args=(/api/public) ;;
                hdr) args=(/api/public -H "$header") ;;
                private) args=(/api/private -H "$header") ;;
                scoped) args=(/api/private-scoped -H "$header") ;;
            esac
            read -r r b e < <(measure "${args[@]}")
            rate[$route]=$(awk -v a="${rate[$route]}" -v r="$r" -v n="$PASSES" 'BEGIN { printf "%.1f", a + r / n }')
            bad=$((bad + b)) errors=$((errors + e))
        done
    done
    awk -v run="$run" -v p="${rate[public]}" -v h="${rate[hdr]}" -v v="${rate[private]}" -v s="${rate[scoped]}" \
        -v bad=$bad -v err=$errors \
        'BEGIN { printf "%-4s %12.0f %12.0f %12.0f %12.0f %10.3f %10.3f %8d %8d\n", run, p, h, v, s, v / h, s / h, bad, err }'
    awk -v h="${rate[hdr]}" -v v="${rate[private]}" -v s="${rate[scoped]}" 'BEGIN { printf "%.4f %.4f\n", v / h, s / h }' >>"$out/ratios"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
echo "median of $RUNS: private / public+hdr $(cut -d' ' -f1 "$out/ratios" | median), scoped / public+hdr $(cut -d' ' -f2 "$out/ratios" | median)"
echo "key-set fetches during the runs: $(($(fetches) - fetches_before))"
kill "$server"; wait "$server" 2>/dev/null || true

echo
echo "DPoP (our load client, wrk cannot sign a proof per request): load dpop $DPOP_SECONDS"
target/release/examples/load dpop "$DPOP_SECONDS"
