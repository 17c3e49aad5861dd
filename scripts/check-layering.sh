#!/bin/sh
# proto/ is pure (libc only); storage/ alone includes lmdb.h and knows nothing
# of the server or of libevent.  A violation fails the build.
set -u
rc=0
bad=$(grep -nE '#include *[<"](event2/|lmdb\.h|openssl/|store\.h|server\.h)' proto/*.[ch] 2>/dev/null)
[ -n "$bad" ] && { echo "layering: proto/ must stay pure:"; echo "$bad"; rc=1; }
bad=$(grep -nE '#include *[<"](event2/|openssl/|server\.h)' storage/*.[ch] 2>/dev/null)
[ -n "$bad" ] && { echo "layering: storage/ must not reach into the server:"; echo "$bad"; rc=1; }
bad=$(grep -lE '#include *[<"]lmdb\.h' server/*.[ch] tests/unit/*.c 2>/dev/null)
[ -n "$bad" ] && { echo "layering: only storage/ speaks LMDB:"; echo "$bad"; rc=1; }
exit $rc
