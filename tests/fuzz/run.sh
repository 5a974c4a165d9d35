#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/fuzz/run.sh HARNESS NAME SOURCE_DIR SECONDS: the fuzz tier's test of one harness:
# replay its seed corpus (every seed must pass), then fuzz from it for SECONDS with a
# per-input time limit of 10 s (a parser that goes superlinear on an input of up to 1 MiB
# fails here) and report any finding with its input. Everything it makes is removed.
set -uo pipefail
harness=${1:?} name=${2:?} src=${3:?} seconds=${4:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nestcheck-fuzz-$name.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
bash "$src/tests/fuzz/seeds.sh" "$name" "$src" "$tmp/seeds" || exit 2
mkdir -p "$tmp/corpus" "$tmp/artifacts" "$tmp/t"
export TMPDIR=$tmp/t # whatever a harness leaves (a crash's files) goes with the rest
opts=(-timeout=10 -rss_limit_mb=2048 -max_len=1048576 -artifact_prefix="$tmp/artifacts/" -print_final_stats=1)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
n=$(find "$tmp/seeds" -type f | wc -l)
echo "fuzz_$name: replaying $n seeds"
if ! "$harness" "${opts[@]}" -runs=0 "$tmp/seeds" >"$tmp/replay.log" 2>&1; then
	tail -n 40 "$tmp/replay.log"
	echo "FAIL: a seed of fuzz_$name fails"
	exit 1
fi
echo "fuzz_$name: fuzzing for $seconds s"
"$harness" "${opts[@]}" -max_total_time="$seconds" "$tmp/corpus" "$tmp/seeds" >"$tmp/fuzz.log" 2>&1
rc=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$tmp/fuzz.log" | sed 's/^/  /'
if [ $rc -ne 0 ] || [ -n "$(ls -A "$tmp/artifacts")" ]; then
	grep -E 'ERROR|SUMMARY|fuzz property|Timeout|==[0-9]+==' "$tmp/fuzz.log" | head -n 20
	for a in "$tmp"/artifacts/*; do
		[ -f "$a" ] || continue
		echo "finding ${a##*/} ($(stat -c %s "$a") bytes), base64:"
		head -c 4096 "$a" | base64 | head -n 20
	done
	echo "FAIL: fuzz_$name found a problem (exit $rc)"
	exit 1
fi
echo "ok: fuzz_$name"
