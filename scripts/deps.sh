#!/bin/sh
# Install Loom's build and test dependencies from Debian's archive.
# make runs this only when pkg-config cannot find a library.  As root it
# installs what is missing; otherwise it prints the command to run and fails.
#
# usage: sh scripts/deps.sh [soak|browser]
#   soak: also what `make soak` alone needs (valgrind); make soak runs it.
#   browser: also what tests/integration/test_browser.py needs (headless
#     Chromium, its WebDriver, Selenium); make check runs it (browser-deps).
set -u

# pkg-config name -> Debian package
pairs="libevent:libevent-dev libevent_openssl:libevent-dev
libevent_pthreads:libevent-dev lmdb:liblmdb-dev openssl:libssl-dev
cmocka:libcmocka-dev inih:libinih-dev zlib:zlib1g-dev
libsystemd:libsystemd-dev libcanlock-3:libcanlock-dev"

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
for pair in $pairs; do
	pc=${pair%%:*}
	deb=${pair#*:}
	if ! pkg-config --exists "$pc" 2>/dev/null; then
		case " $missing " in *" $deb "*) ;; *) missing="$missing $deb" ;; esac
	fi
done
# The tests drive the server with Python's nntplib and Perl's Net::NNTP.
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
perl -MNet::NNTP -e 1 >/dev/null 2>&1 || missing="$missing perl libnet-perl"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
# tests/integration/test_cancel.py makes clients' Cancel-Locks and keys
# with Debian's canlock command, not with the code loomd uses.
command -v canlock >/dev/null 2>&1 || missing="$missing canlock"
# tests/integration/test_install.py checks the unit with systemd-analyze
# verify (offline: systemd need not be running).
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
# loomd checks signed control messages with gpgv ([control] gpgv);
# tests/integration/test_control.py makes its keys and signs with gpg.
command -v gpgv >/dev/null 2>&1 || missing="$missing gpgv"
command -v gpg >/dev/null 2>&1 || missing="$missing gpg"
# The soak runs the integration tests with loomd under valgrind memcheck.
if [ "${1:-}" = soak ]; then
	command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
fi

# The browser test drives Debian's Chromium through Selenium.  The tests
# may run under a Python other than Debian's (test_browser.py also looks in
# Debian's dist-packages), so the package is what is checked.
if [ "${1:-}" = browser ]; then
	command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
	command -v chromedriver >/dev/null 2>&1 ||
	    missing="$missing chromium-driver"
	if ! python3 -c 'import selenium' >/dev/null 2>&1 &&
	    ! /usr/bin/python3 -c 'import selenium' >/dev/null 2>&1; then
		missing="$missing python3-selenium"
	fi
fi

missing=$(echo $missing)
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" != 0 ]; then
	echo "loom: missing build dependencies. As root, run:" >&2
	echo "    apt-get update && $cmd" >&2
	exit 1
fi
echo "loom: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || exit 1
apt-get install -y -q --no-install-recommends $missing >&2 || exit 1
exit 0
