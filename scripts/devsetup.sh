#!/bin/sh
# Prepare the development setup used by `make run`: a config file and a data
# directory under the given folder (default ./var), created only if missing
# so that local edits to var/loom.conf survive.
set -eu
dir=${1:-var}
mkdir -p "$dir/db"
abs=$(cd "$dir" && pwd)
# A self-signed certificate for development TLS (STARTTLS on 1119,
# implicit TLS on 1563).  Never use it in production.
if [ ! -f "$dir/tls/cert.pem" ] && command -v openssl >/dev/null 2>&1; then
	mkdir -p "$dir/tls"
	if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" \
	    -days 365 -subj "/CN=localhost" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    >/dev/null 2>&1; then
		chmod 600 "$dir/tls/key.pem"
		echo "loom: made a self-signed development certificate in $dir/tls"
	fi
fi
if [ ! -f "$dir/loom.conf" ]; then
	sed -e "s|^data = .*|data = $abs/db|" \
	    -e "s|^pathhost = .*|pathhost = loom.local|" \
	    -e "s|^domain = .*|domain = loom.local|" \
	    -e "s|^;cert = .*|cert = $abs/tls/cert.pem|" \
	    -e "s|^;key = .*|key = $abs/tls/key.pem|" \
	    -e "s|^;listen = 127.0.0.1:1563|listen = 127.0.0.1:1563|" \
	    -e "s|^;listen = 127.0.0.1:8080|listen = 127.0.0.1:8080|" \
	    -e "s|^;visitor_groups = .*|visitor_groups = local.general|" \
	    docs/loom.conf.example > "$dir/loom.conf"
	echo "loom: wrote $dir/loom.conf (edit it and restart, or send SIGHUP)"
fi
# The web pages on http://127.0.0.1:8080/, also in a var/loom.conf written
# before they existed.
if ! grep -q '^\[http\]' "$dir/loom.conf"; then
	printf '\n[http]\nlisten = 127.0.0.1:8080\n' >> "$dir/loom.conf"
	echo "loom: added the web pages (http://127.0.0.1:8080/) to $dir/loom.conf"
fi
# Visitors may comment on the sample thread (scripts/devseed.py posts it to
# local.general), also in a var/loom.conf written before they could.
if ! grep -q 'visitor_groups' "$dir/loom.conf"; then
	sed -i 's|^\[http\]$|[http]\nvisitor_groups = local.general|' \
	    "$dir/loom.conf"
	echo "loom: visitors may comment in local.general ($dir/loom.conf)"
fi
