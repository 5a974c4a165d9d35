#!/bin/bash
# valgrind: no error on a live run, on every fixture replay, on every --report
# format of one run, and on nestcheck merge (JSON, JUnit and HTML) of the fixtures' reports.
set -u
nestcheck=$1 src=$2
command -v valgrind >/dev/null || { echo "SKIP: valgrind missing"; exit 77; }
fail=0
run() {
	local log
	log=$(mktemp)
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--child-silent-after-fork=yes "$nestcheck" "$@" >/dev/null 2>"$log"
	local rc=$?
	# valgrind 3.19 does not know openat2 (437) nor pidfd_open (434): nestcheck takes its
	# fallback paths then.
	sed -i -e '/unhandled amd64-linux syscall: 43[47]/,/Nevertheless we consider this a bug/d' \
		-e '/it at http:\/\/valgrind.org\/support\/bug_reports.html/d' "$log"
	if [ $rc = 99 ] || [ -s "$log" ]; then
		echo "FAIL: valgrind nestcheck $*"; cat "$log"; fail=1
	else
		echo "ok: valgrind nestcheck $* (exit $rc, 0 errors)"
	fi
	rm -f "$log"
}
run --no-launch
run --no-launch --json
for dir in "$src"/fixtures/*/root; do
	run --root "$dir"
	run --root "$dir" --json
done
out=$(mktemp -d)
run --root "$src/fixtures/vm-lxd-no-nesting/root" --report tap:"$out/r.tap" --report nagios:"$out/r.nagios" \
	--report prometheus:"$out/r.prom" --report junit:"$out/r.xml" --report json
run merge --json --junit "$out/fleet.xml" --html "$out/fleet.html" "$src"/fixtures/*/expected.json
rm -rf "$out"
exit $fail
