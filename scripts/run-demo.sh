#!/bin/sh
# run-demo.sh: what `make run` does after building: a store with the demo
# registry, a console administrator, a gate policy, a gate user invited
# to set up a second factor and a finished inspection of the demo portal
# (first time only), the e-certificate authority (its keys sealed under a
# key-encryption key of mode 0600 beside the store), a config file with
# the console, gate and public listeners, then govsecd in the foreground,
# after printing the logins and the e-certificate tour of README.md.
# State lives in ./run (not in git).
set -eu
build=${1:-build}
dir=run
port=${GOVSEC_PORT:-8440}
gport=${GOVSEC_GATE_PORT:-8441}
pport=${GOVSEC_PUBLIC_PORT:-8442}
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
	rm -f "$db" "$db-wal" "$db-shm" "$db.key" "$db.heads" "$db.ecert.key"
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
# the e-certificate authority (docs/ecert.md): `ca init` makes the root,
# issuing and receipt keys (SM2) and seals them under the key-encryption
# key $db.ecert.key, which it makes with mode 0600 (a store of an older
# demo gets it here too)
if ! "$build/govsec" --db "$db" ca chain >/dev/null 2>&1; then
	"$build/govsec" --db "$db" ca init --org 江门市委机构编制委员会办公室 \
		>/dev/null
fi
# the establishment department's console account: only the issuer role
# approves names and issues certificates and logos in the console
# (docs/ecert.md, "Console and roles")
if [ ! -f "$dir/issuer-password" ]; then
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
	printf '%s\n' "$pw" |
		"$build/govsec" --db "$db" user add issuer --role issuer
	(umask 077 && printf '%s\n' "$pw" > "$dir/issuer-password")
fi
# the public listener's key for signed leave-site links (LINK-3)
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
# for anyone: the leave-site prompt, the e-certificate verification
# service, the CRL, logo pages and the transparency log (docs/api.md)
listen = 127.0.0.1:$pport
leave_key = $dir/leave.key

[ecert]
kek = $db.ecert.key
# where the badges' QR codes point, and what the inspector recognises
public_url = http://localhost:$pport

[counterfeit]
# drop feed files here (docs/counterfeit.md): each new one is scanned once
feed_dir = $dir/feeds
interval = 10

# confirmed counterfeits: the RPZ and lists, rewritten on change
# (docs/counterfeit.md); stopped names point at the warning page
[takedown]
dir = $dir/takedown
warning_host = localhost
interval_seconds = 5
CONF
mkdir -p "$dir/feeds"
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
echo "  or as issuer:    issuer / $(cat "$dir/issuer-password")" \
	"(the establishment department: names, certificates, logos)"
echo "  gate portal:     http://localhost:$gport/govsec/login"
echo "  gate user:       demo / $(cat "$dir/gate-password")" \
	"(sets up a second factor at the first login)"
echo "  complaint form:  http://localhost:$pport/complaint"
echo "  takedown (RPZ):  $dir/takedown/govsec.rpz" \
	"(warning page: http://localhost:$pport/warning)"
echo "  CLI:             $build/govsec --db $db check"
echo "  counterfeits:    echo jiangmen-gov.cn > $dir/feeds/new.txt" \
	"(scanned within 10 s; $build/govsec --db $db counterfeit scan FILE)"
echo "  public listener: http://localhost:$pport/v1/tlog/head"
echo
echo "  e-certificates, online names, logos and the log, in another shell"
echo "  (README.md, \"A tour\"; ids and indexes as in a fresh ./run):"
echo "    $build/govsec --db $db cert issue 11440700007250010K --key-out $dir/unit.key"
echo "    $build/govsec --db $db name apply 江门市人民政府门户网站 --unit 11440700007250010K --app jm-portal"
echo "    $build/govsec --db $db name approve 1"
echo "    id=\$($build/govsec --db $db logo issue jm-portal)"
echo "    curl http://localhost:$pport/v1/logo/\$id"
echo "    $build/govsec --db $db tlog prove 3"
echo "    curl http://localhost:$pport/v1/tlog/head"
echo
echo "  stop with Ctrl-C"
echo
exec "$build/govsecd" -f -c "$dir/govsec.conf"
