#!/bin/sh
# fuzz-run.sh: runs each libFuzzer harness of a fuzz build (make fuzz) for
# SECONDS over its committed corpus. New inputs go to DIR/corpus/<name>
# (the committed corpus is only read); a crash is saved as
# DIR/crash-<name>-<hash> and the script ends with status 1 after the
# others ran. Usage: fuzz-run.sh DIR SECONDS [NAME...]
set -u
dir=${1:?usage: fuzz-run.sh DIR SECONDS [NAME...]}
secs=${2:?usage: fuzz-run.sh DIR SECONDS [NAME...]}
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi
failed=""
for name in "$@"; do
	bin="$dir/fuzz_$name"
	if [ ! -x "$bin" ]; then
		echo "fuzz-run: no harness '$bin' (run make fuzz)" >&2
		failed="$failed $name"
		continue
	fi
	mkdir -p "$dir/corpus/$name"
	echo "fuzz-run: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/crash-$name-" \
		"$dir/corpus/$name" "$src/tests/fuzz/corpus/$name" \
		>"$dir/fuzz-$name.log" 2>&1; then
		failed="$failed $name"
		grep -E 'ERROR|runtime error|Test unit written' \
			"$dir/fuzz-$name.log" >&2
	fi
	grep -E '^stat::number_of_executed_units' "$dir/fuzz-$name.log" |
		sed "s/^/fuzz-run: $name: /"
done
if [ -n "$failed" ]; then
	echo "fuzz-run: failed:$failed (logs: $dir/fuzz-<name>.log)" >&2
	exit 1
fi
echo "fuzz-run: every harness ran ${secs}s without a failure"
