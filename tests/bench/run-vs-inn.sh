#!/bin/sh
# Loom against INN 2.7, figure by figure (issue #14): the same C load
# generator (nntpgen.c), the same settings and the same articles against
# loomd, a private INN on loopback, and a sink that answers every command
# at once (the generator's ceiling).  Reports only: it never fails on a
# figure; it exits non-zero only when something did not work (a server did
# not start, a run failed, a reply was not the expected one, a server does
# not hold what it acknowledged).  tests/bench/README.md explains the
# figures and how to read them.
#
#   sh tests/bench/run-vs-inn.sh                 # build/loomd, ~5 min
#   QUICK=1 sh tests/bench/run-vs-inn.sh         # small, ~1 min
#   LOOMD=/tmp/x/loomd sh tests/bench/run-vs-inn.sh
#
# The figures: 1. TAKETHIS streaming, 2. POST in lockstep, 3. IHAVE in
# lockstep (articles/s), 4. GROUP + OVER of whole groups (overview
# lines/s), 5. random ARTICLE by number and by Message-ID (requests/s,
# p50/p99), 6. memory per idle connection (plain; TLS too), and the store
# size after the run.
#
# Environment (QUICK=1 values in brackets):
#   LOOMD        the server to measure (default: build/loomd)
#   QUICK=1      small sizes, one round: a smoke test
#   RUNS         rounds per figure (3 [1]); medians are reported
#   ARTICLES     articles per ingest run (20000 [2000]); WARMUP (ARTICLES/10)
#   CONNS        connections (8)          WINDOW  TAKETHIS in flight (64)
#   SIZE         octets per article (~3072) NGROUPS groups (16)
#   REQUESTS     ARTICLE requests per run (20000 [2000])
#   READ_SECONDS time limit of an ARTICLE run (10 [5])
#   OVER_PASSES  reads of every group per connection per OVER run (1)
#   IDLE_CONNS   idle connections for figure 6 (500 [100])
#   IDLE_MANY    idle TLS connections for figure 6's Loom-only row (10000
#                [1000]; 0: skip it); one nnrpd per connection would not fit
#   TIME_LIMIT   seconds an ingest or OVER run may send for (60 [20])
#   NOSYNC_ROW=0 skip the Loom nosync rows; INN=0 skip INN; TLS=0 skip TLS
#   QUICKACK=0   skip the read rows with a client that ACKs at once
#   PERF=1       after the rounds, extra Loom runs per figure (not
#                counted) under perf record and perf trace: top functions,
#                system calls and octets written per request;
#                PERF_DIR=dir keeps the reports there
#   SETTLE       seconds to wait at most for file creation to get cheap
#                before starting INN (180 [0]); CREATE_SLOW_US (50)
#   CC, NNTPGEN (a prebuilt generator), PYTHON (python3, only to start INN
#   and probe the disk: not in the load path), BENCH_KEEP=1 (keep the temp
#   dir), BENCH_STEP_TIMEOUT (300 s per step), TMPDIR (where data goes)
#
# Everything listens on 127.0.0.1 with ephemeral ports, in one fresh temp
# dir; every process started here is stopped by its PID on exit, failure
# or ^C.  INN needs inn2 and root (tests/bench/inn-bench.py); without them
# Loom is reported alone.
#
# shellcheck disable=SC2034,SC2154  # (LABEL_port and friends are set by eval)
# shellcheck disable=SC3045         # (ulimit -n: dash and bash have it)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
case $LOOMD in /*) ;; *) LOOMD=$PWD/$LOOMD ;; esac
QUICK=${QUICK:-0}
CC=${CC:-cc}
PYTHON=${PYTHON:-python3}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-300}
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-1} ARTICLES=${ARTICLES:-2000} REQUESTS=${REQUESTS:-2000}
	READ_SECONDS=${READ_SECONDS:-5} IDLE_CONNS=${IDLE_CONNS:-100}
	TIME_LIMIT=${TIME_LIMIT:-20} IDLE_MANY=${IDLE_MANY:-1000}
else
	RUNS=${RUNS:-3} ARTICLES=${ARTICLES:-20000} REQUESTS=${REQUESTS:-20000}
	READ_SECONDS=${READ_SECONDS:-10} IDLE_CONNS=${IDLE_CONNS:-500}
	TIME_LIMIT=${TIME_LIMIT:-60} IDLE_MANY=${IDLE_MANY:-10000}
fi
WARMUP=${WARMUP:-$((ARTICLES / 10))}
[ "$WARMUP" -ge 1 ] || WARMUP=1
CONNS=${CONNS:-8}
WINDOW=${WINDOW:-64}
SIZE=${SIZE:-3072}
NGROUPS=${NGROUPS:-16}
OVER_PASSES=${OVER_PASSES:-1}
NOSYNC_ROW=${NOSYNC_ROW:-1}
INN=${INN:-1}
TLS=${TLS:-1}
QUICKACK=${QUICKACK:-1}
PERF=${PERF:-0}
PREFIX=local.bench

if [ ! -x "$LOOMD" ]; then
	echo "run-vs-inn: no loomd at $LOOMD (build it, or set LOOMD)" >&2
	exit 2
fi
for v in RUNS ARTICLES REQUESTS READ_SECONDS IDLE_CONNS IDLE_MANY TIME_LIMIT \
    CONNS WINDOW SIZE NGROUPS OVER_PASSES WARMUP; do
	eval "x=\$$v"
	case $x in
	'' | *[!0-9]*) echo "run-vs-inn: $v must be a number" >&2; exit 2 ;;
	esac
done
[ "$RUNS" -ge 1 ] || { echo "run-vs-inn: RUNS must be at least 1" >&2; exit 2; }

# Many idle connections need many descriptors (loomd and the generator
# inherit this limit; loomd also raises its own soft limit to the hard one).
most_idle=$IDLE_CONNS
[ "$IDLE_MANY" -le "$most_idle" ] || most_idle=$IDLE_MANY
need_fds=$((most_idle + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
	ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" \
	    2>/dev/null || true
fi
fds=$(ulimit -n)
if [ "$fds" != unlimited ] && [ "$fds" -lt "$need_fds" ]; then
	lim=$((fds - 256))
	[ "$lim" -ge 10 ] || lim=10
	if [ "$IDLE_CONNS" -gt "$lim" ]; then
		IDLE_CONNS=$lim
		echo "run-vs-inn: ulimit -n is $fds: IDLE_CONNS lowered to $lim"
	fi
	if [ "$IDLE_MANY" -gt "$lim" ]; then
		IDLE_MANY=$lim
		echo "run-vs-inn: ulimit -n is $fds: IDLE_MANY lowered to $lim"
	fi
fi
MAXCONN=$((most_idle + 1000))
[ "$MAXCONN" -ge 5000 ] || MAXCONN=5000

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loom-vs-inn-XXXXXX")
chmod 755 "$tmp"
mkdir "$tmp/r"
sink_pid=
loom_pid=
loomnosync_pid=
inn_pid=
innd_pid=
inn_tmp=
idle_pid=
perf_pid=
trace_pid=

# Stop a process we started, by PID: SIGTERM, a bounded wait (tenths of a
# second, default 100), SIGKILL.
stop_pid() {
	pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt "${2:-100}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "run-vs-inn: $pid did not stop; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# The INN wrapper stops INN itself (ctlinnd shutdown, then by PID); if it
# had to be killed, innd is stopped here by the PID it printed.
stop_inn() {
	[ -n "$inn_pid" ] || return 0
	stop_pid "$inn_pid" 1200
	inn_pid=
	if [ -n "$innd_pid" ] && kill -0 "$innd_pid" 2>/dev/null; then
		echo "run-vs-inn: innd $innd_pid still running; stopping it" >&2
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
	set +e		# clean up as much as possible, whatever fails
	stop_pid "$perf_pid"
	perf_pid=
	stop_pid "$trace_pid"
	trace_pid=
	stop_pid "$idle_pid"
	idle_pid=
	stop_pid "$sink_pid"
	sink_pid=
	stop_pid "$loom_pid"
	loom_pid=
	stop_pid "$loomnosync_pid"
	loomnosync_pid=
	stop_inn
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "run-vs-inn: kept $tmp"
	else
		for i in 1 2 3; do
			rm -rf "$tmp" 2>/dev/null && break
			sleep 1
		done
		[ ! -d "$tmp" ] || echo "run-vs-inn: could not remove $tmp" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	timeout "$STEP_TIMEOUT" "$@"
}

problems=0
stamp=$(date +%s)-$$
t_start=$(date +%s)

# ---- the generator
if [ -n "${NNTPGEN:-}" ]; then
	gen=$NNTPGEN
else
	gen=$tmp/nntpgen
	# shellcheck disable=SC2046
	$CC -std=c11 -O2 -Wall -Wextra -pthread -o "$gen" "$here/nntpgen.c" \
	    $(pkg-config --cflags --libs openssl 2>/dev/null ||
	    echo -lssl -lcrypto)
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

# total KEY FILE: the sum of KEY= over the lines of FILE.
total() {
	[ -s "$2" ] || { echo 0; return 0; }
	field "$1" <"$2" | awk '{ s += $1 } END { printf "%.0f\n", s + 0 }'
}

# ---- what we run on
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
    head -1)
ncpu=$(nproc 2>/dev/null || echo '?')
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no \
    2>/dev/null)" ]; then
	rev="$rev (with uncommitted changes)"
fi
echo "Loom against INN ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $rev)"
echo "machine:  $ncpu CPUs${cpu:+ ($cpu)}, $(uname -sr)," \
    "$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "          generator, sink and servers share these CPUs and the disk;" \
    "other jobs may run: figures are noisy"
echo "          load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "loomd:    $LOOMD"
if grep -q '__asan_init' "$LOOMD" 2>/dev/null; then
	echo "WARNING: this loomd is built with AddressSanitizer; its figures" \
	    "say nothing about a release build"
fi
quick=
[ "$QUICK" = 1 ] && quick=' (QUICK=1)'
echo "settings$quick, the same for every server:"
echo "          $CONNS connections; articles of ~$SIZE octets in $NGROUPS" \
    "groups ($PREFIX.g00 ...), threads of 6 with References"
echo "          ingest runs: $ARTICLES articles (warm-up $WARMUP), new" \
    "Message-IDs every run; TAKETHIS $WINDOW in flight per connection;" \
    "POST and IHAVE one article at a time per connection"
echo "          reads: GROUP + OVER of all $NGROUPS groups, $OVER_PASSES" \
    "time(s) per connection; ARTICLE: $REQUESTS random requests or" \
    "$READ_SECONDS s, whichever ends first"
echo "          idle: $IDLE_CONNS connections; rounds: $RUNS per figure" \
    "(servers in turn, order rotating, sync before every ingest run)"

# What an fsync and a file creation cost on the file system holding the
# data (context for the figures); medians, in ms and us.  Probe files stay
# until the temp dir goes (deleting them would slow the next creations).
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
	# shellcheck disable=SC2086  # (PYTHON may hold arguments)
	timeout 120 $PYTHON "$tmp/probe.py" "$tmp" "$@" 2>/dev/null || echo '?'
}
fsync_ms=$(probe fsync)
create_us=$(probe create 1000)
fstype=$(df -PT "$tmp" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')
echo "disk:     $tmp is ${fstype:-?}; an fsync of 4 KiB takes $fsync_ms ms," \
    "creating a file $create_us us (medians)"
# Creating a file on ext4 is slow while many inodes were freed in the last
# minutes (README: Caveats), which slows INN (a file per article) and not
# Loom.  Wait, bounded, for it to pass.
if [ "$QUICK" = 1 ]; then SETTLE=${SETTLE:-0}; else SETTLE=${SETTLE:-180}; fi
slow_create() {
	case $create_us in
	[0-9]*) [ "$create_us" -gt "${CREATE_SLOW_US:-50}" ] ;;
	*) return 1 ;;
	esac
}
if slow_create && [ "$INN" = 1 ]; then
	if [ "$SETTLE" -gt 0 ]; then
		echo "          creating a file is slow (something deleted many" \
		    "files lately); waiting up to $SETTLE s for it to pass," \
		    "as it would slow INN"
		waited=0
		while slow_create && [ "$waited" -lt "$SETTLE" ]; do
			sleep 10
			waited=$((waited + 10))
			create_us=$(probe create 200)
		done
		echo "          after $waited s: creating a file takes" \
		    "$create_us us"
	fi
	if slow_create; then
		echo "WARNING: creating a file is slow right now; INN stores" \
		    "one file per article and will be slowed (README: Caveats)"
	fi
fi

# A self-signed certificate for the TLS listeners.
tls_ok=0
if [ "$TLS" = 1 ]; then
	mkdir "$tmp/tls"
	if step openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -keyout "$tmp/tls/key.pem" \
	    -out "$tmp/tls/cert.pem" >"$tmp/tls/openssl.out" 2>&1; then
		tls_ok=1
	else
		echo "run-vs-inn: openssl req failed; no TLS rows:" >&2
		cat "$tmp/tls/openssl.out" >&2
	fi
fi
echo

# ---- start everything
# start_sink [ARGS]: the sink (a fresh one: read figures need its sizes).
start_sink() {
	stop_pid "$sink_pid"
	"$gen" sink -i 900 "$@" >"$tmp/sink.out" 2>&1 &
	sink_pid=$!
	i=0
	while ! grep -q '^listening on' "$tmp/sink.out" 2>/dev/null; do
		if ! kill -0 "$sink_pid" 2>/dev/null || [ $i -ge 100 ]; then
			echo "run-vs-inn: the sink did not start:" >&2
			cat "$tmp/sink.out" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	sink_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$tmp/sink.out")
	sink_rport=$sink_port
}

# The Loom configuration: defaults, except the reader limits INN does not
# have, and TLS (durable instance) for figure 6.
loom_conf() {
	printf '[server]\nmax_connections = %s\nmax_connections_per_host = %s\n' \
	    "$MAXCONN" "$MAXCONN"
	printf '[limits]\ncommands_per_second = 0\n'
	printf '[storage]\nnosync = %s\n' "$1"
	if [ "$2" = tls ]; then
		printf '[tls]\ncert = %s\nkey = %s\nlisten = 127.0.0.1:0\n' \
		    "$tmp/tls/cert.pem" "$tmp/tls/key.pem"
	fi
	g=0
	while [ $g -lt "$NGROUPS" ]; do
		printf '[group %s.g%02d]\nstatus = y\ndescription = Benchmark group\n' \
		    "$PREFIX" "$g"
		g=$((g + 1))
	done
}

# start_loom LABEL NOSYNC TLS [LOGSUFFIX]: a loomd with the data dir
# $tmp/LABEL-data (kept across restarts); sets LABEL_pid, LABEL_port,
# LABEL_rport (the same: Loom reads and feeds on one port) and LABEL_tport.
start_loom() {
	[ -d "$tmp/$1-data" ] || mkdir "$tmp/$1-data"
	loom_conf "$2" "$3" >"$tmp/$1.conf"
	log=$tmp/$1${4:-}.log
	: >"$log"	# (before the background start: grep below needs it)
	"$LOOMD" --foreground --listen 127.0.0.1:0 --data "$tmp/$1-data" \
	    --config "$tmp/$1.conf" >"$log" 2>&1 &
	eval "${1}_pid=\$!"
	eval "pid=\$${1}_pid"
	i=0
	while ! grep -q 'ready to accept connections' "$log"; do
		if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 300 ]; then
			echo "run-vs-inn: loomd did not start:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	p=$(grep 'listening on' "$log" | grep -v '(TLS)' |
	    sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' |
	    head -1)
	tp=$(grep 'listening on .*(TLS)' "$log" |
	    sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' |
	    head -1)
	[ -n "$p" ] || { echo "run-vs-inn: no port in $log" >&2; exit 1; }
	eval "${1}_port=\$p ${1}_rport=\$p ${1}_tport=\$tp"
}

start_sink
echo "sink:       nntpgen sink, the do-nothing server: answers every command" \
    "at once with a canned reply of the same size (port $sink_port)"

loomtls=none
[ "$tls_ok" = 1 ] && loomtls=tls
start_loom loom no "$loomtls"
echo "loom:       Loom with its defaults, durable: [storage] nosync = no" \
    "(a group commit is fsynced before its 239/240/235 go out; port" \
    "$loom_port)"
echo "            reader limits lifted (INN has none): [limits]" \
    "commands_per_second = 0, [server] max_connections = $MAXCONN," \
    "max_connections_per_host = $MAXCONN"
ingest_targets="sink loom"
read_targets="sink loom"
if [ "$NOSYNC_ROW" = 1 ]; then
	start_loom loomnosync yes none
	ingest_targets="$ingest_targets loomnosync"
	echo "loomnosync: the same with [storage] nosync = yes (no fsync, like" \
	    "INN): ingest figures only (port $loomnosync_port)"
fi

inn_note=
inn_ver=INN
inn_tport=
innrpid=
inntpid=
if [ "$INN" != 1 ]; then
	inn_note="INN: not measured (INN=0)"
else
	set -- --reader --max-seconds 3600
	g=0
	while [ $g -lt "$NGROUPS" ]; do
		set -- "$@" --group "$(printf '%s.g%02d' "$PREFIX" $g)"
		g=$((g + 1))
	done
	[ "$tls_ok" = 1 ] && set -- "$@" --tls-cert "$tmp/tls/cert.pem" \
	    --tls-key "$tmp/tls/key.pem"
	TMPDIR=$tmp $PYTHON "$here/inn-bench.py" "$@" >"$tmp/inn.out" \
	    2>"$tmp/inn.err" &
	inn_pid=$!
	i=0
	while ! grep -q -E '^inn (greeting|unavailable)' "$tmp/inn.out" \
	    2>/dev/null; do
		if ! kill -0 "$inn_pid" 2>/dev/null || [ $i -ge 900 ]; then
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
	elif ! grep -q '^inn greeting' "$tmp/inn.out"; then
		inn_note="INN: not measured: it did not start"
		tail -20 "$tmp/inn.err" | sed 's/^/    /'
		stop_inn
		problems=1
	else
		inn_port=$(sed -n 's/^inn port \([0-9]*\) .*/\1/p' "$tmp/inn.out")
		innd_pid=$(sed -n 's/^inn port [0-9]* pid \([0-9]*\)/\1/p' \
		    "$tmp/inn.out")
		inn_rport=$(sed -n 's/^inn reader port \([0-9]*\) .*/\1/p' \
		    "$tmp/inn.out")
		innrpid=$(sed -n 's/^inn reader port [0-9]* pid \([0-9]*\)/\1/p' \
		    "$tmp/inn.out")
		inn_tport=$(sed -n 's/^inn tls port \([0-9]*\) .*/\1/p' \
		    "$tmp/inn.out")
		inntpid=$(sed -n 's/^inn tls port [0-9]* pid \([0-9]*\)/\1/p' \
		    "$tmp/inn.out")
		inn_tmp=$(sed -n 's/^inn config .* tmp=//p' "$tmp/inn.out")
		inn_ver=$(sed -n 's/^inn greeting .*\(INN [0-9][0-9.]*\).*/\1/p' \
		    "$tmp/inn.out")
		[ -n "$inn_ver" ] || inn_ver=INN
		ingest_targets="$ingest_targets inn"
		read_targets="$read_targets inn"
		echo "inn:        $inn_ver, private, via tests/bench/inn-bench.py:" \
		    "innd (IHAVE, TAKETHIS; port $inn_port), nnrpd -D (POST and" \
		    "reading; port $inn_rport)${inn_tport:+, nnrpd -D -S (TLS; port $inn_tport)}"
		echo "            storage timehash (a file per article), overview" \
		    "tradindexed, history hisv6, nnrpdcheckart true (INN's" \
		    "default); innd does not fsync articles: INN's figures are" \
		    "not durable, Loom's are"
		sed -n 's/^inn tls failed: /            nnrpd -S did not start: /p' \
		    "$tmp/inn.out"
	fi
fi
[ -z "$inn_note" ] || echo "$inn_note"
echo

# ---- one generator run
# port_of TARGET FIG: the port a figure uses on a target (INN: innd for
# TAKETHIS and IHAVE, nnrpd for the rest).
port_of() {
	case $2 in
	takethis | ihave) eval "echo \$${1}_port" ;;
	*) eval "echo \$${1}_rport" ;;
	esac
}

# idsets TARGET: RUNID:SENT,... of TARGET's ingest runs (for artid).
idsets() {
	cat "$tmp/r/takethis.$1".* "$tmp/r/post.$1".* "$tmp/r/ihave.$1".* \
	    2>/dev/null | awk '{ for (i = 1; i <= NF; i++) {
	    split($i, kv, "="); f[kv[1]] = kv[2] }
	    printf "%s%s:%s", (n++ ? "," : ""), f["runid"], f["sent"] }'
}

# run TARGET FIG ROUND COUNT: one generator run of figure FIG (takethis,
# post, ihave, over, artnum, artid; a trailing q: the client ACKs at once)
# against TARGET; its result is appended to $tmp/r/FIG.TARGET.res (ROUND w:
# the warm-up, .warm; p: the profile run, .prof).  Prints a line; returns 1
# if the generator failed.
run() {
	t=$1 f=$2 r=$3
	base=${f%q}
	q=
	[ "$base" = "$f" ] || q=-Q
	runid=$stamp-$t-$f-$r
	out=$tmp/$f-$t-$r.out
	p=$(port_of "$t" "$base")
	case $base in
	takethis) set -- -w "$WINDOW" -s "$SIZE" -n "$4" -t "$TIME_LIMIT" ;;
	post | ihave) set -- -s "$SIZE" -n "$4" -t "$TIME_LIMIT" ;;
	over) set -- -P "$OVER_PASSES" -t "$TIME_LIMIT" ;;
	artnum) set -- -n "$4" -t "$READ_SECONDS" -S "$((${r#[wpt]} + 1))" ;;
	artid)
		s=$t
		[ "$t" = sink ] && s=loom
		set -- -n "$4" -t "$READ_SECONDS" -S "$((${r#[wpt]} + 1))" \
		    -R "$(idsets "$s")"
		;;
	esac
	case $base in
	takethis | post | ihave) step sync ;;
	esac
	if ! step "$gen" "$base" $q -c "$CONNS" -G "$NGROUPS" -g "$PREFIX" \
	    -r "$runid" "$@" 127.0.0.1 "$p" >"$out" 2>"$out.err"; then
		echo "run-vs-inn: $f against $t (run $r) failed:" >&2
		cat "$out.err" >&2
		return 1
	fi
	case $r in
	w) res=$tmp/r/$f.$t.warm ;;
	p | t) res=$tmp/r/$f.$t.prof ;;
	*) res=$tmp/r/$f.$t.res ;;
	esac
	sed -n "s/^RESULT /runid=$runid /p" "$out" >>"$res"
	sed -n 's/^RESULT //p' "$out" | awk -v r="$r" -v t="$t" -v f="$f" '
	    BEGIN { lab["w"] = "warm-up"; lab["p"] = "profile"; lab["t"] = "trace" }
	    {
	    for (i = 1; i <= NF; i++) { split($i, kv, "="); g[kv[1]] = kv[2] }
	    unit = (f ~ /^over/) ? "lines/s" : "/s"
	    printf "  %-7s %-9s %-10s %10.1f %-7s wall %6.2f s  ok %s" \
	        "  refused %s  other %s  lost %s  p50 %s ms  p99 %s ms\n",
	        lab[r] != "" ? lab[r] : "run " r,
	        f, t, g["rate"], unit, g["wall"], g["ok"], g["refused"],
	        g["other"] + g["mismatch"], g["lost"], g["p50_ms"],
	        g["p99_ms"] }'
	sed 's/^/      /' "$out.err"
}

# stop_perf PID: stop a perf session (SIGINT: it writes its data).
stop_perf() {
	kill -INT "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stop_pid "$1"
}

# io_of PID: "wchar write_bytes" from /proc/PID/io.
io_of() {
	awk '/^wchar:/ { w = $2 } /^write_bytes:/ { b = $2 }
	    END { print w + 0, b + 0 }' "/proc/$1/io" 2>/dev/null ||
	    echo "0 0"
}

# profile FIG TARGET COUNT: two extra runs (not counted) on TARGET's loomd:
# one under perf record (where the CPU time goes), one of COUNT/4 under
# perf trace -s (system calls; tracing slows the server down, so not
# during the first).  An ingest profile stores articles in Loom: INN gets
# the same runs, so that both still hold the same articles.
profile() {
	[ "$PERF" = 1 ] || return 0
	eval "ppid=\$${2}_pid"
	pd=$tmp/perf
	mkdir -p "$pd"
	perf record -e cpu-clock -F 999 --call-graph dwarf -p "$ppid" \
	    -o "$pd/$1.data" \
	    >"$pd/$1.rec.out" 2>&1 &
	perf_pid=$!
	sleep 1
	io0=$(io_of "$ppid")
	run "$2" "$1" p "$3" || failed="$failed $1.$2"
	io1=$(io_of "$ppid")
	stop_perf "$perf_pid"
	perf_pid=
	tcount=$(($3 / 4))
	[ "$tcount" -ge 1 ] || tcount=1
	perf trace -s -p "$ppid" -o "$pd/$1.trace.txt" >/dev/null 2>&1 &
	trace_pid=$!
	sleep 1
	run "$2" "$1" t "$tcount" || failed="$failed $1.$2"
	stop_perf "$trace_pid"
	trace_pid=
	case $1 in
	takethis | post | ihave)
		case " $ingest_targets " in
		*" inn "*)
			iio0=$(io_of "$innd_pid")
			run inn "$1" p "$3" || failed="$failed $1.inn"
			iio1=$(io_of "$innd_pid")
			run inn "$1" t "$tcount" || failed="$failed $1.inn"
			;;
		esac
		;;
	esac
	step perf report -i "$pd/$1.data" --no-children --stdio \
	    --sort dso,sym -g none --percent-limit 0.7 \
	    >"$pd/$1.txt" 2>/dev/null || true
	step perf report -i "$pd/$1.data" --children --stdio \
	    --sort sym -g none --percent-limit 2 \
	    >"$pd/$1.children.txt" 2>/dev/null || true
	step perf report -i "$pd/$1.data" --no-children --stdio --sort dso \
	    -g none >"$pd/$1.dso.txt" 2>/dev/null || true
	case $1 in
	takethis | post | ihave)
		# Octets written per article (/proc/PID/io: wchar, what the
		# write calls were given; write_bytes, what went to the disk
		# layer, counted when the pages were dirtied).
		echo "$io0 $io1" | awk -v n="$3" '{
		    printf "  written per article: loomd %.1f KiB in write" \
		        " calls, %.1f KiB to the disk layer\n",
		        ($3 - $1) / n / 1024, ($4 - $2) / n / 1024 }'
		case " $ingest_targets " in
		*" inn "*)
			echo "$iio0 $iio1" | awk -v n="$3" '{
			    printf "                       innd %.1f KiB in write" \
			        " calls, %.1f KiB to the disk layer\n",
			        ($3 - $1) / n / 1024, ($4 - $2) / n / 1024 }'
			;;
		esac
		;;
	esac
	echo "  profile of loomd during $1 (perf record -e cpu-clock, all" \
	    "threads; self time):"
	echo "    by object: $(grep -v '^#' "$pd/$1.dso.txt" | grep '%' |
	    head -6 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"
	grep -v '^#' "$pd/$1.txt" | grep -v '^$' | head -15 | sed 's/^/    /'
	echo "    inclusive (self and callees), user-space functions:"
	grep '\[\.\] [A-Za-z_]' "$pd/$1.children.txt" |
	    sed 's/ (inlined)//' | head -24 |
	    awk '{ printf "%s%s %s", (NR % 4 == 1 ? "      " : ", "), $NF, $1;
	    if (NR % 4 == 0) printf "\n" } END { if (NR % 4) printf "\n" }'
	# Requests of the traced run: articles, ARTICLEs, or groups read.
	treq=$(sed -n 's/^RESULT .* ok=\([0-9]*\) .*/\1/p' \
	    "$tmp/$1-$2-t.out" 2>/dev/null)
	echo "    system calls per request (perf trace -s, $treq requests; per" \
	    "thread: calls per request, ms in total):"
	awk -v n="${treq:-1}" '
	    /^ *[^ ]+ \([0-9]+\), [0-9]+ events/ { th = $1 " " $2; k = 0 }
	    /^ *[a-z_0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+/ && th != "" && k < 7 {
	    line[th] = line[th] sprintf("%s%s %.2f/%.0f", (k ? ", " : ""), $1,
	    $2 / (n > 0 ? n : 1), $4); k++ }
	    END { for (t in line) printf "      %s %s\n", t, line[t] }' \
	    "$pd/$1.trace.txt" 2>/dev/null || true
	if [ -n "${PERF_DIR:-}" ]; then
		mkdir -p "$PERF_DIR"
		cp "$pd/$1.txt" "$pd/$1.children.txt" "$pd/$1.dso.txt" \
		    "$pd/$1.trace.txt" "$PERF_DIR/" 2>/dev/null || true
	fi
}

# rounds FIG COUNT TARGETS...: RUNS rounds, every target once per round,
# the order rotating.
failed=
rounds() {
	f=$1 count=$2
	shift 2
	targets=$*
	n=$#
	r=1
	while [ $r -le "$RUNS" ]; do
		# shellcheck disable=SC2086
		set -- $targets
		k=$(((r - 1) % n))
		while [ $k -gt 0 ]; do
			x=$1
			shift
			set -- "$@" "$x"
			k=$((k - 1))
		done
		for t in "$@"; do
			case " $failed " in *" $f.$t "*) continue ;; esac
			run "$t" "$f" "$r" "$count" || failed="$failed $f.$t"
		done
		r=$((r + 1))
	done
}

# acked TARGET: articles acknowledged by TARGET (warm-up, rounds, profile).
acked() {
	s=0
	for f in takethis post ihave; do
		for k in warm res prof; do
			s=$((s + $(total ok "$tmp/r/$f.$1.$k")))
		done
	done
	echo $s
}

# ---- figures 1 to 3: ingest
for f in takethis post ihave; do
	case $f in
	takethis) echo "1. TAKETHIS, $WINDOW in flight per connection" \
	    "(articles/s: 239 per second)" ;;
	post) echo "2. POST in lockstep: POST, 340, article, 240 (articles/s)" ;;
	ihave) echo "3. IHAVE in lockstep: IHAVE, 335, article, 235" \
	    "(articles/s)" ;;
	esac
	for t in $ingest_targets; do
		run "$t" "$f" w "$WARMUP" || failed="$failed $f.$t"
	done
	# shellcheck disable=SC2086
	rounds "$f" "$ARTICLES" $ingest_targets
	profile "$f" loom "$ARTICLES"
	echo
done

# ---- figures 4 and 5: reading
# Warm-ups (not counted) also give the sizes of the sink's canned replies:
# Loom's overview lines and articles, its articles per group.
echo "4. GROUP + OVER of whole groups; 5. random ARTICLE by number and by" \
    "Message-ID"
for t in $read_targets; do
	[ "$t" = sink ] && continue
	run "$t" over w 0 || failed="$failed over.$t"
	run "$t" artid w "$((REQUESTS / 10 + 1))" || failed="$failed artid.$t"
done
held=$(($(acked loom) / NGROUPS))
# avg KEY DIV ADD FILE: KEY / DIV + ADD of the result in FILE, rounded.
avg() {
	awk -v k="$1" -v d="$2" -v a="$3" '{
	    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	    if (f[d] + 0 > 0) printf "%d\n", f[k] / f[d] + a + 0.5 }' "$4" \
	    2>/dev/null | tail -1
}
ovlen=$(avg rx_octets lines 0 "$tmp/r/over.loom.warm")
artlen=$(avg rx_octets ok 3 "$tmp/r/artid.loom.warm")
start_sink -N "${held:-1000}" -O "${ovlen:-300}" -A "${artlen:-3300}"
echo "  sink restarted with Loom's sizes: $held articles per group," \
    "overview lines of ${ovlen:-300} octets, articles of ${artlen:-3300}" \
    "(port $sink_port)"
read_figs="over artnum artid"
[ "$QUICKACK" = 1 ] && read_figs="over overq artnum artnumq artid artidq"
for f in $read_figs; do
	case ${f%q} in
	over) count=0 ;;
	*) count=$REQUESTS ;;
	esac
	# shellcheck disable=SC2086
	rounds "$f" "$count" $read_targets
	case $f in *q) ;; *) profile "$f" loom "$count" ;; esac
done
echo

# ---- figure 6: memory per idle connection
# rss_of PID: "RSS PSS USS PTE" in KiB (PSS, USS from smaps_rollup).
rss_of() {
	{
		awk '/^VmRSS:/ { r = $2 } /^VmPTE:/ { t = $2 }
		    END { printf "%d %d ", r, t }' "/proc/$1/status"
		awk '/^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 }
		    END { printf "%d %d\n", p, u }' "/proc/$1/smaps_rollup"
	} 2>/dev/null | awk 'NF == 4 { print $1, $3, $4, $2 }'
}

# children_mem PPID: "N RSS PSS USS PTE" summed over PPID's children.
children_mem() {
	# (cat goes on past a process that just exited; mawk would not)
	cat /proc/[0-9]*/status 2>/dev/null | awk -v pp="$1" '
	    /^Pid:/ { pid = $2 } /^PPid:/ { if ($2 == pp) print pid }' |
	    while read -r c; do
		rss_of "$c"
	done | awk '{ n++; r += $1; p += $2; u += $3; t += $4 }
	    END { printf "%d %d %d %d %d\n", n, r, p, u, t }'
}

# hold_idle LABEL PORT TLS [N]: open N (IDLE_CONNS) idle connections in
# the background; returns once they are all open (or 1 on failure).
hold_idle() {
	o=$tmp/idle-$1.out
	tflag=
	[ "$3" = tls ] && tflag=-T
	"$gen" idle $tflag -n "${4:-$IDLE_CONNS}" -t 900 127.0.0.1 "$2" \
	    >"$o" 2>"$o.err" &
	idle_pid=$!
	i=0
	while ! grep -q '^ready' "$o" 2>/dev/null; do
		if ! kill -0 "$idle_pid" 2>/dev/null || [ $i -ge 3000 ]; then
			echo "run-vs-inn: idle connections to $1 failed:" >&2
			cat "$o.err" >&2
			stop_pid "$idle_pid"
			idle_pid=
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	sed -n 's/^ready /  /p' "$o" | sed "s/\$/ ($1)/"
	sleep 2		# let the server settle
}

# release_idle LABEL [N]: stop holding; a connection the server closed
# meanwhile is a problem.
release_idle() {
	stop_pid "$idle_pid"
	idle_pid=
	o=$tmp/idle-$1.out
	c=$(sed -n 's/^RESULT .*closed=\([0-9]*\).*/\1/p' "$o")
	if [ "${c:-x}" != 0 ]; then
		echo "NOTE: $1: ${c:-?} of ${2:-$IDLE_CONNS} idle connections were" \
		    "closed by the server or got output while held"
		problems=1
	fi
}

echo "6. memory per idle connection ($IDLE_CONNS connections that only" \
    "read the greeting)"
# Loom: restarted (the same data) so that the growth is measured from a
# fresh process; 10 connections first for one-time set-up costs.
# idle_loom KIND FLAGS [N [KEY]]: N (IDLE_CONNS) connections of KIND
# (plain, tls), the result kept as KEY (KIND).
idle_loom() {
	stop_pid "$loom_pid"
	loom_pid=
	key=${4:-$1}
	nconn=${3:-$IDLE_CONNS}
	start_loom loom no "$loomtls" "-idle-$key"
	if [ "$1" = tls ]; then port=$loom_tport; else port=$loom_port; fi
	# shellcheck disable=SC2086
	step "$gen" idle ${2:-} -n 10 -t 1 127.0.0.1 "$port" >/dev/null ||
	    problems=1
	sleep 1
	before=$(rss_of "$loom_pid")
	if hold_idle "loom-$key" "$port" "$1" "$nconn"; then
		after=$(rss_of "$loom_pid")
		echo "$before $after" >"$tmp/r/idle-$key.loom"
		echo "$before $after" | awk -v n="$nconn" '{
		    printf "  loom %-5s x %d: RSS %d -> %d KiB, PSS %d -> %d KiB:" \
		        " %.2f KiB RSS, %.2f KiB PSS per connection\n",
		        "'"$1"'", n, $1, $5, $2, $6, ($5 - $1) / n, ($6 - $2) / n }'
		release_idle "loom-$key" "$nconn"
	else
		problems=1
	fi
}
# INN: nnrpd forks a process per reader; the children of the nnrpd
# daemon are summed (RSS, PSS, private memory, page tables).
idle_inn() {
	ppid=$2
	before=$(children_mem "$ppid")
	if hold_idle "inn-$1" "$3" "$1"; then
		after=$(children_mem "$ppid")
		echo "$before $after" >"$tmp/r/idle-$1.inn"
		echo "$before $after" | awk -v n="$IDLE_CONNS" '{
		    printf "  inn  %-5s %d nnrpd processes: RSS %d KiB, PSS %d KiB," \
		        " private %d KiB, page tables %d KiB per connection\n",
		        "'"$1"'", $6 - $1, ($7 - $2) / n, ($8 - $3) / n,
		        ($9 - $4) / n, ($10 - $5) / n }'
		release_idle "inn-$1"
		if [ "$(echo "$after" | cut -d' ' -f1)" -ne \
		    $(($(echo "$before" | cut -d' ' -f1) + IDLE_CONNS)) ]; then
			echo "NOTE: inn $1: not one nnrpd per connection"
		fi
	else
		problems=1
	fi
}
if [ -n "$innrpid" ]; then
	idle_inn plain "$innrpid" "$inn_rport"
	if [ -n "$inntpid" ]; then
		sleep 2
		idle_inn tls "$inntpid" "$inn_tport"
	fi
fi
idle_loom plain
[ "$tls_ok" = 1 ] && idle_loom tls -T
# As many TLS readers as one loomd is meant to hold (INN would need an
# nnrpd of ~4.6 MiB RSS for each: not measured).
if [ "$tls_ok" = 1 ] && [ "$IDLE_MANY" -gt 0 ]; then
	idle_loom tls -T "$IDLE_MANY" tlsmany
fi
echo

# ---- stop everything, check what the servers hold, store sizes
stop_pid "$sink_pid"
sink_pid=
bad='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|loomd\[[0-9]+\] error: '
loomctl=$(dirname "$LOOMD")/loomctl
for t in loom loomnosync; do
	eval "pid=\$${t}_pid"
	[ -n "$pid" ] || continue
	if [ -x "$loomctl" ]; then
		have=$(step "$loomctl" -d "$tmp/$t-data" groups 2>/dev/null |
		    awk -v p="$PREFIX.g" 'index($1, p) == 1 { s += $3 }
		    END { print s + 0 }')
	fi
	stop_pid "$pid"
	eval "${t}_pid="
	for log in "$tmp/$t".log "$tmp/$t"-idle-*.log; do
		[ -f "$log" ] || continue
		if grep -E -q "$bad" "$log"; then
			echo "NOTE: errors in $(basename "$log"):"
			grep -E "$bad" "$log" | head -5 | sed 's/^/    /'
			problems=1
		fi
	done
	w=$(sed -n 's/.*info: writer: \(.*\)/\1/p' "$tmp/$t.log" | tail -1)
	want=$(acked "$t")
	echo "$t: the groups hold ${have:-?} articles; acknowledged: $want${w:+; writer: $w}"
	[ "${have:-x}" = "$want" ] || problems=1
done
loom_size=$(stat -c %s "$tmp/loom-data/data.mdb" 2>/dev/null || echo 0)
loom_alloc=$(du -k "$tmp/loom-data/data.mdb" 2>/dev/null |
    awk '{ print $1 * 1024 }')
# LMDB never shrinks its file: a compacted copy (loomctl backup) tells
# how much of it is live data and how much free pages.
loom_compact=0
if [ -x "$loomctl" ] && mkdir "$tmp/loom-compact" &&
    step "$loomctl" -d "$tmp/loom-data" backup "$tmp/loom-compact" \
    >/dev/null 2>&1; then
	loom_compact=$(stat -c %s "$tmp/loom-compact/data.mdb" 2>/dev/null ||
	    echo 0)
fi
rm -rf "$tmp/loom-compact"
if [ -n "$inn_pid" ]; then
	stop_inn
	want=$(acked inn)
	sed -n 's/^inn history \([0-9]*\) accepted \([0-9]*\) refused \([0-9]*\)/inn: \1 history entries, news log: \2 accepted by innd, \3 refused;/p' \
	    "$tmp/inn.out" | sed "s/\$/ acknowledged: $want/"
	sed -n 's/^inn refused: /    innd refused: /p' "$tmp/inn.out"
	sed 's/^/    /' "$tmp/inn.err"
fi
for f in takethis post ihave over overq artnum artnumq artid artidq; do
	for t in sink loom loomnosync inn; do
		x=$tmp/r/$f.$t.res
		[ -s "$x" ] || continue
		nbad=$(($(total other "$x") + $(total lost "$x") +
		    $(total mismatch "$x")))
		nref=$(total refused "$x")
		if [ "$nbad" -gt 0 ] || [ "$nref" -gt 0 ]; then
			echo "NOTE: $f against $t: $nref refused or missing," \
			    "$nbad other, unanswered or out-of-order replies"
			problems=1
		fi
	done
done
[ -z "$failed" ] || { echo "NOTE: failed runs:$failed"; problems=1; }

# ---- the tables
# figstat FIG TARGET: "median min max p50 p99" of the runs (p50/p99: medians).
figstat() {
	x=$tmp/r/$1.$2.res
	[ -s "$x" ] || return 0
	field rate <"$x" >"$tmp/v"
	med=$(median "$tmp/v")
	min=$(sort -g "$tmp/v" | head -1)
	max=$(sort -g "$tmp/v" | tail -1)
	field p50_ms <"$x" >"$tmp/v"
	p50=$(median "$tmp/v" %.2f)
	field p99_ms <"$x" >"$tmp/v"
	p99=$(median "$tmp/v" %.2f)
	echo "$med $min $max $p50 $p99"
}
echo
echo "All runs (median of $RUNS; rate per second of wall clock, first" \
    "command to last reply; p50/p99: per request, medians over the runs)"
printf '  %-9s %-11s %11s %23s %9s %9s\n' figure server rate "(min-max)" \
    "p50 ms" "p99 ms"
for f in takethis post ihave over overq artnum artnumq artid artidq; do
	for t in sink loom loomnosync inn; do
		s=$(figstat "$f" "$t")
		[ -n "$s" ] || continue
		# shellcheck disable=SC2086
		set -- $s
		printf '  %-9s %-11s %11s %23s %9s %9s\n' "$f" "$t" "$1" \
		    "($2-$3)" "$4" "$5"
	done
done

# The summary: one row per figure.
{
	for f in takethis post ihave over artnum artid overq artnumq artidq; do
		for t in sink loom loomnosync inn; do
			s=$(figstat "$f" "$t")
			[ -n "$s" ] && echo "R $f $t $s"
		done
	done
	for k in plain tls tlsmany; do
		for t in loom inn; do
			[ -s "$tmp/r/idle-$k.$t" ] &&
			    echo "M $k $t $(cat "$tmp/r/idle-$k.$t")"
		done
	done
	if [ -f "$tmp/inn.out" ]; then
		sed -n 's/^inn store /S inn /p' "$tmp/inn.out"
	fi
	echo "S loom size=$loom_size alloc=${loom_alloc:-0} compact=$loom_compact"
	echo "A $(acked loom) $(acked inn)"
} >"$tmp/summary.in"
echo
echo "Summary ($(date -u +%Y-%m-%d), commit $rev; $ncpu shared CPUs, noisy:" \
    "compare figures from one run only)"
echo
awk -v inn="$inn_ver" -v n="$IDLE_CONNS" -v many="$IDLE_MANY" -v window="$WINDOW" \
    -v conns="$CONNS" -v runs="$RUNS" '
$1 == "R" { rate[$2, $3] = $4; p50[$2, $3] = $7; p99[$2, $3] = $8; next }
$1 == "M" { mem[$2, $3] = $0; next }
$1 == "S" { for (i = 3; i <= NF; i++) { split($i, kv, "=");
    store[$2, kv[1]] = kv[2] } next }
$1 == "A" { acked_loom = $2; acked_inn = $3; next }
function num(v, d) {
	if (v == "") return "-"
	return sprintf("%." d "f", v)
}
function ratio(a, b,   r) {
	if (a == "" || a == "-" || b == "" || b == "-" || b + 0 == 0)
		return "-"
	r = a / b
	if (r >= 100) return sprintf("%.0f", r)
	if (r >= 0.1) return sprintf("%.2f", r)
	return sprintf("%.3f", r)
}
function row(label, l, i, c) {
	printf "| %s | %s | %s | %s | %s |\n", label, l, i, ratio(l, i), c
}
function rrow(label, f, lt) {
	row(label, num(rate[f, lt], 0), num(rate[f, "inn"], 0),
	    num(rate[f, "sink"], 0))
}
function lrow(label, f) {
	if (p50[f, "loom"] == "" && p50[f, "inn"] == "") return
	printf "| %s | %s / %s | %s / %s | %s | %s / %s |\n", label,
	    p50[f, "loom"] == "" ? "-" : p50[f, "loom"],
	    p99[f, "loom"] == "" ? "-" : p99[f, "loom"],
	    p50[f, "inn"] == "" ? "-" : p50[f, "inn"],
	    p99[f, "inn"] == "" ? "-" : p99[f, "inn"],
	    ratio(p50[f, "loom"], p50[f, "inn"]),
	    p50[f, "sink"] == "" ? "-" : p50[f, "sink"],
	    p99[f, "sink"] == "" ? "-" : p99[f, "sink"]
}
# mem: "before(RSS PSS USS PTE) after(...)" for Loom; for INN "before(N
# RSS PSS USS PTE) after(...)"; KiB per connection.
function memrow(label, k, nn,   a, l, i) {
	l = "-"; i = "-"
	if (nn == "") nn = n
	if (mem[k, "loom"] != "") {
		split(mem[k, "loom"], a, " ")
		l = sprintf("%.1f", (a[8] - a[4]) / nn)
	}
	if (mem[k, "inn"] != "") {
		split(mem[k, "inn"], a, " ")
		i = sprintf("%.1f", (a[11] - a[6]) / n)
	}
	row(label, l, i, "n/a")
}
END {
	printf "| figure | Loom | %s | Loom / INN | generator ceiling |\n", inn
	printf "|---|---|---|---|---|\n"
	rrow("1. TAKETHIS, " window " in flight x " conns " conns (articles/s)",
	    "takethis", "loom")
	rrow("2. POST in lockstep (articles/s)", "post", "loom")
	rrow("3. IHAVE in lockstep (articles/s)", "ihave", "loom")
	rrow("4. GROUP + OVER of whole groups (overview lines/s)", "over",
	    "loom")
	rrow("5a. random ARTICLE by number (requests/s)", "artnum", "loom")
	lrow("5a. ... latency p50 / p99 (ms; lower is better)", "artnum")
	rrow("5b. random ARTICLE by Message-ID (requests/s)", "artid", "loom")
	lrow("5b. ... latency p50 / p99 (ms; lower is better)", "artid")
	memrow("6. memory per idle connection (KiB; Loom RSS, INN PSS; lower is better)",
	    "plain")
	memrow("6. memory per idle TLS connection (KiB; lower is better)",
	    "tls")
	if (mem["tlsmany", "loom"] != "")
		memrow("6. ... " many " idle TLS connections, Loom alone (KiB each)",
		    "tlsmany", many)
	if (store["loom", "size"] > 0) {
		it = ""
		if (store["inn", "articles"] != "") {
			split(store["inn", "articles"], x, "/"); it = x[2]
			split(store["inn", "overview"], x, "/"); it += x[2]
			split(store["inn", "history"], x, "/"); it += x[2]
		}
		row("store size after the run (MiB on disk, du; lower is better)",
		    sprintf("%.1f", store["loom", "alloc"] / 1048576),
		    it == "" ? "-" : sprintf("%.1f", it / 1048576), "n/a")
	}
	print ""
	print "Like-for-like extras:"
	print ""
	printf "| figure | Loom | %s | Loom / INN | generator ceiling |\n", inn
	printf "|---|---|---|---|---|\n"
	rrow("1. TAKETHIS, Loom nosync = yes (no fsync, as INN)", "takethis",
	    "loomnosync")
	rrow("2. POST, Loom nosync = yes", "post", "loomnosync")
	rrow("3. IHAVE, Loom nosync = yes", "ihave", "loomnosync")
	rrow("4. GROUP + OVER, client ACKs at once (lines/s)", "overq", "loom")
	rrow("5a. ARTICLE by number, client ACKs at once (requests/s)",
	    "artnumq", "loom")
	lrow("5a. ... latency p50 / p99 (ms)", "artnumq")
	rrow("5b. ARTICLE by Message-ID, client ACKs at once (requests/s)",
	    "artidq", "loom")
	lrow("5b. ... latency p50 / p99 (ms)", "artidq")
	print ""
	if (store["loom", "size"] > 0) {
		split(store["loom", "alloc"], x, "/")
		printf "Store (MiB: apparent size, then on disk): Loom data.mdb" \
		    " %.1f (%.1f; compacted copy %.1f) for %d articles",
		    store["loom", "size"] / 1048576,
		    store["loom", "alloc"] / 1048576,
		    store["loom", "compact"] / 1048576, acked_loom
		if (store["inn", "articles"] != "") {
			split(store["inn", "articles"], a, "/")
			split(store["inn", "overview"], o, "/")
			split(store["inn", "history"], h, "/")
			printf "; INN %.1f (%.1f) for %d articles:" \
			    " spool %.1f (%.1f), overview %.1f (%.1f), history" \
			    " %.1f (%.1f), %d files", (a[1] + o[1] + h[1]) / 1048576,
			    (a[2] + o[2] + h[2]) / 1048576, acked_inn,
			    a[1] / 1048576, a[2] / 1048576, o[1] / 1048576,
			    o[2] / 1048576, h[1] / 1048576, h[2] / 1048576,
			    store["inn", "files"]
		}
		printf "\n"
	}
}' "$tmp/summary.in"
echo
echo "Loom: durable (fsync before the ack), its defaults except the reader" \
    "limits INN lacks (commands_per_second = 0, max_connections and"
echo "max_connections_per_host = $MAXCONN). $inn_ver: innd does not fsync" \
    "articles (not durable). Rates: higher is better; Loom / INN above 1:"
echo "Loom is faster. Ceiling: the same generator against nntpgen sink," \
    "which does nothing; a server near it is not measurable here."
echo "Memory: Loom's RSS growth over $IDLE_CONNS connections (and over" \
    "$IDLE_MANY TLS ones); INN's PSS summed over its nnrpd processes (one"
echo "per connection); per connection."
echo "\"Client ACKs at once\": the generator sets TCP_QUICKACK after every" \
    "read, so nnrpd's replies (several writes, no TCP_NODELAY) do not"
echo "wait ~40 ms for a delayed ACK; the main rows use a plain client, as" \
    "newsreaders are."
[ -z "$inn_note" ] || echo "$inn_note"
t_end=$(date +%s)
echo "Total run time: $((t_end - t_start)) s"
if [ "$problems" != 0 ]; then
	echo "run-vs-inn: some replies or checks were not as expected" \
	    "(NOTE lines above)"
	exit 1
fi
exit 0
