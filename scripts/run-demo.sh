#!/bin/sh
# run-demo.sh: what `make run` does after building: a store with the demo
# registry, a console administrator, a gate policy, a gate user invited
# to set up a second factor and a finished inspection of the demo portal
# (first time only), a config file, then govsecd in the foreground. State
# lives in ./run (not in git).
set -eu
build=${1:-build}
dir=run
port=${GOVSEC_PORT:-8440}
gport=${GOVSEC_GATE_PORT:-8441}
mkdir -p "$dir"
chmod 700 "$dir"
db="$dir/govsec.db"
# Set up once, in a scratch directory renamed into place only when every
# step worked: a failed first run leaves nothing half made behind.
if [ ! -f "$db" ] || [ ! -f "$dir/admin-password" ] ||
	[ ! -f "$dir/gate-password" ]; then
	new=$(mktemp -d "$dir/.setup.XXXXXX")
	site=
	trap 'if [ -n "$site" ]; then kill "$site"; fi; rm -rf "$new"' EXIT
	"$build/govsec" --db "$new/govsec.db" import data/demo.json
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
	(umask 077 && printf '%s\n' "$pw" > "$new/admin-password")
	printf '%s\n' "$pw" |
		"$build/govsec" --db "$new/govsec.db" user add admin --role admin
	# the access gate: a policy, and a user who sets up TOTP or a
	# security key at the first login (docs/gate.md)
	"$build/govsec" --db "$new/govsec.db" gate import data/demo-gate.json
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
	(umask 077 && printf '%s\n' "$pw" > "$new/gate-password")
	printf '%s\n' "$pw" | "$build/govsec" --db "$new/govsec.db" gate user \
		add demo --groups staff --display 演示用户
	"$build/govsec" --db "$new/govsec.db" gate invite demo --hours 720
	# a finished inspection, so the console's Inspections pages are not
	# empty: data/demo-site served on 127.0.0.1 for a moment, inspected as
	# the demo portal www.jiangmen.gov.cn; every other name resolves to
	# nothing, so nothing leaves the machine (docs/inspect.md)
	python3 - data/demo-site > "$new/site.port" <<'PY' &
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
print(srv.server_address[1], flush=True)  # listening by now
srv.serve_forever()
PY
	site=$!
	tries=0
	while [ ! -s "$new/site.port" ]; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$site" 2>/dev/null; then
			echo "run-demo.sh: the demo site did not start" >&2
			exit 1
		fi
		sleep 0.1
	done
	rc=0
	"$build/govsec" --db "$new/govsec.db" inspect \
		http://www.jiangmen.gov.cn/ --allow-private --resolve \
		"www.jiangmen.gov.cn=127.0.0.1:$(cat "$new/site.port"),*=none" \
		--no-external --timeout 5 --retries 0 --max-seconds 60 \
		--output /dev/null ||
		rc=$?
	kill "$site"
	wait "$site" 2>/dev/null || true
	site=
	# 1: the inspection found failing checks, as a demo should
	if [ "$rc" -gt 1 ]; then
		echo "run-demo.sh: the demo inspection failed" >&2
		exit 1
	fi
	rm -f "$db" "$db-wal" "$db-shm" "$db.key" "$db.heads"
	mv "$new/govsec.db" "$db"
	# the store's key file (the audit chain is keyed with it) and the
	# heads of the chain go with it (docs/audit.md)
	mv "$new/govsec.db.key" "$db.key"
	mv "$new/govsec.db.heads" "$db.heads"
	mv "$new/admin-password" "$dir/admin-password"
	mv "$new/gate-password" "$dir/gate-password"
	rm -rf "$new"
	trap - EXIT
fi
# the public listener (complaint form, warning page of stopped
# counterfeits) signs leave links with a key of its own
pport=${GOVSEC_PUBLIC_PORT:-8442}
if [ ! -f "$dir/leave.key" ]; then
	(umask 077 && head -c 32 /dev/urandom > "$dir/leave.key")
fi
mkdir -p "$dir/takedown"
cat > "$dir/govsec.conf" <<CONF
# govsec.conf written by make run (see govsec.conf(5))
[store]
path = $db

[console]
listen = 127.0.0.1:$port
# the demo logs in with a password alone; the default (required) wants a
# second factor: govsec user totp admin (govsec(1))
two_factor = optional

[gate]
listen = 127.0.0.1:$gport

[public]
listen = 127.0.0.1:$pport
leave_key = $dir/leave.key

# confirmed counterfeits: the RPZ and lists, rewritten on change
# (docs/counterfeit.md); stopped names point at the warning page
[takedown]
dir = $dir/takedown
warning_host = localhost
interval_seconds = 5
CONF
# govsecd refuses root without [daemon] user (govsecd(8)); this demo on
# loopback, run as root, lets it stay root: a deployment sets the user.
if [ "$(id -u)" = 0 ]; then
	GOVSEC_ALLOW_ROOT=yes
	export GOVSEC_ALLOW_ROOT
fi
"$build/govsecd" -n -c "$dir/govsec.conf"
echo
echo "  govsec console:  http://localhost:$port/"
echo "  log in as:       admin / $(cat "$dir/admin-password")"
echo "  gate portal:     http://localhost:$gport/govsec/login"
echo "  gate user:       demo / $(cat "$dir/gate-password")" \
	"(sets up a second factor at the first login)"
echo "  complaint form:  http://localhost:$pport/complaint"
echo "  takedown (RPZ):  $dir/takedown/govsec.rpz" \
	"(warning page: http://localhost:$pport/warning)"
echo "  CLI:             $build/govsec --db $db check"
echo "  stop with Ctrl-C"
echo
exec "$build/govsecd" -f -c "$dir/govsec.conf"
