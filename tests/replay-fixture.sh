#!/bin/bash
# Replay one captured sysroot and diff both reports with its reviewed goldens.
# UPDATE_GOLDEN=1 rewrites the goldens instead (review them before committing).
set -u
nestcheck=$1 dir=$2
root=$dir/root
[ -d "$root" ] || { echo "no $root"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

NO_COLOR=1 "$nestcheck" --root "$root" >"$tmp/report.txt" 2>"$tmp/stderr.txt"
rc_human=$?
"$nestcheck" --root "$root" --json 2>>"$tmp/stderr.txt" |
	sed -E 's/"duration_ms": [0-9.]+/"duration_ms": 0/' >"$tmp/report.json"
rc_json=${PIPESTATUS[0]}
echo "$rc_human" >"$tmp/exit-status"

if [ "$rc_human" != "$rc_json" ]; then
	echo "exit status differs: human $rc_human, json $rc_json"; exit 1
fi
if [ -s "$tmp/stderr.txt" ]; then
	echo "stderr not empty:"; cat "$tmp/stderr.txt"; exit 1
fi
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$tmp/report.txt" "$dir/expected.txt"
	cp "$tmp/report.json" "$dir/expected.json"
	cp "$tmp/exit-status" "$dir/expected-exit"
	echo "updated goldens of $dir"
	exit 0
fi
fail=0
for f in report.txt:expected.txt report.json:expected.json exit-status:expected-exit; do
	got=${f%%:*} want=${f##*:}
	if ! diff -u "$dir/$want" "$tmp/$got"; then fail=1; fi
done
exit $fail
