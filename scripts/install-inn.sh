#!/bin/sh
# Install Debian's INN 2.7 (package inn2) for Loom's interoperability tests
# and benchmarks (tests/interop/inn.py runs private instances of it).
#
#   sh scripts/install-inn.sh
#
# POSIX sh (make runs it with sh, which is dash on Debian): no arrays, no
# "local", no bash-only expansions; dash -n must accept it.
#
# - Exits 0 at once when inn2 is already installed and usable.
# - Must run as root; otherwise prints what to run and exits 1.
# - Non-interactive.  While installing, a temporary policy-rc.d (only if the
#   host has none) keeps the stock services (innd on port 119, exim4) from
#   starting.  If the stock innd runs anyway it is stopped by the PID in
#   /run/news/innd.pid.
# - On hosts without a fully qualified name the package's post-install step
#   fails ("hostname does not resolve or domain not set in inn.conf"): the
#   script then sets "domain:" in /etc/news/inn.conf and runs
#   "dpkg --configure -a".
# - Exits non-zero with a message when it cannot install.
set -u

INN_BIN=/usr/lib/news/bin
INN_DOMAIN=${INN_DOMAIN:-inn.test}
POLICY=${LOOM_POLICY_RC:-/usr/sbin/policy-rc.d}  # tests point it elsewhere
APT_TIMEOUT=${APT_TIMEOUT:-900}     # seconds for each apt-get/dpkg run

say() { echo "install-inn: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

usable() {
	[ "$(dpkg-query -W -f='${Status}' inn2 2>/dev/null)" = "install ok installed" ] || return 1
	for usable_bin in innd nnrpd ctlinnd innxmit makedbz makehistory; do
		[ -x "$INN_BIN/$usable_bin" ] || return 1
	done
	id news >/dev/null 2>&1 || return 1
	return 0
}

# Stop the stock innd if it runs (it listens on port 119 on all interfaces).
stop_stock_innd() {
	stock_pidf=/run/news/innd.pid
	[ -r "$stock_pidf" ] || return 0
	stock_pid=$(head -n1 "$stock_pidf" 2>/dev/null | tr -dc 0-9)
	[ -n "$stock_pid" ] || return 0
	# Only if that PID really is innd.
	[ "$(cat /proc/"$stock_pid"/comm 2>/dev/null)" = innd ] || return 0
	say "stopping the stock innd (pid $stock_pid, port 119)"
	kill -TERM "$stock_pid" 2>/dev/null
	# Whole seconds: POSIX sleep takes no fractions.
	stock_wait=0
	while [ "$stock_wait" -lt 10 ]; do
		kill -0 "$stock_pid" 2>/dev/null || return 0
		sleep 1
		stock_wait=$((stock_wait + 1))
	done
	say "stock innd (pid $stock_pid) still running after 10 s; sending SIGKILL"
	kill -KILL "$stock_pid" 2>/dev/null
	return 0
}

if usable; then
	[ "$(id -u)" = 0 ] && stop_stock_innd
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	say "inn2 (INN 2.7) is not installed. As root, run:"
	say "    sh scripts/install-inn.sh"
	say "(or: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y inn2,"
	say " then set 'domain: $INN_DOMAIN' in /etc/news/inn.conf and run dpkg --configure -a"
	say " if the post-install step fails on a host without a fully qualified name)"
	exit 1
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script is for Debian"

export DEBIAN_FRONTEND=noninteractive

# Keep stock services from starting while installing (only if the host has
# no policy-rc.d of its own; removed again on exit).
own_policy=0
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
	if [ "$own_policy" = 1 ]; then
		rm -f "$POLICY"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# temporary, from loom scripts/install-inn.sh\nexit 101\n' >"$POLICY" &&
		chmod 755 "$POLICY" && own_policy=1
fi

# Set domain: in /etc/news/inn.conf when the host name is not fully
# qualified and no domain is set (what makes inn2's postinst fail).
fix_domain() {
	inn_conf=/etc/news/inn.conf
	[ -f "$inn_conf" ] || return 1
	if grep -Eq '^[[:space:]]*domain:[[:space:]]*[^[:space:]]+' "$inn_conf"; then
		return 0
	fi
	say "setting 'domain: $INN_DOMAIN' in $inn_conf (host has no fully qualified name)"
	if grep -Eq '^[[:space:]]*domain:' "$inn_conf"; then
		sed -i -E "s/^[[:space:]]*domain:.*/domain:                 $INN_DOMAIN/" "$inn_conf"
	else
		printf 'domain:                 %s\n' "$INN_DOMAIN" >>"$inn_conf"
	fi
}

t0=$(date +%s)

# Finish a previously interrupted configuration first.
if [ "$(dpkg-query -W -f='${Status}' inn2 2>/dev/null)" != "" ] &&
	[ "$(dpkg-query -W -f='${Status}' inn2 2>/dev/null)" != "install ok installed" ]; then
	fix_domain
	timeout "$APT_TIMEOUT" dpkg --configure -a >&2 || true
fi

if ! usable; then
	if ! apt-cache show inn2 >/dev/null 2>&1 ||
		[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		say "apt-get update"
		timeout "$APT_TIMEOUT" apt-get update -q >&2 || die "apt-get update failed"
	fi
	say "apt-get install inn2"
	if ! timeout "$APT_TIMEOUT" apt-get install -y -q \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold inn2 >&2; then
		say "apt-get install inn2 failed; retrying its configuration with a domain set"
		fix_domain || die "inn2 did not unpack (no /etc/news/inn.conf); see apt-get output above"
		timeout "$APT_TIMEOUT" dpkg --configure -a >&2 ||
			die "dpkg --configure -a failed; see the output above"
	fi
fi

usable || die "inn2 is still not usable after installation (dpkg status: $(dpkg-query -W -f='${Status}' inn2 2>/dev/null))"

stop_stock_innd
say "inn2 $(dpkg-query -W -f='${Version}' inn2) installed in $(( $(date +%s) - t0 )) s; binaries in $INN_BIN"
exit 0
