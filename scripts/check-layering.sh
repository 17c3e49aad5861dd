#!/bin/sh
# The arrows between Loom's layers and subsystems (docs/architecture.md).
# A violation fails the build.
#
#   proto/      pure (libc only)
#   storage/    alone includes lmdb.h; knows nothing of the server
#   server/policy/  access, limits, passwords: reaches no command handler,
#                   no intake, no feed
#   server/feed/    outgoing feeds: no command handler, no intake
#   server/intake/  articles coming in: no command handler
#   server/core/    loop, sessions, config: the command handlers only
#                   through session.c (dispatch_line, the greeting)
#   server/ctl/     loomctl: no loop, no sessions, no handlers
#   server/http/    the web pages: store.h, proto/, server/core and
#                   server/policy/access.h (and ratelimit.h) only; nothing
#                   but server/loomd.c and server/core/server.c includes it
set -u
rc=0

fail() {
	echo "layering: $1:"
	echo "$2"
	rc=1
}

bad=$(grep -nE '#include *[<"](event2/|lmdb\.h|openssl/|store\.h|server\.h|session\.h)' proto/*.[ch] 2>/dev/null)
[ -n "$bad" ] && fail "proto/ must stay pure" "$bad"
bad=$(grep -nE '#include *[<"](event2/|openssl/|server\.h|session\.h)' storage/*.[ch] 2>/dev/null)
[ -n "$bad" ] && fail "storage/ must not reach into the server" "$bad"
bad=$(grep -lE '#include *[<"]lmdb\.h' server/*.c server/*/*.[ch] tests/unit/*.c 2>/dev/null)
[ -n "$bad" ] && fail "only storage/ speaks LMDB" "$bad"

# headers DIR...: the header names defined in those folders, as a regex
headers() {
	for d in "$@"; do
		for h in "server/$d"/*.h; do
			[ -e "$h" ] && printf '%s|' "$(basename "$h" | sed 's/\./\\./g')"
		done
	done | sed 's/|$//'
}

# forbid FROM FILES... -- DIR...: FILES may include no header of DIRs
forbid() {
	what=$1
	shift
	files=""
	while [ "$1" != "--" ]; do
		files="$files $1"
		shift
	done
	shift
	re=$(headers "$@")
	[ -n "$re" ] || return 0
	# shellcheck disable=SC2086
	bad=$(grep -nE "#include *\"($re)\"" $files 2>/dev/null)
	[ -n "$bad" ] && fail "$what" "$bad"
	return 0
}

forbid "server/policy/ reaches no handler, intake or feed" \
    server/policy/*.[ch] -- nntp intake feed ctl
forbid "server/feed/ reaches no handler or intake" \
    server/feed/*.[ch] -- nntp intake ctl
forbid "server/intake/ reaches no handler" \
    server/intake/*.[ch] -- nntp ctl
core_files=$(ls server/core/*.[ch] | grep -v '^server/core/session\.c$')
# shellcheck disable=SC2086
forbid "server/core/ reaches the handlers only from session.c" \
    $core_files -- nntp ctl
forbid "server/ctl/ (loomctl) runs no loop: no sessions or handlers" \
    server/ctl/*.[ch] -- nntp intake feed
bad=$(grep -nE '#include *"(server|session|writer|compress|tls)\.h"' server/ctl/*.[ch] 2>/dev/null)
[ -n "$bad" ] && fail "server/ctl/ (loomctl) runs no loop" "$bad"
forbid "server/http/ reaches no handler, intake, feed or loomctl" \
    server/http/*.[ch] -- nntp intake feed ctl
bad=$(grep -nE '#include *"(filter|password)\.h"' server/http/*.[ch] \
    2>/dev/null)
[ -n "$bad" ] && fail "server/http/ uses only access, rate limits and the \
pwcheck thread of server/policy/" "$bad"
re=$(headers http)
if [ -n "$re" ]; then
	# shellcheck disable=SC2086
	bad=$(grep -nE "#include *\"($re)\"" $(ls proto/*.[ch] storage/*.[ch] \
	    server/*/*.[ch] | grep -v '^server/http/' | \
	    grep -v '^server/core/server\.c$') 2>/dev/null)
	[ -n "$bad" ] && fail "only server/loomd.c and server/core/server.c \
include server/http/" "$bad"
fi
exit $rc
