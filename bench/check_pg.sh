# bench/check_pg.sh: the PostgreSQL half of bench/check (STORE=pg), sourced
# by it; uses its variables ($govsec, $tmp, $reg, $db, $now, $units) and
# its measure() and import_step(). pg_import runs before the SQLite import,
# pg_run after the SQLite store was filled with the evidence.
#
#   1. starts a private PostgreSQL 15 (bench/pg.py: tests/e2e/pgserver.py
#      in a temporary directory, Unix socket only, stopped at the end);
#   2. times, with the server watched (its peak PSS and CPU seconds beside
#      govsec's own figures):
#        govsec import into an empty database       (pg_import)
#      and, once the SQLite store has its evidence:
#        govsec store copy of the SQLite store with its evidence into a
#          second empty database                    (pg_copy)
#        govsec check (text) on that database       (pg_check)
#        govsec check --format json                 (pg_check_json)
#        psql: COPY ... TO STDOUT of the tables check reads, to /dev/null
#          (the floor, as the sqlite3 scan is SQLite's)      (pg_floor)
#   3. pg_report prints the table and check / floor.
# The database of the import is dropped before the copy (disk).

pg_dir=""
pg_stop() {
	[ -n "$pg_dir" ] && python3 "$here/pg.py" stop "$pg_dir"
	pg_dir=""
}

declare -A srv_rss srv_cpu
# pg_measure NAME EXPECTED-STATUSES CMD...: measure, with the server's
# peak memory and CPU recorded beside.
pg_measure() {
	local name=$1 wpid
	python3 "$here/pg.py" watch "$pg_dir" "$tmp/$name.srv" &
	wpid=$!
	while [ ! -e "$tmp/$name.srv.ready" ]; do
		kill -0 "$wpid" 2>/dev/null || die "bench/pg.py watch failed"
		sleep 0.05
	done
	measure "$@" || { kill "$wpid"; wait "$wpid" || true; return 1; }
	kill "$wpid"
	wait "$wpid" || true
	read -r "srv_rss[$name]" "srv_cpu[$name]" < "$tmp/$name.srv"
}

pg_import() {
	local out uri_imp
	command -v psql >/dev/null ||
		die "psql is missing (Debian package 'postgresql-client')"
	echo "== starting a private PostgreSQL 15"
	out=$(python3 "$here/pg.py" start) || die "PostgreSQL did not start"
	pg_dir=${out%% *}
	trap 'pg_stop; rm -rf "$tmp"' EXIT
	# the keyed audit links of both stores are under the SQLite store's
	# key (made by the SQLite import, after this one: the file is named)
	printf '[store]\nkey = %s\n' "$db.key" > "$tmp/pg.conf"
	export GOVSEC_CONF=$tmp/pg.conf
	uri_imp=$(python3 "$here/pg.py" createdb "$pg_dir" bench_import)
	echo "== govsec import${imports[1]:+ (${#imports[@]} documents)}" \
		"(PostgreSQL)"
	import_step pg_import "$uri_imp" pg_measure
	pg_size_import=$(psql -X -At -d "$uri_imp" -c \
		"SELECT pg_database_size(current_database()) / 1048576")
	psql -X -q -d "${uri_imp/bench_import/postgres}" \
		-c "DROP DATABASE bench_import"
	rm -f "$db.key" # made by this import: the SQLite store makes its own
}

pg_run() {
	local floor_sql
	pg_uri=$(python3 "$here/pg.py" createdb "$pg_dir" bench_check)
	echo "== govsec store copy (SQLite with evidence -> PostgreSQL)"
	pg_measure pg_copy 0 "$govsec" store copy "$db" "$pg_uri" --quiet
	psql -X -q -d "$pg_uri" -c "VACUUM ANALYZE"
	echo "== govsec check (text, failures only; PostgreSQL)"
	pg_measure pg_check 0,1,3 "$govsec" --db "$pg_uri" check --now "$now"
	"$govsec" --db "$pg_uri" check --now "$now" | tail -2 |
		sed 's/^/   /' || true
	if [ "${JSON:-1}" = 1 ]; then
		echo "== govsec check --format json (PostgreSQL)"
		pg_measure pg_check_json 0,1,3 "$govsec" --db "$pg_uri" check \
			--now "$now" --format json
	fi
	echo "== psql scan (floor)"
	floor_sql=$tmp/floor.sql
	for t in units apps domains outsourcers people grants finding_acks \
		insp_runs probe_results gate_policy gate_users \
		gate_rule_stats; do
		echo "COPY $t TO STDOUT;"
	done > "$floor_sql"
	pg_measure pg_floor 0 psql -X -q -v ON_ERROR_STOP=1 -d "$pg_uri" \
		-f "$floor_sql"
	pg_size=$(psql -X -At -d "$pg_uri" -c \
		"SELECT pg_database_size(current_database()) / 1048576")
	pg_stop
}

pg_report() {
	echo
	printf 'PostgreSQL 15 (private server; database %s MB after import,' \
		"$pg_size_import"
	printf ' %s MB with the evidence), load %s\n' "${pg_size:--}" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-30s %8s %8s %8s %9s %9s\n' step "wall s" "cpu s" "peak MB" \
		"server s" "server MB"
	local n l
	for n in pg_import:"govsec import" pg_copy:"govsec store copy" \
		pg_check:"govsec check (text)" \
		pg_check_json:"govsec check --format json" \
		pg_floor:"psql scan (floor)"; do
		l=${n#*:}
		n=${n%%:*}
		[ -n "${wall[$n]:-}" ] || continue
		printf '%-30s %8s %8s %8s %9s %9s\n' "$l" "${wall[$n]}" \
			"${cpu[$n]}" "${rss[$n]}" "${srv_cpu[$n]}" "${srv_rss[$n]}"
	done
	[ -z "${wall[pg_check]:-}" ] ||
		awk -v c="${wall[pg_check]:-0}" -v f="${wall[pg_floor]:-0}" \
		-v cc="${cpu[pg_check]:-0}" -v sc="${srv_cpu[pg_check]:-0}" \
		-v fc="${cpu[pg_floor]:-0}" -v fs="${srv_cpu[pg_floor]:-0}" \
		'BEGIN { if (f <= 0) f = 0.01; if (fc + fs <= 0) fc = 0.01
		printf "PostgreSQL check / floor: %.1fx wall, %.1fx cpu " \
			"(govsec + server)\n", c / f, (cc + sc) / (fc + fs) }'
	awk -v p="${wall[pg_import]}" -v s="${wall[import]}" \
		-v c="${wall[pg_check]:-0}" -v k="${wall[check]:-0}" \
		-v pc="${cpu[pg_import]}" -v ps="${srv_cpu[pg_import]}" \
		-v sc="${cpu[import]}" \
		'BEGIN { if (s <= 0) s = 0.01; if (sc <= 0) sc = 0.01
		printf "PostgreSQL / SQLite: import %.1fx wall, %.1fx cpu " \
			"(govsec + server / govsec)", p / s, (pc + ps) / sc
		if (k > 0) printf ", check %.1fx wall", c / k
		printf "\n" }'
}
