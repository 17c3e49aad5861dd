#!/bin/sh
# Ingest benchmark: how many articles per second a transit peer can stream
# into Loom (MODE STREAM, pipelined TAKETHIS, 239/439 in order), and into
# a private INN 2.7 in the same run, with the same generator and the same
# kind of articles; plus the generator's own ceiling against a sink that
# stores nothing.  Reports medians and ratios only; no thresholds.  See
# tests/bench/README.md ("Ingest") for how to read the output.
#
#   sh tests/bench/run-ingest.sh                  # build/loomd, ~1 min
#   QUICK=1 sh tests/bench/run-ingest.sh          # small, ~15 s
#   LOOMD=/tmp/x/loomd sh tests/bench/run-ingest.sh
#
# Environment:
#   LOOMD        the server to measure (default: build/loomd)
#   QUICK=1      3000 articles per run, 3 rounds
#   RUNS         measured rounds (default 5; QUICK 3)
#   ARTICLES     articles per run (default 20000; QUICK 3000)
#   WARMUP       articles sent once, unmeasured, before the rounds
#                (ARTICLES/10, at least 200)
#   CONNS        connections (4);  WINDOW  TAKETHIS in flight per connection (64)
#   SIZE         octets per article, about (3072)
#   TIME_LIMIT   seconds one run may send for (60; QUICK 20), then a bounded
#                grace period for the replies
#   NOSYNC_ROW=0 skip the extra Loom with [storage] nosync = yes
#   INN=0        skip INN even if it is installed
#   CC           compiler for ingest.c (default cc)
#   INGEST       a prebuilt ingest binary to use instead of compiling one
#   BENCH_KEEP=1 keep the temp dir (logs, Loom's data)
#   BENCH_STEP_TIMEOUT  seconds any one step may take (default 300)
#   SETTLE       seconds to wait at most for file creation to get cheap
#                before measuring INN (default 180; QUICK 0), see below
#
# All servers are started first, then measured in rounds, one run against
# each per round (the order rotates), with a `sync` before every run, so
# that a slow spell of the shared machine, or one server's dirty pages,
# do not all land on one server.  Every server runs on 127.0.0.1 with an
# ephemeral port and its data in a fresh temp dir; all are stopped by PID
# on exit (also on failure or ^C).  INN is started through
# tests/bench/inn-ingest.py (tests/interop/inn.py); it needs inn2
# installed (bash scripts/install-inn.sh) and root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
case $LOOMD in /*) ;; *) LOOMD=$PWD/$LOOMD ;; esac
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-3} ARTICLES=${ARTICLES:-3000} TIME_LIMIT=${TIME_LIMIT:-20}
else
	RUNS=${RUNS:-5} ARTICLES=${ARTICLES:-20000} TIME_LIMIT=${TIME_LIMIT:-60}
fi
WARMUP=${WARMUP:-$((ARTICLES / 10 < 200 ? 200 : ARTICLES / 10))}
CONNS=${CONNS:-4}
WINDOW=${WINDOW:-64}
SIZE=${SIZE:-3072}
NOSYNC_ROW=${NOSYNC_ROW:-1}
INN=${INN:-1}
CC=${CC:-cc}
PYTHON=${PYTHON:-python3}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-300}

if [ ! -x "$LOOMD" ]; then
	echo "run-ingest: no loomd at $LOOMD (build it, or set LOOMD)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loom-ingest-XXXXXX")
sink_pid=
loom_pid=
loomnosync_pid=
loom_port=
loomnosync_port=
inn_pid=
innd_pid=
inn_tmp=

# Stop a process we started, by PID: SIGTERM, a bounded wait (tenths of a
# second, default 100), SIGKILL.
stop_pid() {
	pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt "${2:-100}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "run-ingest: $pid did not stop; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# The INN wrapper stops innd itself (ctlinnd shutdown, then by PID); if it
# had to be killed, innd is stopped here by the PID it printed.
stop_inn() {
	[ -n "$inn_pid" ] || return 0
	stop_pid "$inn_pid" 300
	inn_pid=
	if [ -n "$innd_pid" ] && kill -0 "$innd_pid" 2>/dev/null; then
		echo "run-ingest: innd $innd_pid still running; stopping it" >&2
		kill -TERM "$innd_pid" 2>/dev/null || true
		sleep 2
		kill -KILL "$innd_pid" 2>/dev/null || true
	fi
	innd_pid=
	if [ -n "$inn_tmp" ] && [ -d "$inn_tmp" ] &&
	    [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$inn_tmp"
	fi
	inn_tmp=
}

# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
	stop_pid "$sink_pid"
	sink_pid=
	stop_pid "$loom_pid"
	loom_pid=
	stop_pid "$loomnosync_pid"
	loomnosync_pid=
	stop_inn
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "run-ingest: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	timeout "$STEP_TIMEOUT" "$@"
}

problems=0
stamp=$(date +%s)-$$

# ---- the generator
if [ -n "${INGEST:-}" ]; then
	ig=$INGEST
else
	ig=$tmp/ingest
	$CC -std=c11 -O2 -Wall -Wextra -pthread -o "$ig" "$here/ingest.c"
fi

# median FILE [FORMAT]: the median of the numbers in FILE, one a line.
median() {
	sort -g "$1" | awk -v fmt="${2:-%.1f}" '{ v[NR] = $1 }
	    END { m = 0; if (NR % 2) m = v[(NR + 1) / 2];
	    else if (NR > 0) m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
	    printf fmt "\n", m }'
}

# field KEY < RESULT lines: the values of KEY=, one a line.
field() {
	tr ' ' '\n' | sed -n "s/^$1=//p"
}

# total KEY LABEL: the sum of KEY= over LABEL's runs.
total() {
	field "$1" <"$tmp/$2.res" | awk '{ s += $1 } END { print s + 0 }'
}

# run LABEL N COUNT: one generator run of COUNT articles against LABEL's
# port; its RESULT line is appended to $tmp/LABEL.res (N = w: the warm-up,
# to $tmp/LABEL.warm).  Prints a line; returns 1 if the generator failed.
run() {
	out=$tmp/$1-$2.out
	eval "p=\$${1}_port"
	sync
	if ! step "$ig" -c "$CONNS" -w "$WINDOW" -s "$SIZE" \
	    -t "$TIME_LIMIT" -n "$3" -r "$stamp-$1-$2" 127.0.0.1 "$p" \
	    >"$out" 2>"$tmp/$1-$2.err"; then
		echo "run-ingest: $1 run $2 failed:" >&2
		cat "$tmp/$1-$2.err" >&2
		return 1
	fi
	if [ "$2" = w ]; then
		sed -n 's/^RESULT //p' "$out" >"$tmp/$1.warm"
	else
		sed -n 's/^RESULT //p' "$out" >>"$tmp/$1.res"
	fi
	sed -n 's/^RESULT //p' "$out" | awk -v r="$2" -v l="$1" '{
	    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	    printf "  %-7s %-10s %9.1f articles/s  wall %6.2f s  239 %s" \
	        "  439 %s  other %s  unanswered %s  p50 %s ms  p99 %s ms\n",
	        (r == "w" ? "warm-up" : "run " r), l, f["rate"], f["wall"],
	        f["ok"], f["refused"], f["other"], f["lost"], f["p50_ms"],
	        f["p99_ms"] }'
	sed 's/^/      /' "$tmp/$1-$2.err"
}

# summary LABEL: "median min max p50 p99 ok refused other" of LABEL's runs.
summary() {
	f=$tmp/$1.res
	field rate <"$f" >"$tmp/v"
	med=$(median "$tmp/v")
	min=$(sort -g "$tmp/v" | head -1)
	max=$(sort -g "$tmp/v" | tail -1)
	field p50_ms <"$f" >"$tmp/v"
	p50=$(median "$tmp/v" %.2f)
	field p99_ms <"$f" >"$tmp/v"
	p99=$(median "$tmp/v" %.2f)
	echo "$med $min $max $p50 $p99 $(total ok "$1") $(total refused "$1")" \
	    "$(($(total other "$1") + $(total lost "$1") + $(total mismatch "$1")))"
}

# ---- what we run on
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
    head -1)
ncpu=$(nproc 2>/dev/null || echo '?')
echo "Loom ingest benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "machine: $ncpu CPUs${cpu:+ ($cpu)}, $(uname -sr)"
echo "         shared machine: generator and servers share these CPUs and" \
    "the disk, other jobs may run; figures are noisy"
echo "loomd:   $LOOMD"
if grep -q '__asan_init' "$LOOMD" 2>/dev/null; then
	echo "WARNING: this loomd is built with AddressSanitizer; its figures" \
	    "say nothing about a release build"
fi
quick=
[ "$QUICK" = 1 ] && quick=' (QUICK=1)'
echo "load:    $CONNS connections x $WINDOW TAKETHIS in flight, $ARTICLES" \
    "articles of ~$SIZE octets per run, new Message-IDs every run$quick"
echo "rounds:  $RUNS, one run per server each (order rotates, sync before" \
    "every run), after one $WARMUP-article warm-up run each"
# What an fsync and a file creation cost on the file system holding the
# data dirs (context for the figures): "probe fsync": 100 x (write 4 KiB,
# fsync); "probe create N": create N empty files (INN's timehash stores
# one file per article); medians, in ms and us.  Probe files stay until
# the temp dir goes (deleting them would make the next creations slower).
cat >"$tmp/probe.py" <<'EOF'
import os, sys, time
d, what = sys.argv[1], sys.argv[2]
t = []
if what == "fsync":
    p = os.path.join(d, "fsync-probe")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
    for i in range(100):
        os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
        a = time.monotonic()
        os.fsync(fd)
        t.append(time.monotonic() - a)
    os.close(fd)
    os.unlink(p)
    t.sort()
    print("%.3f" % (t[len(t) // 2] * 1e3))
else:
    pd = os.path.join(d, "create-probe")
    os.makedirs(pd, exist_ok=True)
    base = len(os.listdir(pd))
    for i in range(int(sys.argv[3])):
        a = time.monotonic()
        os.close(os.open(os.path.join(pd, "f%d" % (base + i)),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        t.append(time.monotonic() - a)
    t.sort()
    print("%.0f" % (t[len(t) // 2] * 1e6))
EOF
probe() {
	$PYTHON "$tmp/probe.py" "$tmp" "$@" 2>/dev/null || echo '?'
}
fsync_ms=$(probe fsync)
create_us=$(probe create 1000)
fstype=$(df -PT "$tmp" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')
echo "disk:    $tmp is ${fstype:-?}; an fsync of 4 KiB takes" \
    "$fsync_ms ms, creating a file $create_us us (medians)"
# Creating a file on ext4 is slow while many inodes were freed in the last
# minutes (ext4 skips "recently deleted" inodes; README: Caveats), which
# slows INN (a file per article) and not Loom.  Wait, bounded, for it to
# pass: SETTLE seconds at most (default 180; QUICK 0: only warn).
if [ "$QUICK" = 1 ]; then SETTLE=${SETTLE:-0}; else SETTLE=${SETTLE:-180}; fi
slow_create() {
	case $create_us in
	[0-9]*) [ "$create_us" -gt "${CREATE_SLOW_US:-50}" ] ;;
	*) return 1 ;;
	esac
}
inn_usable() {
	[ "$INN" = 1 ] && $PYTHON -c 'import os, sys
sys.path.insert(0, sys.argv[1])
from inn import inn_available
sys.exit(0 if inn_available()[0] and os.geteuid() == 0 else 1)' \
	    "$top/tests/interop" 2>/dev/null
}
if slow_create && inn_usable; then
	if [ "$SETTLE" -gt 0 ]; then
		echo "         creating a file is slow (something deleted many" \
		    "files lately); waiting up to $SETTLE s for it to pass," \
		    "as it would slow INN"
		waited=0
		while slow_create && [ "$waited" -lt "$SETTLE" ]; do
			sleep 10
			waited=$((waited + 10))
			create_us=$(probe create 200)
		done
		echo "         after $waited s: creating a file takes" \
		    "$create_us us"
	fi
	if slow_create; then
		echo "WARNING: creating a file is slow right now (ext4 skips" \
		    "inodes freed in the last minutes: something deleted many" \
		    "files); INN stores one file per article and will be" \
		    "slowed; run again later or set TMPDIR to another file" \
		    "system (README: Caveats)"
	fi
fi
echo

# ---- start everything
targets=

# The sink: the generator's ceiling.
"$ig" --sink -i 900 >"$tmp/sink.out" 2>&1 &
sink_pid=$!
i=0
while ! grep -q '^listening on' "$tmp/sink.out" 2>/dev/null; do
	if ! kill -0 "$sink_pid" 2>/dev/null || [ $i -ge 100 ]; then
		echo "run-ingest: the sink did not start:" >&2
		cat "$tmp/sink.out" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
sink_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
    "$tmp/sink.out")
targets=sink
echo "sink:       the generator's ceiling: reads each article, answers 239," \
    "stores nothing (port $sink_port)"

# start_loom LABEL NOSYNC: a loomd with its own data dir; sets LABEL_pid
# and LABEL_port.
start_loom() {
	mkdir "$tmp/$1-data"
	printf '[storage]\nnosync = %s\n[group local.bench]\nstatus = y\ndescription = Ingest benchmark\n' \
	    "$2" >"$tmp/$1.conf"
	log=$tmp/$1.log
	"$LOOMD" --foreground --listen 127.0.0.1:0 --data "$tmp/$1-data" \
	    --config "$tmp/$1.conf" >"$log" 2>&1 &
	eval "${1}_pid=\$!"
	eval "pid=\$${1}_pid"
	i=0
	while ! grep -q 'ready to accept connections' "$log"; do
		if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 200 ]; then
			echo "run-ingest: loomd did not start:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$log" | head -1)
	[ -n "$p" ] || { echo "run-ingest: no port in $log" >&2; exit 1; }
	eval "${1}_port=\$p"
	targets="$targets $1"
}

start_loom loom no
echo "loom:       Loom, default durable config ([storage] nosync = no:" \
    "every group commit is fsynced before its 239s go out; port $loom_port)"
if [ "$NOSYNC_ROW" = 1 ]; then
	start_loom loomnosync yes
	echo "loomnosync: Loom with [storage] nosync = yes (no fsync, like" \
	    "INN; port $loomnosync_port)"
fi

inn_note=
inn_ver=
if [ "$INN" != 1 ]; then
	inn_note="INN: not measured (INN=0)"
else
	$PYTHON "$here/inn-ingest.py" --group local.bench --max-seconds 1800 \
	    >"$tmp/inn.out" 2>"$tmp/inn.err" &
	inn_pid=$!
	i=0
	while ! grep -q -E '^inn (port|unavailable)' "$tmp/inn.out" 2>/dev/null
	do
		if ! kill -0 "$inn_pid" 2>/dev/null || [ $i -ge 600 ]; then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q '^inn unavailable' "$tmp/inn.out"; then
		inn_note="INN: not measured: $(sed -n 's/^inn unavailable: //p' \
		    "$tmp/inn.out")"
		wait "$inn_pid" 2>/dev/null || true
		inn_pid=
	elif ! grep -q '^inn port' "$tmp/inn.out"; then
		inn_note="INN: not measured: it did not start (see above)"
		tail -20 "$tmp/inn.err" | sed 's/^/    /'
		stop_inn
		problems=1
	else
		inn_port=$(sed -n 's/^inn port \([0-9]*\) .*/\1/p' "$tmp/inn.out")
		innd_pid=$(sed -n 's/^inn port [0-9]* pid \([0-9]*\)/\1/p' \
		    "$tmp/inn.out")
		inn_tmp=$(sed -n 's/^inn config .* tmp=//p' "$tmp/inn.out")
		inn_ver=$(sed -n 's/^inn greeting .*\(INN [0-9][0-9.]*\).*/\1/p' \
		    "$tmp/inn.out")
		targets="$targets inn"
		echo "inn:        ${inn_ver:-INN}, private innd via" \
		    "tests/interop/inn.py (storage timehash, overview" \
		    "tradindexed, history hisv6; innd does not fsync articles;" \
		    "port $inn_port)"
	fi
fi
[ -z "$inn_note" ] || echo "$inn_note"
echo

# ---- warm-up, then the rounds
failed=
for t in $targets; do
	run "$t" w "$WARMUP" || failed="$failed $t"
done
ntargets=$(echo "$targets" | wc -w)
r=1
while [ $r -le "$RUNS" ]; do
	# Rotate: round r starts with target number (r - 1) mod ntargets.
	# shellcheck disable=SC2086
	set -- $targets
	k=$(((r - 1) % ntargets))
	while [ $k -gt 0 ]; do
		x=$1
		shift
		set -- "$@" "$x"
		k=$((k - 1))
	done
	for t in "$@"; do
		case " $failed " in *" $t "*) continue ;; esac
		run "$t" "$r" "$ARTICLES" || failed="$failed $t"
	done
	r=$((r + 1))
done
[ -z "$failed" ] || problems=1
echo "  (after the runs, creating a file takes $(probe create 200) us)"

# ---- stop everything, check what the servers hold
echo
stop_pid "$sink_pid"
sink_pid=
bad='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|loomd\[[0-9]+\] error: '
loomctl=$(dirname "$LOOMD")/loomctl
for t in loom loomnosync; do
	eval "pid=\$${t}_pid"
	[ -n "$pid" ] || continue
	stop_pid "$pid"
	eval "${t}_pid="
	log=$tmp/$t.log
	if grep -E -q "$bad" "$log"; then
		echo "NOTE: errors in $t's log:"
		grep -E "$bad" "$log" | head -5 | sed 's/^/    /'
		problems=1
	fi
	w=$(sed -n 's/.*info: writer: \(.*\)/\1/p' "$log" | tail -1)
	if [ -x "$loomctl" ] && [ -s "$tmp/$t.res" ]; then
		want=$(($(total ok "$t") + $(field ok <"$tmp/$t.warm")))
		have=$("$loomctl" -d "$tmp/$t-data" groups 2>/dev/null |
		    awk '$1 == "local.bench" { print $3 }')
		echo "$t: local.bench holds ${have:-?} articles;" \
		    "acknowledged with 239: $want${w:+; writer: $w}"
		[ "${have:-x}" = "$want" ] || problems=1
	fi
done
if [ -n "$inn_pid" ]; then
	stop_inn
	want=$(($(total ok inn) + $(field ok <"$tmp/inn.warm")))
	sed -n 's/^inn history \([0-9]*\) accepted \([0-9]*\) refused \([0-9]*\)/inn: \1 history entries, news log: \2 accepted, \3 refused;/p' \
	    "$tmp/inn.out" | sed "s/\$/ acknowledged with 239: $want/"
	sed -n 's/^inn refused: /    innd refused: /p' "$tmp/inn.out"
	sed 's/^/    /' "$tmp/inn.err"
fi
for t in $targets; do
	[ -s "$tmp/$t.res" ] || continue
	nbad=$(($(total other "$t") + $(total lost "$t") + $(total mismatch "$t")))
	nref=$(total refused "$t")
	if [ "$nbad" -gt 0 ] || [ "$nref" -gt 0 ]; then
		echo "NOTE: $t: $nref refused (439), $nbad other, unanswered" \
		    "or out-of-order replies (see the runs above)"
		problems=1
	fi
done

# ---- the table
echo
echo "Summary (articles/s: 239 replies per second of wall clock, first" \
    "send to last reply; median of $RUNS runs)"
printf '  %-26s %10s %21s %8s %8s %8s %6s %6s\n' "" "articles/s" \
    "(min-max)" "p50 ms" "p99 ms" "239" "439" "other"
row() {
	[ -s "$tmp/$2.res" ] || return 0
	# shellcheck disable=SC2046
	set -- "$1" $(summary "$2")
	printf '  %-26s %10s %21s %8s %8s %8s %6s %6s\n' "$1" "$2" \
	    "($3-$4)" "$5" "$6" "$7" "$8" "$9"
}
row "ceiling (sink)" sink
row "Loom, fsync on (default)" loom
row "Loom, nosync = yes" loomnosync
row "${inn_ver:-INN}" inn
echo
ratio() {
	[ -s "$tmp/$1.res" ] && [ -s "$tmp/$2.res" ] || return 0
	a=$(summary "$1" | cut -d' ' -f1)
	b=$(summary "$2" | cut -d' ' -f1)
	awk -v a="$a" -v b="$b" -v t="$3" 'BEGIN {
	    if (b > 0) printf "  %-34s %8.2fx\n", t, a / b }'
}
ratio loom inn "ratio Loom (fsync on) / INN:"
ratio loomnosync inn "ratio Loom (nosync) / INN:"
ratio sink loom "ceiling / Loom (fsync on):"
ratio sink inn "ceiling / INN:"
[ -z "$inn_note" ] || echo "  $inn_note"
echo "  nproc: $ncpu; shared machine: compare figures from one run of" \
    "this script only"
if [ "$problems" != 0 ]; then
	echo "run-ingest: some replies or checks were not as expected" \
	    "(NOTE lines above)"
	exit 1
fi
exit 0
