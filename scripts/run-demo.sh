#!/bin/sh
# run-demo.sh: what `make run` does after building: a store with the demo
# registry and a console administrator (first time only), a config file,
# then govsecd in the foreground. State lives in ./run (not in git).
set -eu
build=${1:-build}
dir=run
port=${GOVSEC_PORT:-8440}
mkdir -p "$dir"
chmod 700 "$dir"
db="$dir/govsec.db"
# Set up once, in a scratch directory renamed into place only when every
# step worked: a failed first run leaves nothing half made behind.
if [ ! -f "$db" ] || [ ! -f "$dir/admin-password" ]; then
	new=$(mktemp -d "$dir/.setup.XXXXXX")
	trap 'rm -rf "$new"' EXIT
	"$build/govsec" --db "$new/govsec.db" import data/demo.json
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
	(umask 077 && printf '%s\n' "$pw" > "$new/admin-password")
	printf '%s\n' "$pw" |
		"$build/govsec" --db "$new/govsec.db" user add admin --role admin
	rm -f "$db" "$db-wal" "$db-shm"
	mv "$new/govsec.db" "$db"
	mv "$new/admin-password" "$dir/admin-password"
	rm -rf "$new"
	trap - EXIT
fi
cat > "$dir/govsec.conf" <<CONF
# govsec.conf written by make run (see govsec.conf(5))
[store]
path = $db

[console]
listen = 127.0.0.1:$port
CONF
"$build/govsecd" -n -c "$dir/govsec.conf"
echo
echo "  govsec console:  http://localhost:$port/"
echo "  log in as:       admin / $(cat "$dir/admin-password")"
echo "  CLI:             $build/govsec --db $db check"
echo "  stop with Ctrl-C"
echo
exec "$build/govsecd" -f -c "$dir/govsec.conf"
