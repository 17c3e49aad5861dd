#!/bin/sh
# store-pages.sh: pages written per article and store octets per article
# for the bench's workload (nntpgen: ~3 KiB articles, threads of six in a
# chain across 16 groups), POST-shaped (8 connections, one article each in
# flight: small batches) and TAKETHIS-shaped (big batches).  Deterministic
# measures, not timings: loomd runs with LOOM_STORE_IOSTATS=1 and logs at
# exit what its commits wrote (write(2) octets of the committing thread
# across mdb_txn_commit, in pages) and the pages of each database.
#
#   sh tests/bench/store-pages.sh            # 4000 articles per shape
#   N=20000 NOSYNC=no sh tests/bench/store-pages.sh
#
# Environment: LOOMD (build/loomd), N (4000), CONNS (8), NGROUPS (16),
# SIZE (3072), NOSYNC (yes: the page counts do not depend on it), SHAPES
# ("post takethis"), BATCH_MAX (the writer's batch_max; with takethis it
# makes every batch that size: deterministic batch shapes), KEEP=1 keeps
# the temporary directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
LOOMD=${LOOMD:-$top/build/loomd}
N=${N:-4000}
CONNS=${CONNS:-8}
NGROUPS=${NGROUPS:-16}
SIZE=${SIZE:-3072}
NOSYNC=${NOSYNC:-yes}
SHAPES=${SHAPES:-post takethis}
CC=${CC:-cc}
tmp=$(mktemp -d /tmp/loom-pages-XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
gen=$tmp/nntpgen
$CC -std=c11 -O2 -Wall -Wextra -pthread -o "$gen" "$here/nntpgen.c" \
    -lssl -lcrypto || exit 1

for shape in $SHAPES; do
	d=$tmp/$shape
	mkdir -p "$d/data"
	{
		printf '[limits]\ncommands_per_second = 0\n'
		printf '[storage]\nnosync = %s\n' "$NOSYNC"
		[ -z "${BATCH_MAX:-}" ] || printf 'batch_max = %s\n' "$BATCH_MAX"
		g=0
		while [ $g -lt "$NGROUPS" ]; do
			printf '[group local.bench.g%02d]\nstatus = y\n' $g
			g=$((g + 1))
		done
	} >"$d/loom.conf"
	LOOM_STORE_IOSTATS=1 "$LOOMD" --foreground --listen 127.0.0.1:0 \
	    --data "$d/data" --config "$d/loom.conf" >"$d/log" 2>&1 &
	pid=$!
	i=0
	while ! grep -q 'ready to accept connections' "$d/log"; do
		if ! kill -0 $pid 2>/dev/null || [ $i -ge 300 ]; then
			echo "store-pages: loomd did not start" >&2
			tail "$d/log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$d/log" | head -1)
	"$gen" "$shape" -c "$CONNS" -n "$N" -s "$SIZE" -G "$NGROUPS" \
	    -g local.bench -r "pages$$" 127.0.0.1 "$port" >"$d/gen" 2>&1
	kill -TERM $pid
	wait $pid
	echo "== $shape: $N articles, $CONNS connections, nosync=$NOSYNC" \
	    "batch_max=${BATCH_MAX:-default}"
	grep RESULT "$d/gen"
	grep -E 'writer: |store: ' "$d/log" | sed 's/^.*\(writer: \|store: \)/\1/'
done
