#!/bin/sh
# What one OVER line costs loomd, in measures a shared machine does not
# disturb: instructions (callgrind) and system calls (strace -c), per line
# of a fixed OVER of a fixed group.  Reports only; it never fails on a
# figure.
#
#   sh tests/bench/over-cost.sh                 # build/loomd, ~1 min
#   LOOMD=/path/to/loomd sh tests/bench/over-cost.sh
#   DATA=/path/to/kept/data sh tests/bench/over-cost.sh   # reuse a store
#
# A loomd (nosync, for the load only) gets ARTICLES (20000) articles of
# about 3 KiB in one group through TAKETHIS (tests/bench/nntpgen.c), and
# stops.  Then loomd runs twice under callgrind on that store, with one
# connection doing GROUP + OVER of the whole group once, then 1 + PASSES
# (5) times; the difference of the two instruction totals divided by the
# lines of PASSES OVERs is what a line costs in the server's own code and
# libraries (start-up, the load of the store and the first pass cancel
# out).  Then once more without valgrind, under strace -c -f, PASSES
# OVERs: system calls per line (the kernel's work is not in callgrind's
# count).  The store is kept with DATA, so two builds can be compared on
# the same articles: older builds wrote another numbers format, which this
# one reads (docs/storage.md), but not the other way round.
#
# Environment: LOOMD (build/loomd), ARTICLES (20000), PASSES (5), CC,
# DATA (a store to use, made and kept if missing), BENCH_KEEP=1 (keep the
# temp dir).  Needs valgrind; strace and python3 (the fixed cost of a
# short OVER) are optional.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
case $LOOMD in /*) ;; *) LOOMD=$PWD/$LOOMD ;; esac
ARTICLES=${ARTICLES:-20000}
PASSES=${PASSES:-5}
CC=${CC:-cc}
GROUP=local.bench

[ -x "$LOOMD" ] || { echo "over-cost: no loomd at $LOOMD" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 ||
    { echo "over-cost: valgrind is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loom-over-cost-XXXXXX")
pid=
spid=

# Stop a process we started, by its PID.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
	set +e
	stop_pid "$spid"
	stop_pid "$pid"
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "over-cost: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$CC" -O2 -o "$tmp/nntpgen" "$here/nntpgen.c" -lssl -lcrypto -lpthread

printf '[limits]\ncommands_per_second = 0\n[storage]\nnosync = %s\n[group %s]\nstatus = y\n' \
    yes "$GROUP" >"$tmp/load.conf"
printf '[limits]\ncommands_per_second = 0\n[group %s]\nstatus = y\n' \
    "$GROUP" >"$tmp/read.conf"

# start CONF LOG [WRAPPER...]: start loomd on $DATA; sets pid and port.
start() {
	conf=$1 log=$2
	shift 2
	: >"$log"
	"$@" "$LOOMD" --foreground --listen 127.0.0.1:0 --data "$DATA" \
	    --config "$conf" >"$log" 2>&1 &
	pid=$!
	i=0
	while ! grep -q 'ready to accept connections' "$log"; do
		if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 1200 ]; then
			echo "over-cost: loomd did not start:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$log" | head -1)
}

# over N: N passes of GROUP + OVER of the group on one connection; prints
# the generator's RESULT line.
over() {
	"$tmp/nntpgen" over -c 1 -P "$1" -t 600 -g "$GROUP" -G 1 127.0.0.1 \
	    "$port" | sed -n 's/^RESULT //p'
}

field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

if [ -z "${DATA:-}" ]; then
	DATA=$tmp/data
fi
if [ ! -e "$DATA/data.mdb" ]; then
	mkdir -p "$DATA"
	start "$tmp/load.conf" "$tmp/load.log"
	"$tmp/nntpgen" takethis -c 4 -w 64 -s 3072 -n "$ARTICLES" \
	    -g "$GROUP" -G 1 -r "cost$$" 127.0.0.1 "$port" >"$tmp/load.out"
	grep -q "ok=$ARTICLES " "$tmp/load.out" || {
		echo "over-cost: the load failed:" >&2
		cat "$tmp/load.out" >&2
		exit 1
	}
	stop_pid "$pid"
	pid=
fi

# cg N: loomd under callgrind doing `over N`; its instruction total goes
# to $tmp/total.N, the generator's result to $tmp/over.N.  (Not in a
# command substitution: the trap must see the PID.)
cg() {
	start "$tmp/read.conf" "$tmp/cg$1.log" valgrind --tool=callgrind \
	    --callgrind-out-file="$tmp/callgrind.$1"
	over "$1" >"$tmp/over.$1"
	stop_pid "$pid"
	pid=
	sed -n 's/^summary: //p' "$tmp/callgrind.$1" >"$tmp/total.$1"
}
cg 1
cg $((PASSES + 1))
i1=$(cat "$tmp/total.1")
iN=$(cat "$tmp/total.$((PASSES + 1))")
r=$(cat "$tmp/over.1")
lines=$(field lines "$r")
octets=$(field rx_octets "$r")
case $lines in
'' | 0 | *[!0-9]*)
	echo "over-cost: OVER returned no lines: $r" >&2
	exit 1
	;;
esac
echo "loomd:       $LOOMD"
echo "group:       $lines lines, $((octets / lines)) octets a line"
echo "instructions per OVER line: $(( (iN - i1) / (lines * PASSES) ))" \
    "(callgrind: $i1 for 1 pass, $iN for $((PASSES + 1)))"

# The fixed cost of a command: 100, then 1,100 "OVER 100-101" on one
# connection, one at a time, loomd under callgrind; the difference per
# command (a newsreader catching up on a group sends short OVERs).
cat >"$tmp/short.py" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(("GROUP %s\r\n" % sys.argv[3]).encode())
f.readline()
for i in range(int(sys.argv[2])):
    s.sendall(b"OVER 100-101\r\n")
    if not f.readline().startswith(b"224"):
        sys.exit("OVER 100-101 failed")
    while f.readline() != b".\r\n":
        pass
EOF
short() {
	start "$tmp/read.conf" "$tmp/short$1.log" valgrind --tool=callgrind \
	    --callgrind-out-file="$tmp/callgrind.short.$1"
	python3 "$tmp/short.py" "$port" "$1" "$GROUP"
	stop_pid "$pid"
	pid=
	sed -n 's/^summary: //p' "$tmp/callgrind.short.$1" \
	    >"$tmp/total.short.$1"
}
if command -v python3 >/dev/null 2>&1; then
	short 100
	short 1100
	s1=$(cat "$tmp/total.short.100")
	s2=$(cat "$tmp/total.short.1100")
	echo "instructions per OVER command of 2 lines: $(( (s2 - s1) / 1000 ))"
fi

if command -v strace >/dev/null 2>&1; then
	start "$tmp/read.conf" "$tmp/strace.log"
	strace -c -f -p "$pid" -o "$tmp/strace.out" 2>/dev/null &
	spid=$!
	sleep 1
	over "$PASSES" >/dev/null
	kill -INT "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=
	stop_pid "$pid"
	pid=
	awk -v n="$((lines * PASSES))" '
	    $NF == "total" { printf "system calls per 1000 lines: %.1f\n", \
	        $4 * 1000 / n }
	    $NF ~ /^(writev|epoll_wait|write|sendmsg)$/ {
	        more = more sprintf("  %-10s %d (%.1f per 1000 lines)\n", \
	        $NF, $4, $4 * 1000 / n) }
	    END { printf "%s", more }' "$tmp/strace.out"
fi
