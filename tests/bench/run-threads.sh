#!/bin/sh
# Thread benchmark for Loom: XTREE and XROOTS against threading in the
# client (GROUP + OVER 1-, parsed and threaded by References), on the same
# data, plus the load generator's own ceiling.  Reports only; no
# thresholds.  See tests/bench/README.md for how to read the output.
#
#   sh tests/bench/run-threads.sh                # build/loomd
#   LOOMD=/tmp/x/loomd QUICK=1 sh tests/bench/run-threads.sh
#
# Environment:
#   LOOMD        the server to measure (default: build/loomd)
#   QUICK=1      a tenth of the data, fewer runs (a smoke test, ~15 s)
#   RUNS         timed runs per operation (default 7; QUICK: 5)
#   CONNS        parallel posting connections while loading (default 8)
#   SEED         the generator's seed (default 1)
#   CC           compiler for threadbench.c (default cc)
#   THREADBENCH  a prebuilt threadbench to use instead of compiling one
#   BENCH_KEEP=1 keep the temp dir (data, logs, captured responses)
#   BENCH_STEP_TIMEOUT  seconds any one step may take (default 600)
#
# loomd runs on 127.0.0.1 with an ephemeral port and a data dir under a
# fresh temp dir; it and the replay server are stopped by PID on exit.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
case $LOOMD in /*) ;; *) LOOMD=$PWD/$LOOMD ;; esac
QUICK=${QUICK:-0}
CONNS=${CONNS:-8}
SEED=${SEED:-1}
CC=${CC:-cc}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-600}

if [ "$QUICK" = 1 ]; then
	THREAD_N=1000 BIG_N=10000 BIG_T=1000 RUNS=${RUNS:-5}
else
	THREAD_N=10000 BIG_N=100000 BIG_T=10000 RUNS=${RUNS:-7}
fi

if [ ! -x "$LOOMD" ]; then
	echo "run-threads: no loomd at $LOOMD (build it, or set LOOMD)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loom-bench-XXXXXX")
loomd_pid=
replay_pid=

# Stop a process we started, by PID: SIGTERM, a bounded wait, SIGKILL.
stop_pid() {
	pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "run-threads: $pid did not stop in 10 s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
	stop_pid "$replay_pid"
	replay_pid=
	stop_pid "$loomd_pid"
	loomd_pid=
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "run-threads: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	timeout "$STEP_TIMEOUT" "$@"
}

# ---- the generator
if [ -n "${THREADBENCH:-}" ]; then
	tb=$THREADBENCH
else
	tb=$tmp/threadbench
	$CC -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -pthread \
	    -o "$tb" "$here/threadbench.c"
fi

# ---- loomd
mkdir "$tmp/data" "$tmp/cap"
common='[limits]
xtree_max = 100000
[group bench.thread]
status = y
description = One thread of many articles
[group bench.big]
status = y
description = Many threads'
printf '[storage]\nnosync = yes\nmap_size = 1G\n%s\n' "$common" \
    >"$tmp/load.conf"
printf '[storage]\nnosync = no\nmap_size = 1G\n%s\n' "$common" \
    >"$tmp/measure.conf"

port=
log=
problems=0
# start_loomd CONFIG PHASE: loomd's output goes to $tmp/loomd-PHASE.log.
start_loomd() {
	log=$tmp/loomd-$2.log
	"$LOOMD" --foreground --listen 127.0.0.1:0 --data "$tmp/data" \
	    --config "$1" >"$log" 2>&1 &
	loomd_pid=$!
	i=0
	while ! grep -q 'ready to accept connections' "$log"; do
		if ! kill -0 "$loomd_pid" 2>/dev/null || [ $i -ge 200 ]; then
			echo "run-threads: loomd did not start:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$log" | head -1)
	[ -n "$port" ] || { echo "run-threads: no port in $log" >&2; exit 1; }
}

# Stop loomd; a sanitizer report or an error in its log is a problem.
bad='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|loomd\[[0-9]+\] error: '
stop_loomd() {
	stop_pid "$loomd_pid"
	loomd_pid=
	if grep -E -q "$bad" "$log"; then
		echo "run-threads: problems in $(basename "$log"):" >&2
		grep -E "$bad" \
		    "$log" | head -5 >&2
		problems=1
	fi
}

# ---- what we run on
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
    head -1)
echo "Loom thread benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "machine: $(nproc 2>/dev/null || echo '?') CPUs${cpu:+ ($cpu)}," \
    "$(uname -sr); client, server and replay share these CPUs"
echo "loomd:   $LOOMD"
if grep -q '__asan_init' "$LOOMD" 2>/dev/null; then
	echo "WARNING: this loomd is built with AddressSanitizer; its figures" \
	    "say nothing about a release build"
fi
quick=
[ "$QUICK" = 1 ] && quick=' (QUICK=1)'
echo "data:    one thread of $THREAD_N articles (bench.thread);" \
    "$BIG_N articles in $BIG_T threads (bench.big); seed $SEED$quick"
echo "runs:    $RUNS timed runs per operation after one warm-up; median" \
    "(min-max) in ms"
echo

# ---- load
start_loomd "$tmp/load.conf" load
echo "load phase: [storage] nosync = yes (commits not fsynced: faster" \
    "loading, the durability is not what is measured)"
step "$tb" load -p "$port" -g bench.thread -n "$THREAD_N" -t 1 \
    -c "$CONNS" -s "$SEED" -x t -D 32 | sed 's/^/  /'
step "$tb" load -p "$port" -g bench.big -n "$BIG_N" -t "$BIG_T" \
    -c "$CONNS" -s "$SEED" -x b -D 32 | sed 's/^/  /'
stop_loomd

# ---- measure, on a loomd restarted with the default nosync = no
start_loomd "$tmp/measure.conf" measure
echo "measure phase: loomd restarted with nosync = no (reads never sync);" \
    "one client connection, one command at a time"
echo

t_last="<t.$((THREAD_N - 1))@bench.loom>"
b_last="<b.$((BIG_N / 2 + 1))@bench.loom>"
set -- \
    "xtree:$t_last" "client-thread:bench.thread:$t_last" \
    "xtree:$b_last" "client-thread:bench.big:$b_last" \
    "xroots:bench.big" "client-roots:bench.big" \
    "xroots:bench.big:1-50" "client-roots:bench.big:50"
step "$tb" measure -p "$port" -r "$RUNS" -C "$tmp/cap" "$@" \
    >"$tmp/server.txt"
stop_loomd

# ---- the generator's ceiling: the same bytes from a server doing nothing
# (Started directly, not through step: $! must be its own PID.  It exits
# by itself after 120 s without a connection in any case.)
"$tb" replay -C "$tmp/cap" >"$tmp/replay.port" &
replay_pid=$!
i=0
while ! grep -q '^port ' "$tmp/replay.port" 2>/dev/null; do
	if ! kill -0 "$replay_pid" 2>/dev/null || [ $i -ge 100 ]; then
		echo "run-threads: the replay server did not start" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
rport=$(sed -n 's/^port //p' "$tmp/replay.port")
step "$tb" measure -p "$rport" -r "$RUNS" "$@" >"$tmp/replay.txt"
stop_pid "$replay_pid"
replay_pid=

# ---- report
awk -v thread_n="$THREAD_N" -v big_n="$BIG_N" -v big_t="$BIG_T" \
    -v t_last="$t_last" -v b_last="$b_last" '
FILENAME == ARGV[1] { srv[$2] = $0; next }
{ rep[$2] = $0 }
function f(line, i,   a) { split(line, a, " "); return a[i] + 0 }
function row(label, line, ceil) {
	printf "  %-28s %6d %8.0f %9.2f (%.2f-%.2f) %9.2f\n", label, \
	    f(line, 6), f(line, 7) / 1024, f(line, 3), f(line, 4), \
	    f(line, 5), f(ceil, 3)
}
function pair(title, loom, llabel, client, clabel,   l, c, r, rc) {
	l = srv[loom]; c = srv[client]
	if (l == "" || c == "") { printf "%s: missing results\n", title; return }
	printf "%s\n", title
	printf "  %-28s %6s %8s %22s %9s\n", "", "items", "KiB/run", \
	    "median (min-max) ms", "ceiling"
	row(llabel, l, rep[loom])
	row(clabel, c, rep[client])
	if (f(l, 6) != f(c, 6))
		printf "  WARNING: the two sides disagree on the items\n"
	r = f(l, 3) > 0 ? f(c, 3) / f(l, 3) : 0
	rc = f(rep[loom], 3) > 0 ? f(rep[client], 3) / f(rep[loom], 3) : 0
	printf "  ratio client-side / Loom: %.1fx (at the ceiling: %.1fx)\n\n", \
	    r, rc
}
END {
	pair("1. the " thread_n "-article thread " t_last ": XTREE vs OVER " \
	    "of its group (bench.thread) threaded in the client", \
	    "xtree:" t_last, "Loom: XTREE", \
	    "client-thread:bench.thread:" t_last, "client: GROUP+OVER 1-")
	pair("2. the ordinary thread of " b_last " in bench.big: XTREE vs " \
	    "OVER of the " big_n "-article group threaded in the client", \
	    "xtree:" b_last, "Loom: XTREE", \
	    "client-thread:bench.big:" b_last, "client: GROUP+OVER 1-")
	pair("3. all " big_t " threads of bench.big, most recently active " \
	    "first: XROOTS vs OVER + client threading", \
	    "xroots:bench.big", "Loom: XROOTS", \
	    "client-roots:bench.big", "client: GROUP+OVER 1-")
	pair("4. the 50 most active threads (an index page): XROOTS 1-50 vs " \
	    "OVER + client threading", \
	    "xroots:bench.big:1-50", "Loom: XROOTS bench.big 1-50", \
	    "client-roots:bench.big:50", "client: GROUP+OVER 1-")
	print "items: nodes (1, 2) or threads (3, 4) the client ends up with."
	print "ceiling: the same bytes served by a trivial server (threadbench"
	print "replay): the cost of the client alone.  A Loom figure close to"
	print "its ceiling means the client, not the server, is the limit."
}' "$tmp/server.txt" "$tmp/replay.txt"
exit $problems
