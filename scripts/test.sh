#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test.sh: run every test tier on this machine, as root. Installs what the
# tests need (scripts/setup.sh --test); the live tiers start and stop their own
# dockerd and LXD. Tiers: unit, cli, fixture, live, e2e, vm under AddressSanitizer and
# UndefinedBehaviorSanitizer; then valgrind on a plain build; the unit tier again
# built with clang, and the fuzz tier (each libFuzzer harness replays its seed
# corpus and fuzzes for 10 s). Every build treats warnings as errors.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 2

jobs=$(nproc)
status=0
passed=0
failed=0

# ctest_tier DIR ARGS...: run ctest, add its counts to the totals.
ctest_tier() {
	local dir=$1 log
	shift
	log=$(mktemp)
	(cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	local line
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
	if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
		failed=$((failed + BASH_REMATCH[1]))
		passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
	fi
	rm -f "$log"
}

# Warnings are errors in every test build, with gcc and with clang.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DNESTCHECK_SANITIZE=ON -DNESTCHECK_WERROR=ON >/dev/null || exit 2
cmake --build build-asan -j"$jobs" >/dev/null || { cmake --build build-asan; exit 2; }
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNESTCHECK_SANITIZE=OFF -DNESTCHECK_WERROR=ON >/dev/null || exit 2
cmake --build build-plain -j"$jobs" >/dev/null || { cmake --build build-plain; exit 2; }
# clang: the unit tier again, and the libFuzzer harnesses (ASan and UBSan in both).
cmake -S . -B build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNESTCHECK_SANITIZE=ON \
	-DNESTCHECK_FUZZ=ON -DNESTCHECK_WERROR=ON >/dev/null || exit 2
cmake --build build-clang -j"$jobs" >/dev/null || { cmake --build build-clang; exit 2; }

ctest_tier build-asan -j"$jobs" -L 'unit|cli|fixture|style'
ctest_tier build-asan -L live
ctest_tier build-asan -L e2e -V  # verbose: the scoreboards
ctest_tier build-asan -L vm -V   # a stock kernel under qemu; its scoreboard
ctest_tier build-plain -L valgrind
ctest_tier build-clang -j"$jobs" -L 'unit|fuzz' # fuzz: each harness replays its seeds, then fuzzes 10 s

echo
echo "total: $passed passed, $failed failed"
exit $status
