#!/bin/sh
# Run every test program and count test cases.  Each program speaks TAP
# ("ok N - name" / "not ok N - name"): cmocka via CMOCKA_MESSAGE_OUTPUT, the
# integration scripts through tests/integration/harness.py (or Test::More).
# A program that exits non-zero without reporting a failure counts as one
# failed case, so a crash can never pass silently.
#
# Skips are listed with their reasons at the end.  With CI set (as CI
# services set it: CI=true), a skip for a missing dependency ("# SKIP
# missing dependency: ...", harness.missing_dependency) counts as a
# failure, whichever program printed it: an install step missing from CI
# must turn the run red, not quietly shrink it.
#
# usage: tests/run.sh UNIT_BINARY...   (BUILD and PYTHON from the environment;
#        UNIT_ONLY=1 runs the unit binaries alone, INTEGRATION_ONLY=1 the
#        scripts of tests/integration alone; TEST_LOOMD, if set, is the
#        loomd the scripts start instead of $BUILD/loomd, e.g. the valgrind
#        wrapper of tests/soak)
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-python3}
case $BUILD in /*) bdir=$BUILD ;; *) bdir=$PWD/$BUILD ;; esac
export LOOMD="${TEST_LOOMD:-$bdir/loomd}" LOOMCTL="$bdir/loomctl"
export LOOM_TESTDATA="$PWD/tests/data"
export CMOCKA_MESSAGE_OUTPUT=TAP
# Sanitizer runs: fail on the first report, and leak checks at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

case $(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]') in
""|0|false|no) ci=0 ;;
*) ci=1 ;;
esac

passed=0 failed=0 skipped=0
failures=""
log=$(mktemp)
skips=$(mktemp)
trap 'rm -f "$log" "$skips"' EXIT

run_one() {
	name=$1; shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -cE '^ok [0-9]+' "$log")
	s=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	grep -E '^ok [0-9]+.*# *(SKIP|skip)' "$log" | sed "s|^|$name: |" >>"$skips"
	if [ "$ci" = 1 ]; then
		m=$(grep -ciE '^ok [0-9]+.*# *skip +missing dependency' "$log")
		if [ "$m" -gt 0 ]; then
			echo "not ok - $name: $m skipped for a missing dependency, and CI is set"
			s=$((s - m)) f=$((f + m))
		fi
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures="$failures $name"
	return 0
}

for bin in "$@"; do
	run_one "$bin" "$bin"
done
[ "${UNIT_ONLY:-0}" = 1 ] && skip_scripts=1
interop=tests/interop/test_*.py
[ "${INTEGRATION_ONLY:-0}" = 1 ] && interop=
for t in tests/integration/test_*.py $interop; do
	[ -e "$t" ] && [ -z "${skip_scripts:-}" ] || continue
	run_one "$t" "$PYTHON" "$t"
done
for t in tests/integration/test_*.pl; do
	[ -e "$t" ] && [ -z "${skip_scripts:-}" ] || continue
	run_one "$t" perl "$t"
done

echo
if [ -s "$skips" ]; then
	echo "skipped:"
	sed 's/^/  /' "$skips"
fi
[ -n "$failures" ] && echo "failed programs:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
