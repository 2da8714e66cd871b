#!/usr/bin/env bash
# bench/pg_scale.sh: how govsec's cost on PostgreSQL grows with the size of
# the registry (issue 14, item 4). For each size N (units; 3N applications)
# on a private PostgreSQL 15 (bench/pg.py: initdb in a temporary directory,
# a Unix socket only, stopped at the end):
#   govsec import of bench/gen_registry.py's registry into an empty
#     database (over 1 GiB, the import's limit a file, the registry is
#     split by bench/split_registry.py and the documents go in one after
#     the other, each measured: the first into a new store, the others
#     into a filled one)                                      (measured)
#   a second database with the registry and the evidence check reads, made
#     as bench/check makes it: the SQLite import, bench/gen_evidence.py,
#     govsec gate import and summarize, govsec store copy, VACUUM ANALYZE
#                                                  (not measured: set-up)
#   govsec check (text) on it                                 (measured)
#   psql: COPY ... TO STDOUT of the tables check reads, to /dev/null
#     (the floor, as in bench/check_pg.sh)                    (measured)
# Each measured step: wall seconds, govsec's CPU seconds and peak RSS
# (/usr/bin/time), the server's CPU seconds and peak PSS (bench/pg.py
# watch), the load average before and after; a table at the end.
# Usage: bench/pg_scale.sh N...  (e.g. 100000 300000 1000000)
#   DATA=DIR   keeps the registries and the set-up's key files there, and
#              reuses them (default: a temporary directory, removed)
#   PG_DIR=DIR a server bench/pg.py started (left running); a database
#              check_N there is reused instead of set up again
#   BUILD=DIR  the build with govsec (default build)
#   STEPS=import the imports alone; STEPS=check the set-up, check and
#              floor alone (default: all)
#   PARTS=K    splits every registry into K documents of about equal size
#              (bench/split_registry.py), whatever its size: the second
#              and later go into a filled store (the 1,000,000-unit
#              registry is split in two anyway: over 1 GiB)
#   AGAIN=1    then imports the first document once more (a re-import
#              into a filled store: every record replaces a stored one),
#              measured as document K+1
#   CHECK_IMPORT=1 also checks the import's database (the registry
#              without evidence) before it is dropped, and scans its
#              registry tables with psql (that check's floor)
# Nothing is asserted: the exit status is 0 unless a step could not run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
govsec=${BUILD:-$src/build}/govsec
now=${NOW:-2026-11-26}
steps=${STEPS:-all}

die() { echo "bench/pg_scale.sh: $*" >&2; exit 2; }
[ $# -gt 0 ] || die "usage: bench/pg_scale.sh N..."
[ -x "$govsec" ] || die "$govsec is missing: build it first"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
command -v psql >/dev/null ||
	die "psql is missing (Debian package 'postgresql-client')"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/govsec-pgscale.XXXXXX")
data=${DATA:-$tmp}
mkdir -p "$data"
pg_dir=${PG_DIR:-}
own_pg=0
cleanup() {
	[ "$own_pg" = 0 ] || python3 "$here/pg.py" stop "$pg_dir"
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$pg_dir" ]; then
	echo "== starting a private PostgreSQL 15"
	out=$(python3 "$here/pg.py" start) || die "PostgreSQL did not start"
	pg_dir=${out%% *}
	own_pg=1
fi
uri() { echo "postgresql://govsec@/$1?host=$pg_dir&port=5432"; }
has_db() {
	[ "$(psql -X -At -d "$(uri postgres)" -c "SELECT count(*) FROM \
pg_database WHERE datname = '$1'")" = 1 ]
}

declare -A res
# measure KEY DB CMD...: CMD under /usr/bin/time with the server's
# processes for database DB watched (its backends and the server's own);
# exit statuses 0, 1 and 3 (check's verdicts) are fine. res[KEY]: wall s,
# govsec cpu s, govsec MB, server cpu s, server MB, load before-after
measure() {
	local key=$1 db=$2 wpid rc=0 l0
	shift 2
	python3 "$here/pg.py" watch "$pg_dir" "$tmp/$key.srv" "$db" &
	wpid=$!
	while [ ! -e "$tmp/$key.srv.ready" ]; do
		kill -0 "$wpid" 2>/dev/null || die "bench/pg.py watch failed"
		sleep 0.05
	done
	l0=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/$key.time" "$@" \
		>/dev/null 2>"$tmp/$key.err" || rc=$?
	kill "$wpid"
	wait "$wpid" || true
	case $rc in
	0 | 1 | 3) ;;
	*) cat "$tmp/$key.err" >&2; die "$key: exit status $rc" ;;
	esac
	res[$key]=$(awk -v l0="$l0" -v l1="$(cut -d' ' -f1 /proc/loadavg)" \
		'NR == FNR { w = $1; c = $2 + $3; m = $4 / 1024; next }
		{ printf "%.2f %.2f %.0f %.2f %s %s-%s", w, c, m, $2, $1, l0, l1 }' \
		"$tmp/$key.time" "$tmp/$key.srv")
	echo "   $key: ${res[$key]}"
	echo "   (wall s, govsec cpu s, govsec MB, server cpu s, server MB, load)"
}

import_size() { # N, with docs set
	local n=$1 i
	echo "== $n: govsec import (${#docs[@]} document(s)) into PostgreSQL"
	! has_db "import_$n" ||
		psql -X -q -d "$(uri postgres)" -c "DROP DATABASE import_$n"
	python3 "$here/pg.py" createdb "$pg_dir" "import_$n" >/dev/null
	for i in "${!docs[@]}"; do
		measure "import_${n}_$((i + 1))" "import_$n" "$govsec" --db \
			"$(uri "import_$n")" import "${docs[$i]}"
	done
	if [ "${AGAIN:-0}" = 1 ]; then
		echo "== $n: the first document again (a re-import)"
		measure "again_$n" "import_$n" "$govsec" --db \
			"$(uri "import_$n")" import "${docs[0]}"
	fi
	# the sum over the documents (peaks: the largest)
	res[import_$n]=$(for i in "${!docs[@]}"; do
		echo "${res[import_${n}_$((i + 1))]}"
	done | awk '{ w += $1; c += $2; s += $4; m = $3 > m ? $3 : m
		p = $5 > p ? $5 : p; l = l (NR > 1 ? "," : "") $6 }
		END { printf "%.2f %.2f %.0f %.2f %.0f %s", w, c, m, s, p, l }')
	res[size_$n]=$(psql -X -At -d "$(uri "import_$n")" -c \
		"SELECT pg_database_size(current_database()) / 1048576")
	if [ "${CHECK_IMPORT:-0}" = 1 ]; then
		psql -X -q -d "$(uri "import_$n")" -c "VACUUM ANALYZE"
		echo "== $n: govsec check (text) of the registry alone"
		measure "regcheck_$n" "import_$n" "$govsec" --db \
			"$(uri "import_$n")" check --now "$now"
		for t in units apps domains outsourcers people grants; do
			echo "COPY $t TO STDOUT;"
		done > "$tmp/regfloor.sql"
		measure "regfloor_$n" "import_$n" psql -X -q -v \
			ON_ERROR_STOP=1 -d "$(uri "import_$n")" \
			-f "$tmp/regfloor.sql"
	fi
	psql -X -q -d "$(uri postgres)" -c "DROP DATABASE import_$n"
}

check_size() { # N, with docs set
	local n=$1 p t db
	if ! has_db "check_$n"; then
		echo "== $n: setting up the store check reads"
		db=$data/store-$n.db
		rm -f "$db" "$db-wal" "$db-shm" "$db.key"
		for p in "${docs[@]}"; do
			"$govsec" --db "$db" import "$p" >/dev/null
		done
		python3 "$here/gen_evidence.py" --now "$now" \
			--gate-hosts 2000 "$db" "$tmp/gate-$n.json"
		"$govsec" --db "$db" gate import "$tmp/gate-$n.json" >/dev/null
		"$govsec" --db "$db" summarize >/dev/null
		python3 "$here/pg.py" createdb "$pg_dir" "check_$n" >/dev/null
		"$govsec" store copy "$db" "$(uri "check_$n")" --quiet
		psql -X -q -d "$(uri "check_$n")" -c "VACUUM ANALYZE"
		rm -f "$db" "$db-wal" "$db-shm"
	fi
	echo "== $n: govsec check (text) on PostgreSQL"
	measure "check_$n" "check_$n" "$govsec" --db "$(uri "check_$n")" \
		check --now "$now"
	echo "== $n: psql scan (floor)"
	for t in units apps domains outsourcers people grants finding_acks \
		insp_runs probe_results gate_policy gate_users \
		gate_rule_stats; do
		echo "COPY $t TO STDOUT;"
	done > "$tmp/floor.sql"
	measure "floor_$n" "check_$n" psql -X -q -v ON_ERROR_STOP=1 \
		-d "$(uri "check_$n")" -f "$tmp/floor.sql"
	res[with_$n]=$(psql -X -At -d "$(uri "check_$n")" -c \
		"SELECT pg_database_size(current_database()) / 1048576")
}

for n in "$@"; do
	reg=$data/registry-$n.json
	if [ ! -s "$reg" ]; then
		echo "== generating $n units"
		python3 "$here/gen_registry.py" --units "$n" -o "$reg.tmp"
		mv "$reg.tmp" "$reg"
	fi
	docs=("$reg")
	if [ -n "${PARTS:-}" ]; then
		# K parts of about equal size, the slack for their heads
		mapfile -t docs < <(python3 "$here/split_registry.py" "$reg" \
			"$tmp/part-$n" "$(($(stat -L -c %s "$reg") / PARTS + 65536))")
	elif [ "$(stat -L -c %s "$reg")" -gt 1073741824 ]; then
		mapfile -t docs < <(python3 "$here/split_registry.py" "$reg" \
			"$tmp/part-$n")
	fi
	res[docs_$n]=${#docs[@]}
	res[reg_$n]="$(($(stat -L -c %s "$reg") / 1048576)) ${#docs[@]}"
	# the keyed audit links: a key file of the size's own
	printf '[store]\nkey = %s\n' "$data/store-$n.db.key" > "$tmp/$n.conf"
	export GOVSEC_CONF=$tmp/$n.conf
	[ "$steps" = check ] || import_size "$n"
	[ "$steps" = import ] || check_size "$n"
	rm -f "$tmp"/part-"$n".*.json
done

echo
printf 'govsec %s on PostgreSQL 15, %s CPUs, load now %s\n' \
	"$("$govsec" --version | awk '{print $2}')" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
row() { # LABEL KEY FIELD...: fields of res[KEY_N], joined by " / "
	local label=$1 key=$2 n
	shift 2
	printf '%-34s' "$label"
	for n in $sizes; do
		printf ' %24s' "$(echo "${res[${key}_$n]:--}" |
			awk -v f="$*" '$0 == "-" { print; next }
			{ k = split(f, a, " "); s = ""
			for (i = 1; i <= k; i++) s = s (i > 1 ? " / " : "") $a[i]
			print s }')"
	done
	echo
}
sizes="$*"
printf '%-34s' units
for n in $sizes; do printf ' %24s' "$n"; done
echo
row "registry MB / documents" reg 1 2
row "import: wall s / govsec cpu s" import 1 2
row "import: govsec MB / server cpu s" import 3 4
row "import: server MB / load" import 5 6
row "database after import, MB" size 1
row "database with evidence, MB" with 1
row "registry check: wall s / cpu s" regcheck 1 2
row "registry check: MB / server cpu s" regcheck 3 4
row "registry check: server MB / load" regcheck 5 6
row "registry floor: wall s / psql cpu s" regfloor 1 2
row "registry floor: server cpu s" regfloor 4
row "check: wall s / govsec cpu s" check 1 2
row "check: govsec MB / server cpu s" check 3 4
row "check: server MB / load" check 5 6
row "floor: wall s / psql cpu s" floor 1 2
row "floor: server cpu s / load" floor 4 6
for n in $sizes; do # the imports of several documents, each
	[ "${res[docs_$n]}" -gt 1 ] || continue
	for ((i = 1; i <= res[docs_$n]; i++)); do
		printf '%s units, import of document %d of %d: %s\n' "$n" \
			"$i" "${res[docs_$n]}" "${res[import_${n}_$i]:--}"
	done
done
for n in $sizes; do # AGAIN=1
	[ -n "${res[again_$n]:-}" ] || continue
	printf '%s units, the first document again: %s\n' "$n" \
		"${res[again_$n]}"
done
