#!/bin/sh
# idle-memory.sh: what an idle reader costs loomd, plain and TLS, for a
# few hundred connections and for ten thousand TLS ones (figure 6 of
# issue #14, Loom alone; run-vs-inn.sh measures the same beside INN).
#
#   sh tests/bench/idle-memory.sh            # build/loomd, ~2 min
#   QUICK=1 sh tests/bench/idle-memory.sh    # 100 and 1,000 connections, ~15 s
#
# For every round and every kind (plain, tls, and tls with MANY
# connections) a fresh loomd is started on an empty store, 10 connections
# are opened and closed (one-time set-up: OpenSSL's tables, libevent's
# maps), then N connections are opened by nntpgen idle, each reads the
# greeting (over TLS: after the handshake) and says nothing.  loomd's RSS
# and PSS (/proc/PID/status, smaps_rollup) and its heap (the [heap]
# mapping's Rss: the loop thread allocates from the main arena) are read
# before and 2 s after; the growth divided by N is the cost of one idle
# connection.  Medians over the rounds are reported.  It reports and never
# fails on a figure; it exits non-zero only when something did not work.
#
# Environment (QUICK=1 values in brackets):
#   LOOMD   the server (default: build/loomd)    NNTPGEN  a prebuilt nntpgen
#   CONNS   connections for the plain and TLS rows (500 [100])
#   MANY    connections for the many-TLS row (10000 [1000]; 0: skip)
#   RUNS    rounds (3 [1])       TLS=0  plain only      CC, TMPDIR
#   IDLE_CMD  a command each connection sends before it idles (one-line
#           reply, e.g. "GROUP local.test"; default none: greeting only)
#   BENCH_KEEP=1 keep the temp dir (logs, configs)
#
# Everything listens on 127.0.0.1 with ephemeral ports; every process
# started here is stopped by its PID on exit, failure or ^C.
#
# shellcheck disable=SC3045         # (ulimit -n: dash and bash have it)
# shellcheck disable=SC2154         # (x is set by eval)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
case $LOOMD in /*) ;; *) LOOMD=$PWD/$LOOMD ;; esac
QUICK=${QUICK:-0}
CC=${CC:-cc}
TLS=${TLS:-1}
if [ "$QUICK" = 1 ]; then
	CONNS=${CONNS:-100} MANY=${MANY:-1000} RUNS=${RUNS:-1}
else
	CONNS=${CONNS:-500} MANY=${MANY:-10000} RUNS=${RUNS:-3}
fi
for v in CONNS MANY RUNS; do
	eval "x=\$$v"
	case $x in
	'' | *[!0-9]*) echo "idle-memory: $v must be a number" >&2; exit 2 ;;
	esac
done
if [ "$RUNS" -lt 1 ] || [ "$CONNS" -lt 1 ]; then
	echo "idle-memory: RUNS and CONNS must be at least 1" >&2
	exit 2
fi
if [ ! -x "$LOOMD" ]; then
	echo "idle-memory: no loomd at $LOOMD (build it, or set LOOMD)" >&2
	exit 2
fi

# Both loomd and the generator hold one descriptor per connection.
most=$CONNS
[ "$MANY" -le "$most" ] || most=$MANY
need_fds=$((most + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
	ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" \
	    2>/dev/null || true
fi
fds=$(ulimit -n)
if [ "$fds" != unlimited ] && [ "$fds" -lt "$need_fds" ]; then
	lim=$((fds - 256))
	[ "$lim" -ge 10 ] || lim=10
	[ "$CONNS" -le "$lim" ] || CONNS=$lim
	[ "$MANY" -le "$lim" ] || MANY=$lim
	echo "idle-memory: ulimit -n is $fds: at most $lim connections"
fi
MAXCONN=$((most + 100))

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loom-idle-XXXXXX")
loom_pid=
idle_pid=

stop_pid() {
	pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "idle-memory: $pid did not stop; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	stop_pid "$idle_pid"
	stop_pid "$loom_pid"
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "idle-memory: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${NNTPGEN:-}" ]; then
	gen=$NNTPGEN
else
	gen=$tmp/nntpgen
	# shellcheck disable=SC2046
	$CC -std=c11 -O2 -Wall -Wextra -pthread -o "$gen" "$here/nntpgen.c" \
	    $(pkg-config --cflags --libs openssl 2>/dev/null ||
	    echo -lssl -lcrypto)
fi

tls_ok=0
if [ "$TLS" = 1 ]; then
	mkdir "$tmp/tls"
	if timeout 120 openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -keyout "$tmp/tls/key.pem" \
	    -out "$tmp/tls/cert.pem" >"$tmp/tls/openssl.out" 2>&1; then
		tls_ok=1
	else
		echo "idle-memory: openssl req failed; no TLS rows:" >&2
		cat "$tmp/tls/openssl.out" >&2
	fi
fi

# The bench's own limits: as many connections as it opens, from one
# address; no command rate (nothing is sent anyway).
cat >"$tmp/loom.conf" <<EOF
[server]
max_connections = $MAXCONN
max_connections_per_host = $MAXCONN
[limits]
commands_per_second = 0
EOF
if [ "$tls_ok" = 1 ]; then
	printf '[tls]\ncert = %s\nkey = %s\nlisten = 127.0.0.1:0\n' \
	    "$tmp/tls/cert.pem" "$tmp/tls/key.pem" >>"$tmp/loom.conf"
fi

# start_loom NAME: a fresh loomd on an empty store; sets port, tport.
start_loom() {
	rm -rf "$tmp/data"
	mkdir "$tmp/data"
	log=$tmp/$1.log
	: >"$log"
	"$LOOMD" --foreground --listen 127.0.0.1:0 --data "$tmp/data" \
	    --config "$tmp/loom.conf" >"$log" 2>&1 &
	loom_pid=$!
	i=0
	while ! grep -q 'ready to accept connections' "$log"; do
		if ! kill -0 "$loom_pid" 2>/dev/null || [ $i -ge 300 ]; then
			echo "idle-memory: loomd did not start:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	port=$(grep 'listening on' "$log" | grep -v '(TLS)' |
	    sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' |
	    head -1)
	tport=$(grep 'listening on .*(TLS)' "$log" |
	    sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' |
	    head -1)
}

# mem_of PID: "RSS PSS HEAP" in KiB.
mem_of() {
	r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	p=$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")
	h=$(awk '/\[heap\]/ { h = 1; next } h && /^Rss:/ { print $2; exit }' \
	    "/proc/$1/smaps")
	echo "$r $p ${h:-0}"
}

# measure KIND N ROUND: one fresh loomd, N idle connections of KIND.
problems=0
measure() {
	start_loom "$1-$2-$3"
	tflag=
	p=$port
	if [ "$1" = tls ]; then
		tflag=-T
		p=$tport
	fi
	# shellcheck disable=SC2086
	timeout 60 "$gen" idle $tflag -n 10 -t 1 127.0.0.1 "$p" >/dev/null ||
	    problems=1
	sleep 1
	before=$(mem_of "$loom_pid")
	o=$tmp/idle-$1-$2-$3.out
	# shellcheck disable=SC2086
	"$gen" idle $tflag -n "$2" -t 900 ${IDLE_CMD:+-C "$IDLE_CMD"} \
	    127.0.0.1 "$p" >"$o" 2>"$o.err" &
	idle_pid=$!
	i=0
	while ! grep -q '^ready' "$o" 2>/dev/null; do
		if ! kill -0 "$idle_pid" 2>/dev/null || [ $i -ge 6000 ]; then
			echo "idle-memory: $2 $1 connections failed:" >&2
			cat "$o.err" >&2
			stop_pid "$idle_pid"
			idle_pid=
			stop_pid "$loom_pid"
			loom_pid=
			problems=1
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	sleep 2		# let the server settle
	after=$(mem_of "$loom_pid")
	stop_pid "$idle_pid"
	idle_pid=
	c=$(sed -n 's/^RESULT .*closed=\([0-9]*\).*/\1/p' "$o")
	if [ "${c:-x}" != 0 ]; then
		echo "NOTE: $1 x $2: ${c:-?} connections were closed by loomd" \
		    "or got output while held"
		problems=1
	fi
	secs=$(sed -n 's/^ready .* in \([0-9.]*\) s$/\1/p' "$o")
	stop_pid "$loom_pid"
	loom_pid=
	echo "$before $after" | awk -v n="$2" -v k="$1" -v r="$3" -v s="$secs" '{
	    printf "  round %d: %-5s x %5d: RSS %6d -> %6d KiB, PSS %6d -> %6d" \
	        " KiB, heap %6d -> %6d KiB: %6.2f KiB RSS, %6.2f KiB PSS," \
	        " %6.2f KiB heap per connection (opened in %s s)\n",
	        r, k, n, $1, $4, $2, $5, $3, $6, ($4 - $1) / n, ($5 - $2) / n,
	        ($6 - $3) / n, s
	    printf "%s %s %.3f %.3f %.3f\n", k, n, ($4 - $1) / n,
	        ($5 - $2) / n, ($6 - $3) / n >> "'"$tmp/results"'" }'
}

echo "idle-memory: loomd $LOOMD; $RUNS round(s); $CONNS plain and TLS" \
    "connections${MANY:+, $MANY TLS}; each reads the greeting${IDLE_CMD:+," \
    "sends $IDLE_CMD} and idles"
: >"$tmp/results"
r=1
while [ $r -le "$RUNS" ]; do
	measure plain "$CONNS" $r
	if [ "$tls_ok" = 1 ]; then
		measure tls "$CONNS" $r
		[ "$MANY" -eq 0 ] || measure tls "$MANY" $r
	fi
	r=$((r + 1))
done

echo
echo "Medians over $RUNS round(s), growth of loomd per idle connection:"
printf '  %-5s %6s %12s %12s %12s\n' kind conns "KiB RSS" "KiB PSS" "KiB heap"
awk '{ print $1, $2 }' "$tmp/results" | sort -u | sort -k1,1 -k2n |
    while read -r k n; do
	printf '  %-5s %6d' "$k" "$n"
	for f in 3 4 5; do
		awk -v k="$k" -v n="$n" -v f="$f" '$1 == k && $2 == n { print $f }' \
		    "$tmp/results" | sort -g | awk '{ v[NR] = $1 } END {
		    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		    printf " %12.2f", m }'
	done
	echo
done
[ "$problems" = 0 ] || { echo "idle-memory: there were problems (above)"; exit 1; }
