#!/bin/sh
# loomd under valgrind memcheck, for LOOMD=: the tests start this script
# instead of the binary and it becomes valgrind (exec), so the PID they
# signal is the server's own.  Any memory error, or a definite leak at
# exit, makes the exit status 99; the report goes to stderr, i.e. the
# test's loomd.log, where harness.py finds it.
#
#   LOOMD_REAL   the binary (default: build/loomd beside this work tree)
#   VALGRIND     the valgrind program (default: valgrind)
#   LOOM_VALGRIND_TALLY  a file to append "PID arguments" to, one line per
#                run (the soak counts them); exec keeps the PID
here=$(cd "$(dirname "$0")" && pwd)
real=${LOOMD_REAL:-$here/../../build/loomd}
if [ -n "${LOOM_VALGRIND_TALLY:-}" ]; then
	echo "$$ $*" >>"$LOOM_VALGRIND_TALLY"
fi
exec "${VALGRIND:-valgrind}" --tool=memcheck --error-exitcode=99 \
	--leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --num-callers=30 \
	--child-silent-after-fork=yes \
	--suppressions="$here/valgrind.supp" \
	"$real" "$@"
