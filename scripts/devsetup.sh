#!/bin/sh
# Prepare the development setup used by `make run`: a config file and a data
# directory under the given folder (default ./var), created only if missing
# so that local edits to var/loom.conf survive.
set -eu
dir=${1:-var}
mkdir -p "$dir/db"
abs=$(cd "$dir" && pwd)
if [ ! -f "$dir/loom.conf" ]; then
	sed -e "s|^data = .*|data = $abs/db|" \
	    -e "s|^pathhost = .*|pathhost = loom.local|" \
	    -e "s|^domain = .*|domain = loom.local|" \
	    docs/loom.conf.example > "$dir/loom.conf"
	echo "loom: wrote $dir/loom.conf (edit it and restart, or send SIGHUP)"
fi
