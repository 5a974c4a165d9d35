#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh [SECONDS] [NAME...]: a fuzzing campaign. Builds the libFuzzer harnesses of
# tests/fuzz (clang, AddressSanitizer, UndefinedBehaviorSanitizer) in build-fuzz, and runs
# each (or each NAME) for SECONDS (default 600) from its corpus in build-fuzz/corpus/NAME
# (seeded from the fixtures on the first run, kept and grown by every run), with a per-input
# limit of 10 s (superlinear time on inputs up to 1 MiB is a finding) and 2 GiB. Prints
# per harness the executions, their rate, the corpus and the findings (kept in
# build-fuzz/findings/NAME/); exit 1 when there is any. FUZZ_JOBS harnesses run at once
# (default: the number of CPUs).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
seconds=${1:-600}
[ $# -gt 0 ] && shift
jobs=${FUZZ_JOBS:-$(nproc)}
command -v clang >/dev/null || { echo "fuzz.sh: clang missing (apt-get install clang)" >&2; exit 2; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNESTCHECK_SANITIZE=ON \
	-DNESTCHECK_FUZZ=ON -DNESTCHECK_TESTS=OFF >/dev/null || exit 2
cmake --build build-fuzz -j"$(nproc)" >/dev/null || { cmake --build build-fuzz; exit 2; }

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do n=${f##*/fuzz_}; names+=("${n%.c}"); done
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The harnesses' files (and whatever a crash leaves) in a directory of the campaign's own.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/nestcheck-fuzz.XXXXXX") || exit 2
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

one() { # one NAME: run harness NAME, print its line
	local name=$1 corpus=build-fuzz/corpus/$1 found=build-fuzz/findings/$1 log seeds
	mkdir -p "$corpus" "$found"
	seeds=$(mktemp -d "$TMPDIR/seeds.XXXXXX")
	bash tests/fuzz/seeds.sh "$name" "$PWD" "$seeds" || { rm -rf "$seeds"; return 1; }
	log=build-fuzz/findings/$name.log
	build-fuzz/tests/fuzz/fuzz_"$name" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -max_total_time="$seconds" \
		-artifact_prefix="$found/" -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1
	local rc=$?
	rm -rf "$seeds"
	local execs rate cov
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	printf '%-13s %6s s %12s execs %8s/s  %s  corpus %5d  findings %d%s\n' "$name" "$seconds" "${execs:-?}" \
		"${rate:-?}" "${cov:-cov: ?}" "$(find "$corpus" -type f | wc -l)" "$(find "$found" -type f | wc -l)" \
		"$([ $rc -ne 0 ] && echo " (exit $rc, see $log)")"
}

echo "fuzzing ${#names[@]} harnesses, $seconds s each, $jobs at once"
t0=$SECONDS
running=0
for n in "${names[@]}"; do
	one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
cpu=$(awk -v n="${#names[@]}" -v s="$seconds" 'BEGIN { printf "%.2f", n * s / 3600 }')
total=$(find build-fuzz/findings -mindepth 2 -type f 2>/dev/null | wc -l)
echo "campaign: $cpu CPU hours in $((SECONDS - t0)) s of wall time; findings: $total"
[ "$total" -eq 0 ]
